// Protects the dashboard from the command line, with the real `iron` binary: the URL lines of
// `iron run` and `iron demo --hold` (which stays up until Ctrl-C), `--no-dashboard`, and the
// read-only `iron dashboard --state` over a file a still-running supervisor keeps writing.
import { execa, type ResultPromise } from "execa";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startMockLlm } from "../../src/mock-llm/index.js";
import { Supervisor } from "../../src/supervisor/supervisor.js";
import { act, apiGet, http, parseDashboardUrl } from "../helpers/dashboard.js";
import { requestCall } from "../helpers/dashboard-agent.js";
import { FIXTURES, IRON_BIN, iron, tempDir } from "../helpers/iron.js";
import { record } from "../helpers/stream.js";
import { patiently } from "../helpers/patiently.js";

const running: ResultPromise[] = [];
afterEach(async () => {
  // Ctrl-C, so iron stops its agents (a SIGKILLed iron would leave them running); SIGKILL only if it hangs.
  for (const child of running.splice(0)) {
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await child.catch(() => undefined);
    clearTimeout(timer);
  }
});

/** Starts `iron <args>` and resolves with it once its stderr matched `until` (with the text so far). */
async function start(args: string[], until: RegExp, env: Record<string, string> = {}): Promise<{ child: ResultPromise; text: () => string; match: RegExpMatchArray }> {
  const child = execa("node", [IRON_BIN, ...args], { reject: false, cwd: tempDir("iron-cli-"), env: { IRON_STATE: join(tempDir("iron-state-"), "state.db"), ...env } });
  running.push(child);
  let text = "";
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${until} in:\n${text}`)), 20_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const m = until.exec(text);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    void child.then(() => reject(new Error(`iron ended before ${until}:\n${text}`)));
  });
  return { child, text: () => text, match };
}

const DASHBOARD_LINE = /iron ▸ dashboard: (http:\/\/127\.0\.0\.1:\d+\/#token=\S+)\n/;

describe("dashboard URL on the command line", () => {
  it("iron run prints the dashboard line with the control token in the fragment, and a watch-only one to share; the token opens the API", async () => {
    const { match, text } = await start(["run", join(FIXTURES, "idle_forever.py")], DASHBOARD_LINE);
    expect(text()).toMatch(/iron ▸ stream: ws:\/\/127\.0\.0\.1:\d+\/events\?token=/);
    const { base, token } = parseDashboardUrl(match[1] as string);
    expect(text()).not.toContain(`/events?token=${token}`); // the stream URL carries the watch token, not control
    await patiently(async () => /iron ▸ dashboard to share \(watch only, no actions\): http:\/\/\S+#token=/.test(text())).toBe(true);
    const info = await apiGet(base, token, "/api/info");
    expect(info.status).toBe(200);
    expect(info.json.mode).toBe("live");
    await patiently(async () => (await apiGet(base, token, "/api/info")).json.agents.map((a: { agentId: string }) => a.agentId)).toEqual(["idle_forever"]);
  });

  it("iron run --no-dashboard serves /events only: / and /api answer 404 and no dashboard line is printed", async () => {
    const { match, text } = await start(["run", "--no-dashboard", join(FIXTURES, "idle_forever.py")], /iron ▸ stream: (ws:\/\/\S+)/);
    const url = new URL(match[1] as string);
    const base = `http://${url.host}`;
    expect((await http(base, "/")).status).toBe(404);
    expect((await apiGet(base, url.searchParams.get("token") ?? "", "/api/info")).status).toBe(404);
    const client = await record(url.toString());
    await client.until(1);
    expect(client.messages[0]?.type).toBe("snapshot");
    client.ws.close();
    expect(text()).not.toContain("dashboard:");
  });

  it("iron demo --hold keeps the supervisor up after the agent ends, until Ctrl-C, and exits 0", async () => {
    const { child, text } = await start(["demo", "--hold"], /press Ctrl-C to stop\n/);
    const [, url] = DASHBOARD_LINE.exec(text()) ?? [];
    expect(text()).toMatch(/4 LLM calls: 1 allowed, 1 modified, 1 redacted, 1 denied/);
    expect(text()).toMatch(/holding: the supervisor stays up for the dashboard: http:\/\/127\.0\.0\.1:\d+\/#token=/);
    const { base, token } = parseDashboardUrl(url as string);
    const info = await apiGet(base, token, "/api/info");
    expect(info.json.agents).toEqual([{ agentId: "demo_agent", kind: "spawned", state: "exited", canStart: true, canStop: false, canRestart: true }]);
    child.kill("SIGINT");
    const done = await child;
    expect(done.exitCode).toBe(0);
    expect(String(done.stderr)).toMatch(/the calls are on record: iron calls --state \.iron\/demo\.db/);
  });
});

