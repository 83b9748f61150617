// What the request decision tells the shim about the rest of the call (protocol/SPEC.md §3.5):
// whether a response decision is worth waiting for (only when some policy can redact or deny
// it), and that a watched stream's deltas may come in batches, which the governor filters in
// order exactly as it filters them one by one.
import { describe, expect, it } from "vitest";
import { EventBus } from "../../src/events/bus.js";
import type { IronEvent } from "../../src/events/types.js";
import { PolicyEngine } from "../../src/policy/engine.js";
import { BUILTIN_DETECTORS } from "../../src/policy/pii/detectors.js";
import { safetyPolicy, type DirectionActions } from "../../src/policy/policies/safety.js";
import type { Policy } from "../../src/policy/types.js";
import type { LlmChunkMessage } from "../../src/protocol/messages.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";
import { CallGovernor } from "../../src/supervisor/call-governor.js";
import { wireRequest } from "../helpers/wire-request.js";

const REDACT: DirectionActions = { default: "redact", overrides: {} };
const ALLOW: DirectionActions = { default: "allow", overrides: {} };
const safety = (output: DirectionActions): Policy => safetyPolicy({ detectors: BUILTIN_DETECTORS, input: REDACT, output, hashSalt: "", allowValues: [] });
const settles: Policy = { name: "settles", actsOnResponse: () => false, onResponse: () => ({ action: "allow", charge: 1 }) };
const custom: Policy = { name: "custom", onResponse: () => undefined };

function governor(builtins: Policy[], custom: Policy[] = []): { governor: CallGovernor; events: IronEvent[] } {
  const ledger = new MemoryBudgetLedger();
  const engine = new PolicyEngine({ builtins, ledger });
  for (const policy of custom) engine.use(policy);
  const bus = new EventBus();
  const events: IronEvent[] = [];
  bus.subscribe((event) => events.push(event));
  return { governor: new CallGovernor({ engine, bus, ledger }), events };
}

function chunk(id: number, call: string, index: number, fields: Partial<LlmChunkMessage>): LlmChunkMessage {
  return { v: 1, type: "llm.chunk", id, call, index, text: "", done: false, ...fields };
}

describe("response_decision in the request decision", () => {
  it("is left out (wait) when output safety redacts a read response", async () => {
    const { governor: g } = governor([safety(REDACT), settles]);
    expect((await g.request("a", wireRequest(1))).response_decision).toBeUndefined();
  });

  it("is false when every policy with a response hook only settles or records", async () => {
    const { governor: g } = governor([safety(ALLOW), settles]);
    expect((await g.request("a", wireRequest(1))).response_decision).toBe(false);
    const streamed = governor([safety(REDACT), settles]).governor;
    expect((await streamed.request("a", wireRequest(2, { stream: true }))).response_decision).toBe(false);
  });

  it("is left out when a custom policy has an onResponse that may act", async () => {
    const { governor: g } = governor([safety(ALLOW), settles], [custom]);
    expect((await g.request("a", wireRequest(1))).response_decision).toBeUndefined();
  });
});

describe("stream_chunks in the request decision", () => {
  it("is left out when no output detector acts, so the shim never waits for a chunk decision", async () => {
    const { governor: quiet } = governor([safety(ALLOW), settles]);
    const decision = await quiet.request("a", wireRequest(1, { stream: true }));
    expect([decision.stream_chunks, decision.chunk_batch]).toEqual([undefined, undefined]);
    const { governor: watched } = governor([safety(REDACT), settles]);
    expect((await watched.request("a", wireRequest(2, { stream: true }))).stream_chunks).toBe(true);
  });
});

