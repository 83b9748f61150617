// `iron budget reset`: spend carried over in a state file is set back to zero for the scopes
// asked for (a scope with its day/month periods, or an agent), never behind the back of a live
// supervisor holding the file (test/e2e/budget-reset-live resets through it), and the call ledger
// keeps its history.
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { openDatabase } from "../../src/store/sqlite/database.js";
import { migrate } from "../../src/store/sqlite/migrations.js";
import { resetBudgetSpend } from "../../src/store/sqlite/reset-budget.js";
import { processStartTicks } from "../../src/store/process-identity.js";
import { tempDir } from "../helpers/iron.js";

function stateFile(rows: [string, number][]): string {
  const path = join(tempDir("iron-budget-reset-"), "state.db");
  const db = openDatabase(path);
  migrate(db);
  for (const [scope, spent] of rows) db.prepare("INSERT INTO budgets (scope, limit_micros, spent_micros, updated_at) VALUES (?, NULL, ?, 0)").run(scope, spent);
  db.close();
  return path;
}

function spent(path: string): Record<string, number> {
  const db = openDatabase(path, { readonly: true });
  try {
    const rows = db.prepare<[], { scope: string; spent_micros: number }>("SELECT scope, spent_micros FROM budgets ORDER BY scope").all();
    return Object.fromEntries(rows.map((r) => [r.scope, r.spent_micros]));
  } finally {
    db.close();
  }
}

describe("resetBudgetSpend", () => {
  it("zeroes a scope and its periods, and only those", () => {
    const path = stateFile([
      ["global", 1090],
      ["global@day:2026-12-07", 90],
      ["agent:a", 500],
      ["agent:ab", 7],
    ]);
    const reset = resetBudgetSpend(path, { scopes: ["global"] }, 1);
    expect(reset).toEqual([
      { scope: "global", spent: 1090 },
      { scope: "global@day:2026-12-07", spent: 90 },
    ]);
    expect(spent(path)).toEqual({ "agent:a": 500, "agent:ab": 7, global: 0, "global@day:2026-12-07": 0 });
  });

  it("resets an agent's scope, or every scope with all", () => {
    const path = stateFile([
      ["global", 10],
      ["agent:a", 5],
      ["agent:ab", 7],
    ]);
    expect(resetBudgetSpend(path, { scopes: ["agent:a"] }, 1)).toEqual([{ scope: "agent:a", spent: 5 }]);
    expect(resetBudgetSpend(path, { all: true }, 1).map((r) => r.scope)).toEqual(["agent:ab", "global"]);
    expect(spent(path)).toEqual({ "agent:a": 0, "agent:ab": 0, global: 0 });
  });

  it("refuses a file a live supervisor holds, saying what to do", () => {
    const path = stateFile([["global", 10]]);
    const db = openDatabase(path);
    db.prepare("INSERT INTO supervisors (pid, proc_start, host, version, started_at) VALUES (?, ?, 'h', 'v', 0)").run(process.pid, processStartTicks(process.pid));
    db.close();
    expect(() => resetBudgetSpend(path, { all: true }, 1)).toThrow(/IRON_ERR_STORE.*in use by a running supervisor \(pid \d+\).*stop it first/);
    expect(spent(path)).toEqual({ global: 10 });
  });

  it("refuses a missing file", () => {
    expect(() => resetBudgetSpend(join(tempDir(), "none.db"), { all: true }, 1)).toThrow(/IRON_ERR_NOT_FOUND/);
  });
});

// Runs `iron` in-process, returning its exit code and what it printed.
async function iron(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe("iron budget reset", () => {
  it("resets with --yes and prints JSON", async () => {
    const path = stateFile([
      ["global", 1090],
      ["agent:a", 5],
    ]);
    const run = await iron(["budget", "reset", "global", "--agent", "a", "--yes", "--json", "--state", path]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      state: path,
      reset: [
        { scope: "agent:a", spent_usd: 0.000005 },
        { scope: "global", spent_usd: 0.00109 },
      ],
    });
    expect(spent(path)).toEqual({ "agent:a": 0, global: 0 });
  });

  it("asks for --yes when there is no terminal to confirm on, and changes nothing", async () => {
    const path = stateFile([["global", 1090]]);
    const run = await iron(["budget", "reset", "--all", "--state", path]);
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(/IRON_ERR_USAGE: would reset global \(\$0\.00109\) in .*pass --yes/);
    expect(spent(path)).toEqual({ global: 1090 });
  });

  it("refuses a live supervisor's file when that supervisor announces no control API beside it", async () => {
    const path = stateFile([["global", 10]]);
    const db = openDatabase(path);
    db.prepare("INSERT INTO supervisors (pid, proc_start, host, version, started_at) VALUES (?, ?, 'h', 'v', 0)").run(process.pid, processStartTicks(process.pid));
    db.close();
    const run = await iron(["budget", "reset", "--all", "--yes", "--state", path]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(
      /IRON_ERR_STORE: the state file .* is in use by a running supervisor \(pid \d+\) that announces no control API in .*stream\.json \(its stream is off\?\); stop it first/,
    );
    expect(spent(path)).toEqual({ global: 10 });
  });

  it("needs a scope, --agent or --all", async () => {
    const run = await iron(["budget", "reset", "--yes", "--state", stateFile([])]);
    expect(run.stderr).toMatch(/expected a scope .* got none \(see iron budget reset --help\)/);
  });
});
