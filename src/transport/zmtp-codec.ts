// ZMTP 3.x bytes for the supervisor's ROUTER (rfc.zeromq.org 23/ZMTP and 37/ZMTP, NULL mechanism):
// the greeting, commands (READY, PING, PONG, ERROR), READY metadata and message frame headers.
// Pure functions: no sockets here, so every byte can be checked against a vector.

export const GREETING_BYTES = 64;
/** Signature, version and the start of the mechanism: enough to refuse a peer early. */
export const SIGNATURE_BYTES = 11;
export const FLAG_MORE = 0x01;
export const FLAG_LONG = 0x02;
export const FLAG_COMMAND = 0x04;
/** The socket types a ROUTER talks to (23/ZMTP, 28/REQREP); anything else is refused at READY. */
export const PEER_TYPES: ReadonlySet<string> = new Set(["DEALER", "REQ", "ROUTER"]);

/** Why a peer was refused, in the style of libzmq's handshake errors (logged as the reason). */
export type ZmtpFault =
  | "ERR_ZMTP_BAD_SIGNATURE"
  | "ERR_ZMTP_UNSUPPORTED_VERSION"
  | "ERR_ZMTP_MECHANISM_MISMATCH"
  | "ERR_ZMTP_UNEXPECTED_COMMAND"
  | "ERR_ZMTP_MALFORMED_COMMAND"
  | "ERR_ZMTP_INVALID_METADATA"
  | "ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE"
  | "ERR_ZMTP_PEER_ERROR"
  | "ERR_ZMTP_MALFORMED_FRAME"
  | "ERR_ZMTP_MESSAGE_TOO_LARGE"
  | "ERR_ZMTP_HANDSHAKE_TIMEOUT";

/** A protocol violation: the connection that made it is closed. */
export class ZmtpError extends Error {
  readonly fault: ZmtpFault;

  constructor(fault: ZmtpFault, message: string) {
    super(message);
    this.fault = fault;
  }
}

/** Our greeting: signature, version 3.1, mechanism NULL, as-server 0 (23/ZMTP: NULL has no server role), zero filler. */
export const SERVER_GREETING: Buffer = (() => {
  const g = Buffer.alloc(GREETING_BYTES);
  g[0] = 0xff;
  g[8] = 0x01;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = 1;
  g.write("NULL", 12, "ascii");
  return g;
})();

/** What a peer's greeting says that we act on. */
export interface PeerGreeting {
  readonly major: number;
  readonly minor: number;
}

/** Checks the first bytes of a greeting (signature and major version) as soon as they are in. */
export function checkSignature(head: Buffer): void {
  if (head[0] !== 0xff || ((head[9] ?? 0x7f) & 0x01) !== 0x01) {
    throw new ZmtpError("ERR_ZMTP_BAD_SIGNATURE", `expected a ZMTP signature (ff … 7f), got ${head.subarray(0, 10).toString("hex")}`);
  }
  const major = head[10];
  if (major !== undefined && major < 3) throw new ZmtpError("ERR_ZMTP_UNSUPPORTED_VERSION", `expected ZMTP 3.x, got version ${major}.${head[11] ?? "?"}`);
}

/** Parses a whole 64-byte greeting: ZMTP 3.0 or newer, mechanism NULL. */
export function parseGreeting(greeting: Buffer): PeerGreeting {
  checkSignature(greeting);
  const end = greeting.indexOf(0, 12);
  const mechanism = greeting.toString("latin1", 12, end === -1 || end > 32 ? 32 : end);
  if (mechanism !== "NULL") throw new ZmtpError("ERR_ZMTP_MECHANISM_MISMATCH", `expected the NULL security mechanism, got ${JSON.stringify(mechanism)}`);
  return { major: greeting[10] as number, minor: greeting[11] as number };
}

/** The header of a frame of `size` bytes: 2 bytes (short) or 9 (long, above 255). */
export function frameHeader(flags: number, size: number): Buffer {
  if (size <= 255) return Buffer.from([flags, size]);
  const header = Buffer.allocUnsafe(9);
  header[0] = flags | FLAG_LONG;
  header.writeUInt32BE(Math.floor(size / 2 ** 32), 1);
  header.writeUInt32BE(size >>> 0, 5);
  return header;
}

