// Protects "nothing but the decision on the decision path" (issue 14): the governor hands its
// decision to the agent server before it publishes the call's events, counts its metrics or shows
// its call details, and a decision that had nothing to wait for is given in the same turn. The
// events still get the places they had when they were published before the decision: llm.request
// first, then what the policies published while deciding, then llm.decision.
import { describe, expect, it } from "vitest";
import { EventBus, type EventSink } from "../../src/events/bus.js";
import type { IronEvent } from "../../src/events/types.js";
import { PolicyEngine } from "../../src/policy/engine.js";
import type { LlmCall, LlmResult, Policy } from "../../src/policy/types.js";
import { emptyVerdict, type Verdict } from "../../src/policy/verdict.js";
import { BUILTIN_DETECTORS } from "../../src/policy/pii/detectors.js";
import { safetyPolicy } from "../../src/policy/policies/safety.js";
import type { LlmChunkMessage, LlmResponseMessage } from "../../src/protocol/messages.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";
import type { CallObserver } from "../../src/stream/call-details.js";
import { CallGovernor, type Decider } from "../../src/supervisor/call-governor.js";
import type { DecisionFields } from "../../src/supervisor/wire-mapping.js";
import { wireRequest, wireResponse } from "../helpers/wire-request.js";

function responseOf(callNo: number): LlmResponseMessage {
  return wireResponse(callNo, { usage: null });
}

/** What happened, in the order it happened: replies, events, call-detail views. */
type Seen = { kind: "reply"; action: string } | { kind: "event"; event: IronEvent } | { kind: "observed"; what: string };

function rig(engineOf: (bus: EventBus) => Decider): { governor: CallGovernor; seen: Seen[]; bus: EventBus; reply: (d: DecisionFields) => void } {
  const seen: Seen[] = [];
  const bus = new EventBus();
  bus.subscribe((event) => seen.push({ kind: "event", event }));
  const observer: CallObserver = {
    request: (callId) => void seen.push({ kind: "observed", what: `request ${callId}` }),
    response: (callId) => void seen.push({ kind: "observed", what: `response ${callId}` }),
    streamText: (callId, text) => void seen.push({ kind: "observed", what: `text ${callId} ${text}` }),
  };
  const governor = new CallGovernor({ engine: engineOf(bus), bus, ledger: new MemoryBudgetLedger(), observer });
  return { governor, seen, bus, reply: (d) => void seen.push({ kind: "reply", action: d.action }) };
}

// The end of this turn: every nextTick has run, the follow-ups of the decisions given in it too.
const turnEnd = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const kinds = (seen: readonly Seen[]): string[] => seen.map((s) => (s.kind === "event" ? s.event.type : s.kind === "reply" ? "reply" : s.what));

// An engine whose policies all answered at once: its verdicts are not promises.
const syncDecider: Decider = {
  decideRequest: (): Verdict => emptyVerdict("allow"),
  decideResponse: (_call: LlmCall, _result: LlmResult): Verdict => emptyVerdict("allow"),
  openStream: () => null,
  release: () => undefined,
};

