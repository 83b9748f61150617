// prom-client loads after the agents start (DeferredMetrics): what happened before it loaded is
// replayed, so a scrape shows the same figures as if it had been there from the first event.
import { describe, expect, it } from "vitest";
import type { IronEvent } from "../../src/events/types.js";
import { DeferredMetrics } from "../../src/observability/deferred-metrics.js";
import { IronMetrics } from "../../src/observability/prometheus-metrics.js";

const restart = (seq: number, run: number): IronEvent => ({
  seq,
  ts: 1_700_000_000_000 + seq,
  type: "agent.state",
  agentId: "worker",
  run,
  from: "backoff",
  to: "starting",
  reason: null,
  pid: null,
  exitCode: null,
  signal: null,
});

describe("deferred Prometheus metrics", () => {
  it("count the events published before the library loaded, then the later ones, in order", async () => {
    let release: (value: typeof IronMetrics) => void = () => undefined;
    let loads = 0;
    const metrics = new DeferredMetrics(() => {
      loads += 1;
      return new Promise((resolve) => (release = resolve));
    }, {});
    try {
      metrics.listener(restart(1, 2));
      metrics.listener(restart(2, 3));
      const loading = metrics.warm();
      metrics.listener({ seq: 3, ts: 1_700_000_000_003, type: "store.error", code: "IRON_ERR_STORE", error: "disk full", lastCommittedSeq: 2 });
      release(IronMetrics);
      await loading;
      metrics.listener(restart(4, 4));
      const { body } = await metrics.render();
      expect(loads).toBe(1);
      expect(body).toMatch(/^iron_agent_restarts_total\{agent="worker"\} 3$/m);
      expect(body).toMatch(/^iron_store_up 0$/m);
      expect(body).toMatch(/^iron_events_last_seq 4$/m);
    } finally {
      metrics.close();
    }
  });

  it("load on the first scrape when nothing warmed them", async () => {
    let loads = 0;
    const metrics = new DeferredMetrics(async () => {
      loads += 1;
      return IronMetrics;
    }, {});
    try {
      metrics.listener(restart(7, 2));
      expect(loads).toBe(0);
      const { body } = await metrics.render();
      expect(loads).toBe(1);
      expect(body).toMatch(/^iron_events_last_seq 7$/m);
    } finally {
      metrics.close();
    }
  });
});
