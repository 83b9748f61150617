// What anyone who can reach `iron serve --listen tcp://…` can do before a welcome: raw ZMTP
// peers over real TCP against a supervisor with a real state file. Oversized hellos are refused
// unread, refused hellos are stored as a bounded, counted summary (the state file stays small),
// and a session lives only as long as its connection (issue 16, items 1 and 2).
import Database from "better-sqlite3";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Supervisor } from "../../src/index.js";
import { AgentServer, type AgentServerHandlers } from "../../src/transport/agent-server.js";
import { captureLogs, type CapturedLogs } from "../helpers/log-capture.js";
import { tempDir } from "../helpers/iron.js";
import { dealer, hello, message, newIdentity, type RawPeer } from "../helpers/zmtp-peer.js";
import { authenticate, handshake } from "../helpers/auth-peer.js";
import { tokenKey } from "../../src/transport/handshake.js";
import type { LlmRequestMessage } from "../../src/protocol/messages.js";
import { wireRequest } from "../helpers/wire-request.js";

const state = join(tempDir("iron-prewelcome-"), "state.db");
let sup: Supervisor;
let logs: CapturedLogs;
let tcp: string;

function request(id: number, call: string): LlmRequestMessage {
  return wireRequest(id, { call });
}

/** Bytes the state file takes on disk, its WAL and shared memory included. */
function stateBytes(): number {
  return [state, `${state}-wal`, `${state}-shm`].filter((p) => existsSync(p)).reduce((sum, p) => sum + statSync(p).size, 0);
}

/** A supervisor on the shared state file, listening on TCP for joins. */
async function start(): Promise<void> {
  sup = await Supervisor.start({ logger: logs.logger, state, listen: ["tcp://127.0.0.1:0"], joinToken: true, stream: false });
  tcp = sup.endpoints.find((e) => e.startsWith("tcp://")) as string;
}

beforeAll(async () => {
  logs = captureLogs("debug");
  await start();
});

afterAll(async () => {
  await sup?.close();
});

describe("before a welcome, on a TCP listener", () => {
  it("refuses 40 hellos with 1 MB names unread, and the state file stays small", async () => {
    const before = stateBytes();
    const name = "n".repeat(1024 * 1024);
    for (let i = 0; i < 40; i += 1) {
      const peer = await dealer(tcp);
      await peer.write(message(hello(1, name)));
      await peer.waitFor((m) => m.type === "reject", 20_000);
      peer.destroy();
    }
    await sup.close();
    const grown = stateBytes() - before;
    await start();
    expect(grown).toBeLessThan(512 * 1024);
    expect(logs.text()).not.toContain("n".repeat(10_000));
  }, 120_000);

  it("stores refused hellos from one source as a counted summary, not one event each", async () => {
    for (let i = 0; i < 40; i += 1) {
      const peer = await dealer(tcp);
      const done = await handshake(peer, 1, "intruder", "iron_wrong-token", { proveAnyway: true });
      expect(done.reply).toMatchObject({ type: "reject", code: "IRON_ERR_AUTH" });
      peer.destroy();
    }
    await sup.close();
    const db = new Database(state, { readonly: true });
    const rows = db.prepare("SELECT data FROM events WHERE type = 'agent.rejected'").all() as { data: string }[];
    db.close();
    await start();
    const refused = rows.map((r) => JSON.parse(r.data) as { requested: string; count?: number });
    const intruder = refused.filter((r) => r.requested === "intruder");
    expect(intruder.length).toBeGreaterThan(0);
    expect(intruder.length).toBeLessThanOrEqual(2);
    expect(intruder.reduce((sum, r) => sum + (r.count ?? 1), 0)).toBe(40);
    expect(logs.find("rejected hello").length).toBeLessThanOrEqual(12);
  }, 60_000);

  it("refuses a hello whose strings are longer than a hello needs, naming the field", async () => {
    const peer = await dealer(tcp);
    await peer.write(message(hello(5, "a".repeat(300))));
    const reject = await peer.waitFor((m) => m.type === "reject");
    expect(reject).toMatchObject({ id: 5, code: "IRON_ERR_PROTOCOL" });
    expect(String(reject.reason)).toContain("agent");
    peer.destroy();
  });
});

