// AWS's binary event-stream framing (Bedrock's ConverseStream): prelude (total length, headers
// length, CRC32 of those 8 bytes), string headers, the JSON payload, CRC32 of all before it.
import { crc32 } from "node:zlib";

// One header: name length, name, type 7 (string), value length (2 bytes), value.
function header(name: string, value: string): Buffer {
  const n = Buffer.from(name, "utf8");
  const v = Buffer.from(value, "utf8");
  const head = Buffer.alloc(4);
  head.writeUInt8(7, 0);
  head.writeUInt16BE(v.length, 1);
  return Buffer.concat([Buffer.from([n.length]), n, head.subarray(0, 3), v]);
}

/** One frame with the given string headers and payload, both checksums set. */
export function encodeFrame(headers: Readonly<Record<string, string>>, payload: Buffer): Buffer {
  const head = Buffer.concat(Object.entries(headers).map(([name, value]) => header(name, value)));
  const total = 12 + head.length + payload.length + 4;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(head.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const body = Buffer.concat([prelude, head, payload]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body), 0);
  return Buffer.concat([body, crc]);
}

/** An event frame as Bedrock sends one: `:event-type`, JSON content, message type `event`. */
export function eventFrame(type: string, payload: unknown): Buffer {
  return encodeFrame({ ":event-type": type, ":content-type": "application/json", ":message-type": "event" }, Buffer.from(JSON.stringify(payload), "utf8"));
}

/** The frames of a buffer, decoded and checked (for tests and clients); throws on a bad checksum. */
export function decodeFrames(data: Buffer): { headers: Record<string, string>; payload: Buffer }[] {
  const frames: { headers: Record<string, string>; payload: Buffer }[] = [];
  for (let at = 0; at < data.length; ) {
    const total = data.readUInt32BE(at);
    const headLength = data.readUInt32BE(at + 4);
    const frame = data.subarray(at, at + total);
    if (crc32(frame.subarray(0, 8)) !== frame.readUInt32BE(8) || crc32(frame.subarray(0, total - 4)) !== frame.readUInt32BE(total - 4)) throw new Error("event-stream checksum mismatch");
    const headers: Record<string, string> = {};
    for (let h = 12; h < 12 + headLength; ) {
      const nameLength = frame.readUInt8(h);
      const name = frame.toString("utf8", h + 1, h + 1 + nameLength);
      const valueLength = frame.readUInt16BE(h + 2 + nameLength);
      headers[name] = frame.toString("utf8", h + 4 + nameLength, h + 4 + nameLength + valueLength);
      h += 4 + nameLength + valueLength;
    }
    frames.push({ headers, payload: frame.subarray(12 + headLength, total - 4) });
    at += total;
  }
  return frames;
}
