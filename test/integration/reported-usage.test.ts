// Usage is the agent's word: a joined agent (a raw ZMTP peer with the join token on the real
// socket) reports what its calls used. Negative or absurd counts are refused with an event and
// charged the call's worst case, a charge is never negative, the price is the higher of the
// model asked for and the model reported, and reported usage is charged whatever the status
// (issue 16, item 5).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Supervisor, type IronEvent } from "../../src/index.js";
import { dealer, message, type RawPeer } from "../helpers/zmtp-peer.js";
import { authenticate } from "../helpers/auth-peer.js";
import type { LlmRequestMessage } from "../../src/protocol/messages.js";
import { wireRequest } from "../helpers/wire-request.js";

let sup: Supervisor;
let peer: RawPeer;
const events: IronEvent[] = [];
let nextId = 10;

function request(id: number, call: string, model: string): LlmRequestMessage {
  const body = { model, messages: [{ role: "user", content: "hi" }], max_tokens: 100 };
  return wireRequest(id, { call, model, body, est_tokens: { input: 5, output: 100 } });
}

function response(id: number, call: string, fields: { status?: number; model?: string; usage: Record<string, number> }): Record<string, unknown> {
  return {
    v: 1,
    type: "llm.response",
    id,
    call,
    status: fields.status ?? 200,
    usage: fields.usage,
    output: "hello",
    body: null,
    latency_ms: 10,
    stream: false,
    complete: true,
    error: null,
    request_id: null,
    model: fields.model ?? null,
    retry_after: null,
  };
}

/** Sends one call through the socket; answers what it cost (the `llm.response` event's costMicros). */
async function call(model: string, fields: { status?: number; model?: string; usage: Record<string, number> }): Promise<{ cost: number; callId: string }> {
  const callId = `c-${nextId}`;
  const id = nextId;
  nextId += 2;
  await peer.write(message(request(id, callId, model)));
  expect(await peer.waitFor((m) => m.id === id)).toMatchObject({ type: "decision", action: "allow" });
  await peer.write(message(response(id + 1, callId, fields)));
  await peer.waitFor((m) => m.id === id + 1);
  const done = events.find((e) => e.type === "llm.response" && e.callId === callId) as Extract<IronEvent, { type: "llm.response" }>;
  return { cost: done.costMicros, callId };
}

const globalSpent = (): number => sup.budgets.balances().find((b) => b.scope === "global")?.spent ?? 0;

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

describe("usage reported by a joined agent", () => {
  it("refuses negative token counts with an IRON_ERR_USAGE_INVALID event and never lowers the spend", async () => {
    const before = globalSpent();
    const { cost, callId } = await call("gpt-4o-mini", { usage: { input_tokens: -1_000_000_000, output_tokens: -1_000_000_000 } });
    expect(cost).toBeGreaterThan(0);
    expect(globalSpent()).toBeGreaterThanOrEqual(before + cost);
    const refused = events.find((e) => e.type === "llm.usage.rejected" && e.callId === callId);
    expect(refused).toMatchObject({ code: "IRON_ERR_USAGE_INVALID", agentId: "reporter" });
    expect(String((refused as { reason: string }).reason)).toContain("input_tokens");
  });

  it("refuses absurd token counts and charges the call's worst case instead", async () => {
    const { cost, callId } = await call("gpt-4o-mini", { usage: { input_tokens: 5, output_tokens: 2 ** 40 } });
    expect(events.some((e) => e.type === "llm.usage.rejected" && e.callId === callId)).toBe(true);
    // the worst case: the request's input and its 100 max tokens at gpt-4o-mini's price, far below $1
    expect(cost).toBeGreaterThan(0);
    expect(cost).toBeLessThan(1000);
  });

  it("prices at the higher of the model asked for and the model reported", async () => {
    const usage = { input_tokens: 1000, output_tokens: 1000 };
    const honest = await call("gpt-4o", { usage, model: "gpt-4o" });
    const cheaper = await call("gpt-4o", { usage, model: "gpt-4o-mini" });
    expect(cheaper.cost).toBe(honest.cost);
  });

  it("charges reported usage whatever the status", async () => {
    const usage = { input_tokens: 1000, output_tokens: 1000 };
    const ok = await call("gpt-4o-mini", { usage });
    const failed = await call("gpt-4o-mini", { usage, status: 500 });
    expect(failed.cost).toBe(ok.cost);
  });
});
