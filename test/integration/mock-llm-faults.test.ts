// Fault injection (headers, control API, server-wide), echo mode, auth, the request log and
// clean shutdown — the behaviours iron's reliability and safety tests lean on.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/server.js";
import type { MockLlmOptions } from "../../src/mock-llm/options.js";
import { parseSse } from "../../src/mock-llm/sse-parse.js";
import { countTokens } from "../../src/mock-llm/tokens.js";

// Response.json() is typed unknown; tests read arbitrary JSON.
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

const started: MockLlm[] = [];
async function start(options: MockLlmOptions = {}): Promise<MockLlm> {
  const mock = await startMockLlm(options);
  started.push(mock);
  return mock;
}
afterAll(() => Promise.all(started.map((m) => m.close())));

const OPENAI = { "content-type": "application/json", authorization: "Bearer sk-secret-openai" };
const ANTHROPIC = { "content-type": "application/json", "x-api-key": "sk-ant-secret", "anthropic-version": "2023-06-01" };
const chat = (mock: MockLlm, headers: Record<string, string> = {}, extra: object = {}) =>
  fetch(`${mock.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { ...OPENAI, ...headers },
    body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hello" }], ...extra }),
  });
const messages = (mock: MockLlm, headers: Record<string, string> = {}, extra: object = {}) =>
  fetch(`${mock.url}/v1/messages`, {
    method: "POST",
    headers: { ...ANTHROPIC, ...headers },
    body: JSON.stringify({ model: "claude-sonnet-4-20250514", max_tokens: 100, messages: [{ role: "user", content: "hello" }], ...extra }),
  });

// Reads a body until it ends or the connection is cut; returns what arrived and the error.
async function readUntilCut(res: Response): Promise<{ text: string; error: unknown }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, error: undefined };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

describe("per-request fault headers", () => {
  let mock: MockLlm;
  beforeAll(async () => {
    mock = await start();
  });

  it("x-mock-status answers that status with the provider's error body", async () => {
    const openai = await chat(mock, { "x-mock-status": "500" });
    expect(openai.status).toBe(500);
    expect(await json(openai)).toEqual({ error: { message: "The server had an error while processing your request. Sorry about that!", type: "server_error", param: null, code: null } });
    const anthropic = await messages(mock, { "x-mock-status": "529" });
    expect(anthropic.status).toBe(529);
    expect(await json(anthropic)).toEqual({ type: "error", error: { type: "overloaded_error", message: "Overloaded" }, request_id: anthropic.headers.get("request-id") });
  });

  it("429 carries retry-after (default 1 s; x-mock-retry-after overrides, with retry-after-ms)", async () => {
    const plain = await chat(mock, { "x-mock-status": "429" });
    expect(plain.headers.get("retry-after")).toBe("1");
    expect((await json(plain)).error).toMatchObject({ type: "requests", code: "rate_limit_exceeded" });
    const custom = await messages(mock, { "x-mock-status": "429", "x-mock-retry-after": "2.5" });
    expect(custom.headers.get("retry-after")).toBe("3");
    expect(custom.headers.get("retry-after-ms")).toBe("2500");
    expect((await json(custom)).error.type).toBe("rate_limit_error");
  });

  it("x-mock-should-retry sets x-should-retry on the error", async () => {
    const res = await chat(mock, { "x-mock-status": "500", "x-mock-should-retry": "false" });
    expect(res.headers.get("x-should-retry")).toBe("false");
  });

  it("x-mock-latency-ms delays the answer by at least that long", async () => {
    const t0 = performance.now();
    const res = await chat(mock, { "x-mock-latency-ms": "150" });
    expect(res.status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
  });

  it("x-mock-chunk-delay-ms spaces stream events", async () => {
    const t0 = performance.now();
    const res = await chat(mock, { "x-mock-chunk-delay-ms": "20" }, { stream: true });
    const events = parseSse(await res.text());
    expect(events.at(-1)?.data).toBe("[DONE]");
    expect(performance.now() - t0).toBeGreaterThanOrEqual((events.length - 1) * 20 * 0.9);
  });

  it("x-mock-drop-after cuts a stream after N events: no [DONE], the read fails", async () => {
    const res = await chat(mock, { "x-mock-drop-after": "3" }, { stream: true });
    expect(res.status).toBe(200);
    const { text, error } = await readUntilCut(res);
    expect(error).toBeDefined();
    const events = parseSse(text);
    expect(events).toHaveLength(3);
    expect(events.some((e) => e.data === "[DONE]")).toBe(false);
    const cut = await readUntilCut(await messages(mock, { "x-mock-drop-after": "2" }, { stream: true }));
    expect(parseSse(cut.text).map((e) => e.event)).toEqual(["message_start", "content_block_start"]);
    expect(cut.error).toBeDefined();
  });

  it("x-mock-drop-after on a non-stream request cuts the connection before any answer", async () => {
    await expect(chat(mock, { "x-mock-drop-after": "0" })).rejects.toThrow();
  });

  it("a bad fault header is a 400 in the provider's shape naming the header", async () => {
    const res = await chat(mock, { "x-mock-status": "teapot" });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatchObject({ type: "invalid_request_error", param: "x-mock-status", message: expect.stringContaining("x-mock-status") });
  });
});

describe("control API", () => {
  let mock: MockLlm;
  beforeAll(async () => {
    mock = await start();
  });
  afterEach(async () => {
    await fetch(`${mock.url}/_mock/faults`, { method: "DELETE" });
  });
  const control = (method: string, path: string, body?: unknown) =>
    fetch(`${mock.url}/_mock/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }) });

  it("GET /_mock/health answers ok", async () => {
    const res = await control("GET", "health");
    expect(await json(res)).toMatchObject({ status: "ok" });
  });

  it("POST /_mock/faults queues the next N matching responses, then the server recovers", async () => {
    const queued = await control("POST", "faults", { status: 503, count: 2, path: "/v1/chat/completions" });
    expect(queued.status).toBe(201);
    expect((await json(control("GET", "faults"))).data).toEqual([{ status: 503, path: "/v1/chat/completions", remaining: 2 }]);
    expect((await messages(mock)).status).toBe(200); // another path: untouched
    expect((await chat(mock)).status).toBe(503);
    expect((await chat(mock)).status).toBe(503);
    expect((await chat(mock)).status).toBe(200);
  });

  it("DELETE /_mock/faults clears the queue", async () => {
    await control("POST", "faults", { status: 500, count: 5 });
    expect(await json(control("DELETE", "faults"))).toEqual({ cleared: 1 });
    expect((await chat(mock)).status).toBe(200);
  });

  it("a queued fault may carry latency or a drop instead of a status", async () => {
    await control("POST", "faults", { dropAfter: 1 });
    const { text, error } = await readUntilCut(await chat(mock, {}, { stream: true }));
    expect(parseSse(text)).toHaveLength(1);
    expect(error).toBeDefined();
  });

  it("a bad fault body is a 400 that names the key, the expected and the got", async () => {
    const res = await control("POST", "faults", { status: 200 });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatchObject({ key: "status", expected: "an integer from 400 to 599", got: 200 });
  });

  it("GET /_mock/requests returns requests with keys redacted; DELETE clears them", async () => {
    await control("DELETE", "requests");
    await chat(mock, { "x-custom": "kept" });
    await messages(mock);
    const { data } = await json(control("GET", "requests"));
    expect(data).toHaveLength(2);
    expect(data[0]).toMatchObject({ method: "POST", path: "/v1/chat/completions", provider: "openai", status: 200, body: { model: "gpt-4o" } });
    expect(data[0].headers).toMatchObject({ authorization: "[redacted]", "x-custom": "kept" });
    expect(data[1].headers).toMatchObject({ "x-api-key": "[redacted]", "anthropic-version": "2023-06-01" });
    expect(JSON.stringify(data)).not.toContain("secret");
    expect(mock.requests).toHaveLength(2);
    expect(await json(control("DELETE", "requests"))).toEqual({ cleared: 2 });
    expect(mock.requests).toHaveLength(0);
  });

  it("queueFault() does the same from code", async () => {
    mock.queueFault({ status: 429, count: 1 });
    expect((await chat(mock)).status).toBe(429);
    expect((await chat(mock)).status).toBe(200);
    expect(() => mock.queueFault({ count: 1 })).toThrow(/at least one of/);
  });
});

