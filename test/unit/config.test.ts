// Protects iron.yaml handling: one schema validates every section and each problem names
// file:line, path, expected and got; the file maps onto SupervisorOptions and SpawnOptions
// (seconds → ms, relative paths → the file's directory); flags override the file; the
// same sections given to Supervisor options are validated the same way.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkConfigFile, loadConfigFile } from "../../src/config/load-config.js";
import { planRun } from "../../src/config/run-plan.js";
import { optionsFromConfig } from "../../src/config/to-options.js";
import { isIronError } from "../../src/errors.js";
import { resolveSupervisorOptions } from "../../src/supervisor/options.js";
import { tempDir } from "../helpers/iron.js";

function file(yaml: string, dir = tempDir()): string {
  const path = join(dir, "iron.yaml");
  writeFileSync(path, yaml);
  return path;
}

// [yaml, path, expected (substring), got]
const BAD: ReadonlyArray<readonly [string, string, string, unknown]> = [
  ["budgets:\n  per_agent: ten\n", "budgets.per_agent", "a number of USD >= 0", "ten"],
  ["budgets:\n  global: { usd: 5, period: week }\n", "budgets.global.period", '"total", "day" or "month"', "week"],
  ["budgets:\n  warn_at: [0.5, 1.5]\n", "budgets.warn_at[1]", "a fraction between 0 and 1", 1.5],
  ["budgets:\n  timezone: Mars/Olympus\n", "budgets.timezone", "an IANA time zone", "Mars/Olympus"],
  ["budgets:\n  on_exhausted: panic\n", "budgets.on_exhausted", '"deny" or "stop"', "panic"],
  ["safety:\n  output: { default: scramble }\n", "safety.output.default", '"allow", "redact" or "block"', "scramble"],
  ["safety:\n  input: { emial: block }\n", "safety.input.emial", "a detector name", "emial"],
  ["safety:\n  custom: [{ name: x, pattern: 'a*' }]\n", "safety.custom[0].pattern", "never matches the empty string", "a*"],
  ["safety:\n  custom: [{ name: email, pattern: 'x' }]\n", "safety.custom[0].name", "a name no other detector has", "email"],
  ["reliability:\n  breakers: { failure_rate: 2 }\n", "reliability.breakers.failure_rate", "a fraction between 0 and 1", 2],
  ["reliability:\n  rate_limits: { per_agent: { rpm: 1.5 } }\n", "reliability.rate_limits.per_agent.rpm", "a whole number > 0", 1.5],
  ["reliability:\n  fallbacks: [{ model: gpt-4o, to: [{ provider: nowhere }] }]\n", "reliability.fallbacks[0].to[0].provider", "a provider named in providers", "nowhere"],
  ["reliability:\n  rate_limits: { per_attribute: { user: { rpm: 0 } } }\n", "reliability.rate_limits.per_attribute.user.rpm", "a whole number > 0", 0],
  ["reliability:\n  rate_limits: { per_attribute: { 'bad name': { rpm: 1 } } }\n", "reliability.rate_limits.per_attribute.bad name", "attribute name", { rpm: 1 }],
  ["reliability:\n  rate_limits: { max_wait: 9 }\n", "reliability.rate_limits.max_wait", "below shim.decision_timeout (5)", 9],
  ["providers:\n  - { name: local, kind: ollama, base_url: 'http://x' }\n", "providers[0].kind", '"openai" or "anthropic"', "ollama"],
  ["providers:\n  - { name: local, kind: openai, base_url: 'ftp://x' }\n", "providers[0].base_url", "an http(s) URL", "ftp://x"],
  ["prices:\n  my-model: { input: 1 }\n", "prices.my-model.output", "a number of USD >= 0", undefined],
  ["unknown_model: free\n", "unknown_model", '"deny", or a price', "free"],
  ["agents:\n  - { script: a.py, restart: sometimes }\n", "agents[0].restart", '"never", "on-failure" or "always"', "sometimes"],
  ["agents:\n  - { script: a.py }\n  - { script: sub/a.py }\n", "agents[1].name", "a name no other agent has", "a"],
  ["shim:\n  decision_timeout: 0\n", "shim.decision_timeout", "a duration like 500ms, 5s or 2m (a bare number is seconds)", 0],
  ["shim:\n  decision_timeout: 5 sec\n", "shim.decision_timeout", "a duration like 500ms, 5s or 2m (a bare number is seconds); write 5s", "5 sec"],
  ["agents:\n  - { script: a.py, min_uptime: soon }\n", "agents[0].min_uptime", "0 or a duration like 500ms, 5s or 2m (a bare number is seconds)", "soon"],
  ["budgets: {}\nbudget: 5\n", "budget", 'no key "budget" here (did you mean "budgets"? one of the keys version', 5],
];

