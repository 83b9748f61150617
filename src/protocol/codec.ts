// The codec seam between wire bytes and values: msgpack, as SPEC.md section 2 defines it.
import { Encoder, type ExtensionCodecType } from "@msgpack/msgpack";
import { IronError } from "../errors.js";
import { MAX_MESSAGE_BYTES } from "./constants.js";
import type { OutboundMessage } from "./messages.js";
import { decodeMsgpack } from "./msgpack-decode.js";

// Extension types are not part of the protocol: never produced (decoding refuses them too).
const noExtensions: ExtensionCodecType<undefined> = {
  tryToEncode: () => null,
  decode: (_data, type) => {
    throw new Error(`extension type ${type} is not allowed`);
  },
};

// One encoder, reused: it keeps its internal buffer warm, which matters per call. Decoding is our
// own (msgpack-decode.ts): it checks every length against the input and keeps "__proto__" keys.
const encoder = new Encoder({ extensionCodec: noExtensions, ignoreUndefined: false, initialBufferSize: 4096 });

/** Encodes one value to msgpack bytes (a view over a fresh copy, safe to keep). */
export function encode(value: unknown): Uint8Array {
  return encoder.encode(value);
}

// A decision's keys that are left out when nil (SPEC 3.5: a shim reads an absent key as nil). `budget`
// stays: nil there says the agent no longer has a limit.
function leftOutWhenNil(key: string): boolean {
  return key === "policy" || key === "code" || key === "reason" || key === "status" || key === "retry_after" || key === "body" || key === "url";
}

/** Encodes one message the supervisor sends; a decision without its nil keys (most are nil on an allow). */
export function encodeMessage(message: OutboundMessage): Uint8Array {
  if (message.type !== "decision") return encoder.encode(message);
  // A plain for-in copy: Object.entries and a Set lookup per key cost more than the keys left out save.
  const slim: Record<string, unknown> = {};
  const fields = message as unknown as Record<string, unknown>;
  for (const key in fields) {
    const value = fields[key];
    if (value !== null || !leftOutWhenNil(key)) slim[key] = value;
  }
  return encoder.encode(slim);
}

/** Decodes exactly one msgpack value; throws IRON_ERR_PROTOCOL on anything malformed. */
export function decode(bytes: Uint8Array): unknown {
  if (bytes.byteLength > MAX_MESSAGE_BYTES) {
    throw new IronError("IRON_ERR_PROTOCOL", "message too large", {
      expected: `at most ${MAX_MESSAGE_BYTES} bytes`,
      got: `${bytes.byteLength} bytes`,
    });
  }
  try {
    return decodeMsgpack(bytes);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new IronError("IRON_ERR_PROTOCOL", `malformed msgpack: ${reason}`, { cause });
  }
}
