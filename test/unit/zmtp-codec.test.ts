// Protects the supervisor's ZMTP bytes (23/ZMTP, 37/ZMTP, NULL mechanism) as wire vectors: our
// greeting and READY byte for byte, short and long frame headers, PING → PONG, ERROR, and the
// refusals of greetings and READY commands a ROUTER must not accept.
import { describe, expect, it } from "vitest";
import {
  checkSignature,
  encodeCommand,
  encodeError,
  encodeFrame,
  parseGreeting,
  parseProperties,
  pongFor,
  readyPeerType,
  SERVER_GREETING,
  SERVER_READY,
  splitCommand,
  ZmtpError,
} from "../../src/transport/zmtp-codec.js";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

/** The fault a call throws (undefined when it does not). */
function faultOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof ZmtpError) return error.fault;
    throw error;
  }
}

/** A peer greeting with a version and mechanism. */
function greeting(major: number, minor: number, mechanism = "NULL"): Buffer {
  const g = Buffer.alloc(64);
  g[0] = 0xff;
  g[8] = 0x01;
  g[9] = 0x7f;
  g[10] = major;
  g[11] = minor;
  g.write(mechanism, 12, "ascii");
  return g;
}

describe("the supervisor's greeting and READY", () => {
  it("greets as ZMTP 3.1, mechanism NULL, as-server 0, zero filler", () => {
    expect(SERVER_GREETING.toString("hex")).toBe(`ff00000000000000017f0301${Buffer.from("NULL").toString("hex")}${"00".repeat(16)}00${"00".repeat(31)}`);
    expect(SERVER_GREETING.length).toBe(64);
  });

  it("sends READY with Socket-Type ROUTER and an empty Identity", () => {
    const body = Buffer.concat([hex("05"), Buffer.from("READY"), hex("0b"), Buffer.from("Socket-Type"), hex("00000006"), Buffer.from("ROUTER"), hex("08"), Buffer.from("Identity"), hex("00000000")]);
    expect(SERVER_READY).toEqual(Buffer.concat([hex("04"), Buffer.from([body.length]), body]));
  });
});

