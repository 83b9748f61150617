// Protects what `iron watch` and `iron calls` print: the full-screen frame fits the terminal,
// budget bars show spent/held/left, plain lines tell each decision, and the CLI's parsers.
import { describe, expect, it } from "vitest";
import { parseSince } from "../../src/cli/parse-options.js";
import { normalizeUrl } from "../../src/cli/commands/watch.js";
import { scopeNote } from "../../src/cli/scope-label.js";
import { budgetBar, callLine, renderFrame } from "../../src/cli/watch/watch-frame.js";
import { eventLine } from "../../src/cli/watch/watch-lines.js";
import { StateProjection } from "../../src/events/projection.js";
import type { EventInput, IronEvent } from "../../src/events/types.js";
import { callEvents, deniedCallEvents, stateEvent } from "../helpers/events.js";

function project(inputs: EventInput[]): { state: StateProjection; events: IronEvent[] } {
  const state = new StateProjection();
  const events = inputs.map((input, i) => ({ seq: i + 1, ts: Date.now(), ...input }) as unknown as IronEvent);
  for (const e of events) state.apply(e);
  return { state, events };
}

describe("budgetBar", () => {
  it("fills spent, then held, then what is left, and is full at or past the limit", () => {
    expect(budgetBar({ scope: "g", limit: 100, spent: 50, reserved: 25, warned: null }, 8)).toBe("[████▒▒░░]");
    expect(budgetBar({ scope: "g", limit: 100, spent: 150, reserved: 0, warned: null }, 4)).toBe("[████]");
    expect(budgetBar({ scope: "g", limit: 0, spent: 0, reserved: 0, warned: null }, 4)).toBe("[████]");
    expect(budgetBar({ scope: "g", limit: null, spent: 5, reserved: 0, warned: null }, 4)).toBe("");
  });
});