describe("iron.yaml validation", () => {
  it.each(BAD)("%j → %s", (yaml, path, expected, got) => {
    const checked = checkConfigFile(file(yaml));
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    const problem = checked.problems.find((p) => p.path === path);
    expect(problem, JSON.stringify(checked.problems)).toBeDefined();
    expect(problem?.expected).toContain(expected);
    expect(problem?.got).toEqual(got);
    expect(problem?.line).toBeGreaterThan(0);
  });

  it("knows azure as a provider without configuration (fallbacks may name it), and a configured azure still loads", () => {
    expect(checkConfigFile(file("reliability:\n  fallbacks: [{ model: gpt-4o, provider: azure, to: [gpt-4o-mini] }]\n")).ok).toBe(true);
    const configured = "providers: [{ name: azure, kind: openai, base_url: 'https://acme.openai.azure.com/openai' }]\n";
    expect(checkConfigFile(file(configured)).ok).toBe(true);
    expect(checkConfigFile(file("reliability:\n  fallbacks: [{ model: gpt-4o, provider: azurr, to: [gpt-4o-mini] }]\n")).ok).toBe(false);
  });

  it("reports YAML syntax errors with their line, and missing files", () => {
    const checked = checkConfigFile(file("budgets:\n  global: [1,\n"));
    expect(checked.ok).toBe(false);
    expect(() => loadConfigFile(join(tempDir(), "nope.yaml"))).toThrow(/IRON_ERR_CONFIG: cannot read .*nope\.yaml: the file does not exist/);
  });

  it("throws the first problem as IRON_ERR_CONFIG with file, line, path, expected and got", () => {
    try {
      loadConfigFile(file("# budgets\nbudgets:\n  per_agent: ten\n  bogus: 1\n"));
      expect.unreachable();
    } catch (error) {
      expect(isIronError(error, "IRON_ERR_CONFIG")).toBe(true);
      expect((error as Error).message).toMatch(/invalid configuration in .*iron\.yaml:3 \(\+1 more; see iron config check\) \(at budgets\.per_agent\): expected a number of USD >= 0.*got "ten"$/);
    }
  });
});

