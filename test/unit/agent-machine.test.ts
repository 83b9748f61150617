// Protects the agent lifecycle machine without processes or real time: restart policies,
// exponential backoff and its reset after a stable period, the restart window ending in
// `failed`, startup timeouts, hang detection, stop semantics (a stop is never restarted),
// and one `state` change per transition with a consistent from → to chain.
import { toPromise } from "xstate";
import { describe, expect, it } from "vitest";
import { harness } from "../helpers/agent-machine-harness.js";
import { backoffDelay } from "../../src/lifecycle/backoff.js";
import { resolveLifecycle } from "../../src/lifecycle/lifecycle-options.js";

describe("agent machine: the minimum uptime", () => {
  it("fails an agent whose process dies before the minimum uptime at once: one run, no restart, its exit code kept", async () => {
    const h = harness({ minUptimeMs: 3000, maxRestarts: 5, backoff: { initialMs: 10 } });
    h.advance(200);
    h.last().exit(1);
    expect(h.state()).toBe("failed");
    expect(h.procs).toHaveLength(1);
    expect(h.trail()).toEqual(["starting", "crashed", "failed"]);
    const exit = await toPromise(h.actor);
    expect(exit).toMatchObject({ state: "failed", exitCode: 1, restarts: 0, code: null });
    expect(exit.reason).toBe("exited with code 1 before it had run 3 s (the minimum uptime): a failed start, not restarted");
  });

  it("restarts a crash that comes after the minimum uptime, and judges each run by its own uptime", () => {
    const h = harness({ minUptimeMs: 1000, maxRestarts: 5, backoff: { initialMs: 100, maxMs: 100 } });
    h.connect();
    h.advance(1000);
    h.last().exit(1);
    expect(h.state()).toBe("backoff");
    h.advance(100);
    expect(h.procs).toHaveLength(2);
    h.advance(990);
    h.last().exit(1); // the second run lived 0.99 s: a failed start
    expect(h.state()).toBe("failed");
    expect(h.changes.at(-1)?.reason).toMatch(/before it had run 1 s \(the minimum uptime\)/);
  });

  it("leaves clean exits, stops, startup timeouts and `restart: never` to their own rules", () => {
    const never = harness({ minUptimeMs: 3000, restart: "never" });
    never.last().exit(2);
    expect(never.trail()).toEqual(["starting", "crashed"]);
    const clean = harness({ minUptimeMs: 3000 });
    clean.last().exit(0);
    expect(clean.trail()).toEqual(["starting", "exited"]);
    const stopped = harness({ minUptimeMs: 3000 });
    stopped.actor.send({ type: "stop", reason: "test" });
    stopped.last().exit(null, "SIGTERM");
    expect(stopped.state()).toBe("stopped");
    const slow = harness({ minUptimeMs: 3000, startupTimeoutMs: 500, backoff: { initialMs: 10 } });
    slow.advance(500);
    slow.last().exit(null, "SIGTERM");
    expect(slow.state()).toBe("backoff");
  });
});

