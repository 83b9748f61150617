// Protects the live stream: the token is required (401 otherwise), a client gets a snapshot and
// then every event in seq order, resumes with `since` across a reconnect with nothing lost or
// duplicated (from the store when the gap is older than the window), filters by agent and type,
// a slow reader is dropped with 4008 and can resume, a deaf one is reaped by ping/pong, and
// every client hears 1001 after the last event when the supervisor stops.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EventBus } from "../../src/events/bus.js";
import type { EventInput } from "../../src/events/types.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { startEventStream } from "../../src/stream/event-stream.js";
import { resolveStreamOptions, type StreamOptions } from "../../src/stream/stream-options.js";
import type { StreamServer } from "../../src/stream/stream-server.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { callEvents, stateEvent } from "../helpers/events.js";
import { tempDir } from "../helpers/iron.js";
import { deafClient, record, type Recorder } from "../helpers/stream.js";

interface Rig {
  readonly bus: EventBus;
  readonly stream: StreamServer;
  /** Publishes and waits until the batch is committed and fanned out. */
  publish(inputs: readonly EventInput[]): Promise<void>;
  close(): Promise<void>;
}

const open: Rig[] = [];

async function rig(options: StreamOptions = {}): Promise<Rig> {
  const store = SqliteStore.open(join(tempDir("iron-stream-"), "state.db"));
  const bus = new EventBus(store.sink, Date.now, store.scrubber);
  const stream = await startEventStream(resolveStreamOptions({ token: "test-token-0123456789", ...options }), bus, store, silentLogger(), null);
  const r: Rig = {
    bus,
    stream,
    publish: async (inputs) => {
      let last = bus.lastDelivered;
      for (const input of inputs) last = bus.publish(input).seq;
      // The store group-commits within a few milliseconds: wait for this batch to be delivered.
      while (bus.lastDelivered < last) await new Promise((resolve) => setTimeout(resolve, 1));
    },
    close: async () => {
      bus.close();
      await stream.close();
      store.close();
    },
  };
  open.push(r);
  return r;
}

afterEach(async () => {
  for (const r of open.splice(0)) await r.close();
});

const seqs = (r: Recorder): number[] => r.messages.filter((m) => m.type !== "snapshot").map((m) => m.seq);
const calls = (agent: string, from: number, n: number): EventInput[] => Array.from({ length: n }, (_, i) => callEvents(agent, `c-${agent}-${from + i}`)).flat();

