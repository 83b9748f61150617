// Protects the bound on detached joined agents (issue 16, item 9): every agent that joined used to stay
// in memory (sup.joined, its counters) forever after it left, so a join loop with fresh names grew the
// supervisor without bound. Over real connections (a zeromq DEALER doing the shim's handshake), agents
// join and say bye; beyond maxDetachedJoined the longest-detached are forgotten, the newest kept, and a
// forgotten name can join again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dealer } from "zeromq";
import { Supervisor } from "../../src/index.js";
import { encode } from "../../src/protocol/codec.js";
import { dealerHandshake } from "../helpers/auth-peer.js";

let sup: Supervisor;
const MAX = 5;

beforeAll(async () => {
  sup = await Supervisor.start({ joinToken: true, maxDetachedJoined: MAX, stream: false });
});

afterAll(async () => {
  await sup?.close();
});

/** Joins as `agent` (its own pid, another host) over a real connection, says bye, and closes it. */
async function joinAndLeave(agent: string, pid: number): Promise<void> {
  const dealer = new Dealer({ linger: 0, receiveTimeout: 10_000 });
  dealer.connect(sup.endpoint);
  const base = { agent, pid, python: "3.12.0", shim: "0.1.0", host: "elsewhere", executable: "/usr/bin/python3", parent_pid: null };
  const { reply } = await dealerHandshake(dealer, sup.joinToken as string, base);
  expect(reply.type).toBe("welcome");
  await dealer.send(encode({ v: 1, type: "bye", id: 999_999, reason: "exit" }));
  await expect.poll(() => sup.joined.get(agent)?.state).toBe("detached");
  dealer.close();
}

describe("detached joined agents", () => {
  it("are kept up to maxDetachedJoined, the longest-detached forgotten first", async () => {
    for (let i = 0; i < 30; i++) await joinAndLeave(`worker-${i}`, 50_000 + i);
    expect(sup.joined.size).toBeLessThanOrEqual(MAX + 1);
    expect([...sup.joined.keys()]).toEqual(expect.arrayContaining(["worker-29", "worker-28", "worker-25"]));
    expect(sup.joined.has("worker-0")).toBe(false);
    await joinAndLeave("worker-0", 60_000);
    expect(sup.joined.get("worker-0")?.state).toBe("detached");
    expect(sup.joined.size).toBeLessThanOrEqual(MAX + 1);
  }, 120_000);
});
