// Protects the dashboard's small pure pieces: where a message stands against the last seq,
// the (re)connection URL and backoff, the calls table's filters and its virtual window, the
// per-minute chart window, which lifecycle buttons an agent row enables, and what a budget reset says.
import { describe, expect, it } from "vitest";
import type { CallView } from "../../src/events/projection.js";
import { agentControls } from "../../dashboard/src/model/agent-controls.js";
import { resetSummary } from "../../dashboard/src/model/budget-reset.js";
import { filterCalls, filterChoices, NO_FILTER, shownDecision, visibleWindow } from "../../dashboard/src/model/call-filter.js";
import { pretty } from "../../dashboard/src/model/format.js";
import { parseMessage } from "../../dashboard/src/model/messages.js";
import { place, reconnectDelay, streamUrl } from "../../dashboard/src/model/resume.js";
import { Timeline } from "../../dashboard/src/model/timeline.js";

function call(callId: string, patch: Partial<CallView> = {}): CallView {
  return {
    callId,
    agentId: "worker",
    ts: 0,
    model: "gpt-4o-mini",
    responseModel: "gpt-4o-mini",
    decision: "allow",
    policy: null,
    code: null,
    reason: null,
    responseAction: null,
    redactedValues: 0,
    status: 200,
    inputTokens: 1,
    outputTokens: 2,
    costMicros: 3,
    latencyMs: 4,
    ...patch,
  };
}

describe("resuming", () => {
  it("places messages against the last seq applied", () => {
    expect(place(null, { type: "snapshot", seq: 7 })).toBe("snapshot");
    expect(place(7, { type: "snapshot", seq: 3 })).toBe("snapshot");
    expect(place(null, { type: "llm.request", seq: 1 })).toBe("gap");
    expect(place(7, { type: "llm.request", seq: 8 })).toBe("next");
    expect(place(7, { type: "llm.request", seq: 7 })).toBe("duplicate");
    expect(place(7, { type: "llm.request", seq: 2 })).toBe("duplicate");
    expect(place(7, { type: "llm.request", seq: 9 })).toBe("gap");
  });

  it("reconnects from the last seq, on the page's own host, with the token encoded", () => {
    expect(streamUrl({ protocol: "http:", host: "127.0.0.1:4000" }, "/events", "a b+c", null)).toBe("ws://127.0.0.1:4000/events?token=a%20b%2Bc");
    expect(streamUrl({ protocol: "https:", host: "iron.example:443" }, "/events", "t", 41)).toBe("wss://iron.example:443/events?token=t&since=41");
  });

  it("backs off to a cap, and slowly once the supervisor stopped", () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((a) => reconnectDelay(a, false))).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(reconnectDelay(0, true)).toBe(5000);
  });

  it("reads only JSON objects with a type and an integer seq", () => {
    expect(parseMessage('{"type":"snapshot","seq":3}')).toMatchObject({ type: "snapshot", seq: 3 });
    expect(parseMessage("not json")).toBeNull();
    expect(parseMessage('{"type":"x","seq":"3"}')).toBeNull();
    expect(parseMessage("[1,2]")).toBeNull();
  });
});

describe("the calls table", () => {
  const calls = [
    call("c-1", { agentId: "a", model: "gpt-4o", responseModel: "gpt-4o-mini", decision: "modify", policy: "model-router", reason: "routed" }),
    call("c-2", { agentId: "b", decision: "deny", policy: "budget", code: "IRON_ERR_BUDGET", status: 402, responseModel: null }),
    call("c-3", { agentId: "a", responseAction: "redact" }),
    call("c-4", { agentId: "b", decision: null, responseModel: null, latencyMs: null }),
  ];

  it("filters by agent, model asked for or answered by, decision and free text, newest first", () => {
    expect(filterCalls(calls, NO_FILTER).map((c) => c.callId)).toEqual(["c-4", "c-3", "c-2", "c-1"]);
    expect(filterCalls(calls, { ...NO_FILTER, agent: "a" }).map((c) => c.callId)).toEqual(["c-3", "c-1"]);
    expect(filterCalls(calls, { ...NO_FILTER, model: "gpt-4o" }).map((c) => c.callId)).toEqual(["c-1"]);
    expect(filterCalls(calls, { ...NO_FILTER, model: "gpt-4o-mini" }).map((c) => c.callId)).toEqual(["c-4", "c-3", "c-2", "c-1"]);
    expect(filterCalls(calls, { ...NO_FILTER, decision: "redact" }).map((c) => c.callId)).toEqual(["c-3"]);
    expect(filterCalls(calls, { ...NO_FILTER, decision: "pending" }).map((c) => c.callId)).toEqual(["c-4"]);
    expect(filterCalls(calls, { ...NO_FILTER, text: "iron_err_budget" }).map((c) => c.callId)).toEqual(["c-2"]);
    expect(filterCalls(calls, { ...NO_FILTER, agent: "b", text: "ROUTED" })).toEqual([]);
    expect(shownDecision(calls[2] as CallView)).toBe("redact");
    // Safety redacts a request as a modify: the row says what the ledger says, redact.
    expect(shownDecision(call("c-5", { decision: "modify", redactedValues: 2 }))).toBe("redact");
    expect(shownDecision(call("c-6", { decision: "modify" }))).toBe("modify");
    expect(filterChoices(calls)).toEqual({ agents: ["a", "b"], models: ["gpt-4o", "gpt-4o-mini"] });
  });

  it("renders only the rows in view (plus overscan) whatever the number of rows", () => {
    expect(visibleWindow(0, 420, 30, 10_000)).toEqual({ start: 0, count: 22 });
    expect(visibleWindow(30 * 5000, 420, 30, 10_000)).toEqual({ start: 4992, count: 30 });
    expect(visibleWindow(30 * 9999, 420, 30, 10_000)).toEqual({ start: 9991, count: 9 });
    expect(visibleWindow(0, 420, 30, 3)).toEqual({ start: 0, count: 3 });
  });
});

