// Protects tls:// joins (issue 16, item 3): a real Python shim joins a real supervisor over TLS with
// its certificate pinned by fingerprint and makes a governed call; what crosses the wire is not
// plaintext (a relay that sees the agent's name and model in clear over tcp:// sees neither over
// tls://); a shim given another fingerprint refuses the server after the TLS handshake with
// IRON_ERR_TLS_FINGERPRINT and writes nothing into it; the certificate is made once, 0600, and reused,
// and a pinned shim reconnects to a supervisor restarted with it.
import { execa } from "execa";
import { readFileSync, statSync } from "node:fs";
import { type AddressInfo, connect, createServer, type Server } from "node:net";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Supervisor } from "../../src/index.js";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { tlsCredentials } from "../../src/transport/tls-certificate.js";
import { DEBIAN_PYTHON, tempDir } from "../helpers/iron.js";
import { JOINED_FIXTURE, JoinedAgentProcess, SHIM_ROOT, freePort, plainEnv } from "../helpers/joined.js";

let sup: Supervisor;
let mock: MockLlm;
let tlsDir: string;
let tls: string;
let tcp: string;
const agents: JoinedAgentProcess[] = [];
const servers: Server[] = [];

const portOf = (endpoint: string): number => Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));

/** A TCP relay to `port` that keeps every byte the client sent. */
async function relay(port: number): Promise<{ port: number; sent: () => Buffer }> {
  const chunks: Buffer[] = [];
  const server = createServer((client) => {
    const upstream = connect(port, "127.0.0.1");
    client.on("data", (c: Buffer) => void chunks.push(c));
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, sent: () => Buffer.concat(chunks) };
}

function agent(name: string, endpoint: string, fingerprint: string | null): JoinedAgentProcess {
  const env = { OPENAI_BASE_URL: mock.baseUrl, PYTHONPATH: SHIM_ROOT, JOIN_MODE: "install", JOIN_ENDPOINT: endpoint, JOIN_TOKEN: sup.joinToken as string, JOIN_AGENT: name };
  const proc = new JoinedAgentProcess(DEBIAN_PYTHON, [JOINED_FIXTURE], plainEnv(fingerprint === null ? env : { ...env, IRON_TLS_FINGERPRINT: fingerprint }));
  agents.push(proc);
  return proc;
}

beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
  tlsDir = join(tempDir("iron-tls-"), "config", "iron");
  sup = await Supervisor.start({ listen: ["tls://127.0.0.1:0", "tcp://127.0.0.1:0"], tlsDir, joinToken: true, stream: false, budgetUsd: 1 });
  tls = sup.endpoints.find((e) => e.startsWith("tls://")) as string;
  tcp = sup.endpoints.find((e) => e.startsWith("tcp://")) as string;
}, 30_000);

afterAll(async () => {
  for (const a of agents) a.proc.kill("SIGKILL");
  for (const s of servers) s.close();
  await sup?.close();
  await mock?.close();
});

