// Protects the challenge–response of SPEC 3.1a on a real supervisor over real TCP: the token never
// crosses the wire, the supervisor proves first, a wrong proof is refused, a captured exchange
// cannot be replayed, a shim that sends its token in clear is refused by name, and a real Python
// shim whose token is not the supervisor's refuses the supervisor and sends nothing more (issue 16,
// item 3).
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Supervisor, type IronEvent } from "../../src/index.js";
import { handshake, PROOF_ID_OFFSET } from "../helpers/auth-peer.js";
import { DEBIAN_PYTHON } from "../helpers/iron.js";
import { SHIM_ROOT } from "../helpers/joined.js";
import { dealer, hello, message } from "../helpers/zmtp-peer.js";

let sup: Supervisor;
let tcp: string;
const events: IronEvent[] = [];

/** The agent.rejected summaries so far, for one requested name. */
const refusals = (requested: string) => events.filter((e): e is IronEvent<"agent.rejected"> => e.type === "agent.rejected" && e.requested === requested);

beforeAll(async () => {
  sup = await Supervisor.start({ listen: ["tcp://127.0.0.1:0"], joinToken: true, stream: false });
  sup.on("event", (e) => void events.push(e));
  tcp = sup.endpoints.find((e) => e.startsWith("tcp://")) as string;
});

afterAll(async () => {
  await sup?.close();
});

describe("the challenge–response on a real supervisor", () => {
  it("proves the join token first, welcomes the client's proof, and the token is in no message either way", async () => {
    const peer = await dealer(tcp);
    const done = await handshake(peer, 1, "prover", sup.joinToken as string);
    expect(done.supervisorProved).toBe(true);
    expect(done.challenge).toMatchObject({ type: "challenge", id: 1 });
    expect((done.challenge.proofs as Uint8Array[]).length).toBe(2);
    expect(done.reply).toMatchObject({ type: "welcome", id: 1 + PROOF_ID_OFFSET, agent: "prover" });
    const token = Buffer.from(sup.joinToken as string);
    expect(done.helloBytes.includes(token) || done.proofBytes?.includes(token)).toBe(false);
    peer.destroy();
  });

  it("refuses a proof made with a wrong token, and a client holding it can tell the supervisor did not prove its token", async () => {
    const peer = await dealer(tcp);
    const done = await handshake(peer, 2, "guesser", "iron_join_a-wrong-guess-of-the-token", { proveAnyway: true });
    expect(done.supervisorProved).toBe(false);
    expect(done.reply).toMatchObject({ type: "reject", code: "IRON_ERR_AUTH", reason: 'the proof does not match a token this supervisor holds for agent "guesser"' });
    await expect.poll(() => refusals("guesser").length).toBe(1);
    peer.destroy();
  });

  it("refuses a captured exchange replayed on a new connection: the supervisor's nonce is new", async () => {
    const first = await dealer(tcp);
    const captured = await handshake(first, 3, "replayed", sup.joinToken as string);
    expect(captured.reply).toMatchObject({ type: "welcome" });
    const replay = await dealer(tcp);
    const again = await handshake(replay, 3, "replayed", "(the attacker does not know it)", {
      helloBytes: captured.helloBytes,
      proofBytes: captured.proofBytes as Buffer,
      proveAnyway: true,
    });
    expect(Buffer.from(again.challenge.nonce as Uint8Array).equals(Buffer.from(captured.challenge.nonce as Uint8Array))).toBe(false);
    expect(again.reply).toMatchObject({ type: "reject", code: "IRON_ERR_AUTH" });
    // A proof answers one challenge once: sent again on the welcomed connection, it is refused.
    await first.write(Buffer.concat([Buffer.from([0, (captured.proofBytes as Buffer).length]), captured.proofBytes as Buffer]));
    expect(await first.waitFor((m) => m.type === "reject" && m.id === 3 + PROOF_ID_OFFSET)).toMatchObject({ code: "IRON_ERR_PROTOCOL" });
    first.destroy();
    replay.destroy();
  });

  it("refuses a shim that sends its token in clear with IRON_ERR_VERSION naming the shim's version", async () => {
    const peer = await dealer(tcp);
    const { nonce: _none, ...old } = hello(4, "old-shim");
    await peer.write(message({ ...old, token: sup.joinToken, shim: "0.0.9" }));
    const reject = await peer.waitFor((m) => m.type === "reject");
    expect(reject).toMatchObject({ id: 4, code: "IRON_ERR_VERSION" });
    expect(String(reject.reason)).toContain('shim "0.0.9" sent its token in clear');
    expect(String(reject.reason)).toContain("challenge–response of protocol/SPEC.md 3.1a");
    await expect.poll(() => refusals("old-shim").map((r) => r.code)).toEqual(["IRON_ERR_VERSION"]);
    expect(JSON.stringify(events)).not.toContain(sup.joinToken as string);
    peer.destroy();
  });

  it("counts a peer that leaves without answering the challenge as a refusal", async () => {
    const peer = await dealer(tcp);
    const done = await handshake(peer, 5, "walked-away", "iron_join_some-other-supervisors-token");
    expect(done.supervisorProved).toBe(false);
    expect(done.reply).toBeNull();
    peer.destroy();
    await expect.poll(() => refusals("walked-away").map((r) => r.reason), { timeout: 10_000 }).toEqual(["the peer left without answering the challenge: it holds another token (or is not a shim)"]);
  });

  it("a real Python shim holding another token refuses the supervisor and proves nothing", async () => {
    const script = [
      "import iron_shim",
      "try:",
      `    iron_shim.install(endpoint=${JSON.stringify(tcp)}, token="iron_join_not-this-supervisors-token", agent="py-wrong", timeout_ms=5000)`,
      "except iron_shim.IronConnectionError as e:",
      "    print(e.code, e.message)",
    ].join("\n");
    const run = await execa(DEBIAN_PYTHON, ["-c", script], { env: { PYTHONPATH: SHIM_ROOT }, extendEnv: false, reject: false });
    expect(run.stdout).toContain("IRON_ERR_AUTH");
    expect(run.stdout).toContain("did not prove it knows this agent's token");
    await expect.poll(() => refusals("py-wrong").map((r) => r.reason), { timeout: 10_000 }).toEqual(["the peer left without answering the challenge: it holds another token (or is not a shim)"]);
    expect(sup.joined.has("py-wrong")).toBe(false);
  });
});
