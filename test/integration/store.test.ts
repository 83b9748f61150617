// Protects the SQLite state file: versioned migrations (from empty and from an older file),
// budgets that reserve atomically and persist (also through a supervisor killed with its
// holds outstanding), one supervisor per file, events committed before anyone sees them and
// projected into the call ledger, the run registry, and no raw personal data in scope names.
import Database from "better-sqlite3";
import { execa } from "execa";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EventBus } from "../../src/events/bus.js";
import type { EventInput, IronEvent } from "../../src/events/types.js";
import type { BudgetLedger } from "../../src/policy/budget-ledger.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";
import { queryCalls } from "../../src/store/sqlite/ledger-queries.js";
import { migrate, SCHEMA_VERSION } from "../../src/store/sqlite/migrations.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { callEvents, deniedCallEvents, stateEvent } from "../helpers/events.js";
import { FIXTURES, tempDir } from "../helpers/iron.js";

const statePath = (): string => join(tempDir("iron-store-"), "state.db");
const tables = (db: Database.Database): string[] =>
  db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((r) => r.name);

describe("migrations", () => {
  it("create the whole schema in a new file, in WAL mode, readable only by its owner", () => {
    const path = statePath();
    SqliteStore.open(path).close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(tables(db)).toEqual(["agents", "breakers", "budgets", "calls", "events", "holds", "meta", "runs", "supervisors"]);
    db.close();
  });

  it("bring an older file up to date and keep what it held", () => {
    const path = statePath();
    const old = new Database(path);
    old.pragma("journal_mode = WAL");
    migrate(old, 1);
    old.prepare("INSERT INTO supervisors (pid, host, version, started_at, ended_at, end_reason) VALUES (1, 'h', '0.0.1', 5, 6, 'closed')").run();
    old.prepare("INSERT INTO runs (supervisor_id, agent_id, run, pid, state, started_at) VALUES (1, 'old-agent', 1, 99, 'stopped', 5)").run();
    old.prepare("INSERT INTO budgets (scope, limit_micros, spent_micros, updated_at) VALUES ('global', 500, 123, 5)").run();
    old.prepare("INSERT INTO events (seq, ts, type, supervisor_id, data) VALUES (7, 5, 'supervisor.started', 1, '{}')").run();
    expect(old.pragma("user_version", { simple: true })).toBe(1);
    old.close();

    const store = SqliteStore.open(path);
    expect(store.budgets.spent("global")).toBe(123);
    expect(store.sink.lastSeq).toBe(7);
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare("SELECT agent_id, pid, pgid, proc_start FROM runs").all()).toEqual([{ agent_id: "old-agent", pid: 99, pgid: null, proc_start: null }]);
    expect(
      db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'calls_by_%' ORDER BY name")
        .all()
        .map((r) => r.name),
    ).toEqual(["calls_by_agent", "calls_by_model", "calls_by_time"]);
    db.close();
  });

  it("find a call's events in an older file by the seq range they span, without the indexes of events by type and agent", () => {
    const path = statePath();
    const old = new Database(path);
    old.pragma("journal_mode = WAL");
    migrate(old, 4);
    const event = old.prepare("INSERT INTO events (seq, ts, type, agent_id, supervisor_id, data) VALUES (?, 5, ?, ?, 1, ?)");
    const call = old.prepare(
      "INSERT INTO calls (call_id, supervisor_id, agent_id, provider, endpoint, library, stream, attrs, requested_at) VALUES (?, 1, ?, 'openai', 'chat.completions', 'httpx', 0, '{}', 5)",
    );
    call.run("c1", "a");
    call.run("c2", "b");
    call.run("c3", "a"); // its events were pruned
    const rows: [number, string, string, string | null][] = [
      [3, "llm.request", "a", "c1"],
      [4, "llm.request", "b", "c2"],
      [5, "agent.output", "a", null],
      [6, "llm.decision", "a", "c1"],
      [7, "llm.decision", "b", "c2"],
      [8, "budget.warning", "a", "c1"],
    ];
    for (const [seq, type, agentId, callId] of rows) event.run(seq, type, agentId, JSON.stringify({ seq, ts: 5, type, agentId, ...(callId !== null && { callId }) }));
    old.close();
    const store = SqliteStore.open(path);
    expect(store.callEvents("c1").map((e) => [e.seq, e.type])).toEqual([
      [3, "llm.request"],
      [6, "llm.decision"],
      [8, "budget.warning"],
    ]);
    expect(store.callEvents("c2").map((e) => e.seq)).toEqual([4, 7]);
    expect(store.callEvents("c3")).toEqual([]);
    expect(store.eventsAfter(0, 10).map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8]);
    store.close();
    const db = new Database(path, { readonly: true });
    const indexes = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name")
      .all()
      .map((r) => r.name);
    expect(indexes).toEqual([]);
    db.close();
  });

  it("keep each call's seq range as its events are committed, other calls' events in between", async () => {
    const store = SqliteStore.open(statePath());
    const bus = new EventBus(store.sink, Date.now, store.scrubber);
    const [request, decision, response] = callEvents("a", "c1") as [EventInput, EventInput, EventInput];
    bus.publish(request);
    bus.publish(decision);
    for (const input of callEvents("b", "c2")) bus.publish(input);
    bus.publish({ type: "budget.warning", scope: "global", threshold: 0.5, spent: 60, limit: 100, agentId: "a", callId: "c1" });
    bus.publish(response);
    bus.publish({ type: "llm.decision", attrs: {}, agentId: "a", callId: "c1", phase: "response", action: "allow", policy: null, code: null, reason: null, status: null, micros: 10, ms: 0.1 });
    for (const input of deniedCallEvents("b", "c3")) bus.publish(input);
    bus.close();
    expect(store.callEvents("c1").map((e) => e.type)).toEqual(["llm.request", "llm.decision", "budget.warning", "llm.response", "llm.decision"]);
    expect(store.callEvents("c2").map((e) => e.type)).toEqual(["llm.request", "llm.decision", "llm.response"]);
    expect(store.callEvents("c3").map((e) => e.type)).toEqual(["llm.request", "llm.decision"]);
    expect(store.callEvents("nope")).toEqual([]);
    store.close();
  });

  it("count the values redacted in the calls of an older file from its decision events (request redactions were decided as modify)", () => {
    const path = statePath();
    const old = new Database(path);
    migrate(old, 3);
    const insertCall = old.prepare(
      "INSERT INTO calls (call_id, supervisor_id, agent_id, provider, endpoint, library, stream, attrs, requested_at, decision, policy) VALUES (?, 1, 'a', 'openai', 'chat', 'httpx', 0, '{}', 5, ?, ?)",
    );
    insertCall.run("c-redacted", "modify", "safety");
    insertCall.run("c-plain", "modify", "router");
    const finding = (action: string) => ({ detector: "email", direction: "input", action, placeholder: "[EMAIL_1]", sha256: "x" });
    const decision = { callId: "c-redacted", phase: "request", action: "modify", findings: [finding("redact"), finding("redact"), finding("allow")] };
    old.prepare("INSERT INTO events (seq, ts, type, supervisor_id, data) VALUES (1, 5, 'llm.decision', 1, ?)").run(JSON.stringify(decision));
    old.prepare("INSERT INTO events (seq, ts, type, supervisor_id, data) VALUES (2, 5, 'llm.decision', 1, ?)").run(JSON.stringify({ callId: "c-plain", phase: "request", action: "modify" }));
    old.close();

    SqliteStore.open(path).close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT call_id, redacted_values FROM calls ORDER BY call_id").all()).toEqual([
      { call_id: "c-plain", redacted_values: 0 },
      { call_id: "c-redacted", redacted_values: 2 },
    ]);
    const report = queryCalls(db, { outcomes: ["redact"] });
    expect(report.calls.map((c) => [c.callId, c.outcome, c.redactedValues])).toEqual([["c-redacted", "redact", 2]]);
    expect([report.totals.redacted, report.totals.modified]).toEqual([1, 0]);
    db.close();
  });

  it("refuse a file from a newer iron, a file that is not a state file, and a path that cannot be one", () => {
    const newer = statePath();
    const db = new Database(newer);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => SqliteStore.open(newer)).toThrow(/IRON_ERR_STORE: the state file was written by a newer iron.*expected schema version <= \d+, got \d+/);
    const junk = statePath();
    mkdirSync(join(junk, ".."), { recursive: true });
    writeFileSync(junk, "this is not a database, just text that is long enough to look like a header....................");
    expect(() => SqliteStore.open(junk)).toThrow(/IRON_ERR_STORE: the file is not an iron state file/);
    const blocked = join(tempDir(), "a-file");
    writeFileSync(blocked, "");
    expect(() => SqliteStore.open(join(blocked, "state.db"))).toThrow(/IRON_ERR_STORE/);
  });
});