describe("tls:// joins", () => {
  it("binds tls://, reports the port it got, and makes a certificate (0600) whose fingerprint it reports", () => {
    expect(tls).toMatch(/^tls:\/\/127\.0\.0\.1:\d+$/);
    expect(sup.tlsFingerprint).toMatch(/^[0-9a-f]{64}$/);
    for (const file of ["tls-cert.pem", "tls-key.pem"]) expect(statSync(join(tlsDir, file)).mode & 0o777).toBe(0o600);
    expect(sup.tlsCertFile).toBe(join(tlsDir, "tls-cert.pem"));
  });

  it("a real shim pinning the fingerprint joins and makes a governed call; the relay between them sees no plaintext", async () => {
    const plain = await relay(portOf(tcp));
    const clear = agent("agent-in-clear", `tcp://127.0.0.1:${plain.port}`, null);
    expect(await clear.next("install")).toMatchObject({ ok: true });
    expect(await clear.send({ op: "call", max_tokens: 10 })).toMatchObject({ status: 200 });
    // The control: over tcp:// the relay reads the hello and the call.
    expect(plain.sent().includes("agent-in-clear")).toBe(true);
    expect(plain.sent().includes("gpt-4o-mini")).toBe(true);

    const wrapped = await relay(portOf(tls));
    const secret = agent("agent-over-tls", `tls://127.0.0.1:${wrapped.port}`, sup.tlsFingerprint);
    expect(await secret.next("install")).toMatchObject({ ok: true });
    expect(await secret.send({ op: "call", max_tokens: 10 })).toMatchObject({ status: 200 });
    expect(sup.joined.get("agent-over-tls")?.metrics.calls).toBe(1);
    const sent = wrapped.sent();
    expect(sent.length).toBeGreaterThan(500);
    expect(sent.includes("agent-over-tls")).toBe(false);
    expect(sent.includes("gpt-4o-mini")).toBe(false);
    expect(sent.includes(Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f]))).toBe(false);
    expect(sent[0]).toBe(0x16); // a TLS handshake record
  }, 30_000);

  it("a shim pinning another fingerprint refuses the server after the TLS handshake and sends it nothing", async () => {
    const other = tlsCredentials(join(tempDir("iron-tls-other-"), "iron"));
    const received: Buffer[] = [];
    let handshakes = 0;
    let closed = 0;
    const fake = createTlsServer({ cert: other.cert, key: other.key }, (socket) => {
      handshakes += 1;
      socket.on("data", (c: Buffer) => void received.push(c));
      socket.on("error", () => undefined);
      socket.on("close", () => {
        closed += 1;
      });
    });
    servers.push(fake);
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    const port = (fake.address() as AddressInfo).port;
    const refused = agent("agent-pinned", `tls://127.0.0.1:${port}`, sup.tlsFingerprint);
    const install = await refused.next("install");
    expect(install).toMatchObject({ ok: false, code: "IRON_ERR_TLS_FINGERPRINT" });
    expect(String(install.message)).toContain(`presented a certificate with sha256 ${other.fingerprint}, expected IRON_TLS_FINGERPRINT ${sup.tlsFingerprint}`);
    await refused.exit();
    await expect.poll(() => closed).toBe(1);
    expect(handshakes).toBe(1);
    expect(Buffer.concat(received).length).toBe(0);
  }, 30_000);

  it("a shim given tls:// without a fingerprint refuses to connect, naming IRON_TLS_FINGERPRINT", async () => {
    const run = await execa(
      DEBIAN_PYTHON,
      [
        "-c",
        `import iron_shim\ntry:\n    iron_shim.install(endpoint=${JSON.stringify(tls)}, token="iron_join_whatever-it-is-here", agent="no-pin")\nexcept iron_shim.IronConnectionError as e:\n    print(e.code, e.message)`,
      ],
      { env: { PYTHONPATH: SHIM_ROOT }, extendEnv: false, reject: false },
    );
    expect(run.stdout).toContain("IRON_ERR_TLS_FINGERPRINT");
    expect(run.stdout).toContain("set IRON_TLS_FINGERPRINT");
    expect(sup.joined.has("no-pin")).toBe(false);
  });

  it("reuses the certificate: a second supervisor on the same directory presents the same fingerprint", async () => {
    const before = readFileSync(join(tlsDir, "tls-key.pem"), "utf8");
    const again = await Supervisor.start({ listen: ["tls://127.0.0.1:0"], tlsDir, joinToken: true, stream: false });
    try {
      expect(again.tlsFingerprint).toBe(sup.tlsFingerprint);
      expect(readFileSync(join(tlsDir, "tls-key.pem"), "utf8")).toBe(before);
    } finally {
      await again.close();
    }
  });

  it("a shim reconnects over TLS to a supervisor restarted on the same port with the same certificate", async () => {
    const port = await freePort();
    const options = { listen: [`tls://127.0.0.1:${port}`], tlsDir, joinToken: sup.joinToken as string, stream: false } as const;
    let current = await Supervisor.start(options);
    try {
      const env = {
        OPENAI_BASE_URL: mock.baseUrl,
        PYTHONPATH: SHIM_ROOT,
        JOIN_MODE: "install",
        JOIN_ENDPOINT: `tls://127.0.0.1:${port}`,
        JOIN_TOKEN: sup.joinToken as string,
        JOIN_AGENT: "comes-back",
      };
      const back = new JoinedAgentProcess(DEBIAN_PYTHON, [JOINED_FIXTURE], plainEnv({ ...env, IRON_TLS_FINGERPRINT: sup.tlsFingerprint as string }));
      agents.push(back);
      expect(await back.next("install")).toMatchObject({ ok: true });
      await current.close();
      current = await Supervisor.start(options);
      const restarted = current;
      await expect.poll(() => restarted.joined.get("comes-back")?.state, { timeout: 15_000 }).toBe("running");
      expect(await back.send({ op: "call", max_tokens: 10 })).toMatchObject({ status: 200 });
      expect(restarted.joined.get("comes-back")?.metrics.calls).toBe(1);
    } finally {
      await current.close();
    }
  }, 40_000);
});
