// Protects the dashboard's actions end to end: a real supervisor runs a real Python agent whose
// calls go to the mock provider, and the actions arrive over HTTP exactly as the page sends
// them. Stop, start and restart change the agent's state and run; budget.set changes what the
// next call is judged against; breaker.reset closes a breaker the mock's faults opened; each
// is audited as a control.action event, done or refused, and refusals answer 4xx.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import type { SupervisorOptions } from "../../src/supervisor/options.js";
import { Supervisor } from "../../src/supervisor/supervisor.js";
import { act, apiGet, pageFixture, parseDashboardUrl } from "../helpers/dashboard.js";
import { agentRig, type Rig } from "../helpers/dashboard-agent.js";
import { DEBIAN_PYTHON, pyenvInterpreters } from "../helpers/iron.js";
import { JOINED_FIXTURE, JoinedAgentProcess, SHIM_ROOT, plainEnv } from "../helpers/joined.js";
import { patiently } from "../helpers/patiently.js";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock.close();
});

const open: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  mock.clearFaults();
});

const rig = (options: SupervisorOptions = {}): Promise<Rig> => agentRig(mock.baseUrl, open, options);

const stateOf = (r: Rig, run: number): string[] =>
  r
    .of("agent.state")
    .filter((e) => e.agentId === "worker" && e.run === run)
    .map((e) => e.to);

