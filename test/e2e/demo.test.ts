// Protects the README's first command: `iron demo` runs the example agent against the
// built-in mock provider and every kind of decision happens, as the README shows it.
import { describe, expect, it } from "vitest";
import { iron, tempDir } from "../helpers/iron.js";

describe("iron demo", () => {
  it("allows, reroutes, redacts and denies, then summarises", async () => {
    const cwd = tempDir("iron-demo-");
    const ran = await iron(["demo"], { cwd }); // it keeps .iron/demo.db in the working directory
    expect(ran.exitCode, ran.stderr).toBe(0);
    const out = ran.stdout + ran.stderr;
    expect(out).toMatch(/demo_agent: gpt-4o-mini allowed/);
    expect(out).toMatch(/gpt-4o modified by model-router: routed a short gpt-4o request to gpt-4o-mini/);
    expect(out).toMatch(/agent: gpt-4o -> gpt-4o-mini:/);
    expect(out).toMatch(/modified by safety: 2 values redacted: email ×1, credit_card ×1/);
    expect(out).toContain("agent: gpt-4o-mini -> gpt-4o-mini: 'Draft a reply to [EMAIL_1]; my card is [CREDIT_CARD_1].'");
    expect(out).not.toContain("jane.doe@example.com'");
    expect(out).toMatch(/gpt-4o denied by budget \(IRON_ERR_BUDGET, HTTP 402\)/);
    expect(out).toMatch(/agent: gpt-4o refused with HTTP 402 IRON_ERR_BUDGET/);
    expect(out).toMatch(/4 LLM calls: 1 allowed, 1 modified, 1 redacted, 1 denied/);
    expect(out).toMatch(/iron ▸ stream: ws:\/\/127\.0\.0\.1:\d+\/events\?token=/);
    expect(out).toMatch(/iron ▸ dashboard: http:\/\/127\.0\.0\.1:\d+\/#token=/);
    expect(out).toMatch(/the calls are on record: iron calls --state \.iron\/demo\.db/);

    // The ledger says what the run said: the request's 2 values were redacted (decided as a modify).
    const calls = await iron(["calls", "--state", ".iron/demo.db"], { cwd });
    expect(calls.stdout).toMatch(/gpt-4o-mini +redact ×2 +safety +200/);
    expect(calls.stdout).toMatch(/\ntotal +4 +1 +1 +1 +1 /); // CALLS ALLOWED MODIFIED DENIED REDACTED
    const redacted = await iron(["calls", "--state", ".iron/demo.db", "--decision", "redact", "--json"], { cwd });
    const report = JSON.parse(redacted.stdout) as { calls: { outcome: string; policy: string; redactedValues: number }[] };
    expect(report.calls).toEqual([expect.objectContaining({ outcome: "redact", policy: "safety", redactedValues: 2 })]);
    // The run's summary line and the ledger's totals count the same calls under the same words.
    const summary = /4 LLM calls: (\d+) allowed, (\d+) modified, (\d+) redacted, (\d+) denied/.exec(out)?.slice(1).map(Number);
    const all = await iron(["calls", "--state", ".iron/demo.db", "--json"], { cwd });
    const totals = (JSON.parse(all.stdout) as { totals: Record<string, number> }).totals;
    expect(summary).toEqual([totals.allowed, totals.modified, totals.redacted, totals.denied]);
  });
});
