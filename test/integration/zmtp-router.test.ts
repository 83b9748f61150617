// Protects the supervisor's native ZMTP ROUTER against real peers: the shim's stdlib client on every
// Python present, libzmq's DEALER through pyzmq and zeromq.js's Dealer, over ipc and tcp; the connect
// and disconnect notices sessions hang on; and hostile input (garbage, a half greeting then silence,
// a wrong socket type, an oversized frame, floods of messages and connections, a peer that never
// reads), each closing or throttling that one connection with a logged reason.
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dealer } from "zeromq";
import { RouterSocket, type RouterOptions } from "../../src/transport/router-socket.js";
import { captureLogs, type CapturedLogs } from "../helpers/log-capture.js";
import { DEBIAN_PYTHON, FIXTURES, REPO, tempDir } from "../helpers/iron.js";
import { dealer, frame, greeting, message, rawPeer, ready } from "../helpers/zmtp-peer.js";

const run = promisify(execFile);
let logs: CapturedLogs;

/** Every interpreter the Python suite runs on (scripts/test-python.sh): pyenv's and Debian's. */
function pythons(): string[] {
  const root = "/root/.pyenv/versions";
  const pyenv = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^3\.(9|1\d)/.test(v))
        .map((v) => join(root, v, "bin", "python"))
    : [];
  return [...pyenv.filter((p) => existsSync(p)), DEBIAN_PYTHON].filter((p) => existsSync(p));
}

/** An echo server: every message goes back unchanged; notices are recorded with their routing id. */
async function echoServer(endpoints: string[], options: RouterOptions = {}) {
  const notices: string[] = [];
  const received: Buffer[] = [];
  const router: RouterSocket = await RouterSocket.bind(
    endpoints,
    (id, payload) => {
      if (payload.length === 0) return notices.push(id.toString("hex"));
      received.push(Buffer.from(payload));
      router.send(id, payload);
    },
    logs.logger,
    options,
  );
  return { router, notices, received };
}

/** Parsed JSON line of the interop fixture run with `python` against `endpoint`. */
async function interop(python: string, mode: "shim" | "pyzmq", endpoint: string): Promise<{ ok: boolean[]; pongs: string[]; sizes: number[] }> {
  const { stdout } = await run(python, [join(FIXTURES, "zmtp_interop.py"), mode, endpoint], { env: { ...process.env, PYTHONPATH: join(REPO, "python") }, timeout: 30_000 });
  return JSON.parse(stdout) as { ok: boolean[]; pongs: string[]; sizes: number[] };
}

/** pyzmq on Debian's Python (scripts/test-python.sh installs python3-zmq when it can). */
const hasPyzmq = spawnSync(DEBIAN_PYTHON, ["-c", "import zmq"]).status === 0;

let server: Awaited<ReturnType<typeof echoServer>>;
let ipc: string;
let tcp: string;

beforeAll(async () => {
  logs = captureLogs("debug");
  server = await echoServer([`ipc://${join(tempDir("iron-zmtp-"), "s.sock")}`, "tcp://127.0.0.1:0"]);
  [ipc, tcp] = server.router.endpoints as [string, string];
});

afterAll(async () => {
  await server?.router.close();
});

describe("real peers", () => {
  it("reports the endpoints as bound: the ipc path and the port the kernel chose", () => {
    expect(ipc).toMatch(/^ipc:\/\/.*s\.sock$/);
    expect(tcp).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(tcp).not.toBe("tcp://127.0.0.1:0");
  });

  it("serves the shim's stdlib client on every Python, short and long frames, PING answered by PONG", async () => {
    for (const python of pythons()) {
      for (const endpoint of [ipc, tcp]) {
        const result = await interop(python, "shim", endpoint);
        expect({ python, endpoint, ...result }).toMatchObject({ python, endpoint, ok: [true, true, true, true], pongs: ["ctx-1"] });
      }
    }
  }, 120_000);

  it.runIf(hasPyzmq)(
    "serves libzmq's DEALER (pyzmq) over ipc and tcp",
    async () => {
      for (const endpoint of [ipc, tcp]) expect(await interop(DEBIAN_PYTHON, "pyzmq", endpoint)).toMatchObject({ ok: [true, true, true, true] });
    },
    60_000,
  );

  it("serves zeromq.js's Dealer", async () => {
    for (const endpoint of [ipc, tcp]) {
      const peer = new Dealer({ linger: 0, receiveTimeout: 10_000 });
      peer.connect(endpoint);
      await peer.send(Buffer.from("from zeromq.js"));
      const [reply] = await peer.receive();
      expect(reply?.toString()).toBe("from zeromq.js");
      peer.close();
    }
  });

  it("announces a connection once its handshake is done and again when it closes, under a routing id of its own", async () => {
    const own = await echoServer(["tcp://127.0.0.1:0"]);
    const endpoint = own.router.endpoints[0] as string;
    const identity = Buffer.from("0123456789abcdef");
    const a = await dealer(endpoint, identity);
    const b = await dealer(endpoint, identity);
    await expect.poll(() => own.notices.length).toBe(2);
    const [idA, idB] = own.notices;
    expect(idA).not.toBe(idB);
    expect(idA).not.toBe(identity.toString("hex"));
    a.destroy();
    await expect.poll(() => own.notices.length).toBe(3);
    expect(own.notices.at(-1)).toBe(idA);
    b.destroy();
    await expect.poll(() => own.notices.length).toBe(4);
    expect(own.notices.at(-1)).toBe(idB);
    await own.router.close();
  });

  it("handles a flood of messages in one write, every one once and in order", async () => {
    const peer = await dealer(ipc);
    const count = 3000;
    await peer.write(Buffer.concat(Array.from({ length: count }, (_, i) => message({ i }))));
    await peer.waitFor((m) => m.i === count - 1);
    expect(peer.reader.messages.map((m) => (m as { i: number }).i)).toEqual(Array.from({ length: count }, (_, i) => i));
    peer.destroy();
  });
});

