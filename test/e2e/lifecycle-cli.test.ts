// Protects `iron run`'s lifecycle behaviour as users see it: restarts with backoff ending in
// failure, several agents side by side with prefixed output, Ctrl-C (graceful, then forced)
// with the summary and exit code 130, iron's own exit codes, and no process left behind after
// the supervisor is killed with SIGKILL.
import { execa, type ResultPromise } from "execa";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { groupMembers, readProcStat } from "../../src/lifecycle/proc-stat.js";
import { FIXTURES, IRON_BIN, iron, tempDir } from "../helpers/iron.js";
import { alive, allGone } from "../helpers/lifecycle.js";

const F = (name: string): string => join(FIXTURES, name);

/** Starts `iron <args>` in the background, collecting its output. */
function start(args: readonly string[]) {
  // Its own state file, as iron() gives each run (one supervisor per file; budgets persist in it).
  const env = { IRON_STATE: join(tempDir("iron-state-"), "state.db") };
  const child: ResultPromise = execa("node", [IRON_BIN, ...args], { reject: false, timeout: 60_000, buffer: false, env });
  const out = { stdout: "", stderr: "" };
  child.stdout?.on("data", (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (out.stderr += chunk.toString()));
  return {
    child,
    out,
    /** Waits until the output matches (a hang guard, not a timing check). */
    async until(stream: "stdout" | "stderr", pattern: RegExp, ms = 25_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!pattern.test(out[stream])) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} on ${stream} within ${ms} ms:\n${out.stdout}\n${out.stderr}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

/** Every process in the process groups of `parent`'s children (the agents and what they started). */
function descendants(parent: number): number[] {
  const groups = new Set<number>();
  for (const entry of readdirSync("/proc")) {
    const stat = /^\d+$/.test(entry) ? readProcStat(Number(entry)) : null;
    if (stat?.ppid === parent) groups.add(stat.pgrp);
  }
  return [...groups].flatMap((pgid) => groupMembers(pgid).map((m) => m.pid));
}

describe("iron run: lifecycle", () => {
  it("restarts the crash fixture with backoff, then fails with its exit code", async () => {
    const ran = await iron(["run", "--backoff", "50ms", "--min-uptime", "0", "--max-restarts", "2", F("crash_after.py"), "--", "0.1"]);
    expect(ran.exitCode, ran.stderr).toBe(1);
    expect(ran.stdout.match(/run \d up/g)).toEqual(["run 1 up", "run 2 up", "run 3 up"]);
    expect(ran.stderr).toMatch(/iron ▸ crash_after crashed \(run 1, pid \d+\): exited with code 1; restarting in \d+ ms \(restart 1; 1 of at most 2 within 60 s\)/);
    expect(ran.stderr).toMatch(/iron ▸ crash_after restarted \(run 3, pid \d+\)/);
    expect(ran.stderr).toMatch(/iron ▸ crash_after failed after [\d.]+s \(2 restarts\)\niron ▸ {3}exited with code 1; it already restarted 2 times within 60 s \(the most allowed\), giving up/);
  });

  it("reports an agent that dies before the minimum uptime once, with its own error, and never restarts it", async () => {
    const ran = await iron(["run", "--backoff", "50ms", F("crash_after.py"), "--", "0"]);
    expect(ran.exitCode, ran.stderr).toBe(1);
    expect(ran.stdout.match(/run \d up/g)).toEqual(["run 1 up"]);
    expect(ran.stderr.match(/RuntimeError: fixture crash/g)).toHaveLength(2); // once from the agent, once in the summary
    expect(ran.stderr).not.toMatch(/restarting|restarted \(/);
    expect(ran.stderr).toMatch(
      /iron ▸ crash_after failed after [\d.]+s\niron ▸ {3}exited with code 1 before it had run 3 s \(the minimum uptime\): a failed start, not restarted\niron ▸ {3}its last error line: RuntimeError: fixture crash\n/,
    );
  });

  it("runs several agents side by side with prefixed output and exits with the failing one's code", async () => {
    const ran = await iron(["run", "--restart", "never", F("exit_with.py"), F("crash_after.py")]);
    expect(ran.exitCode, ran.stderr).toBe(1);
    expect(ran.stdout).toMatch(/^\[exit_with\] run 1 pid \d+$/m);
    expect(ran.stdout).toMatch(/^\[crash_after\] run 1 up$/m);
    expect(ran.stderr).toMatch(/^\[crash_after\] RuntimeError: fixture crash$/m);
    expect(ran.stderr).toMatch(/iron ▸ exit_with exited with code 0 after/);
    expect(ran.stderr).toMatch(/iron ▸ crash_after exited with code 1 after/);
  });

  it("tells scripts from agent arguments, and says so when they are mixed up", async () => {
    const single = await iron(["run", "--restart", "never", F("exit_with.py"), "--", "4"]);
    expect(single.exitCode).toBe(4);
    const stray = await iron(["run", F("exit_with.py"), "data.json"]);
    expect(stray.exitCode).toBe(64);
    expect(stray.stderr).toMatch(/IRON_ERR_USAGE: "data.json" is not a Python script; arguments for the agent go after --/);
    const several = await iron(["run", F("exit_with.py"), F("crash_after.py"), "--", "1"]);
    expect(several.exitCode).toBe(64);
  });

  it("exits with IRON_ERR_AGENT_STARTUP's code when the shim never connects", async () => {
    const ran = await iron(["run", "--python", F("no_shim_python.sh"), "--startup-timeout", "500ms", "--restart", "never", F("idle_forever.py")]);
    expect(ran.exitCode, ran.stderr).toBe(70);
    expect(ran.stderr).toMatch(/idle_forever crashed after [\d.]+s\niron ▸ {3}the shim did not connect within 500 ms \(is the interpreter able to import iron_shim\?\)/);
  });

  it("stops gracefully on Ctrl-C, kills on the second, prints the summary and exits 130", async () => {
    const run = start(["run", "--stop-timeout", "60s", F("idle_forever.py"), F("ignore_sigterm.py")]);
    await run.until("stdout", /\[idle_forever\] ready/);
    await run.until("stdout", /\[ignore_sigterm\] ready/);
    run.child.kill("SIGINT");
    await run.until("stderr", /SIGINT: stopping every agent \(press Ctrl-C again to kill them now\)/);
    await run.until("stderr", /idle_forever has stopped; still stopping ignore_sigterm \(press Ctrl-C again to kill now\)/); // it ignores SIGINT
    run.child.kill("SIGINT");
    const result = await run.child;
    expect(result.exitCode, run.out.stderr).toBe(130);
    expect(run.out.stderr).toMatch(/SIGINT again: killing every agent now/);
    expect(run.out.stderr).toMatch(/idle_forever was stopped after [\d.]+s\niron ▸ {3}Ctrl-C \(SIGINT\): killed by SIGINT/);
    expect(run.out.stderr).toMatch(/ignore_sigterm was stopped after [\d.]+s\niron ▸ {3}SIGINT again: killed by SIGKILL/);
  });

  it("leaves no agent, grandchild or SIGTERM-proof process behind when iron is killed with SIGKILL", async () => {
    const run = start(["run", F("spawn_grandchild.py"), F("ignore_sigterm.py")]);
    await run.until("stdout", /\[spawn_grandchild\] \{.*"grandchild"/);
    await run.until("stdout", /\[ignore_sigterm\] ready/);
    const ironPid = run.child.pid as number;
    let left = descendants(ironPid);
    for (let i = 0; i < 200 && left.length < 4; i += 1) {
      await new Promise((r) => setTimeout(r, 25)); // the grandchild shell may not have started its sleep yet
      left = descendants(ironPid);
    }
    expect(left.length).toBe(4); // two agents, the grandchild shell and its sleep
    expect(left.every(alive)).toBe(true);
    run.child.kill("SIGKILL");
    await run.child;
    expect(await allGone(left), `still alive: ${left.filter(alive).join(", ")}`).toBe(true);
  });
});
