// Protects the shim's own ZMTP client against the real libzmq ROUTER of the supervisor, on
// every interpreter: concurrent calls are correlated, a wrong token is refused with a logged
// reason, and a supervisor that is not there means the call is denied (fail closed).
import { execa } from "execa";
import { Writable } from "node:stream";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { Supervisor } from "../../src/index.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { DEBIAN_PYTHON, FIXTURES, REPO, SHIM_PYTHONPATH, jsonLines, pyenvInterpreters, tempDir } from "../helpers/iron.js";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock.close();
});

const urllibFixture = join(FIXTURES, "chat_urllib.py");

/** Runs a fixture with the shim injected but no supervisor managing it. */
async function runJoined(python: string, env: Record<string, string>) {
  const result = await execa(python, [urllibFixture], {
    reject: false,
    timeout: 30_000,
    env: { PYTHONPATH: SHIM_PYTHONPATH, OPENAI_BASE_URL: mock.baseUrl, IRON_SHIM_STRICT: "1", ...env },
  });
  return { exitCode: result.exitCode, lines: jsonLines(String(result.stdout)), stderr: String(result.stderr) };
}

describe("the shim's ZMTP client against libzmq", () => {
  const interpreters = [...pyenvInterpreters(), DEBIAN_PYTHON];

  it("finds the interpreters it must cover", () => {
    expect(interpreters.length).toBeGreaterThanOrEqual(2);
  });

  for (const python of interpreters) {
    it(`correlates 12 concurrent calls on ${python}`, async () => {
      const sup = await Supervisor.start();
      try {
        const agent = await sup.spawn({ script: urllibFixture, python, env: { OPENAI_BASE_URL: mock.baseUrl, FIXTURE_CALLS: "12" } });
        const lines: string[] = [];
        sup.on("event", (e) => {
          if (e.type === "agent.output" && e.stream === "stdout") lines.push(e.line);
        });
        const exit = await agent.exited;
        expect(exit.exitCode).toBe(0);
        const results = jsonLines(lines.join("\n"));
        expect(results).toHaveLength(12);
        for (const r of results) expect(r.status).toBe(200);
        expect(agent.metrics).toMatchObject({ calls: 12, allowed: 12, denied: 0 });
      } finally {
        await sup.close();
      }
    });
  }
});

describe("authentication and failing closed", () => {
  it("refuses a wrong token, logs why, and the agent's call is denied", async () => {
    const logLines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split("\n")) if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const sup = await Supervisor.start({ logger: createLogger({ level: "warn", destination }) });
    try {
      const ran = await runJoined(DEBIAN_PYTHON, { IRON_ENDPOINT: sup.endpoint, IRON_AGENT_ID: "intruder", IRON_TOKEN: "iron_not-the-token", IRON_TIMEOUT_MS: "3000" });
      const [line] = ran.lines;
      expect(line?.status).toBe(503);
      expect((line?.body as { error: { code: string } } | undefined)?.error.code).toBe("IRON_ERR_AUTH");
      expect(logLines.some((l) => String(l.msg).includes("rejected hello") && l.code === "IRON_ERR_AUTH")).toBe(true);
      expect(JSON.stringify(logLines)).not.toContain("iron_not-the-token");
    } finally {
      await sup.close();
    }
  });

  it("denies a call with 503 IRON_ERR_SUPERVISOR_UNAVAILABLE when no supervisor listens", async () => {
    const endpoint = `ipc://${join(tempDir(), "gone.sock")}`;
    mock.clearRequests();
    const ran = await runJoined(DEBIAN_PYTHON, { IRON_ENDPOINT: endpoint, IRON_AGENT_ID: "a", IRON_TOKEN: "t", IRON_TIMEOUT_MS: "1000" });
    expect(ran.lines[0]?.status).toBe(503);
    expect((ran.lines[0]?.body as { error: { code: string } } | undefined)?.error.code).toBe("IRON_ERR_SUPERVISOR_UNAVAILABLE");
    expect(mock.requests).toHaveLength(0);
  });

  it("lets the call through with fail-open when no supervisor listens", async () => {
    const endpoint = `ipc://${join(tempDir(), "gone.sock")}`;
    const ran = await runJoined(DEBIAN_PYTHON, { IRON_ENDPOINT: endpoint, IRON_AGENT_ID: "a", IRON_TOKEN: "t", IRON_TIMEOUT_MS: "1000", IRON_FAIL_OPEN: "1" });
    expect(ran.lines[0]?.status).toBe(200);
  });

  it("ends an agent whose shim cannot be installed instead of letting it call ungoverned (unless fail-open)", async () => {
    const env = (extra: Record<string, string>) => ({
      PYTHONPATH: [join(REPO, "python", "iron_shim", "_boot"), join(FIXTURES, "broken_shim")].join(":"),
      OPENAI_BASE_URL: mock.baseUrl,
      IRON_ENDPOINT: `ipc://${join(tempDir(), "none.sock")}`,
      IRON_AGENT_ID: "a",
      IRON_TOKEN: "t",
      ...extra,
    });
    mock.clearRequests();
    const closed = await execa(DEBIAN_PYTHON, [urllibFixture], { reject: false, timeout: 30_000, env: env({}) });
    expect(closed.exitCode).toBe(70);
    expect(String(closed.stderr)).toMatch(/could not import the shim \(ImportError: this iron_shim is broken on purpose\); refusing to run ungoverned/);
    expect(mock.requests).toHaveLength(0);
    const open = await execa(DEBIAN_PYTHON, [urllibFixture], { reject: false, timeout: 30_000, env: env({ IRON_FAIL_OPEN: "1" }) });
    expect(open.exitCode).toBe(0);
    expect(String(open.stderr)).toMatch(/runs UNGOVERNED/);
    expect(jsonLines(String(open.stdout))[0]?.status).toBe(200);
  });
});
