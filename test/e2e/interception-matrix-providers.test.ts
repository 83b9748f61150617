// The interception matrix's provider rows (issue 18): Gemini, Azure OpenAI and Ollama's /api/chat and
// /api/generate through httpx sync and async (what google-genai, the openai SDK and ollama-python send
// with), and Bedrock's Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream through
// botocore (sync), each at once and streamed, by one real Python agent under one real supervisor against
// one iron mock-llm. Every cell is seen once by the engine; allowed cells are redacted on the way out and
// back and charged exactly from the provider's own usage; denied cells never reach the provider and come
// back in the provider's own error shape. Then the actions, for Gemini, Azure, Ollama (httpx sync) and
// Bedrock Converse / ConverseStream: a policy's modify (the output cap) is what the provider gets, a
// reroute (a modify with a URL) goes to a second mock, and a stream closed early is still charged for
// what was read. The OpenAI and Anthropic rows are in interception-matrix.test.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PRICES, type LlmCall, modify, Supervisor } from "../../src/index.js";
import type { IronEvent } from "../../src/events/types.js";
import { countTokens, startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, FIXTURES, tempDir } from "../helpers/iron.js";
import { eventsOf } from "../helpers/provider-agent.js";

const PROMPT = "I am jane.doe@example.com, call +44 20 7946 0958";
const SENT = "I am [EMAIL_1], call +44 20 7946 0958";
const BACK = "I am [EMAIL_1], call [PHONE_1]";
const DENIED = "iron: model deny-me is not allowed (IRON_ERR_POLICY)";

interface Cell {
  readonly case: string;
  readonly provider: "gemini" | "azure" | "ollama" | "bedrock";
  readonly lib: string;
  readonly endpoint: string;
  readonly stream: boolean;
  readonly behaviour: "allow" | "deny" | "modify" | "reroute" | "early-close";
  readonly status: number;
  readonly text: string;
  readonly error: unknown;
}

let mock: MockLlm;
let mock2: MockLlm;
let sup: Supervisor;
const events: IronEvent[] = [];
let cells: Cell[] = [];

beforeAll(async () => {
  mock = await startMockLlm({ echo: true, requireAuth: true });
  mock2 = await startMockLlm({ echo: true, requireAuth: true });
  sup = await Supervisor.start({
    safety: { input: { default: "redact", phone: "allow" }, output: { default: "redact" } },
    policies: [
      { name: "deny-model", onRequest: (call) => (call.model === "deny-me" ? { action: "deny", code: "IRON_ERR_POLICY", reason: "model deny-me is not allowed" } : undefined) },
      {
        name: "matrix-actions",
        onRequest: (call) => {
          if (call.attrs.expect === "modify") return modify(capped(call, CAP), "the matrix capped the output");
          if (call.attrs.expect === "reroute") return modify(call.body, { url: call.url.replace(mock.url, mock2.url), reason: "the matrix rerouted the call" });
          return undefined;
        },
      },
    ],
  });
  sup.on("event", (event) => events.push(event));
  const out = join(tempDir("iron-matrix-providers-"), "cells.jsonl");
  const agent = await sup.spawn({
    script: join(FIXTURES, "matrix", "providers.py"),
    python: DEBIAN_PYTHON,
    env: { IRON_SHIM_STRICT: "1", MATRIX_ROOT: mock.url, MATRIX_PROMPT: PROMPT, MATRIX_OUT: out },
  });
  const exit = await agent.exited;
  const stderr = events.filter((e) => e.type === "agent.output" && e.stream === "stderr").map((e) => (e.type === "agent.output" ? e.line : ""));
  expect(exit.exitCode, stderr.join("\n")).toBe(0);
  cells = readFileSync(out, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Cell);
}, 180_000);

afterAll(async () => {
  await sup?.close();
  await mock?.close();
  await mock2?.close();
});