describe("mapping onto options", () => {
  it("maps every section onto SupervisorOptions and SpawnOptions", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "agents"));
    const loaded = loadConfigFile(
      file(
        `
python: /usr/bin/python3
shim: { fail_open: true, on_deny: raise, decision_timeout: 2.5 }
budgets: { global: 3, default_max_output_tokens: 512 }
providers: [{ name: local, kind: openai, base_url: "http://127.0.0.1:1/v1" }]
prices: { my-model: { input: 1, output: 2, cached_input: 0.5 } }
unknown_model: deny
agents:
  - { name: a, script: agents/a.py, args: [--x], env: { K: v }, cwd: agents, restart: always, max_restarts: 2, restart_window: 30, stop_timeout: 1.5, budget: 0.25, heartbeat_timeout: 10 }
  - { name: b, script: b.py, restart_window: 2m, stop_timeout: 1500ms, heartbeat_timeout: 10s, min_uptime: 0 }
`,
        dir,
      ),
    );
    const { supervisor, agents } = await optionsFromConfig(loaded);
    expect(supervisor).toMatchObject({
      python: "/usr/bin/python3",
      failOpen: true,
      onDeny: "raise",
      decisionTimeoutMs: 2500,
      budgets: { global: 3, default_max_output_tokens: 512 },
      providers: [{ name: "local", kind: "openai", base_url: "http://127.0.0.1:1/v1" }],
      prices: { "my-model": { input: 1, output: 2, cachedInput: 0.5 } },
      unknownModelPrice: "deny",
      policies: [],
    });
    expect(agents).toEqual([
      {
        script: join(dir, "agents/a.py"),
        name: "a",
        args: ["--x"],
        env: { K: "v" },
        cwd: join(dir, "agents"),
        budgetUsd: 0.25,
        stopTimeoutMs: 1500,
        restart: "always",
        maxRestarts: 2,
        restartWindowMs: 30_000,
        heartbeatTimeoutMs: 10_000,
      },
      // Units follow the one duration rule; a bare number is seconds (as above).
      { script: join(dir, "b.py"), name: "b", stopTimeoutMs: 1500, restartWindowMs: 120_000, heartbeatTimeoutMs: 10_000, minUptimeMs: 0 },
    ]);
    const resolved = resolveSupervisorOptions(supervisor);
    expect(resolved.defaultMaxOutputTokens).toBe(512);
    expect(resolved.budgets.plan.global).toEqual([{ micros: 3_000_000, period: "total" }]);
  });

  it("lets flags override the file, and runs a listed script with its settings", async () => {
    const dir = tempDir();
    file("budgets: { global: 3 }\nagents:\n  - { name: main, script: main.py, budget: 1 }\n", dir);
    const plan = await planRun({ scripts: ["main.py"], args: [], supervisor: { budgetUsd: 0.5 }, policies: [], agent: {} }, dir);
    expect(plan.supervisor.budgetUsd).toBe(0.5);
    expect(resolveSupervisorOptions(plan.supervisor).budgets.plan.global).toEqual([{ micros: 500_000, period: "total" }]);
    expect(plan.agents).toEqual([{ name: "main", script: join(dir, "main.py"), budgetUsd: 1 }]);
    const all = await planRun({ scripts: [], args: [], supervisor: {}, policies: [], agent: {} }, dir);
    expect(all.agents.map((a) => a.name)).toEqual(["main"]);
    await expect(planRun({ scripts: [], args: [], supervisor: {}, policies: [], agent: {} }, tempDir())).rejects.toThrow(/IRON_ERR_USAGE: nothing to run/);
  });

  it("maps retention onto the store's limits, with the defaults for what is left out", async () => {
    const loaded = loadConfigFile(file("retention: { max_age: 48h, max_events: 500 }\n", tempDir()));
    const { supervisor } = await optionsFromConfig(loaded);
    expect(resolveSupervisorOptions(supervisor).retention).toEqual({ maxAgeMs: 48 * 3_600_000, maxEvents: 500, maxCalls: 1_000_000 });
    const off = await optionsFromConfig(loadConfigFile(file("retention: false\n", tempDir())));
    expect(resolveSupervisorOptions(off.supervisor).retention).toBe(false);
    expect(resolveSupervisorOptions({}).retention).toEqual({ maxAgeMs: 720 * 3_600_000, maxEvents: 1_000_000, maxCalls: 1_000_000 });
    expect(resolveSupervisorOptions({ retention: { maxCalls: null } }).retention).toMatchObject({ maxCalls: null });
    expect(() => resolveSupervisorOptions({ retention: { maxEvents: -3 } })).toThrow(/\(at retention\.maxEvents\): expected a whole number > 0, or null to turn the limit off, got -3/);
    expect(() => loadConfigFile(file("retention: { max_rows: 5 }\n", tempDir()))).toThrow(/retention/);
  });

  it("maps output_rate onto the output cap, with the defaults for what is left out", async () => {
    const { supervisor } = await optionsFromConfig(loadConfigFile(file("output_rate: { lines_per_second: 20 }\n", tempDir())));
    expect(resolveSupervisorOptions(supervisor).outputRate).toEqual({ linesPerSecond: 20, burst: 2000 });
    const off = await optionsFromConfig(loadConfigFile(file("output_rate: false\n", tempDir())));
    expect(resolveSupervisorOptions(off.supervisor).outputRate).toBe(false);
    expect(resolveSupervisorOptions({}).outputRate).toEqual({ linesPerSecond: 200, burst: 2000 });
    expect(() => loadConfigFile(file("output_rate: { burst: 0 }\n", tempDir()))).toThrow(/output_rate/);
  });

  it("validates the same sections given to the Supervisor in code, naming the option path", () => {
    expect(() => resolveSupervisorOptions({ safety: { input: { default: "nope" as "allow" } } })).toThrow(/\(at safety\.input\.default\): expected "allow", "redact" or "block", got "nope"/);
    expect(() => resolveSupervisorOptions({ reliability: { breakers: { cooldown: -1 } } })).toThrow(/\(at reliability\.breakers\.cooldown\)/);
    expect(resolveSupervisorOptions({ reliability: { rate_limits: { per_attribute: { user: { rpm: 10 }, team: { tpm: 5000 } } } } }).reliability?.perAttribute).toEqual({
      user: { rpm: 10, tpm: null },
      team: { rpm: null, tpm: 5000 },
    });
    expect(resolveSupervisorOptions({ safety: false }).safety).toBeNull();
    expect(resolveSupervisorOptions({}).safety?.input.default).toBe("redact");
    expect(resolveSupervisorOptions({}).reliability?.breakers?.consecutiveFailures).toBe(5);
  });
});
