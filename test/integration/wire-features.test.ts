// The wire features of protocol/SPEC.md 3.2/3.4/3.6 over a real socket: the welcome lists
// body_json, a body sent as its own JSON bytes is decided on, bytes that are not JSON are refused by
// name, and a fire-and-forget llm.response (reply: false) is handled but not answered.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Supervisor } from "../../src/index.js";
import type { IronEvent } from "../../src/index.js";
import { authenticate } from "../helpers/auth-peer.js";
import { spawnTokenHolder, type Holder } from "../helpers/token-holder.js";
import { dealer, message, type RawPeer } from "../helpers/zmtp-peer.js";
import { wireRequest } from "../helpers/wire-request.js";

let sup: Supervisor;
let holder: Holder;
const events: IronEvent[] = [];

function response(id: number, call: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    v: 1,
    type: "llm.response",
    id,
    call,
    status: 200,
    usage: null,
    output: "ok",
    body: null,
    latency_ms: 1,
    stream: true,
    complete: true,
    error: null,
    request_id: null,
    model: null,
    ...fields,
  };
}

async function connected(): Promise<{ peer: RawPeer; welcome: Record<string, unknown> }> {
  const peer = await dealer(sup.endpoint);
  const welcome = await authenticate(peer, 1, holder.agent, holder.token);
  return { peer, welcome };
}

beforeAll(async () => {
  sup = await Supervisor.start({});
  sup.on("event", (e) => events.push(e));
  holder = await spawnTokenHolder(sup);
});

afterAll(async () => {
  await sup?.close();
});

describe("wire features", () => {
  it("lists body_json in the welcome, and decides on a body sent as its own JSON bytes", async () => {
    const { peer, welcome } = await connected();
    expect(welcome.features).toEqual(["body_json"]);
    const bodyJson = Buffer.from(JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Héllo" }] }));
    const { body: _body, ...request } = wireRequest(10, { call: "c-json" });
    await peer.write(message({ ...request, body_json: bodyJson }));
    expect(await peer.waitFor((m) => m.id === 10)).toMatchObject({ type: "decision", call: "c-json", action: "allow" });
    await peer.write(message({ ...request, id: 11, call: "c-bad", body_json: Buffer.from('{"model":"gpt-4o-mini","x":NaN}') }));
    const refused = await peer.waitFor((m) => m.id === 11);
    expect(refused).toMatchObject({ type: "error", code: "IRON_ERR_PROTOCOL" });
    expect(String(refused.reason)).toMatch(/body_json.*expected UTF-8 JSON/);
    peer.destroy();
  });

  it("handles an llm.response that says reply: false without answering it", async () => {
    const { peer } = await connected();
    await peer.write(message(wireRequest(20, { call: "c-quiet" })));
    await peer.write(message(wireRequest(21, { call: "c-loud" })));
    await peer.waitFor((m) => m.id === 21);
    await peer.write(message(response(22, "c-quiet", { reply: false })));
    await peer.write(message(response(23, "c-loud")));
    expect(await peer.waitFor((m) => m.id === 23)).toMatchObject({ type: "decision", call: "c-loud" });
    await expect.poll(() => events.some((e) => e.type === "llm.response" && "callId" in e && e.callId === "c-quiet")).toBe(true);
    expect(peer.reader.messages.filter((m) => (m as Record<string, unknown>).id === 22)).toEqual([]);
    peer.destroy();
  });
});
