// Protects what a stream client may ask for (since, agent and type filters) and the window of
// recent events resumes are served from.
import { describe, expect, it } from "vitest";
import type { IronEvent } from "../../src/events/types.js";
import { History } from "../../src/stream/history.js";
import { matches, parseStreamQuery } from "../../src/stream/protocol.js";

const q = (text: string) => parseStreamQuery(new URLSearchParams(text));
const ev = (seq: number, type = "llm.decision", agentId?: string) => ({ seq, ts: seq, type, ...(agentId !== undefined && { agentId }) }) as unknown as IronEvent;

describe("parseStreamQuery", () => {
  it("reads since, agents and types, as lists or repeats", () => {
    expect(q("since=42&agent=a,b&agent=c&type=llm.*&type=agent.state")).toEqual({ since: 42, agents: new Set(["a", "b", "c"]), types: ["llm.*", "agent.state"] });
    expect(q("")).toEqual({ since: null, agents: null, types: null });
  });

  it("refuses a since that is not a seq and a type that is not one", () => {
    expect(q("since=-1")).toMatch(/since must be a seq/);
    expect(q("since=abc")).toMatch(/since must be a seq/);
    expect(q("type=llm.decision;drop")).toMatch(/type must be an event type/);
  });
});

describe("matches", () => {
  it("filters by agent (events with no agent pass) and by type or type family", () => {
    const query = q("agent=a&type=llm.*,supervisor.stopping");
    if (typeof query === "string") throw new Error(query);
    expect(matches(query, { type: "llm.request", agentId: "a" })).toBe(true);
    expect(matches(query, { type: "llm.request", agentId: "b" })).toBe(false);
    expect(matches(query, { type: "agent.state", agentId: "a" })).toBe(false);
    expect(matches(query, { type: "supervisor.stopping" })).toBe(true);
    expect(matches(query, { type: "budget.update" })).toBe(false);
  });
});

describe("History", () => {
  it("keeps the last N events and says which resumes it can serve", () => {
    const h = new History(3);
    for (let seq = 1; seq <= 10; seq += 1) h.push({ event: ev(seq), data: String(seq) });
    expect(h.covers(7)).toBe(true);
    expect(h.covers(6)).toBe(false);
    expect(h.after(7, 10).map((s) => s.event.seq)).toEqual([8, 9, 10]);
    expect(h.after(8, 1).map((s) => s.event.seq)).toEqual([9]);
    expect(h.after(10, 10)).toEqual([]);
    // Empty, it covers nothing: a replay then reads the store (a stream started over a state file).
    expect(new History(3).covers(0)).toBe(false);
  });
});
