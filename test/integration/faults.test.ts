// Protects what happens when a call meets a fault: the provider drops the stream mid-way, the
// provider does not answer within the per-call timeout (reliability.timeout: the decision's
// timeout_ms, applied by the shim), the agent is SIGKILLed while its call is out. Each time the
// agent sees an error (not a hang), the supervisor records the call's end as an event, and the
// budget reservation the call held is released: nothing stays reserved.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Supervisor, type IronEvent } from "../../src/index.js";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, FIXTURES } from "../helpers/iron.js";

let mock: MockLlm;
let sup: Supervisor;
const events: IronEvent[] = [];

beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
  sup = await Supervisor.start({ budgetUsd: 5 });
  sup.on("event", (e) => events.push(e));
});

afterAll(async () => {
  await sup?.close();
  await mock?.close();
});

/** Runs fault_call.py under a supervisor; resolves with what the agent printed last and its exit. */
async function runFault(fault: string, under: Supervisor = sup) {
  const agent = await under.spawn({ name: `fault-${fault}`, script: join(FIXTURES, "fault_call.py"), python: DEBIAN_PYTHON, env: { FAULT: fault, OPENAI_BASE_URL: mock.baseUrl }, restart: "never" });
  const exit = await agent.exited;
  const lines = events.filter((e): e is IronEvent<"agent.output"> => e.type === "agent.output" && e.agentId === agent.id && e.stream === "stdout");
  return { agent, exit, result: JSON.parse(lines.at(-1)?.line ?? "{}") as Record<string, unknown> };
}

function reserved(): number {
  return sup.budgets.balances().reduce((total, b) => total + b.reserved, 0);
}

function responsesOf(agentId: string): IronEvent<"llm.response">[] {
  return events.filter((e): e is IronEvent<"llm.response"> => e.type === "llm.response" && e.agentId === agentId);
}

describe("faults during a call", () => {
  it("a stream the provider drops mid-way reaches the agent as an error and is recorded as incomplete", async () => {
    const { agent, exit, result } = await runFault("drop");
    expect(exit.exitCode).toBe(0);
    expect(result).toMatchObject({ status: 200, error: "RemoteProtocolError" }); // httpx: the chunked body ended early
    const [response] = responsesOf(agent.id);
    expect(response).toMatchObject({ stream: true, complete: false });
    expect(response?.error).toBeTruthy();
    expect(reserved()).toBe(0);
  });

  it("a provider that does not answer within the per-call timeout ends the call there, reported with status 0", async () => {
    const strict = await Supervisor.start({ budgetUsd: 5, reliability: { timeout: 1 } });
    strict.on("event", (e) => events.push(e));
    try {
      const { agent, exit, result } = await runFault("hang", strict); // the client itself would wait 60 s
      expect(exit.exitCode).toBe(0);
      expect(result.error).toBe("ReadTimeout");
      await expect.poll(() => responsesOf(agent.id).length).toBe(1);
      expect(responsesOf(agent.id)[0]).toMatchObject({ status: 0, complete: false });
      expect(String(responsesOf(agent.id)[0]?.error)).toContain("Timeout");
      expect(strict.budgets.balances().reduce((t, b) => t + b.reserved, 0)).toBe(0);
    } finally {
      await strict.close();
    }
  });

  it("an agent SIGKILLed while its call is out releases the call's reservation", async () => {
    mock.clearRequests();
    const agent = await sup.spawn({ script: join(FIXTURES, "fault_call.py"), python: DEBIAN_PYTHON, env: { FAULT: "long", OPENAI_BASE_URL: mock.baseUrl }, restart: "never" });
    await expect.poll(() => mock.requests.length, { timeout: 20_000 }).toBe(1); // allowed, reserved, now at the provider
    expect(reserved()).toBeGreaterThan(0);
    process.kill(agent.pid as number, "SIGKILL");
    const exit = await agent.exited;
    expect(exit.signal).toBe("SIGKILL");
    await expect.poll(() => reserved()).toBe(0);
    const releases = events.filter((e) => e.type === "budget.update" && e.reserved === 0);
    expect(releases.length).toBeGreaterThan(0);
  });
});
