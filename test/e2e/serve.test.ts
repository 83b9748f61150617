// Protects attach mode end to end: `iron serve` prints how to join and keeps its token private;
// agents started by plain `python` join it over ipc (`python -m iron_shim`) and over TCP
// (`iron_shim.install()` from code) and are governed like spawned ones — per-user budgets and
// per-attribute rate limits deny one user while another carries on; a bad or missing token is
// refused with IRON_ERR_AUTH; a real venv with iron-shim pip-installed joins through the .pth
// autoload; when the supervisor stops, joined agents fail closed without hanging and recover
// when it comes back on the same endpoints; uninstall() leaves httpx unpatched.
import { execa } from "execa";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, FIXTURES, iron, pyenvInterpreters, tempDir } from "../helpers/iron.js";
import { JOINED_FIXTURE, JoinedAgentProcess, SHIM_ROOT, ServeProcess, freePort, plainEnv } from "../helpers/joined.js";

// Output is priced at $1 per million tokens and input is free, so a call with max_tokens 10
// reserves exactly 10 µ$ and (the mock's answer cut at 10 tokens) costs exactly 10 µ$.
const CONFIG = `version: 1
agents:
  - { name: idler, script: ${JSON.stringify(join(FIXTURES, "idle_forever.py"))}, python: ${JSON.stringify(DEBIAN_PYTHON)} }
budgets:
  global: 1.00
  per_attribute:
    user: 0.000015
reliability:
  rate_limits:
    max_wait: 0
    per_attribute:
      team: { rpm: 1 }
prices:
  gpt-4o-mini: { input: 0, output: 1.00 }
`;

let mock: MockLlm;
let dir: string;
let serveArgs: string[];
let serve: ServeProcess;
let endpoints: string[];
let token: string;
const agents: JoinedAgentProcess[] = [];
let ipcAgent: JoinedAgentProcess;
let notebook: JoinedAgentProcess;
const oldest = pyenvInterpreters()[0] ?? DEBIAN_PYTHON;

function joined(python: string, args: string[], env: Record<string, string>): JoinedAgentProcess {
  const agent = new JoinedAgentProcess(python, args, plainEnv({ OPENAI_BASE_URL: mock.baseUrl, ...env }));
  agents.push(agent);
  return agent;
}

const call = (agent: JoinedAgentProcess, attrs: Record<string, string> = {}) => agent.send({ op: "call", attrs, max_tokens: 10 });

beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
  dir = tempDir("iron-serve-");
  writeFileSync(join(dir, "iron.yaml"), CONFIG);
  const port = await freePort();
  serveArgs = ["--socket", join(dir, "run", "serve.sock"), "--token-file", join(dir, "secrets", "join-token"), "--listen", `tcp://127.0.0.1:${port}`, "--timeout", "8s", "--trace", "--agents"];
  serve = new ServeProcess(serveArgs, dir);
  endpoints = await serve.endpoints();
  await serve.out.wait((l) => l.startsWith("  join token"));
  token = readFileSync(join(dir, "secrets", "join-token"), "utf8").trim();
}, 60_000);

afterAll(async () => {
  for (const agent of agents) agent.proc.kill("SIGKILL");
  await serve?.stop().catch(() => undefined);
  await mock?.close();
});