// The ledger story of the store contract (store-contract.ts), told to the in-memory ledger.
describe.each([["memory", (): { ledger: BudgetLedger; close(): void } => ({ ledger: new MemoryBudgetLedger(), close: () => undefined })]])("BudgetLedger (%s)", (_name, make) => {
  it("reserves in every scope or in none, settles the real cost, releases holds", () => {
    const { ledger, close } = make();
    ledger.setLimit("global", 100);
    expect(ledger.reserve("c1", ["global", "agent:a"], 60)).toEqual({ ok: true });
    expect(ledger.remaining("global")).toBe(40);
    expect(ledger.reserve("c2", ["agent:a", "global"], 50)).toEqual({ ok: false, scope: "global", limit: 100, spent: 0, reserved: 60, requested: 50 });
    expect(ledger.balances().find((b) => b.scope === "agent:a")).toEqual({ scope: "agent:a", limit: null, spent: 0, reserved: 60 });
    expect(ledger.reserve("c3", ["agent:a"], 1000)).toEqual({ ok: true });
    expect(ledger.settle("c1", 25)).toEqual([
      { scope: "global", limit: 100, spent: 25, reserved: 0 },
      { scope: "agent:a", limit: null, spent: 25, reserved: 1000 },
    ]);
    expect(ledger.release("c3")).toEqual([{ scope: "agent:a", limit: null, spent: 25, reserved: 0 }]);
    expect(ledger.settle("never-reserved", 5)).toEqual([]);
    expect([ledger.spent("global"), ledger.limit("global"), ledger.remaining("global"), ledger.remaining("agent:a")]).toEqual([25, 100, 75, null]);
    close();
  });
});

