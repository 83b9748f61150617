// Grants end to end (protocol/SPEC.md 3.4a): a real supervisor with the default configuration (safety,
// a budget), a real Python agent through the shim, calls to a local mock provider. After the first call,
// calls like it go out without waiting for a decision; every one of them is still decided and recorded;
// a request a detector would act on is asked and redacted as before; a limit set lower is honoured at
// the next call; concurrent callers never overshoot a budget.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { Supervisor, type IronEvent, type SupervisorOptions } from "../../src/index.js";
import { DEBIAN_PYTHON, FIXTURES } from "../helpers/iron.js";

interface Line {
  readonly i: number;
  readonly status: number;
  readonly code: string | null;
  readonly asked: number;
  readonly admitted: number;
}

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock.close();
});

interface Run {
  readonly lines: Line[];
  readonly events: IronEvent[];
  readonly sup: Supervisor;
}

// Runs the fixture over `prompts`; `between` runs while it waits before call `pauseAt`.
async function run(prompts: readonly string[], options: SupervisorOptions, extra: { threads?: number; pauseAt?: number; failAt?: number; between?: (sup: Supervisor) => void } = {}): Promise<Run> {
  const sup = await Supervisor.start({ stream: false, localAdmission: true, ...options });
  const events: IronEvent[] = [];
  sup.on("event", (e) => events.push(e));
  const go = join(mkdtempSync(join(tmpdir(), "iron-grant-")), "go");
  try {
    const env = {
      OPENAI_BASE_URL: mock.baseUrl,
      GRANT_PROMPTS: JSON.stringify(prompts),
      GRANT_THREADS: String(extra.threads ?? 1),
      GRANT_PAUSE_AT: String(extra.pauseAt ?? -1),
      GRANT_GO_FILE: go,
      GRANT_FAIL_AT: String(extra.failAt ?? -1),
    };
    const agent = await sup.spawn({ script: join(FIXTURES, "granted_calls.py"), python: DEBIAN_PYTHON, env });
    const output = () => events.flatMap((e) => (e.type === "agent.output" && e.stream === "stdout" ? [JSON.parse(e.line) as Line & { paused?: boolean }] : []));
    if (extra.pauseAt !== undefined) {
      await expect.poll(() => output().some((l) => l.paused === true)).toBe(true);
      extra.between?.(sup);
      // What the change sent the shims is written once this turn ends: the next call comes after it.
      await new Promise((resolve) => setImmediate(resolve));
      writeFileSync(go, "");
    }
    expect((await agent.exited).exitCode).toBe(0);
    await expect.poll(() => output().filter((l) => l.paused !== true).length).toBe(prompts.length);
    const lines = output()
      .filter((l) => l.paused !== true)
      .sort((a, b) => a.i - b.i);
    return { lines, events, sup };
  } finally {
    await sup.close();
  }
}

const clean = (n: number) => Array.from({ length: n }, (_, i) => `say hello number ${i}`);

describe("grants", () => {
  it("end with a failed response: the next call is asked (a breaker may have opened on it)", async () => {
    const { lines } = await run(clean(6), { budgetUsd: 5 }, { failAt: 3 });
    expect(lines.map((l) => l.status)).toEqual([200, 200, 200, 500, 200, 200]);
    const [, , , failed, next] = lines as [Line, Line, Line, Line, Line];
    expect(next.asked).toBe(failed.asked + 1);
  });

  it("let calls like the first go without waiting, each still decided and recorded once", async () => {
    mock.clearRequests();
    const { lines, events } = await run(clean(20), { budgetUsd: 5 });
    expect(lines.every((l) => l.status === 200)).toBe(true);
    const last = lines.at(-1) as Line;
    expect(last.asked + last.admitted).toBe(20);
    // One ask earns a grant; a grant lasts a quarter second, so a slow machine may ask a few times more.
    expect(last.admitted).toBeGreaterThanOrEqual(10);
    const requests = events.filter((e) => e.type === "llm.request");
    const decisions = events.filter((e) => e.type === "llm.decision" && e.phase === "request");
    expect(requests).toHaveLength(20);
    expect(decisions.every((e) => e.type === "llm.decision" && e.action === "allow")).toBe(true);
    expect(decisions).toHaveLength(20);
    expect(events.filter((e) => e.type === "llm.response")).toHaveLength(20);
    expect(events.filter((e) => e.type === "policy.error")).toEqual([]);
    expect(mock.requests.filter((r) => r.path.endsWith("/chat/completions"))).toHaveLength(20);
  });

  it("ask about a request with an e-mail address or a card number, and redact it as before", async () => {
    mock.clearRequests();
    const prompts = [...clean(3), "mail jane.doe@example.com please", ...clean(2), "card 4111 1111 1111 1111 thanks", ...clean(2)];
    const { lines, events } = await run(prompts, { budgetUsd: 5 });
    expect(lines.every((l) => l.status === 200)).toBe(true);
    // Each PII call waited for its decision: the asked count grew at it.
    const grew = (i: number) => (lines[i] as Line).asked - (lines[i - 1] as Line).asked;
    expect(grew(3)).toBe(1);
    expect(grew(6)).toBe(1);
    const sent = mock.requests.filter((r) => r.path.endsWith("/chat/completions")).map((r) => JSON.stringify(r.body));
    expect(sent).toHaveLength(prompts.length);
    expect(sent.join("\n")).not.toContain("jane.doe@example.com");
    expect(sent.join("\n")).not.toContain("4111 1111 1111 1111");
    expect(events.filter((e) => e.type === "llm.decision" && e.phase === "request" && e.action === "modify")).toHaveLength(2);
    expect(events.filter((e) => e.type === "policy.error")).toEqual([]);
  });

  it("honour a limit set lower at the next call", async () => {
    const { lines } = await run(clean(8), { budgetUsd: 5 }, { pauseAt: 4, between: (sup) => sup.budgets.setLimit("global", 1) });
    expect(lines.slice(0, 4).every((l) => l.status === 200)).toBe(true);
    expect(lines.slice(4).map((l) => [l.status, l.code, l.asked, l.admitted])).toEqual(lines.slice(4).map((l) => [402, "IRON_ERR_BUDGET", l.asked, l.admitted]));
  });

  it("never overshoot a budget that runs out while four threads call, admitted or asked", async () => {
    mock.clearRequests();
    const { lines, sup } = await run(clean(240), { budgetUsd: 0.002 }, { threads: 4 });
    const ok = lines.filter((l) => l.status === 200);
    const refused = lines.filter((l) => l.status === 402);
    expect(ok.length + refused.length).toBe(240);
    expect(refused.length).toBeGreaterThan(0);
    expect(Math.max(...lines.map((l) => l.admitted))).toBeGreaterThan(0);
    expect(mock.requests.filter((r) => r.path.endsWith("/chat/completions"))).toHaveLength(ok.length);
    expect(sup.budgets.spent("global")).toBeLessThanOrEqual(2000);
    expect(sup.budgets.spent("global")).toBeGreaterThan(0);
    expect(sup.budgets.reserved("global")).toBe(0);
  });

  it("ask about every call with shim.local_admission off", async () => {
    // Grants are opt-in: without localAdmission (the default), every call is asked.
    const { lines } = await run(clean(6), { budgetUsd: 5, localAdmission: undefined });
    expect(lines.map((l) => [l.asked, l.admitted])).toEqual([1, 2, 3, 4, 5, 6].map((n) => [n, 0]));
  });
});