describe("agent machine: restarts", () => {
  it("restarts a crashing agent with exponential backoff, then fails past maxRestarts", async () => {
    const h = harness({ restart: "on-failure", maxRestarts: 3, backoff: { initialMs: 100, maxMs: 1000 } });
    const delays: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      h.connect();
      h.last().exit(3);
      if (i === 3) break;
      delays.push(h.actor.getSnapshot().context.backoffMs);
      const spawned = h.procs.length;
      h.advance(h.actor.getSnapshot().context.backoffMs - 10);
      expect(h.procs.length).toBe(spawned); // not before the delay
      h.advance(10);
      expect(h.procs.length).toBe(spawned + 1);
    }
    expect(delays).toEqual([100, 200, 400]);
    expect(h.state()).toBe("failed");
    const exit = await toPromise(h.actor);
    expect(exit).toMatchObject({ state: "failed", exitCode: 3, signal: null, restarts: 3, code: null });
    expect(exit.reason).toMatch(/exited with code 3; it already restarted 3 times within 60 s/);
    expect(h.trail()).toEqual([
      ...["starting", "running", "crashed", "backoff"],
      ...["starting", "running", "crashed", "backoff"],
      ...["starting", "running", "crashed", "backoff"],
      ...["starting", "running", "crashed", "failed"],
    ]);
    expect(h.changes.map((c) => c.run)).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4]);
    expect(h.changes.find((c) => c.to === "backoff")?.reason).toBe("restarting in 100 ms (restart 1; 1 of at most 3 within 60 s)");
  });

  it("emits each change once, each from the state before it, with pid and exit details", () => {
    const h = harness({ maxRestarts: 1 });
    h.connect();
    h.last().exit(null, "SIGSEGV");
    expect(h.changes[0]).toMatchObject({ from: "new", to: "starting", pid: 1001, run: 1, reason: "spawned (pid 1001)" });
    for (const [i, c] of h.changes.slice(1).entries()) expect(c.from).toBe(h.changes[i]?.to);
    expect(h.changes.find((c) => c.to === "crashed")).toMatchObject({ exitCode: null, signal: "SIGSEGV", reason: "killed by SIGSEGV" });
    h.advance(1000);
    expect(h.changes.at(-1)).toMatchObject({ to: "starting", run: 2, pid: 1002, reason: "restart 1 (pid 1002)", exitCode: null });
  });

  it("counts restarts in a sliding window: crashes spread out never fail", () => {
    const h = harness({ maxRestarts: 2, restartWindowMs: 2000, backoff: { initialMs: 100, maxMs: 100 } });
    for (let i = 0; i < 6; i += 1) {
      h.connect();
      h.advance(1000); // each restart leaves the 2 s window before the crash after next
      h.last().exit(1);
      h.advance(100);
    }
    h.connect();
    expect(h.state()).toBe("running");
    expect(h.actor.getSnapshot().context.restarts).toBe(6);
    // A quick crash now: the last two restarts (0.1 s and 1.2 s ago) are both in the window.
    h.last().exit(1);
    expect(h.state()).toBe("failed");
    expect(h.changes.at(-1)?.reason).toMatch(/already restarted 2 times within 2 s/);
  });

  it("counts crashes that happen before the agent ever runs (startup crashes) too", () => {
    const h = harness({ maxRestarts: 2, backoff: { initialMs: 10 } });
    h.last().exit(1);
    h.advance(10);
    h.last().exit(1);
    h.advance(20);
    h.last().exit(1);
    expect(h.trail().filter((s) => s === "running")).toEqual([]);
    expect(h.state()).toBe("failed");
  });

  it("starts the backoff again from its initial delay once the agent was stable", () => {
    const h = harness({ maxRestarts: 10, backoff: { initialMs: 100 }, stablePeriodMs: 3000 });
    h.connect();
    h.last().exit(1);
    h.advance(100);
    h.connect();
    h.last().exit(1);
    expect(h.actor.getSnapshot().context.backoffMs).toBe(200);
    h.advance(200);
    h.connect();
    h.advance(3000); // stable
    h.last().exit(1);
    expect(h.actor.getSnapshot().context.backoffMs).toBe(100);
  });

  it("caps the delay and spreads it by the jitter", () => {
    const config = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.2 };
    expect(backoffDelay(10, config, () => 0.5)).toBe(1000);
    expect(backoffDelay(0, config, () => 0)).toBe(80);
    expect(backoffDelay(0, config, () => 0.999999)).toBe(120);
    expect(backoffDelay(10, config, () => 0.999999)).toBe(1000);
  });

  it("never restarts under `never`; `on-failure` lets a clean exit end; `always` restarts it", async () => {
    const never = harness({ restart: "never" });
    never.connect();
    never.last().exit(2);
    expect(await toPromise(never.actor)).toMatchObject({ state: "crashed", exitCode: 2, restarts: 0 });
    expect(never.procs).toHaveLength(1);

    const onFailure = harness({ restart: "on-failure" });
    onFailure.connect();
    onFailure.last().exit(0);
    expect(await toPromise(onFailure.actor)).toMatchObject({ state: "exited", exitCode: 0, reason: "exited with code 0" });

    const always = harness({ restart: "always", maxRestarts: 1, backoff: { initialMs: 10 } });
    always.connect();
    always.last().exit(0);
    always.advance(10);
    always.connect();
    always.last().exit(0);
    expect(always.trail()).toEqual(["starting", "running", "exited", "backoff", "starting", "running", "exited", "failed"]);
  });

  it("fails at once, without restarting, when the process cannot be spawned", async () => {
    const h = harness({ restart: "always" }, "spawn /nope ENOENT");
    expect(await toPromise(h.actor)).toMatchObject({ state: "failed", code: "IRON_ERR_SPAWN", reason: "could not start: spawn /nope ENOENT" });
  });
});