describe("iron dashboard --state", () => {
  it("shows a state file read-only and follows what a running supervisor appends to it", async () => {
    const mock = await startMockLlm({ port: 0 });
    const state = join(tempDir("iron-dash-state-"), "state.db");
    const calls = tempDir("iron-calls-");
    const sup = await Supervisor.start({ state });
    try {
      await sup.spawn({ name: "worker", script: join(FIXTURES, "call_on_demand.py"), env: { OPENAI_BASE_URL: mock.baseUrl, OPENAI_API_KEY: "sk-test", CALL_DIR: calls } });
      const responses = (): number => sup.agents.get("worker")?.metrics.calls ?? 0;
      requestCall(calls, 1, { prompt: "first" });
      await expect.poll(responses, { timeout: 15_000 }).toBe(1);

      const { match } = await start(["dashboard", "--state", state], DASHBOARD_LINE);
      const { base, token } = parseDashboardUrl(match[1] as string);
      const info = await apiGet(base, token, "/api/info");
      expect(info.json).toMatchObject({ mode: "state", readOnly: true, stateFile: state, actions: [], eventsPath: "/events" });
      expect(info.json.agents).toEqual([{ agentId: "worker", kind: "spawned", state: "running", canStart: false, canStop: false, canRestart: false }]);

      const client = await record(`${base.replace("http:", "ws:")}/events?token=${encodeURIComponent(token)}`);
      await client.until(1);
      const snapshot = client.messages[0] as unknown as { type: string; calls: { callId: string; status: number }[] };
      expect(snapshot.type).toBe("snapshot");
      expect(snapshot.calls).toHaveLength(1);
      expect(snapshot.calls[0]?.status).toBe(200);

      const detail = await apiGet(base, token, `/api/calls/${snapshot.calls[0]?.callId}`);
      expect(detail.json).toMatchObject({ agentId: "worker", request: null, response: null, bodies: "not kept" });
      expect(detail.json.events.map((e: { type: string }) => e.type)).toEqual(["llm.request", "llm.decision", "llm.decision", "llm.response"]);

      const refused = await act(base, token, { action: "agent.stop", agentId: "worker" });
      expect([refused.status, refused.json.error.code]).toEqual([403, "IRON_ERR_READ_ONLY"]);
      expect(sup.agents.get("worker")?.state).toBe("running");

      // A call made now by the supervisor in this process reaches the CLI's clients live.
      requestCall(calls, 2, { prompt: "second" });
      await expect.poll(() => client.messages.filter((m) => m.type === "llm.response").length, { timeout: 15_000 }).toBe(1);
      const seqs = client.messages.slice(1).map((m) => m.seq);
      expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
      client.ws.close();
    } finally {
      await sup.close();
      await mock.close();
    }
  });

  it("says so, with exit code 66, when the state file does not exist", async () => {
    const missing = join(tempDir("iron-none-"), "nope.db");
    const ran = await iron(["dashboard", "--state", missing]);
    expect(ran.exitCode).toBe(66);
    expect(ran.stderr).toContain("IRON_ERR_NOT_FOUND");
    expect(ran.stderr).toContain(missing);
  });
});
