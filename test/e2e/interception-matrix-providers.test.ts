// The interception matrix's provider rows (issue 18): Gemini, Azure OpenAI and Ollama's /api/chat and
// /api/generate through httpx sync and async (what google-genai, the openai SDK and ollama-python send
// with), and Bedrock's Converse, ConverseStream and InvokeModel through botocore (sync), each at once
// and streamed, by one real Python agent under one real supervisor against one iron mock-llm. Every
// cell is seen once by the engine; allowed cells are redacted on the way out and back and charged
// exactly from the provider's own usage; denied cells never reach the provider and come back in the
// provider's own error shape. The OpenAI and Anthropic rows are in interception-matrix.test.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PRICES, Supervisor } from "../../src/index.js";
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
  readonly behaviour: "allow" | "deny";
  readonly status: number;
  readonly text: string;
  readonly error: unknown;
}

let mock: MockLlm;
let sup: Supervisor;
const events: IronEvent[] = [];
let cells: Cell[] = [];

beforeAll(async () => {
  mock = await startMockLlm({ echo: true, requireAuth: true });
  sup = await Supervisor.start({
    safety: { input: { default: "redact", phone: "allow" }, output: { default: "redact" } },
    policies: [{ name: "deny-model", onRequest: (call) => (call.model === "deny-me" ? { action: "deny", code: "IRON_ERR_POLICY", reason: "model deny-me is not allowed" } : undefined) }],
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
});

const of = <T extends IronEvent["type"]>(type: T) => eventsOf(events, type);
const requestOf = (c: Cell) => of("llm.request").filter((e) => e.attrs.case === c.case);
const sentOf = (c: Cell) => mock.requests.filter((r) => JSON.stringify(r.body).includes(`(${c.case})`));
const allowed = () => cells.filter((c) => c.behaviour === "allow");
const denied = () => cells.filter((c) => c.behaviour === "deny");

// The engine's provider name and library for a cell (Azure is its own provider, though it speaks OpenAI's wire).
const engineProvider = (c: Cell) => c.provider;
const engineLibrary = (c: Cell) => c.lib.replace(/-(sync|async)$/, "");

// The list price the engine charges each provider's allowed model at (Ollama is local: $0).
function expectedCost(c: Cell, tokens: number): number {
  const model = { gemini: "gemini-2.5-flash", azure: "gpt-4o-mini", bedrock: "claude-3-5-sonnet", ollama: null }[c.provider];
  if (model === null) return 0;
  const price = DEFAULT_PRICES[model]!;
  return Math.ceil(tokens * price.input + tokens * price.output - 1e-9);
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
    for (const row of ["converse/false", "converse-stream/true", "invoke/false"]) expect(rows).toContain(`bedrock/botocore-sync/${row}`);
    expect(cells).toHaveLength(38);
    expect(allowed()).toHaveLength(19);
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
});
