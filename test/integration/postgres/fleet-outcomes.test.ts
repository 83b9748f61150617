// A fleet's ledger (`iron calls --state postgres://…`) gives each call the outcome a state file's
// ledger and the run summary give it (src/events/call-outcome.ts): a call whose request had values
// redacted is `redact ×N`, not `modify`, on a real PostgreSQL server — and a database written
// before the fleet counted redactions has them counted from the events it kept.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { EventBus } from "../../../src/events/bus.js";
import type { EventInput, PiiFinding } from "../../../src/events/types.js";
import { listFleetAgents, queryFleetCalls } from "../../../src/store/postgres/fleet-queries.js";
import { PostgresStore } from "../../../src/store/postgres/postgres-store.js";
import { callEvents, deniedCallEvents, stateEvent } from "../../helpers/events.js";
import { testDatabase } from "../../helpers/postgres.js";

const redaction = (direction: "input" | "output"): PiiFinding => ({ detector: "email", direction, action: "redact", placeholder: "[EMAIL_1]", sha256: "0".repeat(64) });
/** A finding that was only reported (an `allow` action): not a redaction. */
const reported: PiiFinding = { detector: "phone", direction: "input", action: "allow", placeholder: "[PHONE_1]", sha256: "1".repeat(64) };

/** A call of agent `a` whose request decision is `action`, with findings, and a response. */
function decided(callId: string, phase: "request" | "response" | "stream", action: string, findings: number): EventInput[] {
  const [request, allow, response] = callEvents("a", callId);
  const findingsOf = [reported, ...Array.from({ length: findings }, () => redaction(phase === "request" ? "input" : "output"))];
  const decision: EventInput = {
    type: "llm.decision",
    attrs: {},
    agentId: "a",
    callId,
    phase,
    action,
    policy: "safety",
    code: null,
    reason: "redacted",
    status: null,
    micros: 0,
    ms: 0.1,
    findings: findingsOf,
  };
  return phase === "request" ? [request as EventInput, decision, response as EventInput] : [request as EventInput, allow as EventInput, decision, response as EventInput];
}

/** Turns a fleet database back into what an iron of schema 2 left: no redaction counts, no Python. */
async function asSchema2(url: string): Promise<void> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await db.query("ALTER TABLE calls DROP COLUMN redacted_values");
    await db.query("ALTER TABLE agents DROP COLUMN python");
    await db.query("UPDATE schema_version SET version = 2");
  } finally {
    await db.end();
  }
}

async function ledger(url: string): Promise<{ outcomes: Record<string, [string, number]>; redacted: number }> {
  const report = await queryFleetCalls(url);
  return { outcomes: Object.fromEntries(report.calls.map((c) => [c.callId, [c.outcome, c.redactedValues ?? 0]])), redacted: report.totals.redacted };
}

const EXPECTED = {
  "c-allow": ["allow", 0],
  "c-input-redacted": ["redact", 2],
  "c-modified": ["modify", 0],
  "c-output-redacted": ["redact", 1],
  "c-stream-redacted": ["redact", 3],
  "c-denied": ["deny", 0],
};

describe("a fleet's call ledger", () => {
  it("counts redacted values per call and gives every call the outcome a state file gives it, also for a database written before", async () => {
    const url = await testDatabase();
    const store = await PostgresStore.open(url, { retention: false });
    const bus = new EventBus(store.sink, Date.now, store.scrubber);
    try {
      const inputs = [
        ...callEvents("a", "c-allow"),
        ...decided("c-input-redacted", "request", "modify", 2),
        ...decided("c-modified", "request", "modify", 0),
        ...decided("c-output-redacted", "response", "redact", 1),
        ...decided("c-stream-redacted", "stream", "redact", 2).slice(0, 3),
        ...decided("c-stream-redacted", "stream", "redact", 1).slice(2),
        ...deniedCallEvents("a", "c-denied"),
      ];
      for (const input of inputs) bus.publish(input);
      await store.drain();
    } finally {
      bus.close();
      await store.close();
    }
    expect(await ledger(url)).toEqual({ outcomes: EXPECTED, redacted: 3 });

    // As an older iron left it: no count of redactions. Reading it migrates and counts them from the events.
    await asSchema2(url);
    expect(await ledger(url)).toEqual({ outcomes: EXPECTED, redacted: 3 });
  }, 60_000);
});

describe("a fleet's agents", () => {
  it("show the Python each ran on, spawned or joined, as a state file's do, also from a database written before", async () => {
    const url = await testDatabase();
    const store = await PostgresStore.open(url, { retention: false });
    const bus = new EventBus(store.sink, Date.now, store.scrubber);
    try {
      bus.publish({ ...stateEvent("spawned-one", "created", "starting"), python: "3.12.1" } as EventInput);
      bus.publish(stateEvent("spawned-one", "starting", "running"));
      bus.publish(stateEvent("unasked", "created", "starting"));
      bus.publish({
        type: "agent.joined",
        agentId: "joined-one",
        run: 1,
        session: "s1",
        requested: "joined-one",
        pid: 4321,
        previousPid: null,
        host: "worker-7",
        python: "3.9.18",
        executable: "/usr/bin/python3.9",
        shim: "0.1.0",
      } as EventInput);
      await store.drain();
    } finally {
      bus.close();
      await store.close();
    }
    const agents = async (): Promise<Record<string, unknown>> => Object.fromEntries((await listFleetAgents(url)).map((a) => [a.agentId, [a.kind, a.python]]));
    const expected = { "spawned-one": ["spawned", "3.12.1"], unasked: ["spawned", null], "joined-one": ["joined", "3.9.18"] };
    expect(await agents()).toEqual(expected);
    // A database from before agents had a Python column: migrating reads it from the events kept.
    await asSchema2(url);
    expect(await agents()).toEqual(expected);
  }, 60_000);
});
