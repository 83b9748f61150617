// Numbers both sides of the wire agree on (protocol/SPEC.md).

/** The protocol version carried in every message's `v`. */
export const PROTOCOL_VERSION = 1;

/** Largest message either side accepts: 16 MiB (SPEC.md section 1). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
