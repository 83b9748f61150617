// Protects agents whose supervisor is SIGKILLed while their call waits for a decision: the call
// fails closed at once (503 IRON_ERR_SUPERVISOR_UNAVAILABLE, not a decision timeout 30 s later),
// a joined agent carries on and exits normally, and an agent iron spawned does not hang: with no
// supervisor coming back, it exits.
import { execa } from "execa";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, FIXTURES, IRON_BIN, SHIM_PYTHONPATH, tempDir } from "../helpers/iron.js";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock?.close();
});

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z");

describe("the supervisor is SIGKILLed during a call", () => {
  it("fails the waiting calls closed at once; the spawned agent exits, the joined one carries on", async () => {
    const dir = tempDir();
    const resultFile = join(dir, "spawned.json");
    const env = { ...process.env, OPENAI_BASE_URL: mock.baseUrl, FAULT: "slow", HOLD_DIR: dir, RESULT_FILE: resultFile };
    const iron = execa(
      "node",
      [IRON_BIN, "run", "--policy", join(FIXTURES, "policies", "hold.mjs"), "--timeout", "30s", "--python", DEBIAN_PYTHON, join(FIXTURES, "fault_call.py"), join(FIXTURES, "token_holder.py")],
      { env, reject: false, all: true },
    );
    let out = "";
    iron.all?.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const lineOf = async (prefix: string): Promise<Record<string, unknown>> => {
      await expect.poll(() => out.includes(`[${prefix}] {`), { timeout: 20_000 }).toBe(true);
      const line = out.split("\n").find((l) => l.startsWith(`[${prefix}] {`)) as string;
      return JSON.parse(line.slice(prefix.length + 3)) as Record<string, unknown>;
    };
    const spawned = await lineOf("fault_call");
    const holder = await lineOf("token_holder");
    const joined = execa(DEBIAN_PYTHON, [join(FIXTURES, "fault_call.py")], {
      env: {
        PATH: process.env.PATH,
        PYTHONPATH: SHIM_PYTHONPATH,
        OPENAI_BASE_URL: mock.baseUrl,
        FAULT: "slow",
        IRON_ENDPOINT: String(holder.endpoint),
        IRON_AGENT_ID: String(holder.agent),
        IRON_TOKEN: String(holder.token),
        IRON_TIMEOUT_MS: "30000",
      },
      extendEnv: false,
      reject: false,
    });
    await expect.poll(() => readdirSync(dir).filter((f) => f.startsWith("c-")).length, { timeout: 20_000 }).toBe(2); // both calls held

    iron.kill("SIGKILL");
    await iron;

    const ran = await joined;
    expect(ran.exitCode, ran.stderr).toBe(0);
    const seen = JSON.parse(ran.stdout.trim().split("\n").at(-1) as string) as Record<string, unknown>;
    expect(seen).toMatchObject({ status: 503, code: "IRON_ERR_SUPERVISOR_UNAVAILABLE" });
    await expect.poll(() => alive(spawned.pid as number), { timeout: 15_000 }).toBe(false);
    if (existsSync(resultFile)) expect(JSON.parse(readFileSync(resultFile, "utf8"))).toMatchObject({ status: 503, code: "IRON_ERR_SUPERVISOR_UNAVAILABLE" });
    expect(mock.requests.filter((r) => JSON.stringify(r.body).includes("hold this call"))).toEqual([]);
  });
});
