// A real governed call shows up as series in a real Prometheus (Debian's package): a live
// supervisor with a real Python agent against iron's mock LLM, scraped with the metrics token;
// the exposition passes `promtool check metrics`. Its span exporter points at a dead collector:
// the calls go through all the same and the failed spans are counted.
import { execa } from "execa";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { Supervisor } from "../../src/supervisor/supervisor.js";
import { DEBIAN_PYTHON, FIXTURES } from "../helpers/iron.js";
import { patiently } from "../helpers/patiently.js";
import { freePort, startPrometheus, type RunningPrometheus } from "../helpers/prometheus.js";

const METRICS_TOKEN = "metrics-token-0123456789";
let mock: MockLlm;
let sup: Supervisor;
let base: string;
let prometheus: RunningPrometheus | null = null;

beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
  const dead = await freePort();
  sup = await Supervisor.start({
    budgetUsd: 5,
    stream: { dashboard: false },
    telemetry: { endpoint: `http://127.0.0.1:${dead}`, batchDelayMs: 50, metricsToken: METRICS_TOKEN },
  });
  base = (sup.streamUrl ?? "").replace(/^ws:/, "http:").replace(/\/events\?.*$/, "");
  const agent = await sup.spawn({ script: join(FIXTURES, "traced_calls.py"), python: DEBIAN_PYTHON, env: { OPENAI_BASE_URL: mock.baseUrl } });
  await agent.exited;
});
afterAll(async () => {
  await prometheus?.stop();
  await sup.close();
  await mock.close();
});

async function scrape(token: string | null): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`${base}/metrics`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: await res.text() };
}

describe("Prometheus metrics", () => {
  it("serve /metrics behind the metrics token or the stream's token, and nothing without one", async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape("not-the-token-at-all")).status).toBe(401);
    const streamToken = new URL(sup.streamUrl ?? "").searchParams.get("token");
    expect((await scrape(streamToken)).status).toBe(200);
    const page = await scrape(METRICS_TOKEN);
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(page.body).toContain('iron_llm_calls_total{provider="openai",model="gpt-4o-mini",agent="traced_calls",decision="allow"} 2');
  });

  it("pass promtool check metrics", async () => {
    const page = await scrape(METRICS_TOKEN);
    const checked = await execa("promtool", ["check", "metrics"], { input: page.body, reject: false });
    expect(checked.exitCode, `${checked.stdout}${checked.stderr}`).toBe(0);
    expect(`${checked.stdout}${checked.stderr}`.trim()).toBe("");
  });

  it("count the spans a dead collector did not take, while every call went through", async () => {
    expect(mock.requests).toHaveLength(2);
    await patiently(async () => /iron_telemetry_spans_total\{outcome="failed"\} ([1-9]\d*)/.test((await scrape(METRICS_TOKEN)).body)).toBe(true);
  });

  it("reach a real Prometheus that scrapes the live supervisor", async () => {
    const target = new URL(base).host;
    prometheus = await startPrometheus(target, METRICS_TOKEN);
    const p = prometheus;
    await patiently(async () => (await p.query('up{job="iron"}')).map((s) => s.value)).toEqual([1]);
    await patiently(async () => (await p.query('iron_llm_calls_total{decision="allow"}')).map((s) => [s.metric.provider, s.metric.model, s.metric.agent, s.value])).toEqual([
      ["openai", "gpt-4o-mini", "traced_calls", 2],
    ]);
    const tokens = await p.query("sum by (type) (iron_llm_tokens_total)");
    expect(tokens.map((s) => s.metric.type).sort()).toEqual(["input", "output"]);
    for (const series of tokens) expect(series.value).toBeGreaterThan(0);
    expect((await p.query("iron_llm_spend_usd_total"))[0]?.value).toBeGreaterThan(0);
    const remaining = await p.query('iron_budget_remaining_usd{scope="global"}');
    expect(remaining).toHaveLength(1);
    expect(remaining[0]?.value).toBeGreaterThan(4.99);
    expect(remaining[0]?.value).toBeLessThan(5);
    expect((await p.query('iron_agents{state="exited"}')).map((s) => s.value)).toEqual([1]);
    expect((await p.query("iron_decision_duration_seconds_count")).length).toBeGreaterThan(0);
    expect((await p.query("iron_store_up")).map((s) => s.value)).toEqual([1]);
  });
});
