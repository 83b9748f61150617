// Protects what the state file promises when things go wrong, through the real CLI: a
// supervisor killed with SIGKILL mid-run loses no committed event and the next start sees its
// spend (budgets persist); a full disk, a lock held by another process, a read-only file
// system or a second supervisor on the same file give IRON_ERR_STORE (exit 74) and calls are
// denied (503) from the failure on, with everything committed before it intact (and every hold
// granted charged, from the hold journal when the file could not take it).
import Database from "better-sqlite3";
import { execa } from "execa";
import { copyFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, FIXTURES, IRON_BIN, iron, jsonLines, tempDir } from "../helpers/iron.js";
import { mountTmpfs } from "../helpers/tmpfs.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { readMark, unappliedHolds } from "../../src/store/sqlite/hold-journal.js";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock.close();
});

const loop = join(FIXTURES, "chat_loop.py");
const agentEnv = (extra: Record<string, string> = {}): Record<string, string> => ({ OPENAI_BASE_URL: mock.baseUrl, ...extra });

interface Committed {
  readonly events: { seq: number; data: string }[];
  readonly spent: number;
  readonly committedCost: number;
}

/** What a state file holds, checked for integrity and for a seq with no hole. */
// The grants' pool holds a dead supervisor left (SPEC 3.4a): in the holds table or only journaled, minus those replaced.
function standingPools(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    const mark = readMark(db);
    const lines = mark === null ? [] : unappliedHolds(path, mark);
    const replaced = new Set(lines.flatMap((h) => (h.replaces === undefined ? [] : [h.replaces])));
    const ids = [
      ...db
        .prepare<[], { call_id: string }>("SELECT call_id FROM holds")
        .all()
        .map((r) => r.call_id),
      ...lines.map((h) => h.callId),
    ];
    return ids.filter((id) => id.startsWith("pool:") && !replaced.has(id)).length;
  } finally {
    db.close();
  }
}

