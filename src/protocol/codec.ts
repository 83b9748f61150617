// The codec seam between wire bytes and values: msgpack, as SPEC.md section 2 defines it.
import { Encoder, type ExtensionCodecType } from "@msgpack/msgpack";
import { IronError } from "../errors.js";
import { MAX_MESSAGE_BYTES } from "./constants.js";
import type { OutboundMessage } from "./messages.js";
import { decodeMsgpack } from "./msgpack-decode.js";
import { encodeDecisionFast, leftOutWhenNil } from "./decision-encoder.js";

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

/** Encodes one message the supervisor sends; a decision without its nil keys (most are nil on an allow). */
export function encodeMessage(message: OutboundMessage): Uint8Array {
  if (message.type !== "decision") return encoder.encode(message);
  const { v, type: _type, id, ...fields } = message;
  return encodeDecision(v, id, fields);
}

/**
 * Encodes a decision (`fields` without its envelope) as `encodeMessage` encodes
 * `{ v, type: "decision", id, ...fields }`: by hand, or by the generic encoder when a field needs it.
 */
export function encodeDecision(version: number, id: number, fields: object): Uint8Array {
  return encodeDecisionFast(version, id, fields) ?? encodeSlim(version, id, fields as Record<string, unknown>);
}

// The generic path: a plain for-in copy without the nil keys that are left out.
function encodeSlim(version: number, id: number, fields: Record<string, unknown>): Uint8Array {
  const slim: Record<string, unknown> = { v: version, type: "decision", id };
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
