// The shim's side of the challenge–response (SPEC 3.1a) for raw test peers: hello, check the
// supervisor's proof, prove, and the welcome or reject that follows. Built on the same pure
// functions the supervisor uses, which the shared vectors pin to the Python shim's.
import { randomBytes } from "node:crypto";
import type { Dealer } from "zeromq";
import { decode, encode } from "../../src/protocol/codec.js";
import { authContext, clientProof, serverProof, tokenKey } from "../../src/transport/handshake.js";
import { frame, hello, type RawPeer } from "./zmtp-peer.js";

/** The id a test peer's proof carries: the hello's id plus this (SPEC: every message a fresh id). */
export const PROOF_ID_OFFSET = 100_000;

export interface Handshake {
  /** The supervisor's answer to the hello (challenge or reject). */
  readonly challenge: Record<string, unknown>;
  /** True when one of the challenge's proofs is the supervisor's proof of `token`. */
  readonly supervisorProved: boolean;
  /** The answer to the proof (welcome or reject); null when the hello was rejected or no proof was sent. */
  readonly reply: Record<string, unknown> | null;
  /** The bytes each step sent, for replay tests. */
  readonly helloBytes: Buffer;
  readonly proofBytes: Buffer | null;
}

export interface HandshakeOptions {
  /** Extra or replacing hello fields (pid, parent_pid, host…). */
  readonly fields?: Record<string, unknown>;
  /** Send the proof even when the supervisor did not prove `token` (a client with a wrong token that goes on). */
  readonly proveAnyway?: boolean;
  /** A ready-made hello payload (a replayed one) instead of a fresh hello. */
  readonly helloBytes?: Buffer;
  /** A ready-made proof payload (a replayed one) instead of computing it. */
  readonly proofBytes?: Buffer;
}

/** Runs the client side of the handshake with `token`; answers what the supervisor said at each step. */
export async function handshake(peer: RawPeer, id: number, agent: string, token: string, options: HandshakeOptions = {}): Promise<Handshake> {
  const helloValue = { ...hello(id, agent), ...options.fields };
  const helloBytes = options.helloBytes ?? Buffer.from(encode(helloValue));
  const sentHello = options.helloBytes === undefined ? helloValue : null;
  await peer.write(frame(helloBytes));
  const challenge = await peer.waitFor((m) => m.id === id && (m.type === "challenge" || m.type === "reject"));
  if (challenge.type !== "challenge") return { challenge, supervisorProved: false, reply: null, helloBytes, proofBytes: null };
  const key = tokenKey(token);
  const context = authContext(helloBytes);
  const clientNonce = (sentHello?.nonce ?? helloNonce(helloBytes)) as Uint8Array;
  const serverNonce = challenge.nonce as Uint8Array;
  const expected = serverProof(key, clientNonce, serverNonce, context);
  const supervisorProved = (challenge.proofs as Uint8Array[]).some((p) => Buffer.from(p).equals(expected));
  if (!supervisorProved && options.proveAnyway !== true) return { challenge, supervisorProved, reply: null, helloBytes, proofBytes: null };
  const proofId = id + PROOF_ID_OFFSET;
  const proofBytes = options.proofBytes ?? Buffer.from(encode({ v: 1, type: "proof", id: proofId, proof: clientProof(key, clientNonce, serverNonce, context) }));
  await peer.write(frame(proofBytes));
  const reply = await peer.waitFor((m) => m.id === proofId && (m.type === "welcome" || m.type === "reject"));
  return { challenge, supervisorProved, reply, helloBytes, proofBytes };
}

/** Handshakes and expects a welcome; answers it. */
export async function authenticate(peer: RawPeer, id: number, agent: string, token: string, fields?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const done = await handshake(peer, id, agent, token, fields === undefined ? {} : { fields });
  if (done.reply?.type !== "welcome") throw new Error(`expected a welcome, got ${JSON.stringify(done.reply ?? done.challenge)}`);
  return done.reply;
}

// The nonce inside a replayed hello's bytes (a hello this helper built: 32 bytes after the `nonce` key).
function helloNonce(bytes: Buffer): Uint8Array {
  const at = bytes.indexOf(Buffer.from("a56e6f6e6365c420", "hex")); // "nonce", bin8 of 32
  if (at < 0) throw new Error("no nonce in the replayed hello");
  return bytes.subarray(at + 8, at + 40);
}

/** The same handshake over a zeromq.js DEALER (real libzmq on the client side too); the proof is
 * sent whatever the supervisor proved (a client with a wrong token that goes on). Answers the
 * challenge's reject, or the proof's welcome or reject. */
export async function dealerHandshake(dealer: Dealer, token: string, fields: Record<string, unknown>): Promise<{ reply: Record<string, unknown>; supervisorProved: boolean }> {
  const nonce = randomBytes(32);
  const helloBytes = encode({ ...hello(1, "raw", nonce), ...fields });
  await dealer.send(helloBytes);
  const challenge = decode((await dealer.receive())[0] as Buffer) as Record<string, unknown>;
  if (challenge.type !== "challenge") return { reply: challenge, supervisorProved: false };
  const key = tokenKey(token);
  const context = authContext(helloBytes);
  const expected = serverProof(key, nonce, challenge.nonce as Uint8Array, context);
  const supervisorProved = (challenge.proofs as Uint8Array[]).some((p) => Buffer.from(p).equals(expected));
  await dealer.send(encode({ v: 1, type: "proof", id: 2, proof: clientProof(key, nonce, challenge.nonce as Uint8Array, context) }));
  return { reply: decode((await dealer.receive())[0] as Buffer) as Record<string, unknown>, supervisorProved };
}
