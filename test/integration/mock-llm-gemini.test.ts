// The Gemini wire format, end to end over real HTTP: generateContent, streamGenerateContent with
// ?alt=sse (CRLF events) and without (one JSON array), countTokens, its key in a header or `key=`,
// its error body {"error": {code, message, status}}, the recorder keeping the key out, and faults.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/server.js";
import { parseSse } from "../../src/mock-llm/sse-parse.js";
import { countTokens } from "../../src/mock-llm/tokens.js";
import { defaultReplyText } from "../../src/mock-llm/reply.js";

// Response.json() is typed unknown; tests read arbitrary JSON.
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

let mock: MockLlm;
let strict: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm();
  strict = await startMockLlm({ requireAuth: true });
});
afterAll(async () => {
  await mock.close();
  await strict.close();
});

const KEY = "AIza-gemini-test-key";
const HEADERS = { "content-type": "application/json", "x-goog-api-key": KEY };
const MODEL_PATH = "/v1beta/models/gemini-2.5-flash";
const post = (base: MockLlm, path: string, body: unknown, headers: Record<string, string> = HEADERS) =>
  fetch(`${base.url}${path}`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });

const USER = "What's the capital of France?";
const request = {
  contents: [{ role: "user", parts: [{ text: USER }] }],
  systemInstruction: { parts: [{ text: "Answer briefly." }] },
  generationConfig: { maxOutputTokens: 256 },
};
const INPUT = countTokens("Answer briefly.") + countTokens(USER);
const REPLY = defaultReplyText(USER);
const OUTPUT = countTokens(REPLY);

describe("Gemini generateContent", () => {
  it("answers a GenerateContentResponse with exact usageMetadata", async () => {
    const res = await post(mock, `${MODEL_PATH}:generateContent`, request);
    expect([res.status, res.headers.get("content-type")]).toEqual([200, "application/json; charset=UTF-8"]);
    const body = await json(res);
    expect(body).toEqual({
      candidates: [{ content: { parts: [{ text: REPLY }], role: "model" }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: INPUT, candidatesTokenCount: OUTPUT, totalTokenCount: INPUT + OUTPUT, promptTokensDetails: [{ modality: "TEXT", tokenCount: INPUT }] },
      modelVersion: "gemini-2.5-flash",
      responseId: body.responseId,
    });
  });

  it("reads multi-part contents and cuts the reply at maxOutputTokens", async () => {
    const body = await json(post(mock, `${MODEL_PATH}:generateContent`, { contents: [{ role: "user", parts: [{ text: "one" }, { text: "two" }] }], generationConfig: { maxOutputTokens: 2 } }));
    expect(body.candidates[0].finishReason).toBe("MAX_TOKENS");
    expect([body.usageMetadata.promptTokenCount, body.usageMetadata.candidatesTokenCount]).toEqual([countTokens("one\ntwo"), 2]);
  });

  it("streams ?alt=sse as CRLF data events, the last one with finishReason and the final usage", async () => {
    const res = await post(mock, `${MODEL_PATH}:streamGenerateContent?alt=sse`, request);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const text = await res.text();
    expect(text).toMatch(/^data: \{.*\}\r\n\r\n/);
    const events = parseSse(text).map((e) => JSON.parse(e.data));
    expect(events.map((e) => e.candidates[0].content.parts[0].text).join("")).toBe(REPLY);
    const last = events.at(-1);
    expect([last.candidates[0].finishReason, last.usageMetadata.candidatesTokenCount, last.usageMetadata.promptTokenCount]).toEqual(["STOP", OUTPUT, INPUT]);
    expect(events.slice(0, -1).every((e) => e.candidates[0].finishReason === undefined)).toBe(true);
  });

  it("streams without alt=sse as one JSON array of the same chunks", async () => {
    const chunks = await json(post(mock, `${MODEL_PATH}:streamGenerateContent`, request));
    expect(Array.isArray(chunks)).toBe(true);
    expect(chunks.map((c: any) => c.candidates[0].content.parts[0].text).join("")).toBe(REPLY);
    expect(chunks.at(-1).usageMetadata.candidatesTokenCount).toBe(OUTPUT);
  });

  it("counts tokens without generating", async () => {
    expect(await json(post(mock, `${MODEL_PATH}:countTokens`, { contents: request.contents }))).toEqual({
      totalTokens: countTokens(USER),
      promptTokensDetails: [{ modality: "TEXT", tokenCount: countTokens(USER) }],
    });
  });
});

describe("Gemini errors and keys", () => {
  it("refuses a request without contents in Gemini's error shape", async () => {
    const res = await post(mock, `${MODEL_PATH}:generateContent`, { contents: [] });
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({ error: { code: 400, message: "* GenerateContentRequest.contents: contents is not specified\n", status: "INVALID_ARGUMENT" } });
  });

  it("answers an unknown model method with Gemini's 404", async () => {
    const body = await json(post(mock, `${MODEL_PATH}:embedSomething`, request));
    expect(body.error).toMatchObject({ code: 404, status: "NOT_FOUND" });
  });

  it("with --require-auth takes the key from x-goog-api-key or key=, and refuses neither with 403 PERMISSION_DENIED", async () => {
    expect((await post(strict, `${MODEL_PATH}:generateContent`, request)).status).toBe(200);
    expect((await post(strict, `${MODEL_PATH}:generateContent?key=${KEY}`, request, { "content-type": "application/json" })).status).toBe(200);
    const res = await post(strict, `${MODEL_PATH}:generateContent`, request, { "content-type": "application/json" });
    expect(res.status).toBe(403);
    expect((await json(res)).error).toMatchObject({ code: 403, status: "PERMISSION_DENIED" });
  });

  it("never records the key", () => {
    const seen = JSON.stringify(strict.requests);
    expect(seen).toContain("x-goog-api-key");
    expect(seen).not.toContain(KEY);
  });

  it("injects faults in Gemini's shape (status, and a stream cut after N events)", async () => {
    const res = await post(mock, `${MODEL_PATH}:generateContent`, request, { ...HEADERS, "x-mock-status": "429" });
    expect([res.status, res.headers.get("retry-after")]).toEqual([429, "1"]);
    expect((await json(res)).error).toMatchObject({ code: 429, status: "RESOURCE_EXHAUSTED" });
    const cut = await post(mock, `${MODEL_PATH}:streamGenerateContent?alt=sse`, request, { ...HEADERS, "x-mock-drop-after": "2" });
    await expect(cut.text()).rejects.toThrow();
  });
});
