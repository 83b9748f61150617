// Azure OpenAI's routes in iron mock-llm, over real HTTP: deployment URLs with api-version (the
// deployment stands in for a missing model; no api-version is Azure's 404), the /openai/v1 routes,
// the api-key header under --require-auth, and faults in OpenAI's error shape.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/server.js";
import { parseSse } from "../../src/mock-llm/sse-parse.js";

// Response.json() is typed unknown; tests read arbitrary JSON.
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ requireAuth: true });
});
afterAll(() => mock.close());

const KEY = { "content-type": "application/json", "api-key": "azure-test-key" };
const post = (path: string, body: unknown, headers: Record<string, string> = KEY) => fetch(`${mock.url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
const messages = [{ role: "user", content: "hi azure" }];
const DEPLOYMENT = "/openai/deployments/my-gpt4o/chat/completions";

describe("Azure OpenAI in the mock", () => {
  it("answers a deployment call without a model in the body as that deployment", async () => {
    const res = await post(`${DEPLOYMENT}?api-version=2024-10-21`, { messages, max_tokens: 16 });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect([body.object, body.model, typeof body.usage.prompt_tokens]).toEqual(["chat.completion", "my-gpt4o", "number"]);
  });

  it("streams on a deployment route, and serves the /openai/v1 routes", async () => {
    const stream = await post(`${DEPLOYMENT}?api-version=2024-10-21`, { messages, stream: true, stream_options: { include_usage: true } });
    const events = parseSse(await stream.text());
    expect(events.at(-1)?.data).toBe("[DONE]");
    const v1 = await json(post("/openai/v1/chat/completions", { model: "gpt-4o-mini", messages }));
    expect(v1.model).toBe("gpt-4o-mini");
    expect((await json(post("/openai/v1/embeddings", { model: "text-embedding-3-small", input: "x" }))).data).toHaveLength(1);
  });

  it("answers Azure's 404 without api-version, and 401 without api-key", async () => {
    const missing = await post(DEPLOYMENT, { messages });
    expect([missing.status, await json(missing)]).toEqual([404, { error: { code: "404", message: "Resource not found" } }]);
    expect((await post(`${DEPLOYMENT}?api-version=2024-10-21`, { messages }, { "content-type": "application/json" })).status).toBe(401);
    expect(JSON.stringify(mock.requests)).not.toContain("azure-test-key");
  });

  it("injects faults in Azure's error shape on a deployment route", async () => {
    const res = await post(`${DEPLOYMENT}?api-version=2024-10-21`, { messages }, { ...KEY, "x-mock-status": "429" });
    expect([res.status, res.headers.get("apim-request-id") !== null]).toEqual([429, true]);
    expect(Object.keys((await json(res)).error)).toEqual(["code", "message"]);
    const unauthorised = await json(post(`${DEPLOYMENT}?api-version=2024-10-21`, { messages }, { "content-type": "application/json" }));
    expect(unauthorised.error.code).toBe("401");
  });

  it("adds Azure's content-filter results, and filters the prompt or the output when asked", async () => {
    const url = `${DEPLOYMENT}?api-version=2024-10-21`;
    const ok = await json(post(url, { messages }));
    expect(ok.prompt_filter_results[0]).toMatchObject({ prompt_index: 0, content_filter_results: { violence: { filtered: false, severity: "safe" } } });
    expect(ok.choices[0].content_filter_results.hate).toEqual({ filtered: false, severity: "safe" });
    const prompt = await post(url, { messages }, { ...KEY, "x-mock-content-filter": "prompt" });
    const error = (await json(prompt)).error;
    expect([prompt.status, error.code, error.param, error.innererror.code, error.innererror.content_filter_result.violence.filtered]).toEqual([
      400,
      "content_filter",
      "prompt",
      "ResponsibleAIPolicyViolation",
      true,
    ]);
    const output = await json(post(url, { messages }, { ...KEY, "x-mock-content-filter": "output" }));
    expect([output.choices[0].finish_reason, output.choices[0].message.content, output.choices[0].content_filter_results.violence.filtered]).toEqual(["content_filter", "", true]);
  });
});
