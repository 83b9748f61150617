// Protects the folded state the stream's snapshot and `iron watch` both show: agents with
// counts and restarts, budgets, breakers, recent calls — and that a client rebuilding it from a
// snapshot plus the later events ends where the server is.
import { describe, expect, it } from "vitest";
import { StateProjection } from "../../src/events/projection.js";
import type { EventInput, IronEvent } from "../../src/events/types.js";
import { callEvents, deniedCallEvents, stateEvent } from "../helpers/events.js";

function numbered(inputs: EventInput[], first = 1): IronEvent[] {
  return inputs.map((input, i) => ({ seq: first + i, ts: 1_000 + i, ...input }) as unknown as IronEvent);
}

const story: EventInput[] = [
  { type: "supervisor.started", version: "0.1.0", pid: 77, endpoint: "ipc:///x" },
  stateEvent("a", "starting", "starting"),
  stateEvent("a", "starting", "running"),
  ...callEvents("a", "c1", 11),
  ...deniedCallEvents("a", "c2"),
  { type: "budget.update", scope: "global", limit: 1000, spent: 11, reserved: 0 },
  { type: "budget.warning", scope: "global", threshold: 0.8, spent: 800, limit: 1000, agentId: "a", callId: "c1" },
  { type: "breaker.state", provider: "openai", model: "gpt-4o", from: "closed", to: "open", reason: "5 failures", cooldownMs: 30_000 },
  stateEvent("a", "running", "crashed"),
  stateEvent("a", "starting", "starting", 2),
  stateEvent("b", "starting", "running"),
  ...callEvents("b", "c3", 5, "gpt-4o"),
];

describe("StateProjection", () => {
  it("folds agents, counts, spend, restarts, budgets, breakers and calls", () => {
    const p = new StateProjection();
    for (const e of numbered(story)) p.apply(e);
    expect(p.seq).toBe(story.length);
    expect(p.supervisor).toEqual({ pid: 77, version: "0.1.0", startedAt: 1000, stopping: false });
    expect(p.agents.get("a")).toMatchObject({ state: "starting", run: 2, restarts: 1, calls: 2, allowed: 1, denied: 1, costMicros: 11, inputTokens: 5, outputTokens: 7 });
    expect(p.agents.get("b")).toMatchObject({ state: "running", calls: 1, costMicros: 5 });
    expect(p.budgets.get("global")).toEqual({ scope: "global", limit: 1000, spent: 11, reserved: 0, warned: 0.8 });
    const breakerTs = 1_000 + story.findIndex((e) => e.type === "breaker.state");
    expect([...p.breakers.values()]).toEqual([{ provider: "openai", model: "gpt-4o", state: "open", since: breakerTs, reason: "5 failures", retryAt: breakerTs + 30_000 }]);
    expect([...p.calls.values()].map((c) => [c.callId, c.decision, c.status, c.costMicros])).toEqual([
      ["c1", "allow", 200, 11],
      ["c2", "deny", 402, 0],
      ["c3", "allow", 200, 5],
    ]);
  });

  it("counts each call once under its outcome, as the ledger and the run summary do", () => {
    const finding = { detector: "email", action: "redact", placeholder: "[EMAIL_1]", sha256: "ab" };
    const decision = (callId: string, phase: string, action: string, findings?: unknown[]): EventInput =>
      ({
        type: "llm.decision",
        attrs: {},
        agentId: "a",
        callId,
        phase,
        action,
        policy: action === "allow" ? null : "safety",
        code: null,
        reason: null,
        status: action === "deny" ? 451 : null,
        micros: 0,
        ms: 0.1,
        ...(findings ? { findings } : {}),
      }) as EventInput;
    const [request, allowed, response] = callEvents("a", "c1");
    const calls: EventInput[] = [
      ...callEvents("a", "plain"),
      // Request redacted by safety: decided as modify, counted as a redaction.
      { ...request, callId: "r1" } as EventInput,
      decision("r1", "request", "modify", [finding]),
      { ...response, callId: "r1" } as EventInput,
      // A policy's rewrite with no redaction: a modification.
      { ...request, callId: "m1" } as EventInput,
      decision("m1", "request", "modify"),
      // Allowed, then its response denied: a deny.
      { ...request, callId: "d1" } as EventInput,
      { ...allowed, callId: "d1" } as EventInput,
      decision("d1", "response", "deny"),
      // Allowed, then its stream redacted: a redaction.
      { ...request, callId: "s1" } as EventInput,
      { ...allowed, callId: "s1" } as EventInput,
      decision("s1", "stream", "redact", [finding]),
      { ...response, callId: "s1" } as EventInput,
    ];
    const p = new StateProjection();
    for (const e of numbered(calls)) p.apply(e);
    expect(p.agents.get("a")).toMatchObject({ calls: 5, allowed: 1, modified: 1, redacted: 2, denied: 1 });
  });

  it("keeps only the most recent calls", () => {
    const p = new StateProjection(2);
    for (const e of numbered([...callEvents("a", "c1"), ...callEvents("a", "c2"), ...callEvents("a", "c3")])) p.apply(e);
    expect([...p.calls.keys()]).toEqual(["c2", "c3"]);
  });

  it("narrows a snapshot to the agents asked for", () => {
    const p = new StateProjection();
    for (const e of numbered(story)) p.apply(e);
    const snap = p.snapshot(new Set(["b"]), 5);
    expect(snap.agents.map((a) => a.agentId)).toEqual(["b"]);
    expect(snap.calls.map((c) => c.callId)).toEqual(["c3"]);
    expect(snap.budgets).toHaveLength(1);
  });

  it("rebuilt from a snapshot mid-story and fed the rest, equals the server's state", () => {
    const events = numbered(story);
    const server = new StateProjection();
    for (const e of events.slice(0, 8)) server.apply(e);
    const client = StateProjection.fromSnapshot(JSON.parse(JSON.stringify(server.snapshot(null, 0))));
    for (const e of events.slice(8)) {
      server.apply(e);
      client.apply(e);
    }
    expect(client.snapshot(null, 0)).toEqual(server.snapshot(null, 0));
  });
});
