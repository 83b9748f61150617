// Ollama's own API over real HTTP: /api/chat and /api/generate streamed by default as NDJSON
// (done false until the last line, which carries the counts), whole with "stream": false, its
// num_predict cap, its bare-string error body, no key needed even with requireAuth, and faults.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/server.js";
import { countTokens } from "../../src/mock-llm/tokens.js";
import { defaultReplyText } from "../../src/mock-llm/reply.js";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ requireAuth: true });
});
afterAll(async () => {
  await mock.close();
});

const USER = "Why is the sky blue?";
const REPLY = defaultReplyText(USER);
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${mock.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
// Response.json() is typed unknown; tests read arbitrary JSON.
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();
// The NDJSON lines of a body, parsed.
const lines = async (res: Response): Promise<any[]> =>
  (await res.text())
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));

describe("Ollama /api/chat and /api/generate", () => {
  it("streams chat as NDJSON by default, the counts on the done line", async () => {
    const res = await post("/api/chat", {
      model: "llama3.2",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: USER },
      ],
    });
    expect([res.status, res.headers.get("content-type")]).toEqual([200, "application/x-ndjson"]);
    const got = await lines(res);
    const last = got.at(-1);
    expect(got.slice(0, -1).every((l) => l.done === false && l.model === "llama3.2" && l.message.role === "assistant")).toBe(true);
    expect(got.map((l) => l.message.content).join("")).toBe(REPLY);
    expect(last).toMatchObject({ done: true, done_reason: "stop", message: { content: "" }, prompt_eval_count: countTokens("Be brief.") + countTokens(USER), eval_count: countTokens(REPLY) });
  });

  it("answers whole with stream false, and generate with response and context", async () => {
    const chat = await json(post("/api/chat", { model: "llama3.2", stream: false, messages: [{ role: "user", content: USER }] }));
    expect(chat).toMatchObject({ model: "llama3.2", done: true, message: { role: "assistant", content: REPLY }, eval_count: countTokens(REPLY) });
    const generated = await json(post("/api/generate", { model: "llama3.2", stream: false, prompt: USER, options: { num_predict: 3 } }));
    expect(generated).toMatchObject({ done: true, done_reason: "length", eval_count: 3, prompt_eval_count: countTokens(USER) });
    expect(generated.context).toEqual([1, 2, 3]);
    expect(countTokens(generated.response)).toBe(3);
    const streamed = await lines(await post("/api/generate", { model: "llama3.2", prompt: USER }));
    expect(streamed.map((l) => l.response).join("")).toBe(REPLY);
  });

  it("refuses in Ollama's words: a bare string error", async () => {
    const missing = await post("/api/chat", { messages: [] });
    expect([missing.status, await missing.json()]).toEqual([400, { error: "model is required" }]);
    const broken = await post("/api/generate", "{not json");
    expect(broken.status).toBe(400);
    expect(typeof (await json(broken)).error).toBe("string");
    const faulted = await post("/api/chat", { model: "m", messages: [] }, { "x-mock-status": "503" });
    expect([faulted.status, await faulted.json()]).toEqual([503, { error: "server busy, please try again.  maximum pending requests exceeded" }]);
  });
});