/** One whole message frame (no MORE): the header and the body in one buffer. */
export function encodeFrame(body: Uint8Array): Buffer {
  const size = body.byteLength;
  const headerBytes = size <= 255 ? 2 : 9;
  const out = Buffer.allocUnsafe(headerBytes + size);
  if (headerBytes === 2) {
    out[0] = 0;
    out[1] = size;
  } else {
    out[0] = FLAG_LONG;
    out.writeUInt32BE(Math.floor(size / 2 ** 32), 1);
    out.writeUInt32BE(size >>> 0, 5);
  }
  out.set(body, headerBytes);
  return out;
}

/** A command frame: name length, name, data. */
export function encodeCommand(name: string, data: Uint8Array = Buffer.alloc(0)): Buffer {
  const body = Buffer.concat([Buffer.from([name.length]), Buffer.from(name, "ascii"), data]);
  return Buffer.concat([frameHeader(FLAG_COMMAND, body.length), body]);
}

/** READY metadata: 1-byte name length, name, 4-byte value length, value. */
export function encodeProperties(properties: Readonly<Record<string, Uint8Array>>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(properties)) {
    const size = Buffer.allocUnsafe(4);
    size.writeUInt32BE(value.byteLength);
    parts.push(Buffer.from([name.length]), Buffer.from(name, "ascii"), size, Buffer.from(value));
  }
  return Buffer.concat(parts);
}

/** Decodes READY metadata; a truncated or empty-named property is malformed. Names are case-insensitive. */
export function parseProperties(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let at = 0;
  while (at < data.length) {
    const nameBytes = data[at] as number;
    if (nameBytes === 0 || at + 1 + nameBytes + 4 > data.length) throw new ZmtpError("ERR_ZMTP_INVALID_METADATA", `a truncated or empty property name at byte ${at}`);
    const name = data.toString("latin1", at + 1, at + 1 + nameBytes).toLowerCase();
    at += 1 + nameBytes;
    const size = data.readUInt32BE(at);
    at += 4;
    if (at + size > data.length) throw new ZmtpError("ERR_ZMTP_INVALID_METADATA", `property ${JSON.stringify(name)} claims ${size} bytes, ${data.length - at} left`);
    out.set(name, data.subarray(at, at + size));
    at += size;
  }
  return out;
}

/** Our READY: Socket-Type ROUTER and an empty Identity, as libzmq's ROUTER sends it. */
export const SERVER_READY: Buffer = encodeCommand("READY", encodeProperties({ "Socket-Type": Buffer.from("ROUTER"), Identity: Buffer.alloc(0) }));

/** A command split into its name and data; a name that overruns the frame is malformed. */
export function splitCommand(body: Buffer): { name: string; data: Buffer } {
  const nameBytes = body[0];
  if (nameBytes === undefined || nameBytes === 0 || 1 + nameBytes > body.length) throw new ZmtpError("ERR_ZMTP_MALFORMED_COMMAND", "a command frame with a truncated or empty name");
  return { name: body.toString("latin1", 1, 1 + nameBytes), data: body.subarray(1 + nameBytes) };
}

/** The peer's socket type from its READY data, checked against what a ROUTER talks to. */
export function readyPeerType(data: Buffer): string {
  const type = parseProperties(data).get("socket-type")?.toString("latin1");
  if (type === undefined) throw new ZmtpError("ERR_ZMTP_INVALID_METADATA", "READY without a Socket-Type");
  if (!PEER_TYPES.has(type)) throw new ZmtpError("ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE", `expected a DEALER, REQ or ROUTER peer, got ${JSON.stringify(type)}`);
  return type;
}

/** The PONG for a PING's data (2-byte TTL, then up to 16 bytes of context echoed back). */
export function pongFor(pingData: Buffer): Buffer {
  if (pingData.length < 2) throw new ZmtpError("ERR_ZMTP_MALFORMED_COMMAND", `PING needs a 2-byte TTL, got ${pingData.length} bytes`);
  return encodeCommand("PONG", pingData.subarray(2, 18));
}

/** An ERROR command telling a peer why it is refused (reason cut to 255 bytes). */
export function encodeError(reason: string): Buffer {
  const text = Buffer.from(reason, "utf8").subarray(0, 255);
  return encodeCommand("ERROR", Buffer.concat([Buffer.from([text.length]), text]));
}
