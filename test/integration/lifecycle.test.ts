// Protects the agent lifecycle with real Python processes under one supervisor: restarts and
// backoff under each policy ending in `failed`, stops that are never restarted and reach the
// whole process group (grandchildren too), startup timeouts, hang detection and restart with a
// fresh token (the old one is refused), bounded output that never blocks the agent, agents
// isolated from each other, and governed sub-processes (with the opt-out).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Supervisor } from "../../src/index.js";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { groupMembers } from "../../src/lifecycle/proc-stat.js";
import { FIXTURES } from "../helpers/iron.js";
import { alive, envOf, reached, record, replayHello } from "../helpers/lifecycle.js";

const F = (name: string): string => join(FIXTURES, name);
const quick = { backoff: { initialMs: 50, maxMs: 50 }, minUptimeMs: 0 } as const;

let sup: Supervisor;
let rec: ReturnType<typeof record>;
let mock: MockLlm;

beforeAll(async () => {
  sup = await Supervisor.start({ heartbeatMs: 100, outputRate: false }); // the flood test counts every line
  rec = record(sup);
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await sup.close();
  await mock.close();
});

/** The visible states of an agent, without `running` (whether a short-lived run connects first depends on speed). */
const trail = (id: string): string[] =>
  rec
    .states(id)
    .map((s) => s.to)
    .filter((s) => s !== "running");

describe("restart policies", () => {
  it("restarts a crashing agent with backoff, each run a new process, and fails past maxRestarts", async () => {
    const agent = await sup.spawn({ script: F("crash_after.py"), args: ["0.2"], name: "crasher", maxRestarts: 2, ...quick });
    const exit = await agent.exited;
    expect(exit).toMatchObject({ state: "failed", exitCode: 1, signal: null, restarts: 2, code: null });
    expect(exit.reason).toMatch(/^exited with code 1; it already restarted 2 times within 60 s/);
    expect(trail("crasher")).toEqual(["starting", "crashed", "backoff", "starting", "crashed", "backoff", "starting", "crashed", "failed"]);
    const starts = rec.states("crasher").filter((s) => s.to === "starting");
    expect(starts.map((s) => s.run)).toEqual([1, 2, 3]);
    expect(new Set(starts.map((s) => s.pid)).size).toBe(3);
    const lines = rec.events.filter((e) => e.type === "agent.output" && e.agentId === "crasher" && e.stream === "stdout");
    expect(lines.map((e) => (e.type === "agent.output" ? [e.run, e.line] : null))).toEqual([
      [1, "run 1 up"],
      [2, "run 2 up"],
      [3, "run 3 up"],
    ]);
  });

  it("never restarts under `never`, ends a clean exit under on-failure, and restarts it under `always`", async () => {
    const never = await sup.spawn({ script: F("exit_with.py"), args: ["3"], name: "never", restart: "never" });
    const clean = await sup.spawn({ script: F("exit_with.py"), name: "clean" });
    const always = await sup.spawn({ script: F("exit_with.py"), name: "always", restart: "always", maxRestarts: 1, ...quick });
    expect(await never.exited).toMatchObject({ state: "crashed", exitCode: 3, restarts: 0 });
    expect(await clean.exited).toMatchObject({ state: "exited", exitCode: 0, restarts: 0 });
    expect(await always.exited).toMatchObject({ state: "failed", exitCode: 0, restarts: 1 });
    expect(trail("always")).toEqual(["starting", "exited", "backoff", "starting", "exited", "failed"]);
  });

  it("fails at once with IRON_ERR_SPAWN when the interpreter cannot be executed", async () => {
    const agent = await sup.spawn({ script: F("exit_with.py"), name: "unspawnable", python: F("bad_interpreter.sh") });
    expect(await agent.exited).toMatchObject({ state: "failed", code: "IRON_ERR_SPAWN", restarts: 0 });
  });

  it("counts a shim that never connects as a crash with a clear reason", async () => {
    const agent = await sup.spawn({ script: F("idle_forever.py"), name: "noshim", python: F("no_shim_python.sh"), startupTimeoutMs: 500, restart: "never" });
    const exit = await agent.exited;
    expect(exit).toMatchObject({ state: "crashed", code: "IRON_ERR_AGENT_STARTUP", signal: "SIGTERM" });
    expect(exit.reason).toBe("the shim did not connect within 500 ms (is the interpreter able to import iron_shim?)");
    expect(trail("noshim")).toEqual(["starting", "stopping", "crashed"]);
  });
});

describe("stopping", () => {
  it("stops with SIGTERM to the whole group: the agent goes, its SIGTERM-proof grandchild is killed, nothing restarts", async () => {
    const agent = await sup.spawn({ script: F("spawn_grandchild.py"), name: "family", restart: "always", stopTimeoutMs: 300 });
    const line = await rec.waitFor((e) => e.type === "agent.output" && e.agentId === "family" && e.line.startsWith("{"));
    const { pid, grandchild } = JSON.parse(line.type === "agent.output" ? line.line : "{}") as { pid: number; grandchild: number };
    expect(alive(grandchild)).toBe(true);
    const exit = await agent.stop({ reason: "test stop" });
    expect(exit).toMatchObject({ state: "stopped", signal: "SIGTERM", restarts: 0, reason: "test stop: killed by SIGTERM" });
    // The end is reported only once the group is empty.
    expect(groupMembers(pid)).toEqual([]);
    expect(alive(grandchild)).toBe(false);
    expect(trail("family")).toEqual(["starting", "stopping", "stopped"]);
  });

  it("kills an agent that ignores SIGTERM after the grace period", async () => {
    const agent = await sup.spawn({ script: F("ignore_sigterm.py"), name: "stubborn", stopTimeoutMs: 300 });
    await rec.waitFor((e) => e.type === "agent.output" && e.agentId === "stubborn" && e.line === "ready");
    expect(await agent.stop()).toMatchObject({ state: "stopped", signal: "SIGKILL", reason: "stop requested: killed by SIGKILL" });
  });

  it("terminates what an agent leaves in its group when it exits on its own", async () => {
    const agent = await sup.spawn({ script: F("spawn_grandchild.py"), args: ["leave"], name: "leaver", stopTimeoutMs: 300 });
    const line = await rec.waitFor((e) => e.type === "agent.output" && e.agentId === "leaver" && e.line.startsWith("{"));
    const { pid, grandchild } = JSON.parse(line.type === "agent.output" ? line.line : "{}") as { pid: number; grandchild: number };
    expect(await agent.exited).toMatchObject({ state: "exited", exitCode: 0 });
    expect(groupMembers(pid)).toEqual([]);
    expect(alive(grandchild)).toBe(false);
  });
});

