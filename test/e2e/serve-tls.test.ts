// Protects `iron serve --listen tls://` end to end (issue 16, item 3): it makes its certificate in
// the config directory (0600) and prints the fingerprint with a ready line for other hosts; a real
// Python agent that pins it from IRON_TLS_FINGERPRINT joins through `python -m iron_shim` and its
// call is governed; a restart reuses the certificate, so the pin agents hold stays valid.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, tempDir } from "../helpers/iron.js";
import { JOINED_FIXTURE, JoinedAgentProcess, SHIM_ROOT, ServeProcess, plainEnv } from "../helpers/joined.js";

let mock: MockLlm;
let dir: string;
const serves: ServeProcess[] = [];
const agents: JoinedAgentProcess[] = [];

/** Starts `iron serve` with its config directory (and so its certificate) under the test's directory. */
function serve(): ServeProcess {
  const args = ["--socket", join(dir, "run", "serve.sock"), "--token-file", join(dir, "join-token"), "--listen", "tls://127.0.0.1:0", "--state", "none", "--trace"];
  const proc = new ServeProcess(args, dir, { XDG_CONFIG_HOME: join(dir, "config"), IRON_SECRET_FILE: "" });
  serves.push(proc);
  return proc;
}

const fingerprintOf = async (proc: ServeProcess): Promise<string> => (await proc.out.wait((l) => l.startsWith("  tls cert"))).split(" ").filter(Boolean)[3] as string;

beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
  dir = tempDir("iron-serve-tls-");
}, 30_000);

afterAll(async () => {
  for (const a of agents) a.proc.kill("SIGKILL");
  for (const s of serves) await s.stop().catch(() => undefined);
  await mock?.close();
});

describe("iron serve --listen tls://", () => {
  it("prints the fingerprint, and an agent pinning it joins over TLS and is governed; a restart keeps the certificate", async () => {
    const first = serve();
    const endpoints = await first.endpoints();
    const tls = endpoints.find((e) => e.startsWith("tls://")) as string;
    expect(tls).toMatch(/^tls:\/\/127\.0\.0\.1:\d+$/);
    const fingerprint = await fingerprintOf(first);
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const cert = join(dir, "config", "iron", "tls-cert.pem");
    expect(first.out.all).toContain(`  tls cert    sha256 ${fingerprint} (${cert}); agents pin it: IRON_TLS_FINGERPRINT`);
    expect(first.out.all).toContain(`    IRON_ENDPOINT=${tls} IRON_TLS_FINGERPRINT=${fingerprint} IRON_TOKEN="$(cat ${join(dir, "join-token")})" python -m iron_shim agent.py`);
    for (const file of [cert, join(dir, "config", "iron", "tls-key.pem")]) expect(statSync(file).mode & 0o777).toBe(0o600);

    const env = { OPENAI_BASE_URL: mock.baseUrl, PYTHONPATH: SHIM_ROOT, IRON_ENDPOINT: tls, IRON_TLS_FINGERPRINT: fingerprint, IRON_AGENT_ID: "tls-agent" };
    const token = readFileSync(join(dir, "join-token"), "utf8").trim();
    const agent = new JoinedAgentProcess(DEBIAN_PYTHON, ["-m", "iron_shim", JOINED_FIXTURE], plainEnv({ ...env, IRON_TOKEN: token }));
    agents.push(agent);
    expect(await agent.next("ready")).toMatchObject({ loaded: true });
    expect(await agent.send({ op: "status" })).toMatchObject({ connected: true, agent: "tls-agent" });
    expect(await agent.send({ op: "call", max_tokens: 10 })).toMatchObject({ status: 200 });
    await first.err.wait((l) => l.includes("tls-agent: gpt-4o-mini allowed"));
    await agent.exit();
    expect(await first.stop()).toBe(0);

    const second = serve();
    await second.endpoints();
    expect(await fingerprintOf(second)).toBe(fingerprint);
  }, 60_000);
});
