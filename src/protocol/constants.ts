// Numbers both sides of the wire agree on (protocol/SPEC.md).

/** The protocol version carried in every message's `v`. */
export const PROTOCOL_VERSION = 1;

/** Largest message either side accepts: 16 MiB (SPEC.md section 1). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Largest message a connection may send before its welcome: a hello needs far less (SPEC.md 3.1). */
export const MAX_PRE_WELCOME_BYTES = 8 * 1024;

/** Longest string each hello field may hold, in characters (SPEC.md 3.1). */
export const HELLO_LIMITS = { agent: 128, python: 64, shim: 64, host: 255, executable: 4096 } as const;

/** Size of each side's nonce in the challenge–response, and of every proof (HMAC-SHA256) (SPEC.md 3.1a). */
export const AUTH_NONCE_BYTES = 32;
export const AUTH_PROOF_BYTES = 32;

/**
 * The wire features this supervisor takes beyond version 1's messages, listed in `welcome.features`
 * (SPEC.md 3.2): `body_json`, request and response bodies sent as their own JSON bytes.
 */
export const WIRE_FEATURES: readonly string[] = ["body_json"];
