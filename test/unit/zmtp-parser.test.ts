// Protects the frame parser behind the supervisor's socket: every frame comes out once and whole
// however the byte stream is split, long frames are gathered across reads, and reserved flags or
// a size over the limit are refused from the header alone (before any body is buffered).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeCommand, encodeFrame, ZmtpError } from "../../src/transport/zmtp-codec.js";
import { FrameParser } from "../../src/transport/zmtp-parser.js";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

/** Every frame (flags, body as hex) the parser gives for a stream fed in the given pieces. */
function parse(pieces: Buffer[], max = 1 << 20): [number, string][] {
  const parser = new FrameParser(max);
  const out: [number, string][] = [];
  for (const piece of pieces) {
    parser.push(piece);
    for (let body = parser.next(); body !== null; body = parser.next()) out.push([parser.flags, body.toString("hex")]);
  }
  return out;
}

function faultOf(pieces: Buffer[], max?: number): string | undefined {
  try {
    parse(pieces, max);
    return undefined;
  } catch (error) {
    if (error instanceof ZmtpError) return error.fault;
    throw error;
  }
}

describe("the frame parser", () => {
  it("reads short, long, MORE and command frames from one chunk", () => {
    const stream = hex("01 01 aa  00 00  02 0000000000000003 bbccdd  04 06 0450494e4700");
    expect(parse([stream])).toEqual([
      [0x01, "aa"],
      [0x00, ""],
      [0x02, "bbccdd"],
      [0x04, "0450494e4700"],
    ]);
  });

  it("gives the same frames however the stream is split, one byte at a time included", () => {
    const frames = [Buffer.from("a"), Buffer.alloc(300, 2), Buffer.alloc(0), Buffer.alloc(70_000, 3)];
    const stream = Buffer.concat([...frames.map((f) => encodeFrame(f)), encodeCommand("PING", hex("0000"))]);
    const expected = [
      ...frames.map((f): [number, string] => [f.length > 255 ? 0x02 : 0x00, f.toString("hex")]),
      [0x04, encodeCommand("PING", hex("0000")).subarray(2).toString("hex")] as [number, string],
    ];
    const cuts = fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 30 });
    fc.assert(
      fc.property(cuts, (points) => {
        const sorted = [...new Set(points)].sort((a, b) => a - b);
        const pieces: Buffer[] = [];
        let from = 0;
        for (const at of [...sorted, stream.length]) {
          pieces.push(stream.subarray(from, at));
          from = at;
        }
        expect(parse(pieces)).toEqual(expected);
      }),
      { numRuns: 100 },
    );
    const small = Buffer.concat(frames.slice(0, 3).map((f) => encodeFrame(f)));
    expect(parse([...small].map((byte) => Buffer.from([byte])))).toEqual(expected.slice(0, 3));
  });

  it("refuses reserved flag bits", () => {
    expect(faultOf([hex("08 00")])).toBe("ERR_ZMTP_MALFORMED_FRAME");
    expect(faultOf([hex("80 01 00")])).toBe("ERR_ZMTP_MALFORMED_FRAME");
  });

  it("refuses a frame over the limit from its header, without waiting for the body", () => {
    expect(faultOf([hex("02 0000000000000011")], 16)).toBe("ERR_ZMTP_MESSAGE_TOO_LARGE");
    expect(faultOf([hex("02 0000000100000000")], 16)).toBe("ERR_ZMTP_MESSAGE_TOO_LARGE");
    expect(faultOf([hex("00 11")], 16)).toBe("ERR_ZMTP_MESSAGE_TOO_LARGE");
    expect(faultOf([hex("02 0000000000000010")], 16)).toBeUndefined();
  });

  it("waits for the rest of a header or body without yielding a frame", () => {
    const parser = new FrameParser(1024);
    parser.push(hex("02 00000000"));
    expect(parser.next()).toBeNull();
    parser.push(hex("00000003 aa"));
    expect(parser.next()).toBeNull();
    expect(parser.pending).toBe(false);
    parser.push(hex("bbcc 00"));
    expect(parser.next()?.toString("hex")).toBe("aabbcc");
    expect(parser.next()).toBeNull();
    expect(parser.pending).toBe(true);
  });
});