describe("server-wide faults", () => {
  it("status fails every request", async () => {
    const mock = await start({ status: 502 });
    expect((await chat(mock)).status).toBe(502);
    expect((await messages(mock)).status).toBe(502);
  });

  it("failRate fails a seeded, reproducible share of requests", async () => {
    const statuses = async (mock: MockLlm) => {
      const out: number[] = [];
      for (let i = 0; i < 20; i += 1) out.push((await chat(mock)).status);
      return out;
    };
    const a = await statuses(await start({ failRate: 0.5, seed: 7 }));
    const b = await statuses(await start({ failRate: 0.5, seed: 7 }));
    expect(a).toEqual(b);
    const failures = a.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(2);
    expect(failures).toBeLessThan(18);
  });

  it("latencyMs applies to every request", async () => {
    const mock = await start({ latencyMs: 100 });
    const t0 = performance.now();
    await chat(mock);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
  });
});

describe("echo mode", () => {
  const PII = "Email alice@example.com or call 555-0100, card 4111111111111111.";

  it("x-mock-echo: 1 returns the last user message verbatim, usage counted on it", async () => {
    const mock = await start();
    const body = await json(
      chat(
        mock,
        { "x-mock-echo": "1" },
        {
          messages: [
            { role: "user", content: "ignored" },
            { role: "assistant", content: "x" },
            { role: "user", content: PII },
          ],
        },
      ),
    );
    expect(body.choices[0].message.content).toBe(PII);
    expect(body.usage.completion_tokens).toBe(countTokens(PII));
  });

  it("streams echo text in small chunks, so a PII match spans chunk boundaries", async () => {
    const mock = await start({ echo: true });
    const res = await messages(mock, {}, { stream: true, messages: [{ role: "user", content: PII }] });
    const deltas = parseSse(await res.text())
      .filter((e) => e.event === "content_block_delta")
      .map((e) => JSON.parse(e.data).delta.text as string);
    expect(deltas.join("")).toBe(PII);
    expect(deltas.some((d) => d.includes("alice@example.com"))).toBe(false);
    expect(deltas.some((d) => d.includes("4111111111111111"))).toBe(false);
  });

  it("x-mock-reply fixes the reply text", async () => {
    const mock = await start();
    const body = await json(messages(mock, { "x-mock-reply": "Fixed answer." }));
    expect(body.content).toEqual([{ type: "text", text: "Fixed answer." }]);
    expect(body.usage.output_tokens).toBe(3);
  });
});

