// Protects the supervisor's socket against hostile peers (raw ZMTP over the real ipc socket):
// another ZMTP version or mechanism, another socket type, a missing, wrong or replayed token, an
// oversized message, floods of garbage, of unauthenticated messages, of connections and of
// requests nobody reads. Each is refused or throttled and logged with a reason (parsed pino lines),
// and a governed agent calling the whole time never sees a failure.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Supervisor, type Agent } from "../../src/index.js";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { spawnTokenHolder } from "../helpers/token-holder.js";
import { captureLogs, type CapturedLogs } from "../helpers/log-capture.js";
import { DEBIAN_PYTHON, FIXTURES, tempDir } from "../helpers/iron.js";
import { dealer, frame, greeting, hello, message, rawPeer, ready, type RawPeer } from "../helpers/zmtp-peer.js";
import { authenticate, handshake, PROOF_ID_OFFSET } from "../helpers/auth-peer.js";
import { wireRequest } from "../helpers/wire-request.js";

let mock: MockLlm;
let logs: CapturedLogs;
let sup: Supervisor;
let steady: Agent;
let holder: { agent: string; token: string };
const stopFile = join(tempDir(), "stop");
const output = new Map<string, string[]>();

/** Lines an agent printed so far; resolves once it printed `count`. */
function linesOf(agentId: string, count = 1): Promise<string[]> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      const lines = output.get(agentId) ?? [];
      if (lines.length >= count) resolve(lines);
      return lines.length >= count;
    };
    if (check()) return;
    const stop = sup.on("event", () => check() && stop());
  });
}

function request(id: number, call: string, body: unknown = { model: "gpt-4o-mini", messages: [] }): Record<string, unknown> {
  return { ...wireRequest(id, { call }), body };
}

async function authenticated(): Promise<RawPeer> {
  const peer = await dealer(sup.endpoint);
  await authenticate(peer, 1, holder.agent, holder.token);
  return peer;
}

beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
  logs = captureLogs("debug");
  sup = await Supervisor.start({ logger: logs.logger });
  sup.on("event", (e) => {
    if (e.type === "agent.output" && e.stream === "stdout") output.set(e.agentId, [...(output.get(e.agentId) ?? []), e.line]);
  });
  steady = await sup.spawn({ script: join(FIXTURES, "steady_caller.py"), python: DEBIAN_PYTHON, env: { OPENAI_BASE_URL: mock.baseUrl, STOP_FILE: stopFile } });
  holder = await spawnTokenHolder(sup);
  await linesOf(steady.id, 3);
});

afterAll(async () => {
  await sup?.close();
  await mock?.close();
});