describe("the governor's decision", () => {
  it("is given in the same turn, before any event, when nothing had to be awaited", async () => {
    const { governor, seen, reply } = rig(() => syncDecider);
    const decided = governor.request("bot", wireRequest(1), reply);
    expect(decided).not.toBeInstanceOf(Promise);
    expect(kinds(seen)).toEqual(["reply"]);
    await Promise.resolve();
    expect(kinds(seen)).toEqual(["reply"]);
    await turnEnd();
    expect(kinds(seen)).toEqual(["reply", "llm.request", "llm.decision", "request c-1"]);
    seen.length = 0;
    const answered = governor.response("bot", responseOf(1), reply);
    expect(answered).not.toBeInstanceOf(Promise);
    expect(kinds(seen)).toEqual(["reply"]);
    governor.flushFollowUps();
    expect(kinds(seen)).toEqual(["reply", "llm.decision", "llm.response", "response c-1"]);
  });

  it("of every call decided at once goes out before the events of any of them", async () => {
    let decide: (verdict: Verdict) => void = () => undefined;
    const together = new Promise<Verdict>((resolve) => (decide = resolve));
    const { governor, seen, reply } = rig(() => ({ ...syncDecider, decideRequest: () => together }));
    const both = Promise.all([governor.request("bot", wireRequest(1), reply), governor.request("bot", wireRequest(2), reply)]);
    decide(emptyVerdict("allow"));
    await both;
    expect(kinds(seen)).toEqual(["reply", "reply"]);
    await turnEnd();
    expect(kinds(seen)).toEqual(["reply", "reply", "llm.request", "llm.request", "llm.decision", "request c-1", "llm.decision", "request c-2"]);
    const seqs = seen.flatMap((s) => (s.kind === "event" ? [`${s.event.type} ${s.event.seq}`] : []));
    expect(seqs).toEqual(["llm.request 1", "llm.request 2", "llm.decision 3", "llm.decision 4"]);
  });

  it("goes out before the call's events when the policies are awaited", async () => {
    const awaited: Policy = {
      name: "awaited",
      onRequest: async () => {
        await Promise.resolve();
        return { action: "allow" };
      },
    };
    const { governor, seen, reply } = rig(() => new PolicyEngine({ builtins: [awaited], ledger: new MemoryBudgetLedger() }));
    const decided = governor.request("bot", wireRequest(1), reply);
    expect(decided).toBeInstanceOf(Promise);
    await decided;
    expect(kinds(seen)).toEqual(["reply"]);
    await turnEnd();
    expect(kinds(seen)).toEqual(["reply", "llm.request", "llm.decision", "request c-1"]);
    seen.length = 0;
    await governor.response("bot", responseOf(1), reply);
    expect(kinds(seen)).toEqual(["reply"]);
    await turnEnd();
    expect(kinds(seen)).toEqual(["reply", "llm.decision", "llm.response", "response c-1"]);
  });

  it("leaves llm.request before what a policy publishes while deciding, as when it was published first", async () => {
    let bus: EventBus | null = null;
    const publishing: Policy = {
      name: "publishing",
      onRequest: (call) => {
        bus?.publish({ type: "policy.error", agentId: call.agentId, callId: call.id, policy: "publishing", error: "noted while deciding", timedOut: false, ignored: true });
        return { action: "allow" };
      },
    };
    const { governor, seen, reply } = rig((b) => {
      bus = b;
      return new PolicyEngine({ builtins: [publishing], ledger: new MemoryBudgetLedger() });
    });
    await governor.request("bot", wireRequest(1), reply);
    await turnEnd();
    expect(kinds(seen)).toEqual(["llm.request", "policy.error", "reply", "llm.decision", "request c-1"]);
    expect(seen.flatMap((s) => (s.kind === "event" ? [s.event.seq] : []))).toEqual([1, 2, 3]);
  });

  it("about streamed text goes out before the call details see it and before its stream decision event", async () => {
    const redact = { default: "redact" as const, overrides: {} };
    const safety = safetyPolicy({ detectors: BUILTIN_DETECTORS, input: redact, output: redact, hashSalt: "", allowValues: [] });
    const { governor, seen, reply } = rig(() => new PolicyEngine({ builtins: [safety], ledger: new MemoryBudgetLedger() }));
    await governor.request("bot", wireRequest(1, { stream: true }), reply);
    await turnEnd();
    seen.length = 0;
    const chunk: LlmChunkMessage = { v: 1, type: "llm.chunk", id: 5, call: "c-1", index: 0, text: "", texts: ["write to jane@example.com"], done: true };
    const answer = governor.chunk("bot", chunk, reply);
    expect(answer.action).toBe("redact");
    expect(kinds(seen)).toEqual(["reply"]);
    governor.flushFollowUps();
    const order = kinds(seen);
    expect(order[0]).toBe("reply");
    expect(order.slice(1).some((k) => k.startsWith("text c-1"))).toBe(true);
    expect(order).toContain("llm.decision");
  });

  it("is returned after its events when the caller gives no reply (it only awaits the decision)", async () => {
    const { governor, seen } = rig(() => syncDecider);
    governor.request("bot", wireRequest(1));
    expect(kinds(seen)).toEqual(["llm.request", "llm.decision", "request c-1"]);
  });

  it("still publishes its events when handing the decision over failed", () => {
    const { governor, seen } = rig(() => syncDecider);
    expect(() =>
      governor.request("bot", wireRequest(1), () => {
        throw new Error("the socket is gone");
      }),
    ).toThrow("the socket is gone");
    governor.flushFollowUps();
    expect(kinds(seen)).toEqual(["llm.request", "llm.decision", "request c-1"]);
  });
});

describe("an event numbered now and published later", () => {
  // A sink that records the order events reach it in.
  function recording(): { sink: EventSink; appended: number[] } {
    const appended: number[] = [];
    let deliver: (batch: readonly IronEvent[]) => void = () => undefined;
    const sink: EventSink = {
      lastSeq: 0,
      append: (event) => {
        appended.push(event.seq);
        deliver([event]);
      },
      onCommit: (d) => {
        deliver = d;
      },
      flush: () => undefined,
    };
    return { sink, appended };
  }
  const started = (agentId: string) => ({ type: "agent.output" as const, agentId, run: 1, stream: "stdout" as const, line: `hello from ${agentId}` });

  it("reaches the sink before any event published after it, scrubbed, in seq order", () => {
    const { sink, appended } = recording();
    const bus = new EventBus(sink);
    bus.scrubber.addSecret("iron_secret_value_123456");
    const seen: IronEvent[] = [];
    bus.subscribe((event) => seen.push(event));
    bus.publishLater(() => ({ ...started("a"), line: "token iron_secret_value_123456" }));
    expect(appended).toEqual([]);
    bus.publish(started("b"));
    expect(appended).toEqual([1, 2]);
    expect(JSON.stringify(seen[0])).not.toContain("iron_secret_value_123456");
  });

  it("is handed over by drain, by close, or on its own shortly after", async () => {
    const { sink, appended } = recording();
    const bus = new EventBus(sink);
    bus.publishLater(() => started("a"));
    bus.drain();
    expect(appended).toEqual([1]);
    bus.publishLater(() => started("b"));
    await expect.poll(() => appended).toEqual([1, 2]);
    bus.publishLater(() => started("c"));
    bus.close();
    expect(appended).toEqual([1, 2, 3]);
  });

  it("stays in order when a listener publishes while earlier ones are being handed over", () => {
    const { sink, appended } = recording();
    const bus = new EventBus(sink);
    let once = true;
    bus.subscribe((event) => {
      if (event.seq === 1 && once) {
        once = false;
        bus.publish(started("listener"));
      }
    });
    bus.publishLater(() => started("a"));
    bus.publishLater(() => started("b"));
    bus.drain();
    expect(appended).toEqual([1, 2, 3]);
  });
});
