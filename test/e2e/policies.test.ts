// Protects the built-in policies end to end, through `iron run --config` with a real Python
// agent, the shim, ZeroMQ and the mock provider: PII redacted on the way out and on the way
// back (streamed output too, through llm.chunk), a breaker opened by provider 500s that
// half-opens and closes again, fallback routing to another model and to another provider's
// base URL (modify.url) while a breaker is open, a budget that denies with 402 and stops the
// agent, and config errors that name the path, the expected and the got.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { FIXTURES, REPO, iron, jsonLines, tempDir } from "../helpers/iron.js";

let mock: MockLlm;
let backup: MockLlm;

beforeAll(async () => {
  mock = await startMockLlm({ port: 0, echo: true });
  backup = await startMockLlm({ port: 0, echo: true });
});
afterAll(async () => {
  await mock.close();
  await backup.close();
});
beforeEach(() => {
  mock.clearRequests();
  mock.clearFaults();
  backup.clearRequests();
});

const fixture = join(FIXTURES, "policy_steps.py");

function configFile(yaml: string): string {
  const file = join(tempDir(), "iron.yaml");
  writeFileSync(file, yaml);
  return file;
}

const run = (config: string, steps: unknown[], extra: string[] = []) =>
  iron(["run", "--config", config, "--trace", ...extra, "--python", "python3", fixture], {
    env: { OPENAI_BASE_URL: mock.baseUrl, FIXTURE_STEPS: JSON.stringify(steps) },
  });

const sentPrompts = (): string[] => mock.requests.map((r) => (r.body as { messages: { content: string }[] }).messages[0]?.content ?? "");