describe("hostile peers on the supervisor's socket", () => {
  it("refuses a ZMTP 2.0 peer from its greeting, and logs why", async () => {
    const peer = await rawPeer(sup.endpoint);
    await peer.write(Buffer.concat([greeting(2, 1), Buffer.from("hello there, this is not zmtp at all".repeat(4))]));
    await peer.closed;
    await expect.poll(() => logs.find("failed the ZMTP handshake").some((l) => l.reason === "ERR_ZMTP_UNSUPPORTED_VERSION")).toBe(true);
  });

  it("refuses another security mechanism and logs the mismatch", async () => {
    const peer = await rawPeer(sup.endpoint);
    await peer.write(greeting(3, 1, "CURVE"));
    await peer.closed;
    await expect.poll(() => logs.find("failed the ZMTP handshake").some((l) => l.reason === "ERR_ZMTP_MECHANISM_MISMATCH")).toBe(true);
  });

  it("refuses a socket type that cannot talk to a ROUTER", async () => {
    const before = logs.find("a peer disconnected").length;
    const peer = await rawPeer(sup.endpoint);
    await peer.write(greeting());
    await expect.poll(() => peer.reader.greeted).toBe(true);
    await peer.write(ready("PUB"));
    await peer.closed;
    await expect.poll(() => logs.find("a peer disconnected").length).toBeGreaterThan(before);
  });

  it("drops multi-part messages (a ROUTER or REQ peer's envelope) with a logged reason", async () => {
    const peer = await dealer(sup.endpoint);
    await peer.write(Buffer.concat([frame(Buffer.from("envelope"), { more: true }), message(hello(1, holder.agent))]));
    await expect.poll(() => logs.find("expected exactly one frame").length).toBeGreaterThan(0);
    expect(peer.reader.messages).toEqual([]);
    peer.destroy();
  });

  it("rejects a hello without a nonce as a protocol error, naming the field", async () => {
    const peer = await dealer(sup.endpoint);
    const { nonce: _omitted, ...noNonce } = hello(7, holder.agent);
    await peer.write(message(noNonce));
    const reject = await peer.waitFor((m) => m.type === "reject");
    expect(reject).toMatchObject({ id: 7, code: "IRON_ERR_PROTOCOL" });
    expect(String(reject.reason)).toContain("nonce");
    expect(logs.find("protocol error").some((l) => l.path === "nonce")).toBe(true);
    peer.destroy();
  });

  it("rejects a proof made with a wrong token, logs it without the token, and answers nothing after", async () => {
    const peer = await dealer(sup.endpoint);
    const done = await handshake(peer, 8, holder.agent, "iron_guessed-token-value", { proveAnyway: true });
    expect(done.supervisorProved).toBe(false);
    expect(done.reply).toMatchObject({ id: 8 + PROOF_ID_OFFSET, code: "IRON_ERR_AUTH" });
    await peer.write(message(request(9, "c-after-reject")));
    await expect.poll(() => logs.find("has not said hello").length).toBeGreaterThan(0);
    expect(logs.find("rejected hello").some((l) => l.code === "IRON_ERR_AUTH" && l.agent === holder.agent)).toBe(true);
    expect(logs.text()).not.toContain("iron_guessed-token-value");
    expect(peer.reader.messages.filter((m) => (m as { type: string }).type === "decision")).toEqual([]);
    peer.destroy();
  });

  it("rejects the replayed token of an agent that has exited", async () => {
    const { agent, token, handle: gone } = await spawnTokenHolder(sup, { EXIT_NOW: "1" });
    await gone.exited;
    const peer = await dealer(sup.endpoint);
    const done = await handshake(peer, 3, agent, token);
    expect(done.challenge).toMatchObject({ type: "reject", id: 3, code: "IRON_ERR_AUTH" });
    expect(logs.text()).not.toContain(token);
    peer.destroy();
  });

  it("answers a message just under the 16 MiB maximum and drops a connection that sends more", async () => {
    const big = await authenticated();
    const text = "x".repeat(16 * 1024 * 1024 - 4096);
    await big.write(message(request(11, "c-big", { model: "gpt-4o-mini", messages: [{ role: "user", content: text }] })));
    expect(await big.waitFor((m) => m.type === "decision" && m.id === 11, 20_000)).toMatchObject({ call: "c-big", action: "allow" });
    const over = await authenticated();
    await over.write(frame(Buffer.alloc(16 * 1024 * 1024 + 1)));
    await over.closed;
    big.destroy();
  });

  it("mutes a peer that floods undecodable payloads, with a bounded number of log lines", async () => {
    const peer = await dealer(sup.endpoint);
    const garbage = Buffer.concat(Array.from({ length: 3000 }, () => frame(Buffer.from([0xc1, 0xc1, 0xc1]))));
    await peer.write(garbage);
    await expect.poll(() => logs.find("muted a peer").length).toBeGreaterThan(0);
    expect(logs.find("dropped an undecodable message").length).toBeLessThanOrEqual(10);
    peer.destroy();
  });

  it("mutes a peer that floods requests without saying hello", async () => {
    const mutedBefore = logs.find("muted a peer").length;
    const peer = await dealer(sup.endpoint);
    await peer.write(Buffer.concat(Array.from({ length: 3000 }, (_, i) => message(request(i, `c-${i}`)))));
    await expect.poll(() => logs.find("muted a peer").length).toBeGreaterThan(mutedBefore);
    expect(logs.find("has not said hello").length).toBeLessThanOrEqual(10);
    expect(peer.reader.messages).toEqual([]);
    peer.destroy();
  });

  it("keeps serving through a flood of connections that never finish or never authenticate", async () => {
    const silent = await Promise.all(Array.from({ length: 100 }, () => rawPeer(sup.endpoint)));
    const idle = await Promise.all(Array.from({ length: 100 }, () => dealer(sup.endpoint)));
    const seen = (output.get(steady.id) ?? []).length;
    await linesOf(steady.id, seen + 10); // the governed agent made ten more calls meanwhile
    const peer = await authenticated();
    await peer.write(message(request(21, "c-during-flood")));
    expect(await peer.waitFor((m) => m.type === "decision" && m.id === 21)).toMatchObject({ action: "allow" });
    for (const p of [...silent, ...idle, peer]) p.destroy();
  });

  it("drops the replies of a peer that floods requests and never reads, and says so", async () => {
    const peer = await authenticated();
    peer.socket.pause(); // stop reading: its replies pile up in the kernel, then in the socket's send queue
    const batch = Buffer.concat(Array.from({ length: 2000 }, (_, i) => message(request(100 + i, `c-flood-${i}`))));
    const started = Date.now();
    // Until the replies overflow (a decision is ~50 bytes since nil keys are left out: it takes ~20 batches).
    for (let round = 0; round < 40 && logs.find("the peer is not reading").length === 0; round += 1) await peer.write(batch);
    await expect.poll(() => logs.find("the peer is not reading").length, { timeout: 30_000 }).toBeGreaterThan(0);
    // The throttle lets 10 lines and one "more like this" line through per 10 s window: on a
    // loaded machine the flood may span several windows, each bounded alike.
    const windows = Math.ceil((Date.now() - started + 1) / 10_000);
    expect(logs.find("the peer is not reading").length).toBeLessThanOrEqual(11 * windows);
    peer.destroy();
  }, 60_000);

  it("the governed agent kept working through all of it", async () => {
    const seen = (output.get(steady.id) ?? []).length;
    await linesOf(steady.id, seen + 3);
    writeFileSync(stopFile, "");
    const exit = await steady.exited;
    expect(exit.exitCode).toBe(0);
    const calls = (output.get(steady.id) ?? []).map((line) => JSON.parse(line) as { status: number; code?: string });
    expect(calls.length).toBeGreaterThan(20);
    expect(calls.filter((c) => c.status !== 200)).toEqual([]);
  });
});