describe("agent machine: startup and health", () => {
  it("kills an agent whose shim never says hello, as a crash with a clear reason", async () => {
    const h = harness({ restart: "never", startupTimeoutMs: 5000, stopTimeoutMs: 1000 });
    h.advance(4990);
    expect(h.state()).toBe("starting");
    h.advance(10);
    expect(h.state()).toBe("stopping");
    expect(h.last().signals).toEqual(["SIGTERM"]);
    h.advance(1000);
    expect(h.last().signals).toEqual(["SIGTERM", "SIGKILL"]);
    h.last().exit(null, "SIGKILL");
    const exit = await toPromise(h.actor);
    expect(exit).toMatchObject({ state: "crashed", code: "IRON_ERR_AGENT_STARTUP", signal: "SIGKILL" });
    expect(exit.reason).toBe("the shim did not connect within 5 s (is the interpreter able to import iron_shim?)");
  });

  it("marks a running agent hung when heartbeats stop, and running again when they resume", () => {
    const h = harness({ heartbeatTimeoutMs: 3000 });
    h.connect();
    for (let i = 0; i < 5; i += 1) {
      h.advance(1000);
      h.actor.send({ type: "shim.heartbeat" });
    }
    expect(h.state()).toBe("running");
    h.advance(3000);
    expect(h.state()).toBe("hung");
    expect(h.changes.at(-1)?.reason).toBe("no heartbeat for 3 s");
    h.actor.send({ type: "shim.heartbeat" });
    expect(h.changes.at(-1)).toMatchObject({ from: "hung", to: "running", reason: "heartbeats resumed" });
    expect(h.changes.filter((c) => c.to === "running")).toHaveLength(2); // heartbeats alone emit nothing
  });

  it("kills and restarts a hung agent when onHang is restart", () => {
    const h = harness({ heartbeatTimeoutMs: 3000, onHang: "restart", backoff: { initialMs: 100 } });
    h.connect();
    h.advance(3000);
    expect(h.state()).toBe("stopping");
    expect(h.last().signals).toEqual(["SIGTERM"]);
    h.last().exit(null, "SIGTERM");
    expect(h.trail()).toEqual(["starting", "running", "hung", "stopping", "crashed", "backoff"]);
    expect(h.changes.find((c) => c.to === "crashed")?.reason).toBe("no heartbeat for 3 s");
    h.advance(100);
    expect(h.procs).toHaveLength(2);
  });
});

describe("agent machine: stopping", () => {
  it("stops with SIGTERM, escalates to SIGKILL after the grace period, and never restarts", async () => {
    const h = harness({ restart: "always", stopTimeoutMs: 2000 });
    h.connect();
    h.actor.send({ type: "stop", reason: "budget exhausted" });
    expect(h.last().signals).toEqual(["SIGTERM"]);
    h.advance(1990);
    expect(h.last().signals).toEqual(["SIGTERM"]);
    h.advance(10);
    expect(h.last().signals).toEqual(["SIGTERM", "SIGKILL"]);
    h.last().exit(null, "SIGKILL");
    const exit = await toPromise(h.actor);
    expect(exit).toMatchObject({ state: "stopped", signal: "SIGKILL", reason: "budget exhausted: killed by SIGKILL" });
    expect(h.procs).toHaveLength(1);
  });

  it("sends the signal asked for, and a forced stop kills at once", () => {
    const h = harness({ stopTimeoutMs: 60_000 });
    h.connect();
    h.actor.send({ type: "stop", reason: "SIGINT", signal: "SIGINT" });
    h.actor.send({ type: "stop", reason: "second SIGINT", force: true });
    expect(h.last().signals).toEqual(["SIGINT", "SIGKILL"]);
  });

  it("cancels a pending restart when stopped during backoff", async () => {
    const h = harness({ backoff: { initialMs: 1000 } });
    h.connect();
    h.last().exit(1);
    h.actor.send({ type: "stop", reason: "supervisor closing" });
    h.advance(2000);
    expect(h.procs).toHaveLength(1);
    expect(await toPromise(h.actor)).toMatchObject({ state: "stopped", exitCode: 1, reason: "supervisor closing; the pending restart was cancelled" });
  });

  it("lets a user's stop win over a restart already under way (hung or startup kill)", async () => {
    const h = harness({ heartbeatTimeoutMs: 3000, onHang: "restart" });
    h.connect();
    h.advance(3000);
    h.actor.send({ type: "stop", reason: "user stop" });
    h.last().exit(null, "SIGTERM");
    expect(await toPromise(h.actor)).toMatchObject({ state: "stopped", reason: "user stop: killed by SIGTERM" });
    expect(h.procs).toHaveLength(1);
  });

  it("treats a stop during starting like any other stop, and disposes the process actor", async () => {
    const h = harness({});
    h.actor.send({ type: "stop", reason: "changed my mind" });
    h.last().exit(0);
    expect(await toPromise(h.actor)).toMatchObject({ state: "stopped", exitCode: 0 });
    expect(h.last().disposed).toBe(true);
    expect(h.trail()).toEqual(["starting", "stopping", "stopped"]);
  });
});