function inspect(path: string): Committed {
  const db = new Database(path, { readonly: true });
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const events = db.prepare<[], { seq: number; data: string }>("SELECT seq, data FROM events ORDER BY seq").all();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const spent = (db.prepare("SELECT spent_micros FROM budgets WHERE scope = 'global'").get() as { spent_micros: number } | undefined)?.spent_micros ?? 0;
    const committedCost = (db.prepare("SELECT COALESCE(SUM(cost_micros), 0) AS c FROM calls").get() as { c: number }).c;
    return { events, spent, committedCost };
  } finally {
    db.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("the state file under failure", () => {
  it("loses no committed event to a SIGKILL mid-run, and the next start sees the spend", async () => {
    const state = join(tempDir("iron-crash-"), "state.db");
    const run = execa("node", [IRON_BIN, "run", "--state", state, "--budget", "5", "--python", DEBIAN_PYTHON, loop], { env: agentEnv({ FIXTURE_CALLS: "100000" }), reject: false });
    let answered = 0;
    while (answered < 20) {
      await sleep(100);
      if (!existsSync(state)) continue;
      const db = new Database(state, { readonly: true });
      try {
        answered = (db.prepare("SELECT COUNT(*) AS n FROM calls WHERE status = 200").get() as { n: number }).n;
      } catch (error) {
        if (!/no such table/.test(String(error))) throw error; // created, not yet migrated: look again
      } finally {
        db.close();
      }
    }
    run.kill("SIGKILL");
    expect((await run).signal).toBe("SIGKILL");
    const db = new Database(state, { readonly: true });
    const agentPid = (db.prepare("SELECT pid FROM runs").get() as { pid: number }).pid;
    db.close();
    try {
      process.kill(-agentPid, "SIGKILL"); // the agent's own process group, which outlived its supervisor
    } catch {
      // already gone
    }

    const before = inspect(state);
    expect(before.events.length).toBeGreaterThan(60);
    expect(before.spent).toBeGreaterThanOrEqual(before.committedCost); // holds and settles commit before their events

    // The next start, with a budget of exactly what was spent: the spend is still there, so the call is refused.
    const next = await iron(["run", "--trace", "--state", state, "--budget", String(before.spent / 1e6), "--python", DEBIAN_PYTHON, loop], { env: agentEnv({ FIXTURE_CALLS: "1" }) });
    // Every call of this run was denied by a budget: IRON_ERR_BUDGET's exit status, not 0.
    expect(next.exitCode, next.stderr).toBe(75);
    expect(jsonLines(next.stdout)).toEqual([{ i: 0, status: 402, code: "IRON_ERR_BUDGET" }]);
    expect(next.stderr).toMatch(/budget exhausted: global has spent/);

    const after = inspect(state);
    expect(after.events.slice(0, before.events.length)).toEqual(before.events);
    expect(after.events.length).toBeGreaterThan(before.events.length);
    const check = new Database(state, { readonly: true });
    expect(check.prepare("SELECT end_reason FROM supervisors ORDER BY id").all()).toEqual([{ end_reason: "lost" }, { end_reason: "closed" }]);
    expect(check.prepare("SELECT COUNT(*) AS n FROM holds").get()).toEqual({ n: 0 });
    check.close();
  }, 90_000);

  it("denies every call once the disk is full (503 IRON_ERR_STORE), exits 74, and keeps what was committed", async () => {
    const fs = await mountTmpfs(600);
    try {
      const state = join(fs.dir, "state.db");
      const ran = await iron(["run", "--state", state, "--python", DEBIAN_PYTHON, loop], { env: agentEnv({ FIXTURE_CALLS: "5000", FIXTURE_UNTIL_DENIED: "1" }) });
      expect(ran.exitCode, ran.stderr).toBe(74);
      expect(ran.stderr).toMatch(/IRON_ERR_STORE: the disk holding the state file is full: \S+state\.db/);
      expect(ran.stderr).toMatch(/every LLM call is denied from now on/);
      const lines = jsonLines(ran.stdout);
      expect(lines.length).toBeGreaterThan(1);
      expect(lines.slice(0, -1).every((l) => l.status === 200)).toBe(true);
      expect(lines.at(-1)).toMatchObject({ status: 503, code: "IRON_ERR_STORE" });
      const copy = join(tempDir(), "state.db");
      for (const suffix of ["", "-wal"]) if (existsSync(state + suffix)) copyFileSync(state + suffix, copy + suffix);
      const kept = inspect(copy);
      expect(kept.events.length).toBeGreaterThan(0);
      expect(kept.spent).toBeGreaterThanOrEqual(kept.committedCost);
    } finally {
      await fs.unmount();
    }
  }, 60_000);

  it("refuses a state file on a read-only file system before starting any agent", async () => {
    const fs = await mountTmpfs(2048);
    try {
      const state = join(fs.dir, "state.db");
      expect((await iron(["run", "--state", state, "--no-stream", "--python", DEBIAN_PYTHON, loop], { env: agentEnv({ FIXTURE_CALLS: "1" }) })).exitCode).toBe(0);
      await fs.readOnly();
      const ran = await iron(["run", "--state", state, "--python", DEBIAN_PYTHON, loop], { env: agentEnv({ FIXTURE_CALLS: "1" }) });
      expect(ran.exitCode).toBe(74);
      expect(ran.stderr).toMatch(/IRON_ERR_STORE: the state file is on a read-only file system: \S+state\.db/);
      expect(ran.stdout).toBe("");
    } finally {
      await fs.unmount();
    }
  }, 60_000);

  it("refuses a second supervisor on the same file, and fails closed when another process locks it mid-run", async () => {
    const dir = tempDir("iron-lock-");
    const state = join(dir, "state.db");
    const go = join(dir, "go");
    const first = execa("node", [IRON_BIN, "run", "--state", state, "--python", DEBIAN_PYTHON, loop], {
      // Calls until the first refusal: the batch meets the lock on the commit worker and fails the
      // store after the busy timeout (2 s), calls being answered meanwhile.
      env: agentEnv({ FIXTURE_CALLS: "100000", FIXTURE_GO_FILE: go, FIXTURE_UNTIL_DENIED: "1" }),
      reject: false,
    });
    await new Promise<void>((resolve) => first.stderr?.on("data", (d: Buffer) => String(d).includes("stream:") && resolve()));
    const second = await iron(["run", "--state", state, "--python", DEBIAN_PYTHON, loop], { env: agentEnv() });
    expect(second.exitCode).toBe(74);
    expect(second.stderr).toContain(`IRON_ERR_STORE: the state file ${state} is in use by another supervisor (pid ${first.pid})`);

    const locker = execa(
      DEBIAN_PYTHON,
      ["-c", `import sqlite3,time\nc=sqlite3.connect(${JSON.stringify(state)}, isolation_level=None)\nc.execute("BEGIN EXCLUSIVE")\nprint("locked", flush=True)\ntime.sleep(120)`],
      { reject: false },
    );
    await new Promise<void>((resolve) => locker.stdout?.on("data", (d: Buffer) => String(d).includes("locked") && resolve()));
    writeFileSync(go, "");
    const ran = await first;
    locker.kill("SIGKILL");
    await locker;
    expect(ran.exitCode, String(ran.stderr)).toBe(74);
    expect(String(ran.stderr)).toMatch(/IRON_ERR_STORE: the state file is locked by another process/);
    // A hold is durable in the hold journal before its call goes, so the lock is met by the next
    // batch (a few ms on), which waits for it on the commit worker: calls allowed until it fails
    // are charged at the next start; the rest are denied.
    const lines = jsonLines(String(ran.stdout)) as { i: number; status: number; code: string | null }[];
    expect(lines.at(-1)).toEqual({ i: lines.length - 1, status: 503, code: "IRON_ERR_STORE" });
    const allowed = lines.slice(0, -1);
    expect(allowed.every((l) => l.status === 200)).toBe(true);
    inspect(state);
    const pools = standingPools(state);
    const next = SqliteStore.open(state);
    try {
      // Each allowed call's hold, and the rest of each grant's pool still held (SPEC 3.4a), charged once each:
      // a call its shim admitted that the failed store never held is covered by its pool's rest.
      expect(next.recovery.lostSupervisors).toBe(1);
      expect(next.recovery.chargedHolds - pools).toBeLessThanOrEqual(allowed.length);
      if (pools === 0) expect(next.recovery.chargedHolds).toBe(allowed.length);
      expect(next.budgets.spent("global")).toBe(next.recovery.chargedMicros);
    } finally {
      next.close();
    }
  }, 60_000);
});