describe("health", () => {
  it("restarts a hung agent with a fresh token; the hung incarnation's token is refused", async () => {
    const agent = await sup.spawn({ script: F("hang_no_heartbeat.py"), name: "hanger", heartbeatTimeoutMs: 1000, onHang: "restart", ...quick });
    const first = await rec.waitFor(reached("hanger", "running", 1));
    const oldToken = envOf(first.type === "agent.state" ? (first.pid as number) : 0, "IRON_TOKEN") as string;
    await rec.waitFor(reached("hanger", "running", 2));
    expect(rec.states("hanger").map((s) => s.to)).toEqual(["starting", "running", "hung", "stopping", "crashed", "backoff", "starting", "running"]);
    expect(rec.states("hanger").find((s) => s.to === "crashed")?.reason).toBe("no heartbeat for 1 s");
    const answer = await replayHello(sup.endpoint, "hanger", oldToken);
    expect(answer).toMatchObject({ type: "reject", code: "IRON_ERR_AUTH" });
    expect(await agent.stop()).toMatchObject({ state: "stopped", restarts: 1 });
  });

  it("reports a hung agent and still stops it (SIGCONT follows SIGTERM)", async () => {
    const agent = await sup.spawn({ script: F("hang_no_heartbeat.py"), name: "frozen", heartbeatTimeoutMs: 1000, stopTimeoutMs: 10_000 });
    await rec.waitFor(reached("frozen", "hung"));
    expect(agent.state).toBe("hung");
    expect(await agent.stop()).toMatchObject({ state: "stopped", signal: "SIGTERM", restarts: 0 });
  });
});

describe("output and isolation", () => {
  it("reads a flood of output to the end even when an events() consumer stops reading; lines are bounded", async () => {
    const unread = sup.events();
    const first = unread.next(); // subscribes; takes one event, then is never read again
    const agent = await sup.spawn({ script: F("print_lots.py"), args: ["20000"], name: "chatty" });
    await first;
    expect(await agent.exited).toMatchObject({ state: "exited", exitCode: 0 });
    const lines = rec.events.filter((e) => e.type === "agent.output" && e.agentId === "chatty");
    const stdout = lines.filter((e) => e.type === "agent.output" && e.stream === "stdout");
    expect(stdout).toHaveLength(20001);
    expect(stdout.at(-1)).toMatchObject({ line: "done" });
    const stderr = lines.find((e) => e.type === "agent.output" && e.stream === "stderr");
    expect(stderr?.type === "agent.output" ? stderr.line : "").toBe("y".repeat(8192));
    await unread.return(undefined);
  });

  it("keeps an agent running, untouched, while another crashes and fails", async () => {
    const steady = await sup.spawn({ script: F("idle_forever.py"), name: "steady" });
    await rec.waitFor(reached("steady", "running"));
    const pid = steady.pid;
    const crasher = await sup.spawn({ script: F("crash_after.py"), args: ["0.1"], name: "neighbour", maxRestarts: 1, ...quick });
    expect(await crasher.exited).toMatchObject({ state: "failed" });
    expect([steady.state, steady.run, steady.pid]).toEqual(["running", 1, pid]);
    expect(rec.states("steady").map((s) => s.to)).toEqual(["starting", "running"]);
    await steady.stop();
  });
});

describe("sub-processes", () => {
  const root = (): string => mock.baseUrl.replace(/\/v1$/, "");

  it("governs a child Python process and reports it as a sub-process of its agent", async () => {
    const agent = await sup.spawn({ script: F("spawn_child_llm_call.py"), args: [root()], name: "parent" });
    expect(await agent.exited).toMatchObject({ state: "exited" });
    const subs = rec.events.filter((e) => e.type === "agent.subprocess" && e.agentId === "parent");
    expect(subs.map((e) => (e.type === "agent.subprocess" ? [e.change, e.parentPid] : null))).toEqual([
      ["connected", rec.states("parent")[0]?.pid],
      ["exited", rec.states("parent")[0]?.pid],
    ]);
    expect(agent.metrics).toMatchObject({ calls: 1, allowed: 1 });
  });

  it("leaves child processes alone with governChildren: false", async () => {
    const before = mock.requests.length;
    const agent = await sup.spawn({ script: F("spawn_child_llm_call.py"), args: [root()], name: "hands-off", governChildren: false });
    expect(await agent.exited).toMatchObject({ state: "exited" });
    expect(rec.events.filter((e) => e.type === "agent.subprocess" && e.agentId === "hands-off")).toEqual([]);
    expect(agent.metrics.calls).toBe(0);
    expect(mock.requests.length).toBe(before + 1);
  });
});
