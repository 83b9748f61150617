// Protects joined agents through the TypeScript API: a real Python process that installs the
// shim from code joins with the join token and shows in `sup.joined` with its pid, host and
// interpreter; its calls are governed and their events carry its attribution; it is `detached`
// when it stops sending heartbeats (back to `running` when they resume), says bye, is gone, or
// the supervisor closes — never restarted; the same process reconnecting keeps its id. Raw
// hellos check what the shim cannot easily stage: names made unique, sub-processes, refusals.
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dealer } from "zeromq";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { Supervisor, type IronEvent } from "../../src/index.js";
import { encode } from "../../src/protocol/codec.js";
import { dealerHandshake } from "../helpers/auth-peer.js";
import { pyenvInterpreters, DEBIAN_PYTHON } from "../helpers/iron.js";
import { JOINED_FIXTURE, JoinedAgentProcess, SHIM_ROOT, plainEnv } from "../helpers/joined.js";
import { record, reached } from "../helpers/lifecycle.js";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock.close();
});

const python = pyenvInterpreters().at(-1) ?? DEBIAN_PYTHON;

/** Says hello over a raw DEALER (as a shim would), proves `token` whatever the supervisor proved
 * (a client with a wrong token that goes on), and keeps the connection for more messages. */
async function rawHello(endpoint: string, fields: Record<string, unknown>): Promise<{ dealer: Dealer; reply: Record<string, unknown> }> {
  const { token = "", ...rest } = fields;
  const dealer = new Dealer({ linger: 0, receiveTimeout: 10_000 });
  dealer.connect(endpoint);
  const base = { agent: "raw", pid: 1, python: "3.12.0", shim: "0.1.0", host: "elsewhere", executable: "/usr/bin/python3", parent_pid: null };
  const { reply } = await dealerHandshake(dealer, token as string, { ...base, ...rest });
  return { dealer, reply };
}

