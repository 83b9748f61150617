// The OpenAI wire format, end to end over real HTTP: chat completions, responses, legacy
// completions, embeddings, models, and OpenAI-shaped errors.
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

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${mock.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

const USER = "Summarise the plot of Hamlet, please.";
const messages = [
  { role: "system", content: "You are terse." },
  { role: "user", content: USER },
];
const PROMPT_TOKENS = countTokens("You are terse.") + countTokens(USER);
const REPLY = defaultReplyText(USER);

// Reads an SSE body into events (data parsed as JSON except [DONE]).
async function events(res: Response): Promise<Array<{ event: string | undefined; data: any }>> {
  return parseSse(await res.text()).map((e) => ({ event: e.event, data: e.data === "[DONE]" ? "[DONE]" : JSON.parse(e.data) }));
}

describe("POST /v1/chat/completions", () => {
  it("answers a chat.completion object with exact usage", async () => {
    const res = await post("/chat/completions", { model: "gpt-4o-mini", messages });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    expect(res.headers.get("openai-processing-ms")).toMatch(/^\d+$/);
    const body = await json(res);
    expect(Object.keys(body)).toEqual(["id", "object", "created", "model", "choices", "usage", "service_tier", "system_fingerprint"]);
    expect(body).toMatchObject({ object: "chat.completion", model: "gpt-4o-mini", system_fingerprint: expect.stringMatching(/^fp_/) });
    expect(body.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(body.choices).toEqual([{ index: 0, message: { role: "assistant", content: REPLY, refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }]);
    const completion = countTokens(REPLY);
    expect(body.usage).toEqual({
      prompt_tokens: PROMPT_TOKENS,
      completion_tokens: completion,
      total_tokens: PROMPT_TOKENS + completion,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
  });

  it("max_completion_tokens cuts the reply: finish_reason length", async () => {
    const body = await json(post("/chat/completions", { model: "gpt-4o", messages, max_completion_tokens: 4 }));
    expect(body.choices[0].finish_reason).toBe("length");
    expect(body.usage.completion_tokens).toBe(4);
    expect(countTokens(body.choices[0].message.content)).toBe(4);
  });

  it("streams chunks: role first, content pieces, finish, [DONE]; no usage key without include_usage", async () => {
    const res = await post("/chat/completions", { model: "gpt-4o", messages, stream: true });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const all = await events(res);
    expect(all.at(-1)?.data).toBe("[DONE]");
    const chunks = all.slice(0, -1).map((e) => e.data);
    expect(all.every((e) => e.event === undefined)).toBe(true);
    for (const chunk of chunks) {
      expect(Object.keys(chunk)).toEqual(["id", "object", "created", "model", "service_tier", "system_fingerprint", "choices", "obfuscation"]);
      expect(chunk).toMatchObject({ id: chunks[0].id, object: "chat.completion.chunk", model: "gpt-4o" });
    }
    expect(chunks[0].choices).toEqual([{ index: 0, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null }]);
    const content = chunks.slice(1, -1);
    expect(content.length).toBeGreaterThan(3);
    expect(content.map((c) => c.choices[0].delta.content).join("")).toBe(REPLY);
    expect(chunks.at(-1).choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }]);
  });

  it("include_usage: every chunk carries usage null, then one extra chunk with choices [] and usage", async () => {
    const res = await post("/chat/completions", { model: "gpt-4o", messages, stream: true, stream_options: { include_usage: true } });
    const chunks = (await events(res)).slice(0, -1).map((e) => e.data);
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: PROMPT_TOKENS, completion_tokens: countTokens(REPLY), total_tokens: PROMPT_TOKENS + countTokens(REPLY) });
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
  });

  it("rejects a missing model, missing or empty messages, bad max_tokens — in OpenAI's words", async () => {
    const cases: Array<[unknown, object]> = [
      [{ messages }, { message: "you must provide a model parameter", type: "invalid_request_error", param: null, code: null }],
      [{ model: "gpt-4o" }, { message: "Missing required parameter: 'messages'.", type: "invalid_request_error", param: "messages", code: "missing_required_parameter" }],
      [
        { model: "gpt-4o", messages: [] },
        { param: "messages", code: "empty_array" },
      ],
      [
        { model: "gpt-4o", messages, max_tokens: 0 },
        { param: "max_tokens", code: "integer_below_min_value" },
      ],
    ];
    for (const [body, error] of cases) {
      const res = await post("/chat/completions", body);
      expect(res.status).toBe(400);
      expect((await json(res)).error).toMatchObject(error);
    }
  });

  it("invalid JSON → 400 with OpenAI's parse message", async () => {
    const res = await post("/chat/completions", "{not json");
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body).toEqual({ error: { message: expect.stringMatching(/^We could not parse the JSON body of your request\./), type: "invalid_request_error", param: null, code: null } });
  });
});

