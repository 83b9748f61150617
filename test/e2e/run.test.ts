// Protects the walking skeleton end to end: `iron run` spawns a real Python agent whose
// httpx and urllib calls travel through the shim, over ZeroMQ, into the policy engine and
// back — allowed, denied by the budget as an OpenAI-shaped 402, or modified by a policy.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, FIXTURES, iron, jsonLines, tempDir } from "../helpers/iron.js";

let mock: MockLlm;

beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => mock.clearRequests());

const fixture = join(FIXTURES, "chat_httpx_urllib.py");
const env = (): Record<string, string> => ({ OPENAI_BASE_URL: mock.baseUrl });

describe("iron run", () => {
  it("lets allowed httpx and urllib calls reach the provider and reports them", async () => {
    const ran = await iron(["run", "--python", DEBIAN_PYTHON, fixture], { env: env() });
    expect(ran.exitCode, ran.stderr).toBe(0);
    const lines = jsonLines(ran.stdout);
    expect(lines.map((l) => [l.lib, l.status])).toEqual([
      ["httpx", 200],
      ["urllib", 200],
    ]);
    expect(mock.requests.map((r) => (r.body as { messages: { content: string }[] }).messages[0]?.content)).toEqual(["hello from httpx", "hello from urllib"]);
    expect(ran.stderr).toMatch(/2 LLM calls: 2 allowed, 0 denied · \d+ in \/ \d+ out tokens · \$0\.0000\d+/);
  });

  it("denies both calls as an OpenAI-shaped 402 when the budget is 0, the provider sees nothing, and the exit status says so", async () => {
    const ran = await iron(["run", "--budget", "0", "--python", DEBIAN_PYTHON, fixture], { env: env() });
    // The agent exited 0, but a run whose every call a budget denied did nothing: IRON_ERR_BUDGET's status.
    expect(ran.exitCode, ran.stderr).toBe(75);
    expect(ran.stderr).toMatch(/iron ▸ {3}every LLM call was denied by a budget \(IRON_ERR_BUDGET\); the budget is \$0: raise --budget\n/);
    expect(ran.stderr).not.toMatch(/earlier runs/);
    for (const line of jsonLines(ran.stdout)) {
      expect(line.status).toBe(402);
      expect(line.iron_code).toBe("IRON_ERR_BUDGET");
      expect(line.should_retry).toBe("false");
      const error = (line.body as { error: Record<string, unknown> }).error;
      expect(error).toMatchObject({ code: "IRON_ERR_BUDGET", type: "iron_policy_denied", param: null });
      expect(String(error.message)).toMatch(/budget/);
    }
    expect(mock.requests).toHaveLength(0);
    expect(ran.stderr).toMatch(/2 LLM calls: 0 allowed, 2 denied/);
  });

  it("says a fresh budget is smaller than one call's worst case, not that earlier runs spent it", async () => {
    const state = join(tempDir(), "state.db");
    // gpt-4o-mini worst case per call ≈ 32 micro-dollars: more than the whole $0.00001.
    const ran = await iron(["run", "--budget", "0.00001", "--state", state, "--python", DEBIAN_PYTHON, fixture], { env: env() });
    expect(ran.exitCode, ran.stderr).toBe(75);
    expect(ran.stderr).toMatch(
      /iron ▸ {3}every LLM call was denied by a budget \(IRON_ERR_BUDGET\); nothing had been spent: each call's worst-case cost \(its input and max_tokens at the model's price, reserved before it goes out\) exceeds the budget itself: raise --budget, or lower the call's max_tokens/,
    );
    expect(ran.stderr).not.toMatch(/earlier runs/);
    expect(mock.requests).toHaveLength(0);
  });

  it("blames earlier runs when the state file's spend left too little for a call", async () => {
    const state = join(tempDir(), "state.db");
    const first = await iron(["run", "--budget", "0.01", "--state", state, "--python", DEBIAN_PYTHON, fixture], { env: env() });
    expect(first.exitCode, first.stderr).toBe(0);
    // The first run spent ~$0.00002; what is left of $0.00004 is less than a call's worst case.
    const ran = await iron(["run", "--budget", "0.00004", "--state", state, "--python", DEBIAN_PYTHON, fixture], { env: env() });
    expect(ran.exitCode, ran.stderr).toBe(75);
    expect(ran.stderr).toMatch(/already spent by earlier runs recorded in/);
    expect(ran.stderr).toMatch(
      /iron ▸ {3}every LLM call was denied by a budget \(IRON_ERR_BUDGET\); budgets count spend recorded in the state file by earlier runs: raise --budget, or start afresh with iron budget reset --all/,
    );
  });

  it("spends the budget with the first call's real cost, then denies the next", async () => {
    // gpt-4o-mini worst case per call: ~10 input tokens × 0.15 + 50 × 0.60 ≈ 32 micro-dollars.
    const ran = await iron(["run", "--budget", "0.00004", "--python", DEBIAN_PYTHON, fixture], { env: env() });
    const statuses = jsonLines(ran.stdout).map((l) => l.status);
    expect(statuses).toEqual([200, 402]);
    expect(mock.requests).toHaveLength(1);
  });

  it("sends the body a custom policy modified", async () => {
    const dir = tempDir();
    const policy = join(dir, "tag.mjs");
    writeFileSync(
      policy,
      `export default { name: "tagger", onRequest(call) {
         const body = structuredClone(call.body);
         body.messages.unshift({ role: "system", content: "tagged by iron" });
         return { action: "modify", body, reason: "added a system message" };
       } };`,
    );
    const ran = await iron(["run", "--policy", policy, "--trace", "--python", DEBIAN_PYTHON, fixture], { env: env() });
    expect(ran.exitCode, ran.stderr).toBe(0);
    expect(mock.requests).toHaveLength(2);
    for (const request of mock.requests) {
      expect((request.body as { messages: unknown[] }).messages[0]).toEqual({ role: "system", content: "tagged by iron" });
    }
    expect(ran.stderr).toMatch(/modified by tagger: added a system message/);
    expect(ran.stderr).toMatch(/2 LLM calls: 0 allowed, 2 modified, 0 denied/);
  });

  it("loads a TypeScript policy module that imports iron-runtime", async () => {
    const dir = tempDir();
    const policy = join(dir, "no-mini.ts");
    writeFileSync(
      policy,
      `import { deny, type Policy } from "iron-runtime";
       const policy: Policy = { name: "no-mini", onRequest: (call) => (call.model?.endsWith("mini") ? deny("IRON_ERR_POLICY", "no minis") : undefined) };
       export default policy;`,
    );
    const ran = await iron(["run", "--policy", policy, "--python", DEBIAN_PYTHON, fixture], { env: env() });
    const lines = jsonLines(ran.stdout);
    expect(lines.map((l) => l.status)).toEqual([403, 403]);
    expect(lines.map((l) => l.iron_code)).toEqual(["IRON_ERR_POLICY", "IRON_ERR_POLICY"]);
  });

  it("exits with the agent's exit code", async () => {
    const ran = await iron(["run", "--restart", "never", "--python", DEBIAN_PYTHON, fixture], { env: { ...env(), FIXTURE_EXIT: "3" } });
    expect(ran.exitCode).toBe(3);
    expect(ran.stderr).toMatch(/exited with code 3/);
  });

  it("refuses a missing script and a missing interpreter with their codes", async () => {
    const missing = await iron(["run", "no-such-agent.py"]);
    expect(missing.exitCode).toBe(66);
    expect(missing.stderr).toMatch(/IRON_ERR_SCRIPT_NOT_FOUND: agent script no-such-agent.py not found/);
    const noPython = await iron(["run", "--python", "/nonexistent/python3", fixture]);
    expect(noPython.exitCode).toBe(127);
    expect(noPython.stderr).toMatch(/IRON_ERR_PYTHON_NOT_FOUND/);
    const badPolicy = await iron(["run", "--policy", join(tempDir(), "nope.mjs"), fixture]);
    expect(badPolicy.exitCode).toBe(78);
    expect(badPolicy.stderr).toMatch(/IRON_ERR_CONFIG: cannot load policy module/);
  });
});
