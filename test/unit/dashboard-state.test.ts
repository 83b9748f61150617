// Protects the dashboard's fold of the event stream (no browser): a snapshot then events
// build the page's state; a resumed stream that repeats events adds no row twice and counts
// nothing twice; a gap is refused (the page then takes a fresh snapshot, which keeps older
// rows); the calls table stays within its bound with thousands of calls; charts, output
// tails and the activity list are bounded and fed once per call.
import { describe, expect, it } from "vitest";
import type { CallView, Snapshot } from "../../src/events/projection.js";
import type { EventInput, IronEvent } from "../../src/events/types.js";
import { DashboardState } from "../../dashboard/src/model/dashboard-state.js";
import type { ControlActionEvent, StreamEvent } from "../../dashboard/src/model/messages.js";

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);

/** Numbers events from `first`, one second apart, as the bus does. */
function numbered(first: number, inputs: EventInput[]): IronEvent[] {
  return inputs.map((input, i) => ({ seq: first + i, ts: T0 + (first + i) * 1000, ...input }) as IronEvent);
}

const noAttrs = {};

/** The three events of one allowed call that got a response. */
function callEvents(callId: string, agentId = "worker", model = "gpt-4o-mini"): EventInput[] {
  return [
    {
      type: "llm.request",
      agentId,
      callId,
      provider: "openai",
      endpoint: "/v1/chat/completions",
      model,
      stream: false,
      estimatedInputTokens: 9,
      maxOutputTokens: 20,
      library: "urllib",
      attrs: noAttrs,
    },
    { type: "llm.decision", agentId, callId, phase: "request", action: "allow", policy: null, code: null, reason: null, status: null, micros: 40, ms: 0.2, attrs: noAttrs },
    {
      type: "llm.response",
      agentId,
      callId,
      model,
      status: 200,
      usage: { inputTokens: 9, outputTokens: 15, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 },
      costMicros: 11,
      latencyMs: 3.1,
      stream: false,
      complete: true,
      error: null,
      attrs: noAttrs,
    },
  ];
}

function snapshot(seq: number, calls: CallView[] = [], agentState = "running"): Snapshot {
  return {
    type: "snapshot",
    seq,
    ts: T0 + seq * 1000,
    supervisor: { pid: 4242, version: "0.1.0", startedAt: T0, stopping: false },
    agents: [
      {
        agentId: "worker",
        state: agentState,
        run: 1,
        pid: 4250,
        restarts: 0,
        since: T0 + 500,
        reason: "the shim said hello",
        calls: calls.length,
        allowed: calls.length,
        modified: 0,
        redacted: 0,
        denied: 0,
        inputTokens: 0,
        outputTokens: 0,
        costMicros: 0,
      },
    ],
    budgets: [{ scope: "global", limit: 10_000, spent: 0, reserved: 0, warned: null }],
    breakers: [],
    calls,
    storeError: null,
  };
}

function callsPerMinute(state: DashboardState): number {
  const s = state.timeline.series(T0 + 30 * 60_000);
  return [...s.allowed, ...s.modified, ...s.redacted, ...s.denied].reduce((a, b) => a + b, 0);
}