describe("SqliteStore", () => {
  it("keeps spend and seq across a restart, and charges the holds of a supervisor killed mid-call", async () => {
    const path = statePath();
    const first = SqliteStore.open(path);
    first.budgets.setLimit("global", 1_000_000);
    first.budgets.reserve("c1", ["global"], 300);
    first.budgets.settle("c1", 120);
    const bus = new EventBus(first.sink, Date.now, first.scrubber);
    bus.publish({ type: "supervisor.stopping", reason: "test" });
    bus.close();
    first.close();

    const child = execa("node", [join(FIXTURES, "hold_budget.mjs"), path, "700"], { reject: false });
    await new Promise<void>((resolve) => child.stdout?.on("data", (d: Buffer) => String(d).includes("held") && resolve()));
    expect(() => SqliteStore.open(path)).toThrow(new RegExp(`in use by another supervisor \\(pid ${child.pid}\\)`));
    child.kill("SIGKILL");
    await child;

    const next = SqliteStore.open(path);
    expect(next.recovery).toEqual({ lostSupervisors: 1, chargedHolds: 1, chargedMicros: 700 });
    expect([next.budgets.spent("global"), next.budgets.spent("agent:a"), next.budgets.remaining("global")]).toEqual([820, 700, 1_000_000 - 820]);
    expect(next.sink.lastSeq).toBe(1);
    const nextBus = new EventBus(next.sink, Date.now, next.scrubber);
    expect(nextBus.publish({ type: "supervisor.stopping", reason: "again" }).seq).toBe(2);
    nextBus.close();
    next.close();
  });

  it("delivers each batch only after it is committed, and projects calls, agents, runs and breakers", async () => {
    const path = statePath();
    const store = SqliteStore.open(path);
    const reader = new Database(path, { readonly: true });
    const bus = new EventBus(store.sink, Date.now, store.scrubber);
    const seen: { seq: number; onDisk: boolean }[] = [];
    bus.subscribe((e) => seen.push({ seq: e.seq, onDisk: reader.prepare("SELECT 1 FROM events WHERE seq = ?").get(e.seq) !== undefined }));
    const inputs = [
      stateEvent("a", "starting", "starting"),
      stateEvent("a", "starting", "running"),
      ...callEvents("a", "c1", 33, "gpt-4o"),
      ...deniedCallEvents("a", "c2"),
      { type: "breaker.state", provider: "openai", model: "gpt-4o", from: "closed", to: "open", reason: "5 failures in 10s", cooldownMs: 30_000 },
      stateEvent("a", "running", "stopped"),
    ] as const;
    for (const input of inputs) bus.publish(input);
    expect(seen).toEqual([]); // nothing is seen before the batch commits
    await expect.poll(() => seen.length).toBe(inputs.length);
    expect(seen).toEqual(inputs.map((_, i) => ({ seq: i + 1, onDisk: true })));
    expect(reader.prepare("SELECT call_id, model, decision, policy, code, status, input_tokens, output_tokens, cost_micros FROM calls ORDER BY call_id").all()).toEqual([
      { call_id: "c1", model: "gpt-4o", decision: "allow", policy: null, code: null, status: 200, input_tokens: 5, output_tokens: 7, cost_micros: 33 },
      { call_id: "c2", model: "gpt-4o", decision: "deny", policy: "budget", code: "IRON_ERR_BUDGET", status: 402, input_tokens: 0, output_tokens: 0, cost_micros: 0 },
    ]);
    expect(reader.prepare("SELECT agent_id, state, runs FROM agents").all()).toEqual([{ agent_id: "a", state: "stopped", runs: 1 }]);
    expect(reader.prepare("SELECT agent_id, run, pid, state, exit_code, ended_at IS NOT NULL AS ended FROM runs").all()).toEqual([
      { agent_id: "a", run: 1, pid: 4242, state: "stopped", exit_code: 0, ended: 1 },
    ]);
    expect(reader.prepare("SELECT provider, model, state, reason FROM breakers").all()).toEqual([{ provider: "openai", model: "gpt-4o", state: "open", reason: "5 failures in 10s" }]);
    expect(store.eventsAfter(3, 2).map((e: IronEvent) => [e.seq, e.type])).toEqual([
      [4, "llm.decision"],
      [5, "llm.response"],
    ]);
    expect(store.recentCalls(1).map((c) => c.callId)).toEqual(["c2"]);
    reader.close();
    bus.close();
    store.close();
  });

  it("records agent processes for reaping and finds the ones a dead supervisor left", () => {
    const path = statePath();
    const store = SqliteStore.open(path);
    const record = { agentId: "a", run: 1, pid: 5151, pgid: 5151, startedAt: 10, procStartTicks: 777, supervisorPid: process.pid, supervisorStartTicks: null as number | null };
    const db = new Database(path, { readonly: true });
    record.supervisorStartTicks = (db.prepare("SELECT proc_start FROM supervisors WHERE id = ?").get(store.supervisorId) as { proc_start: number }).proc_start;
    db.close();
    store.runs.recordStart(record);
    store.runs.recordStart({ ...record, run: 2, pid: 5152, pgid: 5152 });
    expect(store.runs.unfinishedRuns()).toEqual([record, { ...record, run: 2, pid: 5152, pgid: 5152 }]);
    store.runs.recordExit(record, { exitCode: 0, signal: null, endedAt: 20, reaped: false });
    expect(store.runs.unfinishedRuns().map((r) => r.run)).toEqual([2]);
    store.close();
  });

  it("stores scope names scrubbed, so an e-mail used as a budget scope never lands in the file", () => {
    const path = statePath();
    const store = SqliteStore.open(path);
    store.budgets.setLimit("user:dora@example.com", 50);
    expect(store.budgets.reserve("c1", ["user:dora@example.com"], 20)).toEqual({ ok: true });
    expect(store.budgets.remaining("user:dora@example.com")).toBe(30);
    expect(store.budgets.balances()[0]?.scope).toMatch(/^user:\[redacted:email:[0-9a-f]{12}\]$/);
    store.close();
    for (const suffix of ["", "-wal"]) {
      let bytes = "";
      try {
        bytes = readFileSync(`${path}${suffix}`, "latin1");
      } catch {
        // the WAL may have been checkpointed away
      }
      expect(bytes).not.toContain("dora@example.com");
    }
  });
});
