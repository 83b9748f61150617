// Protects secrets: a session whose calls carry planted API keys (Authorization, x-api-key,
// api-key and x-goog-api-key headers, a key in a query string (Gemini's `key=` too), a key pasted into a prompt) and include a denied call
// leaves no trace of any key in anything iron writes: the CLI's output with --trace and debug
// logs, every event, the supervisor's log lines, the error bodies the agent gets back, every
// byte of the SQLite state file (and its WAL) and every frame a stream client receives.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Supervisor } from "../../src/index.js";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { captureLogs } from "../helpers/log-capture.js";
import { loadPolicyFiles } from "../../src/config/load-policies.js";
import { DEBIAN_PYTHON, FIXTURES, iron, tempDir } from "../helpers/iron.js";
import { record } from "../helpers/stream.js";

const KEYS = {
  OPENAI_KEY: "sk-proj-PLANTEDopenai0123456789abcdefghijklmnopqrstuv",
  ANTHROPIC_KEY: "sk-ant-api03-PLANTEDanthropic0123456789abcdefghijklmnopq",
  AZURE_KEY: "PLANTEDazure0123456789abcdef0123",
  PROMPT_KEY: "sk-PLANTEDprompt0123456789abcdefghijklmnopqrstuvwx",
  GOOGLE_KEY: "AIzaPLANTEDgoogle0123456789abcdefghijklm",
};
/** Enough of each key that finding it anywhere means the key leaked. */
const MARKS = ["PLANTEDopenai0123456789", "PLANTEDanthropic0123456789", "PLANTEDazure0123456789", "PLANTEDprompt0123456789", "PLANTEDgoogle0123456789"];

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock?.close();
});

function leaks(text: string): string[] {
  return MARKS.filter((mark) => text.includes(mark));
}

describe("planted API keys never leave the agent through iron", () => {
  it("not in the CLI's output (trace and debug logs) nor in what the agent is answered", async () => {
    const ran = await iron(["run", "--trace", "--log-level", "debug", "--policy", join(FIXTURES, "policies", "deny-model.mjs"), "--python", DEBIAN_PYTHON, join(FIXTURES, "secret_session.py")], {
      env: { ...process.env, OPENAI_BASE_URL: mock.baseUrl, ...KEYS },
    });
    expect(ran.exitCode, ran.stderr).toBe(0);
    const answers = ran.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { n: number; status: number; code: string | null });
    expect(answers.map((a) => a.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(answers.filter((a) => a.n >= 7).map((a) => a.status)).toEqual([200, 200]);
    expect(answers.find((a) => a.n === 6)).toMatchObject({ status: 403, code: "IRON_ERR_POLICY" });
    expect(ran.stderr).toMatch(/denied by deny-model/);
    expect(leaks(ran.stdout + ran.stderr)).toEqual([]);
    expect(mock.requests.length).toBeGreaterThan(0); // the provider did get the calls (and their keys, as it should)
  });

  it("not in any event or supervisor log line", async () => {
    const logs = captureLogs("trace");
    const policies = await loadPolicyFiles([join(FIXTURES, "policies", "deny-model.mjs")]);
    const sup = await Supervisor.start({ logger: logs.logger, policies });
    const events: string[] = [];
    sup.on("event", (e) => events.push(JSON.stringify(e)));
    try {
      const agent = await sup.spawn({ script: join(FIXTURES, "secret_session.py"), python: DEBIAN_PYTHON, env: { OPENAI_BASE_URL: mock.baseUrl, ...KEYS } });
      expect((await agent.exited).exitCode).toBe(0);
    } finally {
      await sup.close();
    }
    expect(events.some((e) => e.includes('"llm.decision"') && e.includes("deny-model"))).toBe(true);
    expect(events.filter((e) => e.includes('"llm.response"')).length).toBeGreaterThanOrEqual(5);
    expect(leaks(events.join("\n"))).toEqual([]);
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(leaks(logs.text())).toEqual([]);
  });

  it("not in the state file's bytes nor in any frame of the event stream, which listens on loopback", async () => {
    const state = join(tempDir("iron-secrets-"), "state.db");
    const policies = await loadPolicyFiles([join(FIXTURES, "policies", "deny-model.mjs")]);
    const sup = await Supervisor.start({ policies, state, stream: {} });
    const url = sup.streamUrl as string;
    expect(new URL(url).hostname).toBe("127.0.0.1");
    const client = await record(url);
    try {
      const agent = await sup.spawn({ script: join(FIXTURES, "secret_session.py"), python: DEBIAN_PYTHON, env: { OPENAI_BASE_URL: mock.baseUrl, ...KEYS } });
      expect((await agent.exited).exitCode).toBe(0);
      await client.until(10);
    } finally {
      await sup.close();
    }
    await client.closed;
    const frames = JSON.stringify(client.messages);
    expect(frames).toContain('"llm.response"');
    expect(leaks(frames)).toEqual([]);
    const bytes = [state, `${state}-wal`]
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f).toString("latin1"))
      .join("");
    expect(bytes).toContain("secret_session"); // the file does hold the run
    expect(leaks(bytes)).toEqual([]);
  });
});