describe("iron serve", () => {
  it("prints the endpoints and the join token's file (never the token), which only the user can read", () => {
    expect(endpoints).toEqual([`ipc://${join(dir, "run", "serve.sock")}`, expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:\d+$/)]);
    expect(token).toMatch(/^iron_join_[A-Za-z0-9_-]{43}$/);
    const file = join(dir, "secrets", "join-token");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "secrets")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "run", "serve.sock")).mode & 0o777).toBe(0o600);
    expect(serve.out.all).toContain(`    IRON_ENDPOINT=${endpoints[0]} IRON_TOKEN="$(cat ${file})" python -m iron_shim agent.py`);
    expect(serve.out.all.join("\n")).not.toContain(token);
  });

  it("governs a plain python agent joined over ipc: per-user budgets and per-team rate limits", async () => {
    const agent = joined(oldest, ["-m", "iron_shim", JOINED_FIXTURE], { PYTHONPATH: SHIM_ROOT, IRON_ENDPOINT: endpoints[0] as string, IRON_TOKEN: token });
    ipcAgent = agent;
    expect(await agent.next("ready")).toMatchObject({ loaded: true });
    expect(await call(agent, { user: "alice", team: "red" })).toMatchObject({ status: 200 });
    expect(await call(agent, { user: "bob", team: "red" })).toMatchObject({ status: 429, code: "IRON_ERR_RATE_LIMIT" });
    expect(await call(agent, { user: "alice", team: "blue" })).toMatchObject({ status: 402, code: "IRON_ERR_BUDGET" });
    expect(await call(agent, { user: "bob", team: "green" })).toMatchObject({ status: 200 });
    expect(await agent.send({ op: "status" })).toMatchObject({ installed: true, connected: true, agent: "joined_agent" });
    const joinedLine = await serve.err.wait((l) => l.includes("joined_agent joined from"));
    expect(joinedLine).toMatch(/ · pid \d+ · Python 3\.\d+\.\d+ · \S+python\S* · session s-\d+$/);
    await serve.err.wait((l) => l.includes("joined_agent: gpt-4o-mini denied by budget (IRON_ERR_BUDGET, HTTP 402): budget user:alice"));
    await serve.err.wait((l) => l.includes("denied by reliability (IRON_ERR_RATE_LIMIT, HTTP 429): rate limit team:red rpm reached"));
  });

  it("gives a second process asking for the same name its own id", async () => {
    const twin = joined(oldest, ["-m", "iron_shim", JOINED_FIXTURE], { PYTHONPATH: SHIM_ROOT, IRON_ENDPOINT: endpoints[0] as string, IRON_TOKEN: token });
    await twin.next("ready");
    expect(await twin.send({ op: "status" })).toMatchObject({ agent: "joined_agent-2", connected: true });
    await twin.exit();
    await serve.err.wait((l) => l.includes("joined_agent-2 detached: said bye (exit)"));
  });

  it("governs an agent that installs the shim from code over TCP, and reports its budget left", async () => {
    notebook = joined(DEBIAN_PYTHON, [JOINED_FIXTURE], {
      PYTHONPATH: SHIM_ROOT,
      JOIN_MODE: "install",
      JOIN_HTTP: "httpx",
      JOIN_ENDPOINT: endpoints[1] as string,
      JOIN_TOKEN: token,
      JOIN_AGENT: "notebook",
    });
    expect(await notebook.next("install")).toEqual({ op: "install", ok: true });
    expect(await notebook.next("ready")).toMatchObject({ loaded: true, httpx_patched: true });
    expect(await call(notebook)).toMatchObject({ status: 200 });
    const status = await notebook.send({ op: "status" });
    expect(status).toMatchObject({ agent: "notebook", connected: true, endpoint: endpoints[1], budget: { scope: "global", limit_usd: 1 } });
    expect(status.budget_left_usd).toBeLessThan(1);
    await serve.err.wait((l) => l.includes("notebook: gpt-4o-mini allowed"));
  });

  it("lists the joined agents in the state file: iron agents shows how they came, pid, host and interpreter", async () => {
    const ran = await iron(["agents", "--json", "--state", join(dir, ".iron", "state.db")]);
    expect(ran.exitCode, ran.stderr).toBe(0);
    const listed = (JSON.parse(ran.stdout) as { agents: { agentId: string; kind: string; pid: number; host: string; python: string; calls: number }[] }).agents;
    const byId = new Map(listed.map((a) => [a.agentId, a]));
    expect(byId.get("joined_agent")).toMatchObject({ kind: "joined", pid: ipcAgent.proc.pid, python: expect.stringMatching(/^3\.\d+\.\d+$/), calls: 4 });
    expect(byId.get("notebook")).toMatchObject({ kind: "joined", pid: notebook.proc.pid, python: expect.stringMatching(/^3\.11\./), calls: 1 });
    expect(byId.get("idler")).toMatchObject({ kind: "spawned" });
    const table = await iron(["agents", "--state", join(dir, ".iron", "state.db")]);
    expect(table.stdout).toMatch(/^notebook\s+joined\s+running\s+\d+\s+\S+\s+3\.11\.\d+/m);
    // The ledger keeps each call's attribution: one user's calls, as the budget per user saw them.
    const alice = await iron(["calls", "--json", "--attr", "user=alice", "--state", join(dir, ".iron", "state.db")]);
    const calls = (JSON.parse(alice.stdout) as { calls: { attrs: Record<string, string>; outcome: string }[] }).calls;
    expect(calls.map((c) => [c.attrs, c.outcome])).toEqual([
      [{ user: "alice", team: "red" }, "allow"],
      [{ user: "alice", team: "blue" }, "deny"],
    ]);
    const both = await iron(["calls", "--json", "--attr", "user=bob", "--attr", "team=green", "--state", join(dir, ".iron", "state.db")]);
    expect((JSON.parse(both.stdout) as { totals: { calls: number; allowed: number } }).totals).toMatchObject({ calls: 1, allowed: 1 });
    const bobs = await iron(["calls", "--attr", "user=bob", "--state", join(dir, ".iron", "state.db")]);
    expect(bobs.stdout).toMatch(/^TIME .* ATTRIBUTION$/m);
    expect(bobs.stdout).toMatch(/ team=green user=bob$/m);
    const bad = await iron(["calls", "--attr", "alice", "--state", join(dir, ".iron", "state.db")]);
    expect([bad.exitCode, bad.stderr]).toEqual([64, expect.stringContaining('expected key=value (an attribution such as user=u42), got "alice"')]);
  });

  it("refuses a wrong or missing token with IRON_ERR_AUTH, and the agent's calls are denied", async () => {
    const wrong = joined(DEBIAN_PYTHON, [JOINED_FIXTURE], {
      PYTHONPATH: SHIM_ROOT,
      JOIN_MODE: "install",
      JOIN_ENDPOINT: endpoints[0] as string,
      JOIN_TOKEN: "iron_join_not-the-token-at-all",
      JOIN_AGENT: "intruder",
    });
    expect(await wrong.next("install")).toMatchObject({ ok: false, code: "IRON_ERR_AUTH" });
    expect(await call(wrong)).toMatchObject({ status: 503, code: "IRON_ERR_AUTH" });
    await wrong.exit();
    const missing = joined(DEBIAN_PYTHON, [JOINED_FIXTURE], { PYTHONPATH: SHIM_ROOT, JOIN_MODE: "install", JOIN_ENDPOINT: endpoints[0] as string, JOIN_TOKEN: "" });
    const refused = await missing.next("install");
    expect(refused).toMatchObject({ ok: false, code: "IRON_ERR_AUTH" });
    expect(refused.message).toContain("no token given");
    await missing.exit();
    await serve.err.wait((l) => l.includes('refused "intruder"') && l.includes("IRON_ERR_AUTH"));
    expect(serve.err.all.join("\n")).not.toContain("iron_join_not-the-token-at-all");
  });

  it("governs python agent.py in a venv with iron-shim pip-installed (the .pth autoload), which costs nothing unset", async () => {
    const venv = join(dir, "venv");
    const python = pyenvInterpreters().find((p) => p.includes("3.11")) ?? oldest;
    await execa(python, ["-m", "venv", venv]);
    await execa(join(venv, "bin", "pip"), ["install", "--no-index", "--no-build-isolation", "--quiet", "--disable-pip-version-check", SHIM_ROOT]);
    const unset = await execa(join(venv, "bin", "python"), ["-c", "import sys; print('iron_shim' in sys.modules)"], { env: plainEnv({}), extendEnv: false });
    expect(unset.stdout.trim()).toBe("False");
    const agent = joined(join(venv, "bin", "python"), [JOINED_FIXTURE], { IRON_ENDPOINT: endpoints[0] as string, IRON_TOKEN: token, IRON_AGENT_ID: "from-venv" });
    expect(await agent.next("ready")).toMatchObject({ loaded: true });
    expect(await call(agent, { user: "dave" })).toMatchObject({ status: 200 });
    expect(await agent.send({ op: "status" })).toMatchObject({ agent: "from-venv", connected: true });
    await agent.exit();
    await serve.err.wait((l) => l.includes("from-venv detached: said bye (exit)"));
  }, 120_000);

  it("stops on SIGTERM: joined agents fail closed without hanging, and recover when it is back", async () => {
    expect(await serve.stop("SIGTERM")).toBe(0);
    const table = serve.err.all.join("\n");
    expect(table).toMatch(/^ {2}joined_agent +joined +detached +\d+ +\S+ +3\.9\.\d+ +4 +2 +2 +\$0\.00002$/m);
    expect(table).toMatch(/^ {2}notebook +joined +detached +\d+ +\S+ +3\.\d+\.\d+ +1 +1 +0 +\$0\.00001$/m);
    // The agent it started itself (--agents) was stopped with it.
    expect(table).toMatch(/^ {2}idler +spawned +stopped +\d+ /m);
    expect(await call(ipcAgent, { user: "erin" })).toMatchObject({ status: 503, code: "IRON_ERR_SUPERVISOR_UNAVAILABLE" });
    expect(await call(notebook)).toMatchObject({ status: 503, code: "IRON_ERR_SUPERVISOR_UNAVAILABLE" });

    serve = new ServeProcess(serveArgs, dir);
    expect(await serve.endpoints()).toEqual(endpoints);
    // The whole reply on failure: a 503's code says whether the shim could not reach it or was refused.
    const back = [await call(ipcAgent, { user: "erin" }), await call(notebook)];
    expect(back, JSON.stringify(back)).toMatchObject([{ status: 200 }, { status: 200 }]);
    await serve.err.wait((l) => l.includes("joined_agent joined from"));
    await serve.err.wait((l) => l.includes("notebook joined from"));
  }, 60_000);

  it("refuses a bad --listen, --agents without agents, and a token file others can read", async () => {
    const bad = await iron(["serve", "--listen", "http://127.0.0.1:80"], { cwd: dir });
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr).toContain('expected tls://HOST:PORT, tcp://HOST:PORT or ipc://PATH, got "http://127.0.0.1:80"');
    const open = await iron(["serve", "--listen", "tcp://0.0.0.0:0"], { cwd: dir });
    expect([open.exitCode, open.stderr]).toEqual([64, expect.stringContaining("IRON_ERR_USAGE: --listen tcp://0.0.0.0:0 is reachable from the network over plain TCP")]);
    const other = tempDir();
    writeFileSync(join(other, "iron.yaml"), "version: 1\n");
    const none = await iron(["serve", "--agents", "--socket", join(other, "s.sock"), "--token-file", join(other, "t")], { cwd: other });
    expect([none.exitCode, none.stderr]).toEqual([64, expect.stringContaining("IRON_ERR_USAGE: nothing to start for --agents")]);
    writeFileSync(join(other, "open-token"), "iron_join_readable-by-everyone\n", { mode: 0o644 });
    chmodSync(join(other, "open-token"), 0o644);
    const readable = await iron(["serve", "--socket", join(other, "s.sock"), "--token-file", join(other, "open-token")], { cwd: other });
    expect([readable.exitCode, readable.stderr]).toEqual([78, expect.stringContaining("the token file is readable by others")]);
    expect(readable.stderr).not.toContain("readable-by-everyone");
  });

  it("leaves httpx unpatched after uninstall(), and shows the agent detached", async () => {
    const done = await notebook.send({ op: "uninstall" });
    expect(done).toMatchObject({ httpx_patched: false, status: { installed: false, connected: false } });
    mock.clearRequests();
    expect(await call(notebook)).toMatchObject({ status: 200 });
    expect(mock.requests).toHaveLength(1);
    await serve.err.wait((l) => l.includes("notebook detached: said bye (uninstall)"));
  });
});