describe("agent machine: an operator's restart and start", () => {
  it("restarts a running agent at once as the next run: stopping → starting, counted, without backoff or the crash limit", () => {
    const h = harness({ restart: "never", maxRestarts: 0 });
    h.connect();
    h.actor.send({ type: "restart", reason: "restarted by the dashboard" });
    expect(h.state()).toBe("stopping");
    expect(h.last().signals).toEqual(["SIGTERM"]);
    h.last().exit(null, "SIGTERM");
    expect(h.procs).toHaveLength(2);
    expect(h.state()).toBe("starting");
    expect(h.trail()).toEqual(["starting", "running", "stopping", "starting"]);
    expect(h.changes.at(-1)).toMatchObject({ from: "stopping", to: "starting", run: 2, pid: 1002, reason: "restarted by the dashboard (pid 1002)" });
    expect(h.actor.getSnapshot().context).toMatchObject({ restarts: 1, restartsInWindow: 0, attempt: 0 });
    h.connect();
    expect(h.state()).toBe("running");
    expect(h.actor.getSnapshot().status).toBe("active");
  });

  it("restarts an agent that is still starting (or hung) the same way", () => {
    const h = harness({ heartbeatTimeoutMs: 2000, onHang: "report" });
    h.actor.send({ type: "restart", reason: "again" });
    h.last().exit(0);
    expect(h.changes.at(-1)).toMatchObject({ to: "starting", run: 2 });
    h.connect();
    h.advance(2100);
    expect(h.state()).toBe("hung");
    h.actor.send({ type: "restart", reason: "unstick" });
    h.last().exit(null, "SIGTERM");
    expect(h.changes.at(-1)).toMatchObject({ to: "starting", run: 3 });
  });

  it("lets a stop win over a restart in progress: the agent ends stopped, no next run", async () => {
    const h = harness({});
    h.connect();
    h.actor.send({ type: "restart", reason: "restart" });
    h.actor.send({ type: "stop", reason: "stop instead" });
    h.last().exit(null, "SIGTERM");
    expect(h.procs).toHaveLength(1);
    const exit = await toPromise(h.actor);
    expect(exit.state).toBe("stopped");
    expect(exit.reason).toBe("stop instead: killed by SIGTERM");
  });

  it("ignores a restart while stopping", () => {
    const h = harness({});
    h.connect();
    h.actor.send({ type: "stop", reason: "bye" });
    h.actor.send({ type: "restart", reason: "too late" });
    h.last().exit(0);
    expect(h.procs).toHaveLength(1);
    expect(h.actor.getSnapshot().status).toBe("done");
    expect(h.state()).toBe("stopped");
  });

  it("starts an agent waiting in backoff now instead of after the delay (start or restart)", () => {
    for (const type of ["start", "restart"] as const) {
      const h = harness({ restart: "on-failure", backoff: { initialMs: 60_000, maxMs: 60_000 } });
      h.connect();
      h.last().exit(1);
      expect(h.state()).toBe("backoff");
      h.actor.send({ type, reason: `${type}ed by the dashboard` });
      expect(h.procs).toHaveLength(2);
      expect(h.changes.at(-1)).toMatchObject({ from: "backoff", to: "starting", run: 2, reason: `${type}ed by the dashboard (pid 1002)` });
      expect(h.actor.getSnapshot().context.restarts).toBe(1);
    }
  });

  it("does nothing with start while alive (the Agent refuses it first)", () => {
    const h = harness({});
    h.connect();
    h.actor.send({ type: "start", reason: "no" });
    expect(h.procs).toHaveLength(1);
    expect(h.state()).toBe("running");
  });

  it("resumes an agent that had ended as a new machine: the next run, its restarts carried on, from the state it ended in", () => {
    const h = harness({}, undefined, { run: 3, restarts: 2, from: "stopped", reason: "started by the dashboard" });
    expect(h.procs[0]?.run).toBe(3);
    expect(h.changes[0]).toMatchObject({ from: "stopped", to: "starting", run: 3, pid: 1003, reason: "started by the dashboard (pid 1003)" });
    h.connect();
    h.last().exit(1);
    h.advance(1000);
    expect(h.changes.at(-1)).toMatchObject({ to: "starting", run: 4, reason: "restart 3 (pid 1004)" });
  });
});

describe("lifecycle options", () => {
  it("names the key, the expected and the got", () => {
    const defaults = { startupTimeoutMs: 10_000, heartbeatMs: 1000 };
    expect(() => resolveLifecycle({ restart: "sometimes" as never }, defaults)).toThrow(
      'IRON_ERR_CONFIG: invalid agent option (at restart): expected "never" | "on-failure" | "always", got "sometimes"',
    );
    expect(() => resolveLifecycle({ maxRestarts: -1 }, defaults)).toThrow(/at maxRestarts\): expected an integer >= 0, got -1/);
    expect(() => resolveLifecycle({ backoff: { jitter: 2 } }, defaults)).toThrow(/at backoff.jitter/);
    expect(() => resolveLifecycle({ heartbeatTimeoutMs: 1500 }, defaults)).toThrow(/at heartbeatTimeoutMs\): expected 0 \(off\) or at least twice/);
    expect(Object.isFrozen(resolveLifecycle({}, defaults))).toBe(true);
  });
});