describe("finish_reasons in place of the body", () => {
  it("become the llm.response event's finishReasons", async () => {
    const { governor: g, events } = governor([safety(ALLOW), settles]);
    await g.request("a", wireRequest(1));
    const usage = { input_tokens: 5, output_tokens: 2, cached_input_tokens: 0, cache_creation_input_tokens: 0, reasoning_tokens: 0 };
    const base = {
      v: 1,
      type: "llm.response",
      id: 2,
      call: "c-1",
      status: 200,
      usage,
      output: "hi",
      body: null,
      latency_ms: 3,
      stream: false,
      complete: true,
      error: null,
      request_id: null,
      model: null,
    } as const;
    await g.response("a", { ...base, finish_reasons: ["length"] });
    const response = events.find((e) => e.type === "llm.response");
    expect(response).toMatchObject({ finishReasons: ["length"] });
  });
});

describe("batched llm.chunk", () => {
  it("answers one text per delta and the held remainder at the end, as the one-by-one filter does", async () => {
    const deltas = ["Mail me at jo", "hn.doe@exa", "mple.com", " or call", " soon"];
    const one = governor([safety(REDACT)]).governor;
    const decision = await one.request("a", wireRequest(1, { stream: true }));
    expect([decision.stream_chunks, decision.chunk_batch]).toEqual([true, true]);
    const single = deltas.map((text, i) => one.chunk("a", chunk(10 + i, "c-1", i, { text })).text);
    single.push(one.chunk("a", chunk(20, "c-1", deltas.length, { done: true })).text);

    const { governor: batched, events } = governor([safety(REDACT)]);
    await batched.request("a", wireRequest(1, { stream: true }));
    const first = batched.chunk("a", chunk(10, "c-1", 0, { texts: deltas.slice(0, 2) }));
    const rest = batched.chunk("a", chunk(11, "c-1", 2, { texts: deltas.slice(2), done: true }));
    expect([...(first.texts ?? []), ...(rest.texts ?? []), rest.text]).toEqual(single);
    expect(first.text).toBe("");
    expect(rest.action).toBe("redact");
    expect(single.join("")).not.toContain("john.doe@example.com");
    expect(events.filter((e) => e.type === "llm.decision" && e.phase === "stream").length).toBeGreaterThan(0);
  });

  it("gives each delta of a read its own text when the read holds no value (no word waits for the next delta of the same read)", async () => {
    const { governor: g } = governor([safety(REDACT)]);
    await g.request("a", wireRequest(1, { stream: true }));
    const deltas = ["Mock", " reply", " 91f6845d:", " this", " is", " it."];
    const answer = g.chunk("a", chunk(10, "c-1", 0, { texts: deltas, done: true }));
    expect([answer.action, answer.texts, answer.text]).toEqual(["allow", ["Mock", " reply", " 91f6845d:", " this", " is", " "], "it."]);
  });

  it("stops at a deny: the texts decided before it, then nothing", async () => {
    const block: DirectionActions = { default: "block", overrides: {} };
    const { governor: g } = governor([safety(block)]);
    await g.request("a", wireRequest(1, { stream: true }));
    const answer = g.chunk("a", chunk(10, "c-1", 0, { texts: ["Hello ", "write to jane@example.com ", "please"], done: true }));
    expect(answer.action).toBe("deny");
    expect(answer.code).toBe("IRON_ERR_PII");
    expect(answer.texts).toEqual(["Hello "]);
  });

  it("after a deny, a chunk the shim sent before it saw the deny (pipelined) is denied too, and filters, shows and publishes nothing", async () => {
    const block: DirectionActions = { default: "block", overrides: {} };
    const { governor: g, events } = governor([safety(block)]);
    await g.request("a", wireRequest(1, { stream: true }));
    expect(g.chunk("a", chunk(10, "c-1", 0, { texts: ["write to jane@example.com "] })).action).toBe("deny");
    const decided = events.filter((e) => e.type === "llm.decision").length;
    const later = g.chunk("a", chunk(11, "c-1", 1, { texts: ["or to joe@example.com"], done: true }));
    expect([later.action, later.texts, later.text]).toEqual(["deny", [], ""]);
    expect(events.filter((e) => e.type === "llm.decision").length).toBe(decided);
  });
});
