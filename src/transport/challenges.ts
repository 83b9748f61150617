// The challenges sent and not yet answered, one per connection: what the supervisor remembers
// between a hello and its proof (SPEC 3.1a). Each server nonce is used once: a proof is checked
// against the challenge it answers and the challenge is gone either way, so a captured proof can
// never be replayed.
import { randomBytes } from "node:crypto";
import { AUTH_PROOF_BYTES } from "../protocol/constants.js";
import type { ChallengeMessage, HelloMessage } from "../protocol/messages.js";
import { authContext, clientProof, newNonce, sameProof, serverProof } from "./handshake.js";

/** Which secret a hello proved: a spawned agent's per-incarnation token, or the join token. */
export type CredentialKind = "agent" | "join";

/** A secret that may authenticate a hello, as an HMAC key. */
export interface Credential {
  readonly kind: CredentialKind;
  readonly key: Uint8Array;
}

/** Proofs in every challenge, real ones first then random filler: how many secrets the supervisor holds for a hello is not told. */
export const PROOFS_SENT = 2;

interface Pending {
  readonly hello: HelloMessage;
  readonly serverNonce: Buffer;
  readonly context: Buffer;
  readonly credentials: readonly Credential[];
}

/** A proof checked: the hello it completes, and the secret it proved (null: none matched). */
export interface Answered {
  readonly hello: HelloMessage;
  readonly credential: Credential | null;
}

/** Pending challenges by routing id, bounded (the oldest are forgotten first). */
export class Challenges {
  readonly #pending = new Map<string, Pending>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  /** Challenges waiting for their proof. */
  get size(): number {
    return this.#pending.size;
  }

  /** Starts (or restarts) the challenge of a connection; answers the message to send. */
  begin(key: string, hello: HelloMessage, helloPayload: Uint8Array, credentials: readonly Credential[]): Omit<ChallengeMessage, "v" | "type" | "id"> {
    const serverNonce = newNonce();
    const context = authContext(helloPayload);
    const proofs = credentials.slice(0, PROOFS_SENT).map((c) => serverProof(c.key, hello.nonce, serverNonce, context));
    while (proofs.length < PROOFS_SENT) proofs.push(randomBytes(AUTH_PROOF_BYTES));
    this.#pending.delete(key);
    this.#pending.set(key, { hello, serverNonce, context, credentials: credentials.slice(0, PROOFS_SENT) });
    while (this.#pending.size > this.#capacity) this.#pending.delete(this.#pending.keys().next().value as string);
    return { nonce: serverNonce, proofs };
  }

  /** Checks a client's proof against every secret of the challenge (all compared, constant time); undefined when none is pending. */
  answer(key: string, proof: Uint8Array): Answered | undefined {
    const pending = this.#pending.get(key);
    if (pending === undefined) return undefined;
    this.#pending.delete(key);
    let matched: Credential | null = null;
    for (const credential of pending.credentials) {
      const expected = clientProof(credential.key, pending.hello.nonce, pending.serverNonce, pending.context);
      if (sameProof(expected, proof) && matched === null) matched = credential;
    }
    return { hello: pending.hello, credential: matched };
  }

  /** The hello of a connection's pending challenge, if any. */
  helloOf(key: string): HelloMessage | undefined {
    return this.#pending.get(key)?.hello;
  }

  /** Drops a connection's challenge (it closed, was muted or was welcomed). */
  forget(key: string): void {
    this.#pending.delete(key);
  }
}
