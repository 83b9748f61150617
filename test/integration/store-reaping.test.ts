// Protects the seam between the state file and the lifecycle: an agent process recorded in the
// file by a supervisor that was then killed (SIGKILL) is found and reaped by the next supervisor
// started on the same file, which says so with an `agent.reaped` event and records the run ended.
import Database from "better-sqlite3";
import { execa } from "execa";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { IronEvent } from "../../src/events/types.js";
import { Supervisor } from "../../src/supervisor/supervisor.js";
import { FIXTURES, tempDir } from "../helpers/iron.js";
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
});
