// Loads protocol/vectors/*.json, expanding the compact notation of protocol/SPEC.md section 5.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface Vector {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly value: unknown;
  readonly encode: boolean;
  readonly raw: Record<string, unknown>;
}

const ROOT = fileURLToPath(new URL("../../protocol/vectors/", import.meta.url));

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

/** hex is a string or a list of [hex, count] segments. */
export function expandHex(hex: string | [string, number][]): Uint8Array {
  if (typeof hex === "string") return fromHex(hex);
  return Uint8Array.from(Buffer.concat(hex.map(([part, count]) => Buffer.from(part.repeat(count), "hex"))));
}

/** Turns tagged JSON into the value a decoder must produce. */
export function expandValue(tagged: unknown): unknown {
  if (Array.isArray(tagged)) return tagged.map(expandValue);
  if (tagged === null || typeof tagged !== "object") return tagged;
  const entries = Object.entries(tagged as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, arg] = entries[0] as [string, unknown];
    const a = arg as [unknown, number];
    switch (key) {
      case "$bin":
        return fromHex(arg as string);
      case "$float":
        return arg as number;
      case "$repeat_str":
        return (a[0] as string).repeat(a[1]);
      case "$repeat_bin":
        return fromHex((a[0] as string).repeat(a[1]));
      case "$repeat_array":
        return Array.from({ length: a[1] }, () => expandValue(a[0]));
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, expandValue(v)]));
}

/** The vectors of one file. */
export function loadVectors(file: "msgpack.json" | "messages.json" | "zmtp.json"): Vector[] {
  const parsed = JSON.parse(readFileSync(ROOT + file, "utf8")) as { vectors: Record<string, unknown>[] };
  return parsed.vectors.map((raw) => ({
    name: raw.name as string,
    bytes: expandHex(raw.hex as string | [string, number][]),
    value: expandValue(raw.value),
    encode: raw.encode === true,
    raw,
  }));
}

/** One case of protocol/vectors/auth.json (SPEC 3.1a), bytes decoded from hex. */
export interface AuthVector {
  readonly name: string;
  readonly token: string;
  readonly clientNonce: Buffer;
  readonly serverNonce: Buffer;
  readonly hello: Buffer;
  readonly context: Buffer;
  readonly serverProof: Buffer;
  readonly clientProof: Buffer;
}

/** The challenge–response vectors. */
export function loadAuthVectors(): AuthVector[] {
  const parsed = JSON.parse(readFileSync(`${ROOT}auth.json`, "utf8")) as { vectors: Record<string, string>[] };
  const bytes = (hex: string | undefined): Buffer => Buffer.from(hex ?? "", "hex");
  return parsed.vectors.map((raw) => ({
    name: raw.name as string,
    token: raw.token as string,
    clientNonce: bytes(raw.client_nonce),
    serverNonce: bytes(raw.server_nonce),
    hello: bytes(raw.hello),
    context: bytes(raw.context),
    serverProof: bytes(raw.server_proof),
    clientProof: bytes(raw.client_proof),
  }));
}
