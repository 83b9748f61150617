// Protects the seams between the state file and its neighbours: the lifecycle (an agent process
// recorded by a supervisor that was then killed is reaped by the next supervisor on the same
// file, with an `agent.reaped` event, and recorded ended) and the budgets (spend persists, but a
// per-run budget belongs to one supervisor's run and never carries over to the next one's).
import Database from "better-sqlite3";
import { execa } from "execa";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { IronEvent } from "../../src/events/types.js";
import { Supervisor } from "../../src/supervisor/supervisor.js";
import { startMockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, FIXTURES, jsonLines, tempDir } from "../helpers/iron.js";
import { alive, allGone } from "../helpers/lifecycle.js";

describe("a state file's run registry", () => {
  it("lets the next supervisor reap what a killed one left running", async () => {
    const state = join(tempDir("iron-reap-"), "state.db");
    const dead = execa("node", [join(FIXTURES, "record_run.mjs"), state], { reject: false });
    const pid = await new Promise<number>((resolve) => dead.stdout?.on("data", (d: Buffer) => /recorded (\d+)/.test(String(d)) && resolve(Number(/recorded (\d+)/.exec(String(d))?.[1]))));
    dead.kill("SIGKILL");
    await dead;
    expect(alive(pid)).toBe(true);

    const sup = await Supervisor.start({ state });
    const events: IronEvent[] = [];
    sup.on("event", (e) => events.push(e));
    await new Promise((resolve) => setImmediate(resolve));
    await sup.close();
    expect(await allGone([pid])).toBe(true);
    expect(events.find((e) => e.type === "agent.reaped")).toMatchObject({ agentId: "sleeper", run: 1, pid, pgid: pid, supervisorPid: dead.pid, processes: 1 });
    const db = new Database(state, { readonly: true });
    expect(db.prepare("SELECT state, signal, ended_at IS NOT NULL AS ended FROM runs WHERE pid = ?").get(pid)).toEqual({ state: "reaped", signal: "SIGTERM", ended: 1 });
    db.close();
  });

  it("keeps global spend across supervisors, and starts each supervisor's runs with their own per-run budget", async () => {
    const state = join(tempDir("iron-runs-"), "state.db");
    const mock = await startMockLlm({ port: 0 });
    // gpt-4o-mini, max_tokens 20: a worst case near 20 micro-dollars, a real cost near 10; two fit in 30.
    const runOnce = async (): Promise<{ statuses: unknown[]; spent: number }> => {
      const sup = await Supervisor.start({ state, budgets: { per_run: 0.00003 } });
      let out = "";
      let spent = 0;
      try {
        const agent = await sup.spawn({ script: join(FIXTURES, "chat_loop.py"), python: DEBIAN_PYTHON, env: { OPENAI_BASE_URL: mock.baseUrl, FIXTURE_CALLS: "4" } });
        sup.on("event", (e) => {
          if (e.type === "agent.output" && e.stream === "stdout") out += `${e.line}\n`;
        });
        await agent.exited;
        spent = sup.budgets.spent("global");
      } finally {
        // Output lines reach listeners once their batch is committed: close() commits and delivers the last ones.
        await sup.close();
      }
      return { statuses: jsonLines(out).map((l) => l.status), spent };
    };
    try {
      const first = await runOnce();
      const second = await runOnce();
      expect(first.statuses.slice(0, 2)).toEqual([200, 200]);
      expect(first.statuses).toContain(402);
      expect(second.statuses).toEqual(first.statuses); // run 1 of the second supervisor starts from zero
      expect(second.spent).toBe(first.spent * 2); // while the global spend goes on
    } finally {
      await mock.close();
    }
  });
});