describe("event stream", () => {
  it("refuses clients without the token with 401, and serves those with it (query or Bearer)", async () => {
    const { stream } = await rig();
    await expect(record(stream.url)).rejects.toThrow("HTTP 401");
    await expect(record(`${stream.url}?token=wrong-token-000000000`)).rejects.toThrow("HTTP 401");
    await expect(record(stream.url, { authorization: "Bearer nope" })).rejects.toThrow("HTTP 401");
    await expect(record(stream.urlWithToken.replace("/events", "/other"))).rejects.toThrow("HTTP 404");
    await expect(record(`${stream.urlWithToken}&since=x`)).rejects.toThrow("HTTP 400");
    const viaQuery = await record(stream.urlWithToken);
    const viaHeader = await record(stream.url, { authorization: "Bearer test-token-0123456789" });
    await Promise.all([viaQuery.until(1), viaHeader.until(1)]);
    expect(viaQuery.messages[0]?.type).toBe("snapshot");
    expect(viaHeader.messages[0]?.type).toBe("snapshot");
    const plain = await fetch(stream.urlWithToken.replace("ws:", "http:"));
    expect(plain.status).toBe(426);
    expect(stream.stats.refused).toBe(3);
  });

  it("sends a snapshot, then every later event in seq order", async () => {
    const r = await rig();
    await r.publish([{ type: "supervisor.started", version: "0.1.0", pid: 1, endpoint: "ipc:///x" }, stateEvent("a", "starting", "running"), ...calls("a", 0, 2)]);
    const client = await record(r.stream.urlWithToken);
    await client.until(1);
    const snapshot = client.messages[0] as unknown as { seq: number; agents: { agentId: string; calls: number }[] };
    expect(snapshot.seq).toBe(8);
    expect(snapshot.agents).toEqual([expect.objectContaining({ agentId: "a", calls: 2 })]);
    await r.publish(calls("a", 2, 3));
    await client.until(10);
    expect(seqs(client)).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17]);
  });

  // One write per group commit, not one per event: each write wakes the client, and a follower with
  // a write per event cost the supervisor a syscall and the machine a context switch per event.
  it.runIf(existsSync("/proc/self/io"))("sends the events of one group commit to a client in one write, not one per event", async () => {
    const r = await rig();
    const writes = (): number => Number(/syscw: (\d+)/.exec(readFileSync("/proc/self/io", "utf8"))?.[1]);
    // The same batch twice, without a client and with one: the difference is what the stream wrote.
    let before = writes();
    await r.publish(calls("a", 0, 40));
    const store = writes() - before;
    const client = await record(r.stream.urlWithToken);
    await client.until(1);
    before = writes();
    await r.publish(calls("a", 40, 40));
    await client.until(121);
    const stream = writes() - before - store;
    expect(seqs(client)).toEqual(Array.from({ length: 120 }, (_, i) => i + 121));
    // 120 events to one client: one write, give or take the store's page writes (a write per event made 120).
    expect(stream).toBeLessThan(30);
  });

  it("resumes with since across a reconnect, from the window or from the store, with nothing lost or twice", async () => {
    const r = await rig({ historySize: 5 });
    await r.publish(calls("a", 0, 2));
    const first = await record(r.stream.urlWithToken);
    await first.until(1);
    await r.publish(calls("a", 2, 2));
    await first.until(7);
    first.ws.close();
    await first.closed;
    const lastSeen = Math.max(...seqs(first));
    await r.publish(calls("b", 0, 10)); // 30 events: far more than the 5 the window keeps
    const resumed = await record(`${r.stream.urlWithToken}&since=${lastSeen}`);
    await r.publish(calls("a", 4, 1));
    await resumed.until(33);
    const all = [...seqs(first), ...seqs(resumed)];
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => 7 + i));
    expect(all.at(-1)).toBe(r.bus.lastDelivered);
    expect(resumed.messages.some((m) => m.type === "snapshot")).toBe(false);

    const recent = await record(`${r.stream.urlWithToken}&since=${r.bus.lastDelivered - 2}`);
    await recent.until(2);
    expect(seqs(recent)).toEqual([r.bus.lastDelivered - 1, r.bus.lastDelivered]);
  });

  it("filters by agent and by event type, live and on replay", async () => {
    const r = await rig();
    await r.publish([...calls("a", 0, 1), ...calls("b", 0, 1), { type: "budget.update", scope: "global", limit: null, spent: 1, reserved: 0 }]);
    const onlyB = await record(`${r.stream.urlWithToken}&since=0&agent=b&type=llm.request,llm.response,budget.*`);
    await r.publish([...calls("a", 1, 1), ...calls("b", 1, 1)]);
    await onlyB.until(5);
    expect(onlyB.messages.map((m) => [m.type, m.agentId ?? null])).toEqual([
      ["llm.request", "b"],
      ["llm.response", "b"],
      ["budget.update", null],
      ["llm.request", "b"],
      ["llm.response", "b"],
    ]);
  });

  it("drops a client that stops reading (4008) without holding anyone up, and it resumes without a gap", async () => {
    const r = await rig({ maxBufferedBytes: 32 * 1024 });
    const steady = await record(r.stream.urlWithToken);
    const slow = await record(r.stream.urlWithToken);
    const deaf = await deafClient(r.stream.urlWithToken);
    await Promise.all([steady.until(1), slow.until(1)]);
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const line = "x".repeat(2000);
    for (let i = 0; i < 40; i += 1) {
      await r.publish(Array.from({ length: 100 }, () => ({ type: "agent.output", agentId: "a", run: 1, stream: "stdout", line }) as EventInput));
    }
    await steady.until(4001);
    expect(seqs(steady)).toEqual(Array.from({ length: 4000 }, (_, i) => i + 1));
    expect(r.stream.stats.droppedSlow).toBe(2);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await slow.closed).code).toBe(4008);
    const got = seqs(slow);
    const rest = await record(`${r.stream.urlWithToken}&since=${got.at(-1) ?? 0}`);
    await rest.until(4000 - got.length);
    expect([...got, ...seqs(rest)]).toEqual(Array.from({ length: 4000 }, (_, i) => i + 1));
    deaf.destroy();
  });

  it("reaps a client that never answers a ping, and keeps one that does", async () => {
    const r = await rig({ pingIntervalMs: 50 });
    const live = await record(r.stream.urlWithToken);
    const deaf = await deafClient(r.stream.urlWithToken);
    const gone = new Promise((resolve) => deaf.on("close", resolve));
    deaf.resume(); // reads, but never answers a ping
    await gone;
    expect(r.stream.stats.droppedDead).toBe(1);
    expect(live.ws.readyState).toBe(live.ws.OPEN);
  });

  it("says goodbye with 1001 after the last event when the supervisor stops", async () => {
    const r = await rig();
    const client = await record(r.stream.urlWithToken);
    await client.until(1);
    r.bus.publish({ type: "supervisor.stopping", reason: "closed" });
    open.splice(open.indexOf(r), 1);
    await r.close();
    const { code } = await client.closed;
    expect(code).toBe(1001);
    expect(client.messages.at(-1)?.type).toBe("supervisor.stopping");
  });
});
