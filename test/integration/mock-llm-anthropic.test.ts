// The Anthropic wire format, end to end over real HTTP: messages (plain and streamed),
// count_tokens, models, required headers and fields, and Anthropic-shaped errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/server.js";
import { parseSse } from "../../src/mock-llm/sse-parse.js";
import { countTokens } from "../../src/mock-llm/tokens.js";
import { defaultReplyText } from "../../src/mock-llm/reply.js";

// Response.json() is typed unknown; tests read arbitrary JSON.
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm();
});
afterAll(() => mock.close());

const HEADERS = { "content-type": "application/json", "x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01" };
const post = (path: string, body: unknown, headers: Record<string, string> = HEADERS) =>
  fetch(`${mock.url}${path}`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });

const USER = "What's the capital of France?";
const request = { model: "claude-sonnet-4-20250514", max_tokens: 256, system: "Answer briefly.", messages: [{ role: "user", content: USER }] };
const INPUT = countTokens("Answer briefly.") + countTokens(USER);
const REPLY = defaultReplyText(USER);

describe("POST /v1/messages", () => {
  it("answers a message object with exact usage and a request-id header", async () => {
    const res = await post("/v1/messages", request);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("request-id")).toMatch(/^req_011C[A-Za-z0-9]{20}$/);
    const body = await json(res);
    expect(body.id).toMatch(/^msg_01[A-Za-z0-9]{22}$/);
    expect(body).toEqual({
      id: body.id,
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-20250514",
      content: [{ type: "text", text: REPLY }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: {
        input_tokens: INPUT,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
        output_tokens: countTokens(REPLY),
        service_tier: "standard",
      },
    });
  });

  it("max_tokens below the reply length → stop_reason max_tokens", async () => {
    const body = await json(post("/v1/messages", { ...request, max_tokens: 5 }));
    expect(body).toMatchObject({ stop_reason: "max_tokens", usage: { output_tokens: 5 } });
  });

  it("streams the documented event order; message_delta output_tokens is the cumulative total", async () => {
    const res = await post("/v1/messages", { ...request, stream: true });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const all = parseSse(await res.text()).map((e) => ({ event: e.event, data: JSON.parse(e.data) }));
    expect(all.every((e) => e.data.type === e.event)).toBe(true);
    const types = all.map((e) => e.event);
    const deltas = types.filter((t) => t === "content_block_delta").length;
    expect(deltas).toBeGreaterThan(3);
    expect(types).toEqual(["message_start", "content_block_start", "ping", ...Array(deltas).fill("content_block_delta"), "content_block_stop", "message_delta", "message_stop"]);
    const start = all[0]!.data.message;
    expect(start).toMatchObject({ type: "message", role: "assistant", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: INPUT, output_tokens: 1 } });
    expect(all[1]!.data).toEqual({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
    const text = all
      .filter((e) => e.event === "content_block_delta")
      .map((e) => {
        expect(e.data.delta.type).toBe("text_delta");
        return e.data.delta.text;
      });
    expect(text.join("")).toBe(REPLY);
    const delta = all.find((e) => e.event === "message_delta")!.data;
    expect(delta.delta).toEqual({ stop_reason: "end_turn", stop_sequence: null });
    // cumulative: the full count, not the count minus message_start's 1
    expect(delta.usage.output_tokens).toBe(countTokens(REPLY));
    expect(all.at(-1)!.data).toEqual({ type: "message_stop" });
  });

  it("requires anthropic-version, model, max_tokens and messages, like the real API", async () => {
    const noVersion = await post("/v1/messages", request, { "content-type": "application/json", "x-api-key": "k" });
    expect(noVersion.status).toBe(400);
    expect(await json(noVersion)).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: "anthropic-version: header is required" },
      request_id: noVersion.headers.get("request-id"),
    });
    const { max_tokens: _m, ...noMax } = request;
    const { model: _model, ...noModel } = request;
    const cases: Array<[unknown, string]> = [
      [noMax, "max_tokens: Field required"],
      [noModel, "model: Field required"],
      [{ model: "c", max_tokens: 10 }, "messages: Field required"],
      [{ ...request, max_tokens: 0 }, "max_tokens: Input should be greater than or equal to 1"],
    ];
    for (const [body, message] of cases) {
      const res = await post("/v1/messages", body);
      expect(res.status).toBe(400);
      expect((await json(res)).error).toEqual({ type: "invalid_request_error", message });
    }
  });

  it("invalid JSON → 400 invalid_request_error", async () => {
    const res = await post("/v1/messages", "{oops");
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toMatch(/^The request body is not valid JSON/);
  });
});

describe("POST /v1/messages/count_tokens", () => {
  it("returns {input_tokens} equal to the tokens.ts count", async () => {
    const { max_tokens: _m, ...body } = request;
    const res = await post("/v1/messages/count_tokens", body);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ input_tokens: INPUT });
  });
});

describe("models and unknown paths, Anthropic flavour", () => {
  it("GET /v1/models with anthropic headers lists models in Anthropic's shape", async () => {
    const body = await json(fetch(`${mock.url}/v1/models`, { headers: HEADERS }));
    expect(body).toMatchObject({ has_more: false, first_id: body.data[0].id, last_id: body.data.at(-1).id });
    expect(body.data[0]).toEqual({ type: "model", id: expect.any(String), display_name: expect.any(String), created_at: expect.any(String) });
  });

  it("an unknown /v1/messages… path → 404 not_found_error", async () => {
    const res = await post("/v1/messages/batches/x", {});
    expect(res.status).toBe(404);
    expect((await json(res)).error).toEqual({ type: "not_found_error", message: "Not Found" });
  });
});