describe("dashboard actions on a live agent", () => {
  it("stops, starts and restarts the agent; each a control.action event; each new run a new process", async () => {
    const r = await rig();
    const firstPid = r.sup.agents.get("worker")?.pid;
    await patiently(() => stateOf(r, 1)).toContain("running");

    const stop = await act(r.base, r.token, { action: "agent.stop", agentId: "worker" });
    expect(stop.status).toBe(200);
    expect(stop.json).toEqual({ ok: true, seq: expect.any(Number) });
    await patiently(() => stateOf(r, 1)).toContain("stopped");
    const stopAudit = r.of("control.action").find((e) => e.seq === stop.json.seq);
    expect(stopAudit).toMatchObject({ action: "agent.stop", target: "worker", outcome: "done", code: null, error: null, source: "dashboard", remote: "127.0.0.1" });
    expect(r.of("agent.state").find((e) => e.to === "stopping")?.reason).toMatch(/^stopped by the dashboard \(127\.0\.0\.1\)/);

    // Stopping a stopped agent is refused, and audited.
    const again = await act(r.base, r.token, { action: "agent.stop", agentId: "worker" });
    expect([again.status, again.json.error.code]).toEqual([409, "IRON_ERR_STATE"]);

    const info = await apiGet(r.base, r.token, "/api/info");
    expect(info.json.agents).toEqual([{ agentId: "worker", kind: "spawned", state: "stopped", canStart: true, canStop: false, canRestart: true }]);

    const start = await act(r.base, r.token, { action: "agent.start", agentId: "worker" });
    expect(start.status).toBe(200);
    await patiently(() => stateOf(r, 2)).toContain("running");
    expect(r.of("agent.state").find((e) => e.run === 2)).toMatchObject({ from: "stopped", to: "starting" });
    expect(r.sup.agents.get("worker")?.pid).not.toBe(firstPid);
    expect((await r.call(1, "after a start")).status).toBe(200); // the new run's fresh token works

    // Starting a running agent is refused.
    const twice = await act(r.base, r.token, { action: "agent.start", agentId: "worker" });
    expect([twice.status, twice.json.error.code]).toEqual([409, "IRON_ERR_STATE"]);
    expect(twice.json.error.message).toMatch(/cannot start agent "worker": expected an agent that is stopped, exited, crashed, failed or in backoff, got "running"/);

    const restart = await act(r.base, r.token, { action: "agent.restart", agentId: "worker" });
    expect(restart.status).toBe(200);
    await patiently(() => stateOf(r, 3)).toContain("running");
    expect(stateOf(r, 2)).toEqual(["starting", "running", "stopping"]); // straight from stopping into run 3
    expect(r.sup.agents.get("worker")).toMatchObject({ run: 3, restarts: 2, state: "running" });
    expect((await r.call(2, "after a restart")).status).toBe(200);

    const unknown = await act(r.base, r.token, { action: "agent.restart", agentId: "ghost" });
    expect([unknown.status, unknown.json.error.code]).toEqual([404, "IRON_ERR_NOT_FOUND"]);
    expect(unknown.json.error.message).toMatch(/no agent "ghost": expected one of worker, got "ghost"/);

    const audits = r.of("control.action").map((e) => [e.action, e.outcome, e.code]);
    expect(audits).toEqual([
      ["agent.stop", "done", null],
      ["agent.stop", "refused", "IRON_ERR_STATE"],
      ["agent.start", "done", null],
      ["agent.start", "refused", "IRON_ERR_STATE"],
      ["agent.restart", "done", null],
      ["agent.restart", "refused", "IRON_ERR_NOT_FOUND"],
    ]);
  });

  it("sets a budget's limit: a budget.update, and the next call is judged against the new limit", async () => {
    const r = await rig({ budgetUsd: 0.000001 });
    const denied = await r.call(1, "too expensive for a millionth of a dollar");
    expect([denied.status, denied.code]).toEqual([402, "IRON_ERR_BUDGET"]);
    const raised = await act(r.base, r.token, { action: "budget.set", scope: "global", limitUsd: 1 });
    expect(raised.status).toBe(200);
    const update = r.of("budget.update").find((e) => e.seq < raised.json.seq && e.scope === "global" && e.limit === 1_000_000);
    expect(update).toBeDefined();
    expect(r.of("control.action").at(-1)).toMatchObject({ seq: raised.json.seq, action: "budget.set", target: "global", params: { limitUsd: 1 }, outcome: "done" });
    expect((await r.call(2, "now there is room")).status).toBe(200);
    expect(r.sup.budgets.limit("global")).toBe(1_000_000);
    // Lowered to zero: the next call is denied again.
    expect((await act(r.base, r.token, { action: "budget.set", scope: "global", limitUsd: 0 })).status).toBe(200);
    expect((await r.call(3, "no room again")).status).toBe(402);
    // Removed: no limit at all.
    expect((await act(r.base, r.token, { action: "budget.set", scope: "global", limitUsd: null })).status).toBe(200);
    expect((await r.call(4, "unlimited")).status).toBe(200);
    const bad = await act(r.base, r.token, { action: "budget.set", scope: "not a scope!", limitUsd: 1 });
    expect([bad.status, bad.json.error.code]).toEqual([400, "IRON_ERR_USAGE"]);
  });

  it("resets a breaker the provider's failures opened: breaker.state closed, and calls go out again", async () => {
    const r = await rig({ reliability: { breakers: { consecutive_failures: 2, cooldown: 300 } } });
    const notYet = await act(r.base, r.token, { action: "breaker.reset", provider: "openai", model: "gpt-4o-mini" });
    expect([notYet.status, notYet.json.error.code]).toEqual([404, "IRON_ERR_NOT_FOUND"]);
    mock.queueFault({ status: 500, count: 2 });
    expect((await r.call(1, "fails")).status).toBe(500);
    expect((await r.call(2, "fails again")).status).toBe(500);
    await patiently(() => r.of("breaker.state").at(-1)?.to).toBe("open");
    const refused = await r.call(3, "refused while open");
    expect([refused.status, refused.code]).toEqual([503, "IRON_ERR_BREAKER_OPEN"]);
    const reset = await act(r.base, r.token, { action: "breaker.reset", provider: "openai", model: "gpt-4o-mini" });
    expect(reset.status).toBe(200);
    expect(r.of("breaker.state").at(-1)).toMatchObject({ provider: "openai", model: "gpt-4o-mini", from: "open", to: "closed" });
    expect(r.of("breaker.state").at(-1)?.reason).toMatch(/^reset by an operator by the dashboard/);
    expect(r.of("control.action").at(-1)).toMatchObject({ seq: reset.json.seq, action: "breaker.reset", target: "openai/gpt-4o-mini", outcome: "done" });
    expect((await r.call(4, "goes out again")).status).toBe(200);
    const closed = await act(r.base, r.token, { action: "breaker.reset", provider: "openai", model: "gpt-4o-mini" });
    expect([closed.status, closed.json.error.code]).toEqual([409, "IRON_ERR_STATE"]);
  });

  it("refuses to start, stop or restart an agent that joined from elsewhere (409), and says why", async () => {
    const sup = await Supervisor.start({ joinToken: true, stream: { dashboardDir: pageFixture() } });
    open.push(sup);
    const agent = new JoinedAgentProcess(
      pyenvInterpreters().at(-1) ?? DEBIAN_PYTHON,
      [JOINED_FIXTURE],
      plainEnv({
        PYTHONPATH: SHIM_ROOT,
        OPENAI_BASE_URL: mock.baseUrl,
        JOIN_MODE: "install",
        JOIN_ENDPOINT: sup.endpoint,
        JOIN_TOKEN: sup.joinToken as string,
        JOIN_AGENT: "notebook",
      }),
    );
    try {
      await agent.next("ready");
      const { base, token } = parseDashboardUrl(sup.dashboardUrl ?? "");
      const info = await apiGet(base, token, "/api/info");
      expect(info.json.agents).toEqual([{ agentId: "notebook", kind: "joined", state: "running", canStart: false, canStop: false, canRestart: false }]);
      for (const action of ["agent.stop", "agent.start", "agent.restart"]) {
        const refused = await act(base, token, { action, agentId: "notebook" });
        expect([refused.status, refused.json.error.code]).toEqual([409, "IRON_ERR_STATE"]);
        expect(refused.json.error.message).toMatch(/it joined from a process iron did not start/);
      }
      expect(sup.joined.get("notebook")?.state).toBe("running");
    } finally {
      await agent.exit();
    }
  });
});
