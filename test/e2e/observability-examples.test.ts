// The observability examples are real configs: promtool accepts the alert rules and the scrape
// config, the rules fire on iron's series (promtool test rules), and the iron.yaml snippet for
// Langfuse passes iron's own config check.
import { execa } from "execa";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/config/load-config.js";
import { FIXTURES, REPO } from "../helpers/iron.js";

const EXAMPLES = join(REPO, "examples", "observability");

async function promtool(args: readonly string[], cwd: string): Promise<string> {
  const ran = await execa("promtool", args, { cwd, reject: false });
  const output = `${ran.stdout}${ran.stderr}`;
  expect(ran.exitCode, output).toBe(0);
  return output;
}

describe("observability examples", () => {
  it("alert rules pass promtool check rules", async () => {
    expect(await promtool(["check", "rules", "iron-alerts.yml"], EXAMPLES)).toContain("SUCCESS: 4 rules found");
  });

  it("alert rules fire on iron's series: budget nearly spent, breaker open, restart loop", async () => {
    expect(await promtool(["test", "rules", "iron-alerts.test.yml"], join(FIXTURES, "prometheus"))).toContain("SUCCESS");
  });

  it("the scrape config passes promtool check config", async () => {
    expect(await promtool(["check", "config", "--syntax-only", "prometheus.yml"], EXAMPLES)).toContain("SUCCESS");
  });

  it("the Langfuse snippet is a valid iron.yaml", () => {
    const loaded = loadConfigFile(join(EXAMPLES, "langfuse.iron.yaml"));
    expect(loaded.config.telemetry).toMatchObject({ endpoint: "https://cloud.langfuse.com/api/public/otel", protocol: "http/protobuf" });
  });
});