describe("the dashboard state", () => {
  it("starts from a snapshot and follows the events after it", () => {
    const state = new DashboardState();
    expect(state.apply(snapshot(10))).toBe("snapshot");
    for (const e of numbered(11, callEvents("c-1"))) expect(state.apply(e)).toBe("next");
    expect(state.lastSeq).toBe(13);
    const call = state.projection.calls.get("c-1");
    expect(call).toMatchObject({ decision: "allow", responseModel: "gpt-4o-mini", inputTokens: 9, outputTokens: 15, costMicros: 11, latencyMs: 3.1 });
    expect(state.projection.agents.get("worker")).toMatchObject({ state: "running", calls: 1, allowed: 1, costMicros: 11 });
    expect(callsPerMinute(state)).toBe(1);
  });

  it("ignores events it already applied, so a resumed replay adds no row or count twice", () => {
    const state = new DashboardState();
    state.apply(snapshot(10));
    const events = numbered(11, [...callEvents("c-1"), ...callEvents("c-2")]);
    for (const e of events.slice(0, 4)) state.apply(e);
    const rev = state.rev;
    // The connection dropped after seq 14; the replay from ?since=12 (an older cursor) overlaps.
    const outcomes = events.slice(1).map((e) => state.apply(e));
    expect(outcomes).toEqual(["duplicate", "duplicate", "duplicate", "next", "next"]);
    expect([...state.projection.calls.keys()]).toEqual(["c-1", "c-2"]);
    expect(state.projection.agents.get("worker")).toMatchObject({ calls: 2, allowed: 2, costMicros: 22 });
    expect(callsPerMinute(state)).toBe(2);
    expect(state.rev).toBe(rev + 2);
  });

  it("refuses an event after a gap and changes nothing", () => {
    const state = new DashboardState();
    state.apply(snapshot(10));
    const [request] = numbered(12, callEvents("c-1"));
    expect(state.apply(request as IronEvent)).toBe("gap");
    expect(state.lastSeq).toBe(10);
    expect(state.projection.calls.size).toBe(0);
  });

  it("builds the state from a replay of every event when started empty (a state file's history)", () => {
    const state = new DashboardState();
    state.startEmpty();
    const events = numbered(1, [
      { type: "agent.state", agentId: "worker", run: 1, from: "new", to: "starting", reason: "spawned (pid 4250)", pid: 4250, exitCode: null, signal: null },
      { type: "agent.output", agentId: "worker", run: 1, stream: "stdout", line: "ready" },
      ...callEvents("c-1"),
      { type: "agent.state", agentId: "worker", run: 1, from: "starting", to: "exited", reason: "exited with code 0", pid: 4250, exitCode: 0, signal: null },
    ]);
    expect(events.map((e) => state.apply(e))).toEqual(events.map(() => "next"));
    expect(state.projection.agents.get("worker")).toMatchObject({ state: "exited", calls: 1 });
    expect(state.extras.get("worker")?.lastExit).toMatchObject({ exitCode: 0 });
    expect(state.output.lines("worker").map((l) => l.line)).toEqual(["ready"]);
    expect(state.snapshots).toBe(0);
    state.startEmpty(); // too late: changes nothing
    expect(state.lastSeq).toBe(events.length);
  });

  it("refuses events before the first snapshot", () => {
    const state = new DashboardState();
    expect(state.apply(numbered(1, callEvents("c-1"))[0] as IronEvent)).toBe("gap");
    expect(state.lastSeq).toBeNull();
  });

  it("keeps the rows it had when a fresh snapshot lists only recent calls, and charts none twice", () => {
    const state = new DashboardState();
    state.apply(snapshot(0));
    for (const e of numbered(1, [...callEvents("c-old"), ...callEvents("c-mid")])) state.apply(e);
    expect(callsPerMinute(state)).toBe(2);
    const recent = [...state.projection.calls.values()].filter((c) => c.callId === "c-mid").map((c) => ({ ...c }));
    const newCall: CallView = { ...(recent[0] as CallView), callId: "c-new", ts: T0 + 30_000 };
    state.apply(snapshot(40, [...recent, newCall]));
    expect([...state.projection.calls.keys()]).toEqual(["c-old", "c-mid", "c-new"]);
    expect(callsPerMinute(state)).toBe(3);
    expect(state.snapshots).toBe(2);
  });

  it("charts each call once under its outcome, as the agents table counts it, and moves a call whose outcome changed", () => {
    const state = new DashboardState();
    state.apply(snapshot(0));
    const decision = (callId: string, phase: "request" | "response" | "stream", action: string, redacted = 0): EventInput => ({
      type: "llm.decision",
      agentId: "worker",
      callId,
      phase,
      action,
      policy: action === "allow" ? null : "safety",
      code: null,
      reason: null,
      status: action === "deny" ? 403 : null,
      micros: 40,
      ms: 0.2,
      attrs: noAttrs,
      findings: Array.from({ length: redacted }, () => ({ detector: "email", direction: "input" as const, action: "redact" as const, placeholder: "<EMAIL_1>", sha256: "0".repeat(64) })),
    });
    const request = (callId: string): EventInput => callEvents(callId)[0] as EventInput;
    const inputs: EventInput[] = [
      ...callEvents("c-allow"),
      request("c-modify"),
      decision("c-modify", "request", "modify"),
      request("c-deny"),
      decision("c-deny", "request", "deny"),
      // A request redaction is decided as `modify`; the ledger counts the call as redacted.
      request("c-redact-request"),
      decision("c-redact-request", "request", "modify", 1),
      // Allowed at the request, then its response redacted: redacted, no longer allowed.
      request("c-redact-response"),
      decision("c-redact-response", "request", "allow"),
      decision("c-redact-response", "response", "redact"),
      // Allowed at the request, then its stream denied: denied.
      request("c-deny-stream"),
      decision("c-deny-stream", "request", "allow"),
      decision("c-deny-stream", "stream", "deny"),
      request("c-pending"),
    ];
    for (const e of numbered(1, inputs)) expect(state.apply(e)).toBe("next");
    const totals = (): Record<string, number> => {
      const s = state.timeline.series(T0 + 30 * 60_000);
      const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
      return { allowed: sum(s.allowed), modified: sum(s.modified), redacted: sum(s.redacted), denied: sum(s.denied) };
    };
    expect(totals()).toEqual({ allowed: 1, modified: 1, redacted: 2, denied: 2 });
    expect(state.projection.agents.get("worker")).toMatchObject(totals());
    // A reconnect's snapshot lists the same calls: nothing is counted twice.
    state.apply(
      snapshot(
        100,
        [...state.projection.calls.values()].map((c) => ({ ...c })),
      ),
    );
    expect(totals()).toEqual({ allowed: 1, modified: 1, redacted: 2, denied: 2 });
  });

  it("holds at most maxCalls calls, the newest, with 5000 calls streamed", () => {
    const state = new DashboardState({ maxCalls: 1000, outputLines: 50, activityItems: 20, chartMinutes: 60 });
    state.apply(snapshot(0));
    const inputs: EventInput[] = [];
    for (let i = 0; i < 5000; i++) inputs.push(...callEvents(`c-${i}`));
    for (const e of numbered(1, inputs)) expect(state.apply(e)).toBe("next");
    expect(state.projection.calls.size).toBe(1000);
    expect(state.projection.calls.has("c-3999")).toBe(false);
    expect(state.projection.calls.has("c-4000")).toBe(true);
    expect(state.projection.calls.has("c-4999")).toBe(true);
    expect(state.projection.agents.get("worker")?.calls).toBe(5000);
  });

  it("keeps each agent's last output lines, stderr marked", () => {
    const state = new DashboardState({ maxCalls: 100, outputLines: 50, activityItems: 20, chartMinutes: 60 });
    state.apply(snapshot(0));
    const lines: EventInput[] = Array.from(
      { length: 120 },
      (_, i) => ({ type: "agent.output", agentId: "worker", run: 1, stream: i % 2 === 0 ? "stdout" : "stderr", line: `line ${i}` }) as EventInput,
    );
    for (const e of numbered(1, lines)) state.apply(e);
    const kept = state.output.lines("worker");
    expect(kept).toHaveLength(50);
    expect(kept[0]).toMatchObject({ line: "line 70", stream: "stdout" });
    expect(kept[49]).toMatchObject({ line: "line 119", stream: "stderr" });
  });

  it("records an agent's last exit and when its run started", () => {
    const state = new DashboardState();
    state.apply(snapshot(0));
    const events = numbered(1, [
      { type: "agent.state", agentId: "worker", run: 1, from: "running", to: "stopping", reason: "stopped by the dashboard", pid: 4250, exitCode: null, signal: null },
      { type: "agent.state", agentId: "worker", run: 1, from: "stopping", to: "stopped", reason: "stopped by the dashboard: killed by SIGTERM", pid: 4250, exitCode: null, signal: "SIGTERM" },
      { type: "agent.state", agentId: "worker", run: 2, from: "stopped", to: "starting", reason: "started (pid 4300)", pid: 4300, exitCode: null, signal: null },
    ]);
    for (const e of events) state.apply(e);
    const extra = state.extras.get("worker");
    expect(extra?.lastExit).toMatchObject({ signal: "SIGTERM", exitCode: null, reason: "stopped by the dashboard: killed by SIGTERM" });
    expect(extra?.runStartedAt).toBe(events[2]?.ts);
    expect(state.projection.agents.get("worker")).toMatchObject({ state: "starting", run: 2, restarts: 1, pid: 4300 });
  });

  it("lists control actions and notable events in the activity, bounded", () => {
    const state = new DashboardState({ maxCalls: 100, outputLines: 50, activityItems: 3, chartMinutes: 60 });
    state.apply(snapshot(0));
    const action: ControlActionEvent = {
      seq: 1,
      ts: T0,
      type: "control.action",
      action: "agent.stop",
      target: "worker",
      params: {},
      outcome: "refused",
      code: "IRON_ERR_STATE",
      error: "worker is already stopped",
      source: "dashboard",
      remote: "127.0.0.1",
    };
    expect(state.apply(action)).toBe("next");
    expect(state.activity.items[0]).toMatchObject({ kind: "control.action", level: "error" });
    expect(state.activity.items[0]?.text).toContain("worker is already stopped");
    const more = numbered(2, [
      { type: "budget.warning", scope: "global", threshold: 0.8, spent: 8000, limit: 10_000, agentId: "worker", callId: "c-1" },
      { type: "breaker.state", provider: "openai", model: "gpt-4o", from: "closed", to: "open", reason: "5 failures", cooldownMs: 30_000 },
      {
        type: "llm.request",
        agentId: "worker",
        callId: "c-9",
        provider: "openai",
        endpoint: "/v1/chat/completions",
        model: "gpt-4o",
        stream: false,
        estimatedInputTokens: 1,
        maxOutputTokens: null,
        library: "httpx",
        attrs: noAttrs,
      },
      { type: "store.error", code: "IRON_ERR_STORE", error: "disk full", lastCommittedSeq: 4 },
    ]);
    for (const e of more as StreamEvent[]) state.apply(e);
    expect(state.activity.items.map((i) => i.kind)).toEqual(["budget.warning", "breaker.state", "store.error"]);
    expect(state.projection.breakers.get("openai\u0000gpt-4o")).toMatchObject({ state: "open", retryAt: (more[1] as IronEvent).ts + 30_000 });
    expect(state.projection.storeError).toBe("disk full");
  });
});
