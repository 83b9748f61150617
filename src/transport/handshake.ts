// The challenge–response of protocol/SPEC.md 3.1a, as pure functions: both sides prove they know
// the token without sending it. The client's hello carries its nonce nc; the supervisor answers
// with its nonce ns and proves first, so a shim never sends anything beyond its hello to a peer
// that does not know the token; then the client proves. Each proof is bound to both nonces (a
// captured exchange cannot be replayed) and to the hello's exact bytes and the protocol version.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { AUTH_NONCE_BYTES, PROTOCOL_VERSION } from "../protocol/constants.js";

const SERVER_LABEL = Buffer.from("iron-srv", "ascii");
const CLIENT_LABEL = Buffer.from("iron-cli", "ascii");

/** A fresh nonce from the system's CSPRNG. */
export function newNonce(): Buffer {
  return randomBytes(AUTH_NONCE_BYTES);
}

/** What both proofs are bound to: SHA-256("iron/<version>\0" ‖ the hello's payload bytes as sent). */
export function authContext(helloPayload: Uint8Array): Buffer {
  return createHash("sha256").update(`iron/${PROTOCOL_VERSION}\u0000`, "ascii").update(helloPayload).digest();
}

// HMAC-SHA256(key, label ‖ nc ‖ ns ‖ context): every part has a fixed size, so the concatenation is unambiguous.
function proof(key: Uint8Array, label: Buffer, clientNonce: Uint8Array, serverNonce: Uint8Array, context: Uint8Array): Buffer {
  return createHmac("sha256", key).update(label).update(clientNonce).update(serverNonce).update(context).digest();
}

/** The supervisor's proof that it knows `key`. */
export function serverProof(key: Uint8Array, clientNonce: Uint8Array, serverNonce: Uint8Array, context: Uint8Array): Buffer {
  return proof(key, SERVER_LABEL, clientNonce, serverNonce, context);
}

/** The shim's proof that it knows `key` (another label: a server proof can never be reflected as one). */
export function clientProof(key: Uint8Array, clientNonce: Uint8Array, serverNonce: Uint8Array, context: Uint8Array): Buffer {
  return proof(key, CLIENT_LABEL, clientNonce, serverNonce, context);
}

/** Constant-time equality of two proofs (false, after the same work, when the sizes differ). */
export function sameProof(expected: Uint8Array, got: Uint8Array): boolean {
  if (expected.byteLength !== got.byteLength) {
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(expected, got);
}

/** The HMAC key of a token: its UTF-8 bytes. */
export function tokenKey(token: string): Buffer {
  return Buffer.from(token, "utf8");
}