// The output cap a modify sets, in each provider's own field.
const CAP = 3;
function capped(call: LlmCall, cap: number): unknown {
  const body = { ...(call.body as Record<string, unknown>) };
  const inner = (key: string) => ({ ...((body[key] as Record<string, unknown> | undefined) ?? {}) });
  if (call.provider === "gemini") body.generationConfig = { ...inner("generationConfig"), maxOutputTokens: cap };
  else if (call.provider === "ollama") body.options = { ...inner("options"), num_predict: cap };
  else if (call.provider === "bedrock") body.inferenceConfig = { ...inner("inferenceConfig"), maxTokens: cap };
  else body.max_tokens = cap;
  return body;
}
// The cap each provider's request carries, as the mock received it.
const capOf = (body: any): unknown => body?.generationConfig?.maxOutputTokens ?? body?.options?.num_predict ?? body?.inferenceConfig?.maxTokens ?? body?.max_tokens;

const of = <T extends IronEvent["type"]>(type: T) => eventsOf(events, type);
const requestOf = (c: Cell) => of("llm.request").filter((e) => e.attrs.case === c.case);
const sentOf = (c: Cell, to: MockLlm = mock) => to.requests.filter((r) => JSON.stringify(r.body).includes(`(${c.case})`));
const responsesOf = (c: Cell) => {
  const callIds = new Set(requestOf(c).map((e) => e.callId));
  return of("llm.response").filter((e) => callIds.has(e.callId));
};
const acting = (behaviour: Cell["behaviour"]) => cells.filter((c) => c.behaviour === behaviour);
const allowed = () => cells.filter((c) => c.behaviour === "allow");
const denied = () => cells.filter((c) => c.behaviour === "deny");

// The engine's provider name and library for a cell (Azure is its own provider, though it speaks OpenAI's wire).
const engineProvider = (c: Cell) => c.provider;
const engineLibrary = (c: Cell) => c.lib.replace(/-(sync|async)$/, "");

// The list price the engine charges each provider's allowed model at (Ollama is local: $0).
function expectedCost(c: Cell, tokens: number, output = tokens): number {
  const model = { gemini: "gemini-2.5-flash", azure: "gpt-4o-mini", bedrock: "claude-3-5-sonnet", ollama: null }[c.provider];
  if (model === null) return 0;
  const price = DEFAULT_PRICES[model]!;
  return Math.ceil(tokens * price.input + output * price.output - 1e-9);
}