describe("require auth", () => {
  let mock: MockLlm;
  beforeAll(async () => {
    mock = await start({ requireAuth: true });
  });

  it("OpenAI: no Authorization → 401 in OpenAI's shape; Bearer or api-key → 200", async () => {
    const res = await chat(mock, { authorization: "" });
    expect(res.status).toBe(401);
    expect((await json(res)).error).toMatchObject({ type: "invalid_request_error", message: expect.stringMatching(/^You didn't provide an API key/) });
    expect((await chat(mock)).status).toBe(200);
    expect((await chat(mock, { authorization: "", "api-key": "azure-key" })).status).toBe(200);
  });

  it("Anthropic: no x-api-key → 401 authentication_error", async () => {
    const res = await messages(mock, { "x-api-key": "" });
    expect(res.status).toBe(401);
    expect((await json(res)).error).toEqual({ type: "authentication_error", message: "x-api-key header is required" });
  });
});

describe("request log bounds and shutdown", () => {
  it("keeps only maxRecorded requests", async () => {
    const mock = await start({ maxRecorded: 2 });
    for (let i = 0; i < 4; i += 1) await chat(mock);
    expect(mock.requests.map((r) => r.seq)).toEqual([3, 4]);
  });

  it("close() ends a slow stream promptly and frees the port", async () => {
    const mock = await startMockLlm({ chunkDelayMs: 5_000 });
    const res = await chat(mock, {}, { stream: true });
    const reading = readUntilCut(res);
    const t0 = performance.now();
    await mock.close();
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect((await reading).error).toBeDefined();
    await expect(fetch(`${mock.url}/_mock/health`)).rejects.toThrow();
  });
});