describe("hostile peers", () => {
  /** The warning lines with `reason` logged so far. */
  const reasons = (): unknown[] => logs.lines.map((l) => l.reason).filter((r) => r !== undefined);

  it("closes a connection that sends garbage instead of a greeting", async () => {
    const peer = await rawPeer(tcp);
    await peer.write(Buffer.from("GET / HTTP/1.1\r\nHost: iron\r\n\r\n"));
    await peer.closed;
    await expect.poll(() => reasons()).toContain("ERR_ZMTP_BAD_SIGNATURE");
  });

  it("closes a ZMTP 2 peer and another mechanism after the first bytes that say so", async () => {
    const old = await rawPeer(ipc);
    await old.write(greeting(2, 0).subarray(0, 11));
    await old.closed;
    const curve = await rawPeer(ipc);
    await curve.write(greeting(3, 1, "CURVE"));
    await curve.closed;
    expect(reasons()).toEqual(expect.arrayContaining(["ERR_ZMTP_UNSUPPORTED_VERSION", "ERR_ZMTP_MECHANISM_MISMATCH"]));
  });

  it("drops a half greeting followed by silence at the handshake deadline", async () => {
    const quick = await echoServer(["tcp://127.0.0.1:0"], { handshakeMs: 300 });
    const peer = await rawPeer(quick.router.endpoints[0] as string);
    await peer.write(greeting().subarray(0, 30));
    await peer.closed;
    expect(reasons()).toContain("ERR_ZMTP_HANDSHAKE_TIMEOUT");
    expect(quick.notices).toEqual([]);
    await quick.router.close();
  });

  it("refuses a socket type a ROUTER cannot talk to with an ERROR command, then closes", async () => {
    const peer = await rawPeer(tcp);
    await peer.write(greeting());
    await expect.poll(() => peer.reader.greeted).toBe(true);
    await peer.write(ready("PUB"));
    await peer.closed;
    expect(peer.reader.commands).toEqual(["READY", "ERROR"]);
    expect(reasons()).toContain("ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE");
  });

  it("closes a connection that sends a message before READY, or a frame with reserved flags", async () => {
    const early = await rawPeer(ipc);
    await early.write(Buffer.concat([greeting(), message({ early: true })]));
    await early.closed;
    const flags = await dealer(ipc);
    await flags.write(Buffer.from([0x10, 0x00]));
    await flags.closed;
    expect(reasons()).toEqual(expect.arrayContaining(["ERR_ZMTP_UNEXPECTED_COMMAND", "ERR_ZMTP_MALFORMED_FRAME"]));
    expect(server.received.some((b) => b.includes("early"))).toBe(false);
  });

  it("closes a connection whose frame header claims more than 16 MiB, without waiting for the body", async () => {
    const peer = await dealer(tcp);
    const header = Buffer.alloc(9);
    header[0] = 0x02;
    header.writeBigUInt64BE(BigInt(16 * 1024 * 1024 + 1), 1);
    await peer.write(header);
    await peer.closed;
    expect(reasons()).toContain("ERR_ZMTP_MESSAGE_TOO_LARGE");
  });

  it("drops multi-part messages with the existing warning and empty ones (they would pass for notices), and keeps the connection", async () => {
    const peer = await dealer(ipc);
    const before = logs.find("expected exactly one frame").length;
    await peer.write(Buffer.concat([frame(Buffer.from("envelope"), { more: true }), message({ n: 1 }), frame(Buffer.alloc(0)), message({ n: 2 })]));
    await peer.waitFor((m) => m.n === 2);
    expect(peer.reader.messages).toEqual([{ n: 2 }]);
    expect(logs.find("expected exactly one frame").length).toBe(before + 1);
    expect(logs.find("dropped an empty message").length).toBe(1);
    peer.destroy();
  });

  it("closes connections beyond the cap on accept and serves the ones within it", async () => {
    const capped = await echoServer(["tcp://127.0.0.1:0"], { maxConnections: 3 });
    const endpoint = capped.router.endpoints[0] as string;
    const kept = await Promise.all([dealer(endpoint), dealer(endpoint), dealer(endpoint)]);
    const extra = await rawPeer(endpoint);
    await extra.closed;
    expect(logs.find("too many connections").length).toBeGreaterThan(0);
    await kept[0]?.write(message({ still: "served" }));
    expect(await kept[0]?.waitFor((m) => m.still === "served")).toEqual({ still: "served" });
    for (const peer of kept) peer.destroy();
    await capped.router.close();
  });

  it("drops replies to a peer that stops reading, with a throttled warning, and keeps serving others", async () => {
    const stuck = await dealer(ipc);
    await expect.poll(() => stuck.reader.commands).toContain("READY");
    stuck.socket.pause();
    const before = logs.find("the peer is not reading").length;
    const big = Buffer.alloc(64 * 1024, 7);
    for (let i = 0; i < 200; i += 1) await stuck.write(message({ i, big }));
    await expect.poll(() => logs.find("the peer is not reading").length, { timeout: 20_000 }).toBeGreaterThan(before);
    const other = await dealer(ipc);
    await other.write(message({ other: true }));
    expect(await other.waitFor((m) => m.other === true)).toEqual({ other: true });
    stuck.destroy();
    other.destroy();
  }, 30_000);
});
