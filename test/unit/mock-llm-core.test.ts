// Pure parts of the mock provider: tokenizer, reply rule, prompt extraction, options,
// fault parsing, error shapes, embeddings encoding, SSE parsing. No server needed.
import { describe, expect, it } from "vitest";
import { countTokens, splitTokens, truncateToTokens } from "../../src/mock-llm/tokens.js";
import { buildReply, defaultReplyText, ECHO_CHUNK_CHARS } from "../../src/mock-llm/reply.js";
import { anthropicPrompt, chatPrompt, promptTokens, responsesPrompt } from "../../src/mock-llm/prompt.js";
import { resolveMockLlmOptions } from "../../src/mock-llm/options.js";
import { faultFromHeaders, faultFromJson, FaultQueue, FaultValueError, resolveFault } from "../../src/mock-llm/faults.js";
import { anthropicErrorBody, anthropicErrorType, openAiErrorBody } from "../../src/mock-llm/errors.js";
import { embed, toBase64, toFloats } from "../../src/mock-llm/openai-embeddings.js";
import { parseSse } from "../../src/mock-llm/sse-parse.js";
import { redactHeaders, RequestRecorder } from "../../src/mock-llm/recorder.js";
import { isIronError } from "../../src/errors.js";

describe("tokens: words and single punctuation marks", () => {
  it("counts by the documented rule", () => {
    expect(countTokens("Hello, world!")).toBe(4);
    expect(countTokens("alice@example.com")).toBe(5);
    expect(countTokens("   ")).toBe(0);
    expect(countTokens("naïve café 123_abc")).toBe(3);
    expect(countTokens("a-b")).toBe(3);
  });

  it("splits into pieces that join back to the exact text", () => {
    for (const text of ["Hello, world!", "  lead and trail  ", "", "x", "line\nbreak\t tab", "emoji 👍 ok"]) {
      const pieces = splitTokens(text);
      expect(pieces.join("")).toBe(text);
      expect(pieces.length).toBe(Math.max(countTokens(text), text === "" ? 0 : 1));
    }
  });

  it("truncates to exactly N tokens", () => {
    expect(truncateToTokens("one two three four", 2)).toBe("one two");
    expect(countTokens(truncateToTokens("a, b, c, d", 3))).toBe(3);
    expect(truncateToTokens("short", 10)).toBe("short");
  });
});

describe("reply rule", () => {
  const prompt = chatPrompt([{ role: "user", content: "What is 2+2?" }]);

  it("defaults to a fixed sentence keyed by a hash of the last user message", () => {
    const reply = buildReply({ prompt, echo: false });
    expect(reply.text).toBe(defaultReplyText("What is 2+2?"));
    expect(reply.text).toMatch(/^Mock reply [0-9a-f]{8}: this is a deterministic answer from iron mock-llm\.$/);
    expect(reply.outputTokens).toBe(15);
    expect(buildReply({ prompt, echo: false }).text).toBe(reply.text);
    expect(defaultReplyText("something else")).not.toBe(reply.text);
  });

  it("echo repeats the last user message verbatim, in small chunks", () => {
    const text = "my card is 4111111111111111 ok";
    const reply = buildReply({ prompt: chatPrompt([{ role: "user", content: text }]), echo: true });
    expect(reply.text).toBe(text);
    expect(reply.chunks.join("")).toBe(text);
    expect(reply.chunks.every((c) => Array.from(c).length <= ECHO_CHUNK_CHARS)).toBe(true);
    // the 16-digit number cannot sit in one chunk
    expect(reply.chunks.some((c) => c.includes("4111111111111111"))).toBe(false);
  });

  it("a token limit cuts the reply and marks it truncated", () => {
    const reply = buildReply({ prompt, echo: false, maxTokens: 3 });
    expect(reply).toMatchObject({ outputTokens: 3, truncated: true });
    expect(reply.text).toBe(defaultReplyText("What is 2+2?").split(":")[0]); // "Mock reply <hash>"
  });

  it("a fixed reply wins over the default, echo wins over both", () => {
    expect(buildReply({ prompt, echo: false, fixedReply: "Fixed." }).text).toBe("Fixed.");
    expect(buildReply({ prompt, echo: true, fixedReply: "Fixed." }).text).toBe("What is 2+2?");
  });
});

