// A raw ZMTP 3.1 peer over node:net for tests: it can do everything a well-behaved DEALER does
// (greeting, READY, frames, msgpack messages) and everything a hostile one might (another version,
// mechanism or socket type, broken frames, oversized messages, writes split anywhere).
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { decode, encode } from "../../src/protocol/codec.js";

/** A 64-byte greeting: signature (ff, 8 padding bytes ending in 01, 7f), version, mechanism, filler. */
export function greeting(major = 3, minor = 1, mechanism = "NULL"): Buffer {
  const g = Buffer.alloc(64);
  g[0] = 0xff;
  g[8] = 0x01;
  g[9] = 0x7f;
  g[10] = major;
  g[11] = minor;
  g.write(mechanism, 12, "ascii");
  return g;
}

/** One frame: short or long by size, with MORE/COMMAND flags as asked. */
export function frame(body: Uint8Array, options: { more?: boolean; command?: boolean } = {}): Buffer {
  const flags = (options.more ? 0x01 : 0) | (options.command ? 0x04 : 0);
  if (body.length <= 255) return Buffer.concat([Buffer.from([flags, body.length]), body]);
  const header = Buffer.alloc(9);
  header[0] = flags | 0x02;
  header.writeBigUInt64BE(BigInt(body.length), 1);
  return Buffer.concat([header, body]);
}

/** The READY command with a Socket-Type (and an optional Identity). */
export function ready(socketType = "DEALER", identity: Buffer = Buffer.alloc(0)): Buffer {
  const prop = (name: string, value: Buffer): Buffer => {
    const size = Buffer.alloc(4);
    size.writeUInt32BE(value.length);
    return Buffer.concat([Buffer.from([name.length]), Buffer.from(name, "ascii"), size, value]);
  };
  const body = Buffer.concat([Buffer.from([5]), Buffer.from("READY"), prop("Socket-Type", Buffer.from(socketType)), prop("Identity", identity)]);
  return frame(body, { command: true });
}

/** A msgpack message as one frame. */
export function message(value: unknown): Buffer {
  return frame(encode(value));
}

/** Splits the frames of a byte stream back into (non-command) message bodies. */
export class FrameReader {
  #buffer = Buffer.alloc(0);
  #greeted = false;
  readonly messages: unknown[] = [];

  /** True once the other side's 64-byte greeting has arrived. */
  get greeted(): boolean {
    return this.#greeted;
  }
  readonly commands: string[] = [];

  feed(data: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, data]);
    if (!this.#greeted) {
      if (this.#buffer.length < 64) return;
      this.#buffer = this.#buffer.subarray(64);
      this.#greeted = true;
    }
    while (this.#buffer.length >= 2) {
      const flags = this.#buffer[0] as number;
      const long = (flags & 0x02) !== 0;
      const headerSize = long ? 9 : 2;
      if (this.#buffer.length < headerSize) return;
      const size = long ? Number(this.#buffer.readBigUInt64BE(1)) : (this.#buffer[1] as number);
      if (this.#buffer.length < headerSize + size) return;
      const body = this.#buffer.subarray(headerSize, headerSize + size);
      this.#buffer = this.#buffer.subarray(headerSize + size);
      if ((flags & 0x04) !== 0) this.commands.push(body.subarray(1, 1 + (body[0] as number)).toString("ascii"));
      else this.messages.push(decode(body));
    }
  }
}

/** A connected raw peer: what it received, whether the other side closed, and helpers. */
export interface RawPeer {
  readonly socket: Socket;
  readonly reader: FrameReader;
  readonly closed: Promise<void>;
  isClosed(): boolean;
  write(data: Buffer): Promise<void>;
  /** Resolves with the first received message matching `test`, or rejects after `ms`. */
  waitFor(test: (m: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  destroy(): void;
}

/** Connects to an ipc:// or tcp://host:port endpoint (the supervisor's socket) without saying anything yet. */
export async function rawPeer(endpoint: string): Promise<RawPeer> {
  const tcp = /^tcp:\/\/(.+):(\d+)$/.exec(endpoint);
  const socket = tcp === null ? connect(endpoint.replace(/^ipc:\/\//, "")) : connect(Number(tcp[2]), tcp[1] as string);
  const reader = new FrameReader();
  let closed = false;
  const waiters = new Set<() => void>();
  socket.on("data", (data: Buffer) => {
    try {
      reader.feed(data);
    } catch {
      // A test peer keeps what it could parse.
    }
    for (const wake of waiters) wake();
  });
  const closedPromise = new Promise<void>((resolve) =>
    socket.once("close", () => {
      closed = true;
      resolve();
    }),
  );
  socket.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return {
    socket,
    reader,
    closed: closedPromise,
    isClosed: () => closed,
    write: (data) => new Promise((resolve) => (socket.destroyed ? resolve() : socket.write(data, () => resolve()))),
    waitFor(test, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = reader.messages.find((m) => test(m as Record<string, unknown>));
          if (found !== undefined) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found as Record<string, unknown>);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching message within ${ms} ms; got ${JSON.stringify(reader.messages)}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    destroy: () => socket.destroy(),
  };
}

/** A peer that does the ZMTP handshake as a DEALER the way the shim does: greeting, the other
 * side's greeting, then READY (libzmq may refuse a READY that arrives glued to the greeting). */
export async function dealer(endpoint: string, identity: Buffer = newIdentity()): Promise<RawPeer> {
  const peer = await rawPeer(endpoint);
  await peer.write(greeting());
  const deadline = Date.now() + 10_000;
  while (!peer.reader.greeted && !peer.isClosed() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  await peer.write(ready("DEALER", identity));
  return peer;
}

/** A random 16-byte routing id as the shim picks one (libzmq reserves a leading zero byte). */
export function newIdentity(): Buffer {
  const identity = randomBytes(16);
  identity[0] = 1 + ((identity[0] as number) % 255);
  return identity;
}

/** A hello message as the shim sends it: no token, a fresh nonce (SPEC 3.1). */
export function hello(id: number, agent: string, nonce: Uint8Array = randomBytes(32)): Record<string, unknown> {
  return { v: 1, type: "hello", id, agent, nonce, pid: process.pid, python: "3.11.0", shim: "test", host: "test", executable: "python", parent_pid: null };
}