describe("a session belongs to its connection", () => {
  it("gives no decision to a new connection that reuses a closed session's identity without a hello", async () => {
    const identity = newIdentity();
    const first: RawPeer = await dealer(tcp, identity);
    await authenticate(first, 1, "joiner", sup.joinToken as string);
    await first.write(message(request(2, "c-first")));
    expect(await first.waitFor((m) => m.type === "decision" && m.id === 2)).toMatchObject({ call: "c-first" });
    const disconnects = logs.find("a peer disconnected").length;
    first.destroy();
    await first.closed;
    await expect.poll(() => logs.find("a peer disconnected").length, { timeout: 10_000 }).toBeGreaterThan(disconnects);
    const before = logs.find("has not said hello").length;
    const second = await dealer(tcp, identity);
    for (let attempt = 0; attempt < 100 && !second.isClosed() && logs.find("has not said hello").length === before; attempt += 1) {
      await second.write(message(request(10 + attempt, `c-replay-${attempt}`)));
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (second.reader.messages.some((m) => (m as { type: string }).type === "decision")) break;
    }
    expect(second.isClosed()).toBe(false);
    expect(logs.find("has not said hello").length).toBeGreaterThan(before);
    expect(second.reader.messages.filter((m) => (m as { type: string }).type === "decision")).toEqual([]);
    second.destroy();
  });
});

/** A bare agent server on TCP that welcomes the token "good", with small limits for the test. */
async function bareServer(limits: { maxConnections?: number; helloTimeoutMs?: number }): Promise<{ server: AgentServer; endpoint: string }> {
  const never = (): never => {
    throw new Error("not in this test");
  };
  const handlers: AgentServerHandlers = {
    credentials: () => [{ kind: "join", key: tokenKey("good") }],
    authenticate: (h) => ({ ok: true, agentId: h.agent, settings: { timeout_ms: 1000, fail_open: false, on_deny: "response", heartbeat_ms: 1000, providers: [] } }),
    onSession: () => undefined,
    onRequest: never,
    onResponse: never,
    onChunk: never,
    onHeartbeat: () => undefined,
    onBye: () => undefined,
  };
  const server = await AgentServer.listen(["tcp://127.0.0.1:0"], handlers, logs.logger, limits);
  return { server, endpoint: server.endpoints[0] as string };
}

describe("connections that are not welcomed", () => {
  it("mutes a connection that does not say hello before its deadline: a late hello gets nothing", async () => {
    const { server, endpoint } = await bareServer({ helloTimeoutMs: 2000 });
    const muted = logs.find("not welcomed in time").length;
    const late = await dealer(endpoint);
    await expect.poll(() => logs.find("not welcomed in time").length, { timeout: 10_000 }).toBeGreaterThan(muted);
    await late.write(message(hello(1, "late")));
    const prompt = await dealer(endpoint);
    await authenticate(prompt, 2, "prompt", "good");
    await late.write(message(hello(3, "late")));
    await prompt.write(message(hello(4, "prompt-again")));
    await prompt.waitFor((m) => m.id === 4);
    expect(late.reader.messages).toEqual([]);
    late.destroy();
    prompt.destroy();
    await server.close();
  });

  it("mutes connections beyond the limit until one closes", async () => {
    const { server, endpoint } = await bareServer({ maxConnections: 2 });
    const over = logs.find("too many connections").length;
    const first = await dealer(endpoint);
    const second = await dealer(endpoint);
    const third = await dealer(endpoint);
    await expect.poll(() => logs.find("too many connections").length, { timeout: 10_000 }).toBeGreaterThan(over);
    await third.write(message(hello(1, "third")));
    await authenticate(first, 2, "first", "good");
    await third.write(message(hello(3, "third")));
    await first.write(message(hello(4, "first-again")));
    await first.waitFor((m) => m.id === 4);
    expect(third.reader.messages).toEqual([]);
    const disconnects = logs.find("a peer disconnected").length;
    second.destroy();
    await expect.poll(() => logs.find("a peer disconnected").length, { timeout: 10_000 }).toBeGreaterThan(disconnects);
    const fourth = await dealer(endpoint);
    expect(await authenticate(fourth, 5, "fourth", "good")).toMatchObject({ agent: "fourth" });
    for (const p of [first, third, fourth]) p.destroy();
    await server.close();
  });
});
