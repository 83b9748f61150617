// Protects `iron budget reset` against a state file a running `iron run` holds: the reset goes
// through that supervisor's control API, so the budget it enforces in memory starts afresh at
// once (a call it denied is allowed again) and the file it writes agrees after it stops.
import { execa } from "execa";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { openDatabase } from "../../src/store/sqlite/database.js";
import { requestCall } from "../helpers/dashboard-agent.js";
import { DEBIAN_PYTHON, FIXTURES, IRON_BIN, iron, tempDir } from "../helpers/iron.js";
import { patiently } from "../helpers/patiently.js";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock.close();
});

function spentIn(path: string): Record<string, number> {
  const db = openDatabase(path, { readonly: true });
  try {
    const rows = db.prepare<[], { scope: string; spent_micros: number }>("SELECT scope, spent_micros FROM budgets ORDER BY scope").all();
    return Object.fromEntries(rows.map((r) => [r.scope, r.spent_micros]));
  } finally {
    db.close();
  }
}

describe("iron budget reset on a running supervisor's file", () => {
  it("resets through the supervisor: the next call fits again, and memory and file agree", async () => {
    const dir = tempDir("iron-reset-live-");
    const state = join(dir, "state.db");
    const calls = tempDir("iron-calls-");
    // Each call costs 10 µ$ (mock usage, gpt-4o-mini); the budget fits two of them, not three.
    const env = { OPENAI_BASE_URL: mock.baseUrl, OPENAI_API_KEY: "sk-test", CALL_DIR: calls, IRON_STATE: state };
    const run = execa("node", [IRON_BIN, "run", "--budget", "0.000025", "--python", DEBIAN_PYTHON, join(FIXTURES, "call_on_demand.py")], { env, reject: false });
    let out = "";
    run.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const result = (n: number): Record<string, unknown> | undefined =>
      out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.n === n);
    try {
      await patiently(() => out.includes("ready")).toBe(true);
      for (const n of [1, 2, 3]) {
        requestCall(calls, n, { prompt: "hello there" });
        await patiently(() => result(n) !== undefined).toBe(true);
      }
      expect([1, 2, 3].map((n) => result(n)?.status)).toEqual([200, 200, 402]);

      const reset = await iron(["budget", "reset", "global", "--yes", "--json"], { env: { IRON_STATE: state } });
      expect(reset.exitCode, reset.stderr).toBe(0);
      const answer = JSON.parse(reset.stdout) as { supervisor_pid: number; reset: unknown[] };
      expect(answer.supervisor_pid).toBeGreaterThan(0);
      expect(answer.reset).toEqual([{ scope: "global", spent_usd: 0.00002 }]);

      // The supervisor's budget in memory starts afresh: the call it denied before fits now.
      requestCall(calls, 4, { prompt: "hello there" });
      await patiently(() => result(4) !== undefined).toBe(true);
      expect(result(4)?.status).toBe(200);

      const text = await iron(["budget", "reset", "--agent", "call_on_demand", "--yes"], { env: { IRON_STATE: state } });
      expect(text.stdout).toMatch(/is in use by a running supervisor \(pid \d+\): reset through its control API\nreset agent:call_on_demand: \$0\.00003 spent → \$0\.00/);
    } finally {
      run.kill("SIGINT");
      await run;
    }
    // What it enforced is what it wrote: only the call after the reset counts against global.
    expect(spentIn(state)).toMatchObject({ global: 10, "agent:call_on_demand": 0 });
  });
});