describe("interception matrix, provider rows (provider × library × sync/async × stream, real supervisor)", () => {
  it("runs every provider row through its SDK's library, sync and async, at once and streamed", () => {
    const rows = new Set(cells.map((c) => `${c.provider}/${c.lib}/${c.endpoint}/${c.stream}`));
    for (const lib of ["httpx-sync", "httpx-async"]) {
      for (const row of ["gemini/generateContent/false", "gemini/streamGenerateContent/true", "azure/chat.completions/false", "azure/chat.completions/true"]) {
        const [provider, endpoint, stream] = row.split("/");
        expect(rows).toContain(`${provider}/${lib}/${endpoint}/${stream}`);
      }
      for (const endpoint of ["ollama.chat", "ollama.generate"]) for (const stream of [false, true]) expect(rows).toContain(`ollama/${lib}/${endpoint}/${stream}`);
    }
    for (const row of ["converse/false", "converse-stream/true", "invoke/false", "invoke-stream/true"]) expect(rows).toContain(`bedrock/botocore-sync/${row}`);
    expect(allowed()).toHaveLength(20);
    expect(denied()).toHaveLength(20);
    const actions = new Set(cells.filter((c) => !["allow", "deny"].includes(c.behaviour)).map((c) => `${c.provider}/${c.stream}/${c.behaviour}`));
    for (const provider of ["gemini", "azure", "ollama", "bedrock"]) {
      for (const row of ["false/modify", "true/modify", "false/reroute", "true/reroute", "true/early-close"]) expect(actions).toContain(`${provider}/${row}`);
    }
    expect(cells).toHaveLength(60);
  });

  it("shows every call to the engine exactly once, with its provider, library, endpoint and stream flag", () => {
    for (const c of cells) {
      const seen = requestOf(c);
      expect(seen, c.case).toHaveLength(1);
      expect([seen[0]?.provider, seen[0]?.endpoint, seen[0]?.stream], c.case).toEqual([engineProvider(c), c.endpoint, c.stream]);
      expect(seen[0]?.library, c.case).toBe(engineLibrary(c));
    }
  });

  it("redacts PII on the way out and on the way back in every allowed cell", () => {
    for (const c of allowed()) {
      expect([c.status, c.text, c.error], c.case).toEqual([200, `${BACK} (${c.case})`, null]);
      const sent = sentOf(c).map((r) => JSON.stringify(r.body));
      expect(sent, c.case).toHaveLength(1);
      expect(sent[0], c.case).toContain(SENT);
    }
    expect(JSON.stringify(mock.requests.map((r) => r.body))).not.toContain("jane.doe");
  });

  it("charges each allowed cell exactly from the provider's own usage, at its model's price", () => {
    for (const c of allowed()) {
      const callIds = new Set(requestOf(c).map((e) => e.callId));
      const responses = of("llm.response").filter((e) => callIds.has(e.callId));
      const tokens = countTokens(`${SENT} (${c.case})`);
      expect(
        responses.map((r) => [r.status, r.stream, r.complete]),
        c.case,
      ).toEqual([[200, c.stream, true]]);
      expect([responses[0]?.usage?.inputTokens, responses[0]?.usage?.outputTokens], c.case).toEqual([tokens, tokens]);
      expect(responses[0]?.costMicros, c.case).toBe(expectedCost(c, tokens));
    }
    const balances = sup.budgets.balances();
    for (const balance of balances) expect(balance.reserved, balance.scope).toBe(0);
  });

  it("denies in each provider's own error shape, and the provider never sees the call", () => {
    const shapes: Record<Cell["provider"], unknown> = {
      gemini: { code: 403, status: "PERMISSION_DENIED", message: DENIED },
      azure: expect.objectContaining({ type: "iron_policy_denied", code: "IRON_ERR_POLICY" }),
      ollama: DENIED,
      bedrock: { code: "AccessDeniedException", message: DENIED },
    };
    for (const c of denied()) {
      expect([c.status, c.error], c.case).toEqual([403, shapes[c.provider]]);
      expect(sentOf(c), c.case).toHaveLength(0);
      const callIds = new Set(requestOf(c).map((e) => e.callId));
      expect(
        of("llm.response").filter((e) => callIds.has(e.callId)),
        c.case,
      ).toHaveLength(0);
    }
    expect(mock.requests.some((r) => r.path.includes("deny-me") || JSON.stringify(r.body).includes("deny-me"))).toBe(false);
  });

  it("sends the body a policy modified (the output cap), and the answer and the charge follow it", () => {
    for (const c of acting("modify")) {
      const sent = sentOf(c);
      expect([c.status, c.error, sent.length, capOf(sent[0]?.body)], c.case).toEqual([200, null, 1, CAP]);
      const full = `plain words for the matrix (${c.case})`;
      expect(full.startsWith(c.text) && c.text.length > 0 && c.text.length < full.length, `${c.case}: ${c.text}`).toBe(true);
      const response = responsesOf(c);
      expect([response.length, response[0]?.complete, response[0]?.usage?.outputTokens], c.case).toEqual([1, true, CAP]);
      expect(response[0]?.costMicros, c.case).toBe(expectedCost(c, countTokens(full), CAP));
    }
  });

  it("sends a rerouted call to the URL a policy chose (Bedrock's signed afresh for it), and nothing to the first", () => {
    for (const c of acting("reroute")) {
      expect([c.status, c.text, sentOf(c).length, sentOf(c, mock2).length], c.case).toEqual([200, `plain words for the matrix (${c.case})`, 0, 1]);
      expect(responsesOf(c)[0]?.complete, c.case).toBe(true);
    }
  });

  it("charges a stream the agent closed early for what was read, and settles every reservation", () => {
    for (const c of acting("early-close")) {
      const response = responsesOf(c);
      expect([c.status, c.text.length > 0, response.map((r) => [r.status, r.complete])], c.case).toEqual([200, true, [[200, false]]]);
      if (c.provider === "ollama") expect(response[0]?.costMicros, c.case).toBe(0);
      else expect(response[0]?.costMicros, c.case).toBeGreaterThan(0);
    }
    for (const balance of sup.budgets.balances()) expect(balance.reserved, balance.scope).toBe(0);
    expect(sup.budgets.spent("global")).toBe(of("llm.response").reduce((sum, e) => sum + e.costMicros, 0));
  });
});
