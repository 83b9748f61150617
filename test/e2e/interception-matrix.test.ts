// Protects issue 5's promise, "every LLM call", end to end: one abstract case run for each client
// library × sync/async × streaming/non-streaming × provider endpoint, by a real Python agent under a
// real supervisor, against the mock provider. Each call is seen once by the engine with the right
// library and endpoint; allowed calls come back as sent with exact usage and cost (streams included);
// denied calls never reach the provider and look like the provider's own 403; modified and rerouted
// calls send what the engine said; early-closed streams still settle; an output policy rewrites
// streamed text across chunk boundaries, or ends the stream with the provider's error event.
// Debian's python3 runs every library (httpx, httpx2, requests, urllib, aiohttp, and the OpenAI and
// Anthropic SDKs' wire calls); every pyenv interpreter runs the stdlib-only rows (urllib).
// Gemini, Azure OpenAI, Ollama and Bedrock rows: interception-matrix-providers.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PRICES, Supervisor } from "../../src/index.js";
import type { IronEvent } from "../../src/events/types.js";
import { countTokens, startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, pyenvInterpreters } from "../helpers/iron.js";
import { type CaseResult, MASKED_TEXT, MODIFIED_PROMPT, expectedLibrary, filterPolicy, matrixPolicy, runMatrixAgent } from "../helpers/matrix.js";

let mock: MockLlm;
let mock2: MockLlm;
let sup: Supervisor;
const events: IronEvent[] = [];
const results: CaseResult[] = [];

beforeAll(async () => {
  mock = await startMockLlm({ echo: true, maxRecorded: 10_000 });
  mock2 = await startMockLlm({ echo: true, maxRecorded: 10_000 });
  sup = await Supervisor.start({
    providers: [{ name: "mock", kind: "openai", base_url: mock.baseUrl }],
    policies: [
      matrixPolicy(
        () => mock.baseUrl,
        () => mock2.baseUrl,
      ),
    ],
  });
  sup.on("event", (event) => events.push(event));
  const runs = [{ python: DEBIAN_PYTHON, libs: "all" as const, tag: "debian" }];
  for (const python of pyenvInterpreters()) runs.push({ python, libs: "all" as const, tag: python.split("/").at(-3) ?? python });
  for (const run of runs) {
    const libs = run.python === DEBIAN_PYTHON ? "all" : "stdlib";
    results.push(...(await runMatrixAgent(sup, events, { ...run, libs, phase: "govern", mockUrl: mock.baseUrl })));
    const stop = sup.policies.use(filterPolicy);
    results.push(...(await runMatrixAgent(sup, events, { ...run, libs, phase: "filter", mockUrl: mock.baseUrl })));
    stop();
  }
}, 600_000);

afterAll(async () => {
  await sup?.close();
  await mock?.close();
  await mock2?.close();
});

const of = <T extends IronEvent["type"]>(type: T) => events.filter((e): e is Extract<IronEvent, { type: T }> => e.type === type);
const requestsOf = (r: CaseResult) => of("llm.request").filter((e) => e.attrs.case === r.case);
const responseOf = (r: CaseResult) => {
  const callIds = new Set(requestsOf(r).map((e) => e.callId));
  return of("llm.response").filter((e) => callIds.has(e.callId));
};
const cases = (behaviour: string) => results.filter((r) => r.behaviour === behaviour);
const sentTo = (m: MockLlm, text: string) => m.requests.filter((req) => JSON.stringify(req.body).includes(JSON.stringify(text))).length;

// What the mock (echo mode, tokens.ts) reports for a prompt, and what it costs at list prices.
function expectedUsage(r: CaseResult, prompt: string) {
  const tokens = countTokens(prompt);
  return { inputTokens: tokens, outputTokens: r.endpoint === "embeddings" ? 0 : tokens, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 };
}
function expectedCost(r: CaseResult, prompt: string): number {
  const model = r.endpoint === "messages" ? "claude-3-5-haiku" : r.endpoint === "embeddings" ? "text-embedding-3-small" : "gpt-4o-mini";
  const price = DEFAULT_PRICES[model]!;
  const usage = expectedUsage(r, prompt);
  return Math.ceil(usage.inputTokens * price.input + usage.outputTokens * price.output - 1e-9);
}