describe("iron run --config: built-in policies", () => {
  it("redacts in both directions (streamed too), trips and recovers a breaker, and reroutes to fallbacks", async () => {
    const config = configFile(`
safety:
  input: { default: redact, phone: allow, ip: allow }
  output: { default: redact }
reliability:
  breakers: { consecutive_failures: 3, cooldown: 0.3 }
  fallbacks:
    - model: gpt-4o
      to: [gpt-4o-mini]
    - model: gpt-4.1-mini
      to: [{ provider: backup }]
providers:
  - { name: backup, kind: openai, base_url: "${backup.baseUrl}" }
`);
    const fail = { "x-mock-status": "500" };
    const ran = await run(config, [
      // 0: an email never leaves the process; the echo brings back only the placeholder.
      { model: "gpt-4o-mini", prompt: "I am jane.doe@example.com, jane.doe@example.com!" },
      // 1: a phone number may leave (input: phone: allow), but the echo is redacted for the agent.
      { model: "gpt-4o-mini", prompt: "Call +44 20 7946 0958 now" },
      // 2-4: gpt-4.1 fails three times; 5: refused 503 while open, until a probe gets through.
      { model: "gpt-4.1", prompt: "a", headers: fail },
      { model: "gpt-4.1", prompt: "b", headers: fail },
      { model: "gpt-4.1", prompt: "c", headers: fail },
      { model: "gpt-4.1", prompt: "after the cooldown", until: 200, pause: 0.05 },
      // 6-8: gpt-4o fails three times; 9: rerouted to its fallback while its breaker is open.
      { model: "gpt-4o", prompt: "d", headers: fail },
      { model: "gpt-4o", prompt: "e", headers: fail },
      { model: "gpt-4o", prompt: "f", headers: fail },
      { model: "gpt-4o", prompt: "rerouted" },
      // 10: a streamed echo, 4 characters a chunk: the address spans chunks and is still caught.
      { model: "gpt-4o-mini", prompt: "Mail me at 10.20.30.40 or at 192.168.100.200 today", stream: true, max_tokens: 100 },
      // 11-13: gpt-4.1-mini fails three times; 14: rerouted to the backup provider's base URL.
      { model: "gpt-4.1-mini", prompt: "g", headers: fail },
      { model: "gpt-4.1-mini", prompt: "h", headers: fail },
      { model: "gpt-4.1-mini", prompt: "i", headers: fail },
      { model: "gpt-4.1-mini", prompt: "to the backup" },
    ]);
    expect(ran.exitCode, ran.stderr).toBe(0);
    const lines = jsonLines(ran.stdout);
    const byStep = (step: number) => lines.filter((l) => l.step === step);

    expect(byStep(0)[0]).toMatchObject({ status: 200, content: "I am [EMAIL_1], [EMAIL_1]!" });
    expect(byStep(1)[0]).toMatchObject({ status: 200, content: "Call [PHONE_1] now" });
    expect(sentPrompts().slice(0, 2)).toEqual(["I am [EMAIL_1], [EMAIL_1]!", "Call +44 20 7946 0958 now"]);
    expect(ran.stderr).toMatch(/modified by safety: 2 values redacted: email ×2/);
    expect(ran.stderr).toMatch(/response redacted by safety: 1 value redacted: phone ×1/);
    expect(ran.stderr).not.toMatch(/jane\.doe|7946/);

    expect([2, 3, 4].map((s) => byStep(s)[0]?.status)).toEqual([500, 500, 500]);
    const recovering = byStep(5);
    expect(recovering.at(-1)).toMatchObject({ status: 200 });
    const refusals = recovering.slice(0, -1);
    expect(refusals.length).toBeGreaterThan(0);
    for (const r of refusals) expect(r).toMatchObject({ status: 503, code: "IRON_ERR_BREAKER_OPEN" });
    expect(ran.stderr).toMatch(/breaker openai\/gpt-4\.1: closed → open \(3 consecutive failures; last: HTTP 500\)/);
    expect(ran.stderr).toMatch(/breaker openai\/gpt-4\.1: open → halfOpen/);
    expect(ran.stderr).toMatch(/breaker openai\/gpt-4\.1: halfOpen → closed/);

    expect(byStep(9)[0]).toMatchObject({ status: 200, answered_model: "gpt-4o-mini" });
    const rerouted = mock.requests.find((r) => (r.body as { messages: { content: string }[] }).messages[0]?.content === "rerouted");
    expect((rerouted?.body as { model: string } | undefined)?.model).toBe("gpt-4o-mini");
    expect(ran.stderr).toMatch(/gpt-4o modified by reliability: breaker open for openai\/gpt-4o; rerouted to gpt-4o-mini/);

    expect(byStep(10)[0]).toMatchObject({ status: 200, content: "Mail me at [IPV4_1] or at [IPV4_2] today" });
    expect(byStep(10)[0]?.chunks as number).toBeGreaterThan(1);
    expect(ran.stderr).toMatch(/stream redacted by safety: \d values? redacted: ipv4 ×\d/);
    expect(ran.stderr).not.toMatch(/10\.20\.30\.40|192\.168\.100\.200/);

    expect(byStep(14)[0]).toMatchObject({ status: 200, content: "to the backup", answered_model: "gpt-4.1-mini" });
    expect(backup.requests.map((r) => r.path)).toEqual(["/v1/chat/completions"]);
    expect(ran.stderr).toMatch(/gpt-4\.1-mini modified by reliability: breaker open for openai\/gpt-4\.1-mini; rerouted to backup\/gpt-4\.1-mini/);
  });

  it("denies with 402 when the budget has no room, and stops the agent with on_exhausted: stop", async () => {
    const config = configFile(`
budgets:
  per_agent: 0.0001
  on_exhausted: stop
`);
    // The echo answers 50 tokens of this prompt: each call really costs about 40 micro-dollars,
    // so $0.0001 pays for two calls and the third one's worst case no longer fits.
    const prompt = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
    const ran = await run(config, [{ model: "gpt-4o-mini", prompt, max_tokens: 50, until: 999, pause: 0.2 }]);
    const lines = jsonLines(ran.stdout);
    expect(lines.filter((l) => l.status === 200)).toHaveLength(2);
    expect(lines.slice(2).every((l) => l.status === 402 && l.code === "IRON_ERR_BUDGET")).toBe(true);
    expect(lines.length).toBeLessThan(10);
    expect(ran.stderr).toMatch(/denied by budget \(IRON_ERR_BUDGET, HTTP 402\): budget agent:policy_steps: worst-case cost/);
    expect(ran.stderr).toMatch(/budget agent:policy_steps has no room for policy_steps's call/);
    expect(ran.stderr).toMatch(/policy_steps was stopped after [\d.]+s\n.*budget exhausted: .*killed by SIGTERM/);
    expect(ran.exitCode).toBe(143);
  });

  it("fails at start with IRON_ERR_CONFIG naming the path, the expected and the got", async () => {
    const config = configFile("budgets:\n  global: 5\n  per_agent: ten\n");
    const ran = await run(config, []);
    expect(ran.exitCode).toBe(78);
    expect(ran.stderr).toMatch(/IRON_ERR_CONFIG: invalid configuration in .*iron\.yaml:3 \(at budgets\.per_agent\): expected a number of USD >= 0, \{usd, period\}, or a list of them, got "ten"/);
    const check = await iron(["config", "check", config]);
    expect(check.exitCode).toBe(78);
    expect(check.stderr).toMatch(/iron\.yaml:3: budgets\.per_agent: expected a number of USD >= 0/);
  });

  it("accepts the annotated example configuration", async () => {
    const check = await iron(["config", "check", join(REPO, "examples", "iron.yaml")]);
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/iron\.yaml: valid/);
    expect(check.stdout).toMatch(/safety: all built-in detectors \+ 1 custom; input: redact \(secret: block, ip: allow\); output: redact/);
    expect(check.stdout).toMatch(/policy module: \.\/policies\/house-rules\.ts/);
    expect(check.stdout).toMatch(/state: \.iron\/state\.db; event stream: 127\.0\.0\.1:0/);
  });
});