describe("a Python agent that joins from code", () => {
  it("is shown with its identity, governed with its attribution, detached and reattached, never restarted", async () => {
    const sup = await Supervisor.start({ joinToken: true, joinedHeartbeatTimeoutMs: 1500, heartbeatMs: 200 });
    const log = record(sup);
    const agent = new JoinedAgentProcess(
      python,
      [JOINED_FIXTURE],
      plainEnv({
        PYTHONPATH: SHIM_ROOT,
        OPENAI_BASE_URL: mock.baseUrl,
        JOIN_MODE: "install",
        JOIN_ENDPOINT: sup.endpoint,
        JOIN_TOKEN: sup.joinToken as string,
        JOIN_AGENT: "worker",
      }),
    );
    try {
      expect(await agent.next("install")).toEqual({ op: "install", ok: true });
      const { pid } = await agent.next("ready");
      const joined = sup.joined.get("worker");
      expect(joined).toMatchObject({ id: "worker", requested: "worker", state: "running", pid, host: hostname(), shim: "0.1.0", run: 1 });
      expect(joined?.python).toMatch(/^3\.\d+\.\d+$/);
      expect(joined?.executable).toBe(python);
      expect(sup.agents.size).toBe(0);
      expect(await log.waitFor((e) => e.type === "agent.joined")).toMatchObject({ agentId: "worker", pid, host: hostname(), executable: python, requested: "worker", run: 1, previousPid: null });
      expect(log.states("worker")[0]).toMatchObject({ from: "new", to: "running", pid, run: 1, reason: expect.stringMatching(/^joined from .* \(pid \d+, Python 3\./) });

      expect(await agent.send({ op: "call", attrs: { user: "u42", task: "summarise" } })).toMatchObject({ status: 200 });
      const attrs = { user: "u42", task: "summarise" };
      for (const type of ["llm.request", "llm.decision", "llm.response"]) {
        expect(
          log.events.find((e) => e.type === type && "agentId" in e && e.agentId === "worker"),
          type,
        ).toMatchObject({ attrs });
      }
      expect(joined?.metrics).toMatchObject({ calls: 1, allowed: 1 });

      // A stalled process (no heartbeats) is detached, and running again when it resumes.
      process.kill(pid as number, "SIGSTOP");
      expect(await log.waitFor(reached("worker", "detached"))).toMatchObject({ reason: "no heartbeat for 1.5 s", from: "running" });
      process.kill(pid as number, "SIGCONT");
      expect(await log.waitFor((e) => reached("worker", "running")(e) && e.from === "detached")).toMatchObject({ reason: "heartbeats resumed" });

      // uninstall() says bye; installing again from the same process reattaches it under its id.
      expect(await agent.send({ op: "uninstall" })).toMatchObject({ status: { installed: false } });
      expect(await log.waitFor((e) => reached("worker", "detached")(e) && e.reason === "said bye (uninstall)")).toBeTruthy();
      agent.proc.stdin?.write(`${JSON.stringify({ op: "install" })}\n`);
      expect(await agent.next("install")).toEqual({ op: "install", ok: true });
      expect(await log.waitFor((e) => reached("worker", "running", 2)(e))).toMatchObject({ reason: expect.stringMatching(/^reconnected from /) });
      expect(sup.joined.size).toBe(1);

      // A process that dies without a word is detached once it misses heartbeats, as gone.
      agent.proc.kill("SIGKILL");
      await agent.proc;
      expect(await log.waitFor((e) => reached("worker", "detached", 2)(e))).toMatchObject({ reason: `its process (pid ${pid}) is gone` });
      expect(log.states("worker").map((e) => e.to)).toEqual(["running", "detached", "running", "detached", "running", "detached"]);
    } finally {
      agent.proc.kill("SIGKILL");
      await sup.close();
    }
  });
});

describe("joining, hello by hello", () => {
  it("makes names unique, reattaches a process, takes sub-processes in, refuses bad tokens and detaches everyone at close", async () => {
    // Raw connections send no heartbeats: the heartbeat check is off here.
    const sup = await Supervisor.start({ joinToken: "iron_join_0123456789abcdef-test", joinedHeartbeatTimeoutMs: 0 });
    const log = record(sup);
    const token = sup.joinToken as string;
    const dealers: Dealer[] = [];
    const hello = async (fields: Record<string, unknown>) => {
      const { dealer, reply } = await rawHello(sup.endpoint, { token, ...fields });
      dealers.push(dealer);
      return { dealer, reply };
    };
    try {
      const first = await hello({ agent: "job", pid: 101 });
      expect(first.reply).toMatchObject({ type: "welcome", agent: "job", settings: { timeout_ms: 5000 } });
      expect((await hello({ agent: "job", pid: 102 })).reply).toMatchObject({ type: "welcome", agent: "job-2" });
      // The same process (host and pid) asking for its own id again: the same agent.
      const again = await hello({ agent: "job", pid: 101 });
      expect(again.reply).toMatchObject({ type: "welcome", agent: "job" });
      expect(sup.joined.get("job")?.run).toBe(2);
      // A Python process started by pid 101 is its sub-process.
      await hello({ agent: "helper", pid: 103, parent_pid: 101 });
      expect(await log.waitFor((e) => e.type === "agent.subprocess")).toMatchObject({ agentId: "job", pid: 103, parentPid: 101, change: "connected" });
      expect(sup.joined.get("job")?.subprocesses).toEqual([{ pid: 103, parentPid: 101 }]);
      // A process on another host is never declared gone by a pid check here.
      expect(sup.joined.get("job")?.state).toBe("running");

      const wrong = await hello({ agent: "intruder", token: "iron_join_wrong-token-value", pid: 9 });
      expect(wrong.reply).toMatchObject({ type: "reject", code: "IRON_ERR_AUTH" });
      expect((await hello({ agent: "anon", token: "", pid: 10 })).reply).toMatchObject({
        type: "reject",
        code: "IRON_ERR_AUTH",
        reason: 'the proof does not match a token this supervisor holds for agent "anon"',
      });
      expect(await log.waitFor((e) => e.type === "agent.rejected")).toMatchObject({ requested: "intruder", pid: 9, host: "elsewhere", code: "IRON_ERR_AUTH" });
      expect(sup.joined.has("intruder")).toBe(false);

      // The replaced connection is forgotten; a bye on the current one detaches the agent, and the
      // next process asking for "job" takes the id over.
      await first.dealer.send(encode({ v: 1, type: "bye", id: 2, reason: "exit" }));
      await again.dealer.send(encode({ v: 1, type: "bye", id: 2, reason: "exit" }));
      await log.waitFor((e) => reached("job", "detached")(e));
      expect((await hello({ agent: "job", pid: 104 })).reply).toMatchObject({ type: "welcome", agent: "job" });
      expect(await log.waitFor((e) => reached("job", "running", 3)(e))).toMatchObject({ reason: "joined again from elsewhere (pid 104, Python 3.12.0), a new process" });

      await sup.close();
      const detached = log.events.filter((e): e is IronEvent<"agent.state"> => e.type === "agent.state" && e.to === "detached" && e.reason === "the supervisor is closing");
      expect(detached.map((e) => e.agentId).sort()).toEqual(["job", "job-2"]);
      const all = JSON.stringify(log.events);
      expect(all).not.toContain(token);
      expect(all).not.toContain("iron_join_wrong-token-value");
    } finally {
      for (const dealer of dealers) dealer.close();
      await sup.close();
    }
  });

  it("accepts no joins without a join token, and refuses a join token that is too short", async () => {
    const sup = await Supervisor.start();
    try {
      expect(sup.joinToken).toBeNull();
      const { dealer, reply } = await rawHello(sup.endpoint, { agent: "x", token: "iron_join_anything-at-all-here" });
      dealer.close();
      expect(reply).toMatchObject({ type: "reject", code: "IRON_ERR_AUTH" });
    } finally {
      await sup.close();
    }
    await expect(Supervisor.start({ joinToken: "short" })).rejects.toThrow(
      /IRON_ERR_CONFIG: invalid join token \(at joinToken\): expected at least 16 printable ASCII characters without spaces, got "a string of 5 characters"/,
    );
  });
});
