// Released reads of a watched stream (protocol/SPEC.md §3.6a `chunk_hints`, `released`): the request
// decision hands the shim the output detectors' hints; a read the shim released without asking gets no
// decision, and the stream's filter follows it, so what it still holds (and nothing the agent already
// has) comes out with the next answer; a released value is told as a policy.error, not kept quiet.
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
import type { DecisionFields } from "../../src/supervisor/wire-mapping.js";
import { wireRequest } from "../helpers/wire-request.js";

const REDACT: DirectionActions = { default: "redact", overrides: {} };
const safety: Policy = safetyPolicy({ detectors: BUILTIN_DETECTORS, input: REDACT, output: REDACT, hashSalt: "", allowValues: [] });

function governor(custom: Policy[] = []): { governor: CallGovernor; events: IronEvent[]; errors: unknown[] } {
  const ledger = new MemoryBudgetLedger();
  const engine = new PolicyEngine({ builtins: [safety], ledger });
  for (const policy of custom) engine.use(policy);
  const bus = new EventBus();
  const events: IronEvent[] = [];
  const errors: unknown[] = [];
  bus.subscribe((event) => events.push(event));
  return { governor: new CallGovernor({ engine, bus, ledger, afterFailed: (e) => errors.push(e) }), events, errors };
}

const chunk = (id: number, index: number, texts: string[], done: boolean, released = false): LlmChunkMessage => ({
  v: 1,
  type: "llm.chunk",
  id,
  call: "c-1",
  index,
  text: "",
  done,
  texts,
  ...(released && { released: true as const }),
});

describe("chunk_hints in the request decision", () => {
  it("carry the output detectors' hints and their holds (a digit, a PEM header)", async () => {
    const decision = await governor().governor.request("a", wireRequest(1, { stream: true }));
    const hints = decision.chunk_hints ?? [];
    expect(hints.some((h) => h.re.startsWith("@") && h.hold === undefined)).toBe(true);
    expect(hints.filter((h) => h.hold === true).map((h) => h.re)).toEqual(["-----BEGIN", "[0-9]"]);
  });

  it("are left out when a stream policy cannot say what it acts on", async () => {
    const watcher: Policy = { name: "watcher", onStreamOpen: () => ({ push: (text) => ({ action: "allow", text }), end: () => ({ action: "allow", text: "" }) }) };
    const decision = await governor([watcher]).governor.request("a", wireRequest(1, { stream: true }));
    expect([decision.stream_chunks, decision.chunk_hints]).toEqual([true, undefined]);
  });
});

describe("a released read", () => {
  it("gets no decision, and the filter goes on from what the shim holds: nothing the agent has comes out again", async () => {
    const { governor: g, events } = governor();
    await g.request("a", wireRequest(1, { stream: true }));
    const replies: DecisionFields[] = [];
    g.chunk("a", chunk(2, 0, ["Hello", " wor"], false, true), (d) => replies.push(d));
    const answer = g.chunk("a", chunk(3, 2, ["ld, mail jane@example.com"], true));
    expect(replies.length).toBe(1); // the reply callback is the agent server's: it sends nothing for a released read
    expect((answer.texts ?? []).join("") + (answer.text ?? "")).toBe("world, mail [EMAIL_1]");
    expect(events.filter((e) => e.type === "policy.error")).toEqual([]);
  });

  it("that held a value after all is a policy.error and a logged failure (the agent already had it)", async () => {
    const { governor: g, events, errors } = governor();
    await g.request("a", wireRequest(1, { stream: true }));
    g.chunk("a", chunk(2, 0, ["mail jane@example.com now"], true, true));
    g.flushFollowUps();
    expect(events.filter((e) => e.type === "policy.error").map((e) => (e.type === "policy.error" ? [e.policy, e.ignored] : null))).toEqual([["safety", true]]);
    expect(errors.length).toBe(1);
  });
});
