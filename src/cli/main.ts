// The `iron` command: parses arguments, runs one command, maps errors to exit codes.
import { Command, CommanderError } from "commander";
import { IronError, toIronError } from "../errors.js";
import { exitCodeFor } from "./exit-codes.js";
import { COMMANDS } from "./commands/index.js";
import { VERSION } from "../version.js";

/** Builds the command tree; exported so tests can parse without exiting. */
export function buildProgram(): Command {
  const program = new Command("iron")
    .description("Supervise Python AI agents: every LLM call is governed before it leaves the process.")
    .version(VERSION, "-V, --version")
    // main() prints errors itself, with their IRON_ERR_* code.
    .configureOutput({ outputError: () => undefined })
    .enablePositionalOptions()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI with the given argv and returns the exit code (never throws). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return 0;
      process.stderr.write(`iron: IRON_ERR_USAGE: ${error.message.replace(/^error: /, "")} (see iron --help)\n`);
      return exitCodeFor("IRON_ERR_USAGE");
    }
    const ironError = error instanceof IronError ? error : toIronError(error);
    process.stderr.write(`iron: ${ironError.message}\n`);
    if (ironError.code === "IRON_ERR_INTERNAL" && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return exitCodeFor(ironError.code);
  }
}