describe("interception matrix (library × sync/async × stream × provider, real supervisor)", () => {
  it("covers every library and flavour on Debian's python3, and urllib on every pyenv interpreter", () => {
    const labels = new Set(results.map((r) => r.lib.replace(/^[^/]*\//, "")));
    for (const label of [
      "httpx-sync",
      "httpx-async",
      "httpx2-sync",
      "httpx2-async",
      "requests-sync",
      "urllib-sync",
      "aiohttp-async",
      "openai-sdk-sync",
      "openai-sdk-async",
      "anthropic-sdk-sync",
      "anthropic-sdk-async",
    ]) {
      expect(labels, label).toContain(label);
    }
    expect(new Set(results.map((r) => r.lib.split("/")[0])).size).toBe(1 + pyenvInterpreters().length);
    expect(new Set(results.map((r) => `${r.endpoint}/${r.stream}`)).size).toBe(9);
  });

  it("shows every call to the engine exactly once, with its library, provider, endpoint and stream flag", () => {
    for (const r of results) {
      const seen = requestsOf(r);
      expect(seen, r.case).toHaveLength(1);
      expect([seen[0]?.library, seen[0]?.endpoint, seen[0]?.stream, seen[0]?.provider], r.case).toEqual([
        expectedLibrary(r.lib),
        r.endpoint,
        r.stream,
        r.endpoint === "messages" ? "anthropic" : "mock",
      ]);
    }
  });

  it("lets allowed calls through unchanged, with exact usage and cost whether streamed or not", () => {
    expect(cases("allow").length).toBeGreaterThan(50);
    for (const r of cases("allow")) {
      expect([r.status, r.exception, r.error_code], r.case).toEqual([200, null, null]);
      if (r.endpoint === "embeddings") expect(r.embedding, r.case).toBe(1536);
      else expect(r.text, r.case).toBe(r.prompt);
      const [response] = responseOf(r);
      expect([response?.status, response?.complete, response?.stream], r.case).toEqual([200, true, r.stream]);
      expect(response?.usage, r.case).toEqual(expectedUsage(r, r.prompt));
      expect(response?.costMicros, r.case).toBe(expectedCost(r, r.prompt));
    }
  });

  it("denies as the provider's own 403 (or the SDK's PermissionDeniedError), and the provider never sees it", () => {
    for (const r of cases("deny")) {
      expect([r.status, r.error_code], r.case).toEqual([403, "IRON_ERR_POLICY"]);
      if (r.lib.includes("-sdk-")) expect(r.exception, r.case).toBe("PermissionDeniedError");
      expect(sentTo(mock, r.prompt), r.case).toBe(0);
      expect(responseOf(r), r.case).toHaveLength(0);
    }
  });

  it("sends the body a policy modified, and the answer follows it", () => {
    for (const r of cases("modify")) {
      expect([r.status, sentTo(mock, r.prompt)], r.case).toEqual([200, 0]);
      if (r.endpoint !== "embeddings") expect(r.text, r.case).toBe(MODIFIED_PROMPT);
      expect(responseOf(r)[0]?.usage, r.case).toEqual(expectedUsage(r, MODIFIED_PROMPT));
    }
    expect(sentTo(mock, MODIFIED_PROMPT)).toBe(cases("modify").length);
  });

  it("sends a rerouted call to the URL a policy chose", () => {
    expect(cases("reroute").length).toBeGreaterThan(10);
    for (const r of cases("reroute")) {
      expect([r.status, r.text, sentTo(mock, r.prompt), sentTo(mock2, r.prompt)], r.case).toEqual([200, r.prompt, 0, 1]);
      expect(responseOf(r)[0]?.complete, r.case).toBe(true);
    }
  });

  it("reports a stream the agent closed early as incomplete, and settles every reservation", () => {
    for (const r of cases("early-close")) {
      const response = responseOf(r);
      expect(
        response.map((e) => [e.status, e.complete]),
        r.case,
      ).toEqual([[200, false]]);
    }
    const balances = sup.budgets.balances();
    expect(balances.length).toBeGreaterThan(0);
    for (const balance of balances) expect(balance.reserved, balance.scope).toBe(0);
    const charged = of("llm.response").reduce((sum, e) => sum + e.costMicros, 0);
    expect(sup.budgets.spent("global")).toBe(charged);
  });

  it("rewrites streamed text with an output policy, across chunk boundaries, for every library and provider", () => {
    expect(cases("filter").length).toBeGreaterThan(20);
    for (const r of cases("filter")) {
      expect([r.status, r.error_code, r.text], r.case).toEqual([200, null, MASKED_TEXT]);
      expect(
        responseOf(r).map((e) => e.complete),
        r.case,
      ).toEqual([true]);
      const callId = requestsOf(r)[0]?.callId;
      expect(
        of("llm.decision").some((e) => e.callId === callId && e.phase === "stream" && e.action === "redact"),
        r.case,
      ).toBe(true);
    }
  });

  it("ends a stream an output policy denies with the provider's error event (the SDKs raise)", () => {
    for (const r of cases("filter-deny")) {
      expect([r.status, r.error_code], r.case).toEqual([200, "IRON_ERR_PII"]);
      expect(r.text, r.case).not.toContain("forbidden");
      if (r.lib.includes("-sdk-")) expect(r.exception, r.case).toBe(r.endpoint === "messages" ? "APIStatusError" : r.endpoint === "responses" ? null : "APIError");
      const [response] = responseOf(r);
      expect([response?.complete, response?.error?.startsWith("IRON_ERR_PII")], r.case).toEqual([false, true]);
    }
  });
});