describe("prompt extraction", () => {
  it("chat: every message's text counts, the last user message is remembered", () => {
    const prompt = chatPrompt([
      { role: "system", content: "Be brief." },
      { role: "user", content: [{ type: "text", text: "first" }] },
      { role: "assistant", content: "ok" },
      {
        role: "user",
        content: [
          { type: "text", text: "second one" },
          { type: "image_url", image_url: { url: "x" } },
        ],
      },
    ]);
    expect(prompt.lastUserText).toBe("second one");
    expect(promptTokens(prompt)).toBe(3 + 1 + 1 + 2);
  });

  it("responses: instructions plus a string or item input", () => {
    expect(promptTokens(responsesPrompt("Hi there", "Be nice."))).toBe(2 + 3);
    const items = responsesPrompt([{ role: "user", content: [{ type: "input_text", text: "from items" }] }], undefined);
    expect(items.lastUserText).toBe("from items");
  });

  it("anthropic: system string or blocks plus messages (tool results included)", () => {
    const prompt = anthropicPrompt([{ type: "text", text: "System here." }], [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "text", text: "42" }] }] }]);
    expect(promptTokens(prompt)).toBe(3 + 1);
  });
});

describe("options: normalize, validate, freeze", () => {
  it("fills defaults and freezes", () => {
    const options = resolveMockLlmOptions();
    expect(options).toMatchObject({ host: "127.0.0.1", port: 0, echo: false, latencyMs: 0, failRate: 0, maxRecorded: 1000, requireAuth: false });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it("a status without a fail rate fails every request", () => {
    expect(resolveMockLlmOptions({ status: 503 }).failRate).toBe(1);
    expect(resolveMockLlmOptions({ status: 503, failRate: 0.25 }).failRate).toBe(0.25);
  });

  it.each([
    [{ port: 70000 }, "port"],
    [{ latencyMs: -1 }, "latencyMs"],
    [{ status: 200 }, "status"],
    [{ failRate: 2 }, "failRate"],
    [{ maxRecorded: 1.5 }, "maxRecorded"],
    [{ host: "" }, "host"],
  ])("rejects %o naming the key", (input, key) => {
    try {
      resolveMockLlmOptions(input as never);
      expect.fail("should throw");
    } catch (error) {
      expect(isIronError(error, "IRON_ERR_CONFIG")).toBe(true);
      expect((error as { path: string }).path).toBe(key);
      expect((error as Error).message).toContain("expected");
    }
  });
});

describe("faults", () => {
  const options = resolveMockLlmOptions({ latencyMs: 5 });

  it("reads x-mock-* headers and rejects bad values with the header name", () => {
    expect(faultFromHeaders({ "x-mock-status": "429", "x-mock-retry-after": "0.5", "x-mock-drop-after": "3", "x-mock-should-retry": "false" })).toEqual({
      status: 429,
      retryAfter: 0.5,
      dropAfter: 3,
      shouldRetry: false,
    });
    expect(() => faultFromHeaders({ "x-mock-status": "abc" })).toThrow(FaultValueError);
    expect(() => faultFromHeaders({ "x-mock-status": "200" })).toThrow(/x-mock-status: expected an integer from 400 to 599/);
  });

  it("header beats queued beats server-wide, field by field", () => {
    const fault = resolveFault({ status: 500 }, { status: 429, chunkDelayMs: 7 }, options, false);
    expect(fault).toMatchObject({ status: 500, chunkDelayMs: 7, latencyMs: 5, retryAfter: 1 });
    expect(resolveFault({}, undefined, resolveMockLlmOptions({ status: 502 }), true).status).toBe(502);
    expect(resolveFault({}, undefined, resolveMockLlmOptions({ failRate: 0.5 }), true).status).toBe(500);
    expect(resolveFault({}, undefined, options, false).status).toBeUndefined();
  });

  it("the queue serves the next N matching requests, then empties", () => {
    const queue = new FaultQueue();
    const { spec, count, path } = faultFromJson({ status: 500, count: 2, path: "/v1/messages" });
    queue.add(spec, count, path);
    expect(queue.take("/v1/chat/completions")).toBeUndefined();
    expect(queue.take("/v1/messages")).toEqual({ status: 500 });
    expect(queue.take("/v1/messages")).toEqual({ status: 500 });
    expect(queue.take("/v1/messages")).toBeUndefined();
    expect(() => faultFromJson({ count: 2 })).toThrow(/at least one of/);
    expect(() => faultFromJson({ status: 500, path: "v1" })).toThrow(/path/);
  });
});

describe("provider error bodies", () => {
  it("OpenAI: {error: {message, type, param, code}}", () => {
    expect(openAiErrorBody(429)).toEqual({ error: { message: expect.any(String), type: "requests", param: null, code: "rate_limit_exceeded" } });
    expect(openAiErrorBody(500)).toEqual({ error: { message: "The server had an error while processing your request. Sorry about that!", type: "server_error", param: null, code: null } });
    expect(openAiErrorBody(400, "bad", { param: "messages", code: "empty_array" })).toEqual({ error: { message: "bad", type: "invalid_request_error", param: "messages", code: "empty_array" } });
  });

  it("Anthropic: status ↔ type as documented, request_id included", () => {
    const pairs: Array<[number, string]> = [
      [400, "invalid_request_error"],
      [401, "authentication_error"],
      [402, "billing_error"],
      [403, "permission_error"],
      [404, "not_found_error"],
      [413, "request_too_large"],
      [429, "rate_limit_error"],
      [500, "api_error"],
      [504, "timeout_error"],
      [529, "overloaded_error"],
      [418, "invalid_request_error"],
      [502, "api_error"],
    ];
    for (const [status, type] of pairs) expect(anthropicErrorType(status)).toBe(type);
    expect(anthropicErrorBody(529, "req_x")).toEqual({ type: "error", error: { type: "overloaded_error", message: "Overloaded" }, request_id: "req_x" });
  });
});

describe("embeddings encoding", () => {
  it("is deterministic, unit length, and base64 equals the float form", () => {
    const a = embed("text-embedding-3-small", "hello", 8);
    expect(Array.from(embed("text-embedding-3-small", "hello", 8))).toEqual(Array.from(a));
    expect(Array.from(embed("text-embedding-3-small", "hello!", 8))).not.toEqual(Array.from(a));
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    const bytes = Buffer.from(toBase64(a), "base64");
    const decoded = Array.from({ length: 8 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(toFloats(a).map(Math.fround)).toEqual(decoded);
  });
});

describe("SSE parsing", () => {
  it("splits events, joins data lines, skips comments, drops an unfinished tail", () => {
    const text = 'event: a\ndata: {"x":1}\n\n: comment\ndata: one\ndata: two\n\ndata: [DONE]\n\ndata: partial';
    expect(parseSse(text)).toEqual([
      { event: "a", data: '{"x":1}' },
      { event: undefined, data: "one\ntwo" },
      { event: undefined, data: "[DONE]" },
    ]);
  });
});

describe("request log", () => {
  it("redacts every key-bearing header and keeps a bounded log", () => {
    expect(redactHeaders({ authorization: "Bearer sk-1", "x-api-key": "k", "api-key": "a", accept: "x" })).toEqual({
      authorization: "[redacted]",
      "x-api-key": "[redacted]",
      "api-key": "[redacted]",
      accept: "x",
    });
    const recorder = new RequestRecorder(2);
    for (const path of ["/a", "/b", "/c"]) recorder.start({ method: "GET", path, provider: "openai", requestId: "r", headers: {} });
    expect(recorder.list().map((r) => [r.seq, r.path])).toEqual([
      [2, "/b"],
      [3, "/c"],
    ]);
  });
});
