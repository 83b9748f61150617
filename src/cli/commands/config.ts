// `iron config check [FILE]`: validates a configuration without running anything — the
// schema, the agents' scripts, the policy modules and the resolved supervisor options.
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { describeConfig } from "../../config/describe-config.js";
import { checkConfigFile, DEFAULT_CONFIG_FILE } from "../../config/load-config.js";
import { problemLine, type ConfigProblem } from "../../sections/problems.js";
import { optionsFromConfig } from "../../config/to-options.js";
import { isIronError } from "../../errors.js";
import { resolveSupervisorOptions } from "../../supervisor/options.js";
import { exitCodeFor } from "../exit-codes.js";
import { examples } from "../examples.js";

/** Registers `iron config` and its `check` subcommand. */
export function registerConfig(program: Command): void {
  const config = program
    .command("config")
    .description("work with iron.yaml")
    .addHelpText("after", examples([["iron config check", "validate ./iron.yaml without running anything"]]));
  config
    .command("check")
    .description("validate a configuration file without running anything")
    .argument("[file]", "the file to check", DEFAULT_CONFIG_FILE)
    .option("--json", "print {file, valid, problems: [{line, path, expected, got}]} as JSON on stdout")
    .addHelpText(
      "after",
      examples([
        ["iron config check", "check ./iron.yaml"],
        ["iron config check deploy/iron.yaml --json", "problems as JSON, each with its line"],
      ]),
    )
    .action(async (file: string, flags: { json?: boolean }) => {
      process.exitCode = await checkConfig(file, flags.json === true);
    });
}

/** Prints what the file configures (exit 0), or every problem found (exit 78). */
export async function checkConfig(file: string, json = false): Promise<number> {
  const checked = checkConfigFile(file);
  if (!checked.ok) return report(checked.source, checked.problems, json);
  const { loaded } = checked;
  const problems: ConfigProblem[] = [];
  (loaded.config.agents ?? []).forEach((agent, i) => {
    const path = resolve(loaded.dir, agent.script);
    if (!existsSync(path) || !statSync(path).isFile()) problems.push({ path: `agents[${i}].script`, expected: "an existing Python script", got: agent.script });
  });
  try {
    const options = await optionsFromConfig(loaded);
    resolveSupervisorOptions(options.supervisor);
  } catch (error) {
    if (!isIronError(error, "IRON_ERR_CONFIG")) throw error;
    problems.push({ path: error.path ?? "(policies)", expected: error.expected ?? "a loadable configuration", got: error.expected === undefined ? error.message : error.got });
  }
  if (problems.length > 0) return report(file, problems, json);
  if (json) {
    process.stdout.write(`${JSON.stringify({ file, valid: true, problems: [] })}\n`);
    return 0;
  }
  process.stdout.write(
    `${file}: valid\n${describeConfig(loaded.config)
      .map((l) => `  ${l}\n`)
      .join("")}`,
  );
  return 0;
}

function report(source: string, problems: readonly ConfigProblem[], json: boolean): number {
  if (json) {
    const list = problems.map((p) => ({ line: p.line ?? null, path: p.path, expected: p.expected, got: p.got ?? null }));
    process.stdout.write(`${JSON.stringify({ file: source, valid: false, problems: list })}\n`);
    return exitCodeFor("IRON_ERR_CONFIG");
  }
  for (const p of problems) process.stderr.write(`iron: IRON_ERR_CONFIG: ${problemLine(source, p)}\n`);
  process.stderr.write(`iron: ${source}: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n`);
  return exitCodeFor("IRON_ERR_CONFIG");
}
