// Protects the supervisor's bookkeeping of SPEC 3.1a: every challenge carries two proofs whatever it
// holds, a proof is checked against every secret of its challenge (the join token proves a joiner even
// when a spawned agent of that name exists), and a challenge answers one proof only.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encode } from "../../src/protocol/codec.js";
import type { HelloMessage } from "../../src/protocol/messages.js";
import { Challenges, PROOFS_SENT } from "../../src/transport/challenges.js";
import { authContext, clientProof, sameProof, serverProof, tokenKey } from "../../src/transport/handshake.js";

const agentKey = tokenKey("iron_spawned-agent-token");
const joinKey = tokenKey("iron_join_the-join-token-0123");

function helloOf(agent: string): { hello: HelloMessage; payload: Uint8Array } {
  const hello: HelloMessage = { v: 1, type: "hello", id: 1, agent, nonce: randomBytes(32), pid: 1, python: "3.11.0", shim: "t", host: "h", executable: "p", parent_pid: null };
  return { hello, payload: encode(hello) };
}

describe("Challenges", () => {
  it("sends two proofs whether it holds one secret or two, the real ones first", () => {
    const challenges = new Challenges();
    const { hello, payload } = helloOf("a");
    const one = challenges.begin("k", hello, payload, [{ kind: "join", key: joinKey }]);
    expect(one.proofs).toHaveLength(PROOFS_SENT);
    expect(Buffer.from(one.proofs[0] as Uint8Array).equals(serverProof(joinKey, hello.nonce, one.nonce, authContext(payload)))).toBe(true);
    const two = challenges.begin("k", hello, payload, [
      { kind: "agent", key: agentKey },
      { kind: "join", key: joinKey },
    ]);
    expect(two.proofs).toHaveLength(PROOFS_SENT);
  });

  it("finds the secret a proof was made with, among all of them", () => {
    const challenges = new Challenges();
    const { hello, payload } = helloOf("worker");
    const sent = challenges.begin("k", hello, payload, [
      { kind: "agent", key: agentKey },
      { kind: "join", key: joinKey },
    ]);
    const proof = clientProof(joinKey, hello.nonce, sent.nonce, authContext(payload));
    expect(challenges.answer("k", proof)?.credential?.kind).toBe("join");
  });

  it("answers one proof per challenge: the same proof again finds no challenge", () => {
    const challenges = new Challenges();
    const { hello, payload } = helloOf("a");
    const sent = challenges.begin("k", hello, payload, [{ kind: "join", key: joinKey }]);
    const proof = clientProof(joinKey, hello.nonce, sent.nonce, authContext(payload));
    expect(challenges.answer("k", proof)?.credential?.kind).toBe("join");
    expect(challenges.answer("k", proof)).toBeUndefined();
  });

  it("refuses a server proof reflected as a client proof, and a proof for another hello", () => {
    const challenges = new Challenges();
    const { hello, payload } = helloOf("a");
    const sent = challenges.begin("k", hello, payload, [{ kind: "join", key: joinKey }]);
    expect(challenges.answer("k", sent.proofs[0] as Uint8Array)?.credential).toBeNull();
    const other = helloOf("b");
    const again = challenges.begin("k", hello, payload, [{ kind: "join", key: joinKey }]);
    expect(challenges.answer("k", clientProof(joinKey, hello.nonce, again.nonce, authContext(other.payload)))?.credential).toBeNull();
  });

  it("forgets the oldest challenges beyond its capacity", () => {
    const challenges = new Challenges(2);
    for (const key of ["a", "b", "c"]) {
      const { hello, payload } = helloOf(key);
      challenges.begin(key, hello, payload, [{ kind: "join", key: joinKey }]);
    }
    expect(challenges.helloOf("a")).toBeUndefined();
    expect(challenges.helloOf("c")?.agent).toBe("c");
  });
});

describe("sameProof", () => {
  it("is false for a proof of another size", () => {
    const proof = randomBytes(32);
    expect(sameProof(proof, Buffer.from(proof))).toBe(true);
    expect(sameProof(proof, proof.subarray(0, 31))).toBe(false);
  });
});