describe("renderFrame", () => {
  const { state } = project([
    { type: "supervisor.started", version: "0.1.0", pid: 9, endpoint: "ipc:///x" },
    stateEvent("agent-with-a-long-name", "starting", "running"),
    ...Array.from({ length: 30 }, (_, i) => callEvents("agent-with-a-long-name", `c${i}`)).flat(),
    ...deniedCallEvents("agent-with-a-long-name", "c-denied"),
    { type: "budget.update", scope: "global", limit: 1000, spent: 300, reserved: 40, warned: null } as EventInput,
  ]);

  it("never draws more rows or columns than the terminal has, and ends with the latest decisions", () => {
    const frame = renderFrame(state, { cols: 60, rows: 20, now: Date.now(), url: "ws://127.0.0.1:1/events", status: "live" });
    expect(frame.length).toBeLessThanOrEqual(20);
    for (const line of frame) expect([...line].length).toBeLessThanOrEqual(60);
    expect(frame.join("\n")).toMatch(/AGENT/);
    expect(frame.join("\n")).toMatch(/global\s+\[/);
    expect(frame.at(-1)).toMatch(/deny by budget/);
  });

  it("labels a per-run budget scope and says under the budgets what run:<agent>#<s>.<n> is", () => {
    const runs = project([{ type: "budget.update", scope: "run:slow_agent#1.2", limit: 1000, spent: 300, reserved: 0, warned: null } as EventInput]).state;
    const frame = renderFrame(runs, { cols: 200, rows: 20, now: 0, url: "u", status: "live" }).join("\n");
    expect(frame).toMatch(/BUDGETS\n {2}run:slow_agent#1\.2 .*\n {2}\(run:<agent>#<s>\.<n> is one run's budget \(budgets\.per_run\): the agent's n-th start under supervisor s of the state file\)/);
    expect(renderFrame(state, { cols: 200, rows: 40, now: 0, url: "u", status: "live" }).join("\n")).not.toContain("run:<agent>");
    const full = { seq: 9, ts: 0, type: "budget.exhausted", scope: "run:slow_agent#1.2", limit: 10, spent: 10, agentId: "slow_agent", callId: "c3", reason: "no room" } as const;
    expect(eventLine(full, runs)).toMatch(/ budget run:slow_agent#1\.2 \(slow_agent's run 2 under supervisor 1\) has no room for slow_agent's call/);
    expect(scopeNote("run:a#7")).toBe("a's run 7");
    expect(scopeNote("run:a.b#3.1@day:2026-12-07")).toBe("a.b's run 1 under supervisor 3");
    expect([scopeNote("global"), scopeNote("agent:a"), scopeNote("user:u42")]).toEqual([null, null, null]);
  });

  it("shows a failed store at the top", () => {
    const failed = project([{ type: "store.error", code: "IRON_ERR_STORE", error: "disk full", lastCommittedSeq: 0 }]).state;
    expect(renderFrame(failed, { cols: 100, rows: 10, now: 0, url: "u", status: "live" })[1]).toMatch(/STORE FAILED.*disk full/);
  });
});

describe("callLine", () => {
  it("shows a rerouted call as asked→answered, with who changed it", () => {
    const [request, , response] = callEvents("a", "c9", 7, "gpt-4o-mini") as [EventInput, EventInput, EventInput];
    const { state } = project([
      { ...request, model: "gpt-4o" } as EventInput,
      { type: "llm.decision", attrs: {}, agentId: "a", callId: "c9", phase: "request", action: "modify", policy: "router", code: null, reason: "cheaper", status: null, micros: 9, ms: 0.1 },
      response,
    ]);
    expect(callLine(state.calls.get("c9")!, Date.now())).toMatch(/ a gpt-4o→gpt-4o-mini modify by router · 200 · 5\/7 tok · \$0\.000007 · 3\.5 ms$/);
  });
});

describe("eventLine", () => {
  it("tells allowed, denied and answered calls and state changes, and skips budget updates", () => {
    const { state, events } = project([stateEvent("a", "starting", "running"), ...callEvents("a", "c1", 12), ...deniedCallEvents("a", "c2")]);
    const lines = events.map((e) => eventLine(e, state)).filter((l) => l !== null);
    expect(lines[0]).toMatch(/agent a: starting → running/);
    expect(lines[1]).toMatch(/a gpt-4o-mini allowed \(call c1\)/);
    expect(lines[2]).toMatch(/a gpt-4o-mini answered 200 · 5 in \/ 7 out tokens · \$0\.000012 · 3\.5 ms/);
    expect(lines[3]).toMatch(/a gpt-4o denied by budget \(IRON_ERR_BUDGET, HTTP 402\): budget exhausted/);
    expect(eventLine({ seq: 9, ts: 0, type: "budget.update", scope: "g", limit: null, spent: 1, reserved: 0 }, state)).toBeNull();
  });

  it("says a budget had no room for one call, not that it is exhausted, when most of it is left", () => {
    const { state } = project([]);
    const event = {
      seq: 9,
      ts: 0,
      type: "budget.exhausted",
      scope: "global",
      limit: 10_000,
      spent: 34,
      agentId: "a",
      callId: "c3",
      reason: "worst-case cost $0.040043 exceeds the $0.009966 left of $0.01",
    } as const;
    expect(eventLine(event, state)).toMatch(/ budget global has no room for a's call \(\$0\.000034 of \$0\.01 spent\): worst-case cost \$0\.040043 exceeds the \$0\.009966 left of \$0\.01$/);
  });

  it("tells an operator's actions, done and refused", () => {
    const { state } = project([]);
    const base = { seq: 10, ts: 0, type: "control.action" as const, source: "dashboard" as const, remote: "127.0.0.1" };
    expect(eventLine({ ...base, action: "budget.set", target: "global", params: { limitUsd: 5 }, outcome: "done", code: null, error: null }, state)).toMatch(
      /dashboard \(127\.0\.0\.1\): budget\.set global limitUsd=5 — done$/,
    );
    expect(eventLine({ ...base, action: "agent.start", target: "a", params: {}, outcome: "refused", code: "IRON_ERR_STATE", error: "it is running" }, state)).toMatch(
      /agent\.start a — refused \(IRON_ERR_STATE: it is running\)$/,
    );
  });
});

describe("CLI parsers", () => {
  it("normalizeUrl accepts ws, http and host:port, defaulting the path", () => {
    expect(normalizeUrl("127.0.0.1:4000").toString()).toBe("ws://127.0.0.1:4000/events");
    expect(normalizeUrl("http://h:1/?token=x").toString()).toBe("ws://h:1/events?token=x");
    expect(normalizeUrl("wss://h/events").toString()).toBe("wss://h/events");
    expect(() => normalizeUrl("ftp://h")).toThrow(/IRON_ERR_USAGE/);
  });

  it("parseSince takes durations back from now and dates", () => {
    expect(parseSince("15m", 1_000_000_000)).toBe(1_000_000_000 - 900_000);
    expect(parseSince("2d", 1_000_000_000)).toBe(1_000_000_000 - 172_800_000);
    expect(parseSince("2026-11-27")).toBe(new Date(2026, 10, 27).getTime());
    expect(parseSince("2026-11-27T10:00:00Z")).toBe(Date.UTC(2026, 10, 27, 10));
    expect(() => parseSince("yesterday")).toThrow(/expected a duration/);
  });
});
