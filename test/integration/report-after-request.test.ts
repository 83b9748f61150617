// A report nobody waits for (an llm.response with reply false) that arrives in the same read as the
// next call's llm.request is handled after that request is decided: the caller of the new call
// waits for its decision, nobody waits for the report. Frames of any other kind keep their order
// (a call's own response after its request, a goodbye after every report). A raw joined peer on
// the real socket writes the frames in one write, as a shim does when the supervisor is behind.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Supervisor, type IronEvent } from "../../src/index.js";
import { dealer, message, type RawPeer } from "../helpers/zmtp-peer.js";
import { authenticate } from "../helpers/auth-peer.js";
import { wireRequest, wireResponse } from "../helpers/wire-request.js";

let sup: Supervisor;
let peer: RawPeer;
const events: IronEvent[] = [];

/** Where the first event of `type` for `callId` stands in the event order (a call's first llm.decision is its request's). */
function at(type: string, callId: string): number {
  const index = events.findIndex((e) => e.type === type && "callId" in e && e.callId === callId);
  expect(index, `${type} of ${callId}`).toBeGreaterThanOrEqual(0);
  return index;
}

async function decided(id: number): Promise<Record<string, unknown>> {
  return await peer.waitFor((m) => m.id === id && m.type === "decision");
}

beforeAll(async () => {
  sup = await Supervisor.start({ budgetUsd: 1, joinToken: true, stream: false });
  sup.on("event", (e) => void events.push(e));
  peer = await dealer(sup.endpoint);
  await authenticate(peer, 1, "reporter", sup.joinToken as string);
});

afterAll(async () => {
  peer?.destroy();
  await sup?.close();
});

describe("unanswered reports and the next request in one read", () => {
  it("decides the request first, then handles the report", async () => {
    await peer.write(message(wireRequest(10)));
    await decided(10);
    await peer.write(Buffer.concat([message(wireResponse(10, { reply: false })), message(wireRequest(12))]));
    expect(["allow", "modify"]).toContain((await decided(12)).action);
    await expect.poll(() => events.some((e) => e.type === "llm.response" && e.callId === "c-10")).toBe(true);
    // The request decision of c-12 is made (and its event follows it) before the report of c-10 is handled.
    expect(at("llm.decision", "c-12")).toBeLessThan(at("llm.response", "c-10"));
    // Not answered: no decision ever comes for the report's id.
    expect(peer.reader.messages.filter((m) => (m as { id?: number }).id === 11)).toEqual([]);
    await peer.write(message(wireResponse(12)));
    await decided(13);
  });

  it("keeps a call's own frames and a session's other frames in order", async () => {
    await peer.write(message(wireRequest(20)));
    await decided(20);
    // Report of c-20 (unanswered), request c-22, then c-22's answered response: c-20's report runs
    // before c-22's response (any frame but a request runs the held reports first).
    await peer.write(Buffer.concat([message(wireResponse(20, { reply: false })), message(wireRequest(22)), message(wireResponse(22))]));
    await decided(23);
    expect(at("llm.decision", "c-22")).toBeLessThan(at("llm.response", "c-20"));
    expect(at("llm.response", "c-20")).toBeLessThan(at("llm.response", "c-22"));
    await expect.poll(() => sup.budgets.balances().find((b) => b.scope === "global")?.reserved).toBe(0);
  });
});