describe("POST /v1/responses", () => {
  it("answers a response object with an output message and usage", async () => {
    const res = await post("/responses", { model: "gpt-4.1", input: USER, instructions: "Be terse." });
    const body = await json(res);
    expect(body).toMatchObject({ object: "response", status: "completed", model: "gpt-4.1", instructions: "Be terse.", error: null, incomplete_details: null });
    expect(body.id).toMatch(/^resp_[0-9a-f]{48}$/);
    expect(body.output).toEqual([
      { id: expect.stringMatching(/^msg_/), type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", annotations: [], logprobs: [], text: REPLY }] },
    ]);
    const input = countTokens("Be terse.") + countTokens(USER);
    expect(body.usage).toEqual({
      input_tokens: input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: countTokens(REPLY),
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: input + countTokens(REPLY),
    });
  });

  it("streams typed events with sequence_number 0,1,2… and no [DONE]", async () => {
    const all = await events(await post("/responses", { model: "gpt-4.1", input: [{ role: "user", content: USER }], stream: true }));
    const types = all.map((e) => e.event);
    expect(all.every((e) => e.data.type === e.event)).toBe(true);
    expect(all.map((e) => e.data.sequence_number)).toEqual(all.map((_, i) => i));
    const deltas = types.filter((t) => t === "response.output_text.delta").length;
    expect(deltas).toBeGreaterThan(3);
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      ...Array(deltas).fill("response.output_text.delta"),
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(all.some((e) => e.data === "[DONE]")).toBe(false);
    const text = all
      .filter((e) => e.event === "response.output_text.delta")
      .map((e) => e.data.delta)
      .join("");
    expect(text).toBe(REPLY);
    expect(all.find((e) => e.event === "response.output_text.done")?.data.text).toBe(REPLY);
    const completed = all.at(-1)!.data.response;
    expect(completed.status).toBe("completed");
    expect(completed.usage.output_tokens).toBe(countTokens(REPLY));
    expect(all[0]!.data.response).toMatchObject({ status: "in_progress", output: [], usage: null });
  });

  it("max_output_tokens cuts the reply: status incomplete, response.incomplete event", async () => {
    const body = await json(post("/responses", { model: "gpt-4.1", input: USER, max_output_tokens: 2 }));
    expect(body).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, usage: { output_tokens: 2 } });
    const all = await events(await post("/responses", { model: "gpt-4.1", input: USER, max_output_tokens: 2, stream: true }));
    expect(all.at(-1)?.event).toBe("response.incomplete");
  });
});

describe("POST /v1/completions (legacy)", () => {
  it("answers text_completion, and streams it ending in [DONE]", async () => {
    const body = await json(post("/completions", { model: "gpt-3.5-turbo-instruct", prompt: USER }));
    expect(body).toMatchObject({ object: "text_completion", model: "gpt-3.5-turbo-instruct", choices: [{ text: REPLY, index: 0, logprobs: null, finish_reason: "stop" }] });
    expect(body.id).toMatch(/^cmpl-/);
    expect(body.usage).toEqual({ prompt_tokens: countTokens(USER), completion_tokens: countTokens(REPLY), total_tokens: countTokens(USER) + countTokens(REPLY) });
    const all = await events(await post("/completions", { model: "gpt-3.5-turbo-instruct", prompt: USER, stream: true, stream_options: { include_usage: true } }));
    expect(all.at(-1)?.data).toBe("[DONE]");
    const chunks = all.slice(0, -1).map((e) => e.data);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: countTokens(REPLY) } });
    expect(chunks.at(-2).choices[0]).toEqual({ text: "", index: 0, logprobs: null, finish_reason: "stop" });
    expect(
      chunks
        .slice(0, -2)
        .map((c) => c.choices[0].text)
        .join(""),
    ).toBe(REPLY);
  });
});

describe("POST /v1/embeddings", () => {
  it("returns deterministic float vectors with usage", async () => {
    const body = await json(post("/embeddings", { model: "text-embedding-3-small", input: ["hello world", "second"] }));
    expect(body).toMatchObject({ object: "list", model: "text-embedding-3-small", usage: { prompt_tokens: 3, total_tokens: 3 } });
    expect(body.data.map((d: any) => [d.object, d.index, d.embedding.length])).toEqual([
      ["embedding", 0, 1536],
      ["embedding", 1, 1536],
    ]);
    const again = await json(post("/embeddings", { model: "text-embedding-3-small", input: "hello world" }));
    expect(again.data[0].embedding).toEqual(body.data[0].embedding);
  });

  it("base64 encoding carries the same float32 values; dimensions is honoured", async () => {
    const floats = await json(post("/embeddings", { model: "text-embedding-3-small", input: "hi", dimensions: 16 }));
    const b64 = await json(post("/embeddings", { model: "text-embedding-3-small", input: "hi", dimensions: 16, encoding_format: "base64" }));
    expect(typeof b64.data[0].embedding).toBe("string");
    const bytes = Buffer.from(b64.data[0].embedding, "base64");
    expect(bytes.length).toBe(64);
    const decoded = Array.from({ length: 16 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(floats.data[0].embedding.map(Math.fround)).toEqual(decoded);
  });

  it("a missing input is a 400", async () => {
    const res = await post("/embeddings", { model: "text-embedding-3-small" });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatchObject({ param: "input", code: "missing_required_parameter" });
  });
});

describe("GET /v1/models and unknown paths", () => {
  it("lists models in OpenAI's shape, and retrieves one", async () => {
    const body = await json(fetch(`${mock.baseUrl}/models`));
    expect(body.object).toBe("list");
    expect(body.data).toContainEqual({ id: "gpt-4o", object: "model", created: expect.any(Number), owned_by: "system" });
    const one = await fetch(`${mock.baseUrl}/models/gpt-4o`);
    expect(await json(one)).toMatchObject({ id: "gpt-4o", object: "model" });
    const missing = await fetch(`${mock.baseUrl}/models/nope`);
    expect(missing.status).toBe(404);
    expect((await json(missing)).error).toMatchObject({ type: "invalid_request_error", code: "model_not_found" });
  });

  it("unknown path → 404 Invalid URL; wrong method → 405; no /v1 prefix is not served", async () => {
    const res = await post("/chat/complete", { model: "x" });
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({ error: { message: "Invalid URL (POST /v1/chat/complete)", type: "invalid_request_error", param: null, code: null } });
    const get = await fetch(`${mock.baseUrl}/chat/completions`);
    expect(get.status).toBe(405);
    const bare = await fetch(`${mock.url}/chat/completions`, { method: "POST", body: "{}" });
    expect(bare.status).toBe(404);
  });
});