describe("the chart timeline", () => {
  const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);

  it("counts per minute and keeps only the window", () => {
    const t = new Timeline(3);
    t.addOutcome(T0, "allow");
    t.addOutcome(T0 + 10_000, "deny");
    t.addUsage(T0 + 61_000, 10, 20, 1_500_000);
    t.addOutcome(T0 + 3 * 60_000, "modify"); // minute 3: minute 0 leaves the window
    t.addOutcome(T0, "allow"); // too old now: not counted
    const s = t.series(T0 + 3 * 60_000);
    expect(s.minutes).toEqual([1, 2, 3].map((m) => (T0 + m * 60_000) / 1000));
    expect(s.allowed).toEqual([0, 0, 0]);
    expect(s.denied).toEqual([0, 0, 0]);
    expect(s.modified).toEqual([0, 0, 1]);
    expect(s.inputTokens).toEqual([10, 0, 0]);
    expect(s.costUsd).toEqual([1.5, 0, 0]);
    expect(t.size).toBe(2);
  });
});

describe("a budget's reset, as the page says it", () => {
  it("gives what the scope had spent, counts its periods, and says when there was nothing", () => {
    expect(resetSummary("global", [{ scope: "global", spent: 900 }])).toBe("spend reset: was $0.0009");
    const withPeriods = [
      { scope: "agent:a", spent: 1_500_000 },
      { scope: "agent:a@day:2026-12-07", spent: 500_000 },
      { scope: "agent:a@month:2026-12", spent: 1_500_000 },
    ];
    expect(resetSummary("agent:a", withPeriods)).toBe("spend reset: was $1.50 (and 2 periods)");
    expect(resetSummary("agent:a", withPeriods.slice(1, 2))).toBe("spend reset: was $0.00 (and 1 period)");
    expect(resetSummary("global", [])).toBe("nothing to reset: no spend recorded");
  });
});

describe("agent controls", () => {
  const spawned = { agentId: "w", kind: "spawned" as const, state: "running", canStart: true, canStop: true, canRestart: true };
  const all = ["agent.stop", "agent.restart", "agent.start"];

  it("offers stop and restart to a live agent and start to an ended one", () => {
    expect(agentControls("running", spawned, all, false)).toEqual({ stop: true, restart: true, start: false });
    expect(agentControls("stopped", spawned, all, false)).toEqual({ stop: false, restart: false, start: true });
    expect(agentControls("backoff", spawned, all, false)).toEqual({ stop: true, restart: true, start: true });
  });

  it("offers nothing when read-only, for a joined agent, or when the server lists no such action", () => {
    expect(agentControls("running", spawned, all, true)).toEqual({ stop: false, restart: false, start: false });
    expect(agentControls("running", { ...spawned, kind: "joined", canStop: false, canRestart: false, canStart: false }, all, false)).toEqual({ stop: false, restart: false, start: false });
    expect(agentControls("running", spawned, ["agent.start"], false)).toEqual({ stop: false, restart: false, start: false });
    expect(agentControls("running", undefined, all, false)).toEqual({ stop: false, restart: false, start: false });
  });
});

it("pretty-prints JSON bodies and leaves other text as it is", () => {
  expect(pretty({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}');
  expect(pretty('{"b":2}')).toBe('{\n  "b": 2\n}');
  expect(pretty("<b>not html</b>")).toBe("<b>not html</b>");
});
