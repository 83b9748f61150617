// Protects the promise that a slow stream client never slows the agents: a 1000-call run (each
// call also printing an 8 kB line, so the stream carries more than socket buffers can hide) with
// a client that never reads (and one that stops reading) completes every call, the stopped
// reader is dropped with 4008 and catches up with `since`, a steady reader gets every event in
// order. How long the run took, with and without them, is measured and printed, never asserted.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { Supervisor } from "../../src/supervisor/supervisor.js";
import { DEBIAN_PYTHON, FIXTURES, tempDir } from "../helpers/iron.js";
import { deafClient, record } from "../helpers/stream.js";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock.close();
});

const CALLS = 1000;

describe("a 1000-call run under the stream", () => {
  it("is not held up by clients that do not read", async () => {
    const sup = await Supervisor.start({ state: join(tempDir("iron-load-"), "state.db"), stream: { maxBufferedBytes: 64 * 1024, pingIntervalMs: 600_000 } });
    const url = sup.streamUrl as string;
    const steady = await record(url);
    const timedRun = async (name: string): Promise<number> => {
      const started = performance.now();
      const agent = await sup.spawn({
        name,
        script: join(FIXTURES, "chat_loop.py"),
        python: DEBIAN_PYTHON,
        env: { OPENAI_BASE_URL: mock.baseUrl, FIXTURE_CALLS: String(CALLS), FIXTURE_NOISE: "8000" },
      });
      const exit = await agent.exited;
      expect(exit.exitCode).toBe(0);
      expect(agent.metrics).toMatchObject({ calls: CALLS, allowed: CALLS, denied: 0 });
      return performance.now() - started;
    };
    try {
      const baseline = await timedRun("baseline");
      const stopped = await record(url);
      await stopped.until(1);
      const socket = (stopped.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      socket.pause();
      const deaf = await deafClient(url);
      const loaded = await timedRun("loaded");
      console.log(`1000 calls: ${baseline.toFixed(0)} ms alone, ${loaded.toFixed(0)} ms with a client that never reads (ratio ${(loaded / baseline).toFixed(2)})`);

      socket.resume();
      expect((await stopped.closed).code).toBe(4008);
      const got = stopped.messages.filter((m) => m.type !== "snapshot").map((m) => m.seq);
      const rest = await record(`${url}&since=${got.at(-1) ?? stopped.messages[0]?.seq}`);
      await new Promise((resolve) => setImmediate(resolve));
      const last = steady.messages.at(-1)?.seq ?? 0;
      await rest.until(last - (got.at(-1) ?? 0));
      const all = [...got, ...rest.messages.map((m) => m.seq)];
      expect(all[0]).toBe((stopped.messages[0]?.seq ?? 0) + 1);
      expect(all).toEqual(Array.from({ length: all.length }, (_, i) => (all[0] ?? 0) + i));
      const steadySeqs = steady.messages.slice(1).map((m) => m.seq);
      expect(steadySeqs).toEqual(Array.from({ length: steadySeqs.length }, (_, i) => (steady.messages[0]?.seq ?? 0) + 1 + i));
      deaf.destroy();
    } finally {
      await sup.close();
    }
  }, 120_000);
});