describe("peer greetings", () => {
  it("accepts ZMTP 3.0 and 3.1 with the NULL mechanism", () => {
    expect(parseGreeting(greeting(3, 0))).toEqual({ major: 3, minor: 0 });
    expect(parseGreeting(greeting(3, 1))).toEqual({ major: 3, minor: 1 });
  });

  it("refuses older versions, other mechanisms and non-ZMTP bytes with a reason", () => {
    expect(faultOf(() => parseGreeting(greeting(2, 1)))).toBe("ERR_ZMTP_UNSUPPORTED_VERSION");
    expect(faultOf(() => parseGreeting(greeting(3, 1, "CURVE")))).toBe("ERR_ZMTP_MECHANISM_MISMATCH");
    expect(faultOf(() => parseGreeting(greeting(3, 1, "NULLX")))).toBe("ERR_ZMTP_MECHANISM_MISMATCH");
    expect(faultOf(() => parseGreeting(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n".padEnd(64, " "))))).toBe("ERR_ZMTP_BAD_SIGNATURE");
  });

  it("judges the signature and version from the first 11 bytes", () => {
    expect(faultOf(() => checkSignature(greeting(1, 0).subarray(0, 11)))).toBe("ERR_ZMTP_UNSUPPORTED_VERSION");
    expect(faultOf(() => checkSignature(greeting(3, 1).subarray(0, 11)))).toBeUndefined();
    expect(faultOf(() => checkSignature(hex("00")))).toBe("ERR_ZMTP_BAD_SIGNATURE");
  });
});

describe("frames", () => {
  it("writes a short frame for up to 255 bytes and a long (8-byte size) frame above", () => {
    expect(encodeFrame(Buffer.from("hi"))).toEqual(hex("00 02 6869"));
    expect(encodeFrame(Buffer.alloc(0))).toEqual(hex("00 00"));
    expect(encodeFrame(Buffer.alloc(255, 1)).subarray(0, 2)).toEqual(hex("00 ff"));
    expect(encodeFrame(Buffer.alloc(256, 1)).subarray(0, 9)).toEqual(hex("02 0000000000000100"));
    expect(encodeFrame(Buffer.alloc(70_000)).subarray(0, 9)).toEqual(hex("02 0000000000011170"));
  });

  it("writes commands with the COMMAND flag, long when the body is", () => {
    expect(encodeCommand("PONG", hex("abcd"))).toEqual(hex("04 07 04 504f4e47 abcd"));
    expect(encodeCommand("X", Buffer.alloc(300)).subarray(0, 9)).toEqual(hex("06 000000000000012e"));
  });

  it("splits a command's name from its data and refuses a truncated name", () => {
    expect(splitCommand(hex("04 50494e47 0064 6374"))).toEqual({ name: "PING", data: hex("0064 6374") });
    expect(faultOf(() => splitCommand(hex("09 5045")))).toBe("ERR_ZMTP_MALFORMED_COMMAND");
    expect(faultOf(() => splitCommand(Buffer.alloc(0)))).toBe("ERR_ZMTP_MALFORMED_COMMAND");
  });
});

describe("PING, PONG and ERROR (37/ZMTP)", () => {
  it("answers a PING with a PONG echoing its context", () => {
    expect(pongFor(hex("0064 63747831"))).toEqual(hex("04 09 04 504f4e47 63747831"));
    expect(pongFor(hex("0000"))).toEqual(hex("04 05 04 504f4e47"));
  });

  it("echoes at most 16 bytes of context and refuses a PING without its TTL", () => {
    expect(pongFor(Buffer.concat([hex("0001"), Buffer.alloc(40, 7)])).length).toBe(2 + 5 + 16);
    expect(faultOf(() => pongFor(hex("00")))).toBe("ERR_ZMTP_MALFORMED_COMMAND");
  });

  it("writes ERROR with a length-prefixed reason", () => {
    expect(encodeError("no")).toEqual(hex("04 09 05 4552524f52 02 6e6f"));
    expect(encodeError("x".repeat(400)).length).toBe(9 + 6 + 1 + 255);
  });
});

describe("READY from a peer", () => {
  const props = (entries: [string, string][]): Buffer =>
    Buffer.concat(
      entries.flatMap(([name, value]) => {
        const size = Buffer.alloc(4);
        size.writeUInt32BE(value.length);
        return [Buffer.from([name.length]), Buffer.from(name), size, Buffer.from(value)];
      }),
    );

  it("accepts the socket types a ROUTER talks to, whatever the property name's case", () => {
    expect(
      readyPeerType(
        props([
          ["Socket-Type", "DEALER"],
          ["Identity", "abc"],
        ]),
      ),
    ).toBe("DEALER");
    expect(readyPeerType(props([["socket-type", "REQ"]]))).toBe("REQ");
    expect(readyPeerType(props([["Socket-Type", "ROUTER"]]))).toBe("ROUTER");
  });

  it("refuses other socket types, a missing type and truncated metadata", () => {
    expect(faultOf(() => readyPeerType(props([["Socket-Type", "PUB"]])))).toBe("ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE");
    expect(faultOf(() => readyPeerType(props([["Identity", "abc"]])))).toBe("ERR_ZMTP_INVALID_METADATA");
    expect(faultOf(() => parseProperties(hex("0b 536f636b65742d54797065 000000ff 44")))).toBe("ERR_ZMTP_INVALID_METADATA");
    expect(faultOf(() => parseProperties(hex("00 00000000")))).toBe("ERR_ZMTP_INVALID_METADATA");
    expect(faultOf(() => parseProperties(hex("05 4964")))).toBe("ERR_ZMTP_INVALID_METADATA");
  });
});
