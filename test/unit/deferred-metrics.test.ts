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

describe("per-call Prometheus counters", () => {
  it("show the sums by label set on every scrape, never counted twice by scraping again", async () => {
    const metrics = new IronMetrics();
    const call = (seq: number, callId: string, agentId: string, action: string): IronEvent[] => [
      {
        seq,
        ts: 1,
        type: "llm.request",
        agentId,
        callId,
        provider: "openai",
        endpoint: "chat.completions",
        model: "gpt-4o-mini",
        stream: false,
        estimatedInputTokens: 5,
        maxOutputTokens: 9,
        library: "httpx",
        attrs: {},
      },
      { seq: seq + 1, ts: 1, type: "llm.decision", agentId, callId, phase: "request", action, policy: null, code: null, reason: null, status: null, micros: 10, ms: 0.1, attrs: {} },
      {
        seq: seq + 2,
        ts: 1,
        type: "llm.response",
        agentId,
        callId,
        model: "gpt-4o-mini",
        status: 200,
        usage: { inputTokens: 5, outputTokens: 7, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 },
        costMicros: 250_000,
        latencyMs: 1,
        stream: false,
        complete: true,
        error: null,
        attrs: {},
      },
    ];
    for (const event of [...call(1, "c1", "a", "allow"), ...call(4, "c2", "b", "allow"), ...call(7, "c3", "a", "allow")]) metrics.listener(event);
    const first = (await metrics.render()).body;
    expect(first).toMatch(/^iron_llm_calls_total\{provider="openai",model="gpt-4o-mini",agent="a",decision="allow"\} 2$/m);
    expect(first).toMatch(/^iron_llm_calls_total\{provider="openai",model="gpt-4o-mini",agent="b",decision="allow"\} 1$/m);
    expect(first).toMatch(/^iron_llm_tokens_total\{provider="openai",model="gpt-4o-mini",agent="a",type="output"\} 14$/m);
    expect(first).toMatch(/^iron_llm_spend_usd_total\{provider="openai",model="gpt-4o-mini",agent="a"\} 0.5$/m);
    expect((await metrics.render()).body).toBe(first);
    for (const event of call(10, "c4", "b", "allow")) metrics.listener(event);
    expect((await metrics.render()).body).toMatch(/^iron_llm_calls_total\{provider="openai",model="gpt-4o-mini",agent="b",decision="allow"\} 2$/m);
  });
});
