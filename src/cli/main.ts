// The `iron` command: parses arguments, runs one command, maps errors to exit codes.
import { Command, CommanderError, Help, type Argument, type Option } from "commander";
import { IronError, toIronError } from "../errors.js";
import { exitCodeFor } from "./exit-codes.js";
import { takeNoColor } from "./color.js";
import { COMMANDS, commandsFor, type CommandEntry } from "./commands/index.js";
import { VERSION } from "../version.js";

// Defaults are written one way in every help text: "(default 5s)", never commander's `(default: "0")` or `(default: [])`.
function oneDefaultStyle(text: string): string {
  return text.replace(/ ?\(default: \[\]\)/, "").replace(/\(default: "?([^")]*)"?\)/, "(default $1)");
}

const help = {
  optionDescription: (option: Option) => oneDefaultStyle(Help.prototype.optionDescription.call(new Help(), option)),
  argumentDescription: (argument: Argument) => oneDefaultStyle(Help.prototype.argumentDescription.call(new Help(), argument)),
};

/** Builds the command tree (every command, or only those given); exported so tests can parse without exiting. */
export async function buildProgram(commands: readonly CommandEntry[] = COMMANDS): Promise<Command> {
  const program = new Command("iron")
    .description("Supervise Python AI agents: every LLM call is governed before it leaves the process.")
    .version(VERSION, "-V, --version")
    // Taken out of argv by main() before parsing (so it works after the subcommand too); listed here for --help.
    .option("--no-color", "no colour in what iron prints (also NO_COLOR=1; colour is off whenever output is not a terminal)")
    // main() prints errors itself, with their IRON_ERR_* code.
    .configureOutput({ outputError: () => undefined })
    .configureHelp(help)
    .enablePositionalOptions()
    .addHelpText(
      "after",
      "\nExamples:\n  iron demo                 see a governed agent against a local mock LLM\n  iron run agent.py         run your agent with every LLM call governed\n  iron watch                follow a running supervisor from another terminal\n  iron calls --since 1h     the call ledger of the last hour",
    )
    .exitOverride();
  for (const register of await Promise.all(commands.map((entry) => entry.load()))) register(program);
  return program;
}

// The subcommand path the user typed (`run`, `config check`), to point at its own help.
function commandPath(program: Command, argv: readonly string[]): string[] {
  const path: string[] = [];
  let command = program;
  for (const arg of argv) {
    if (arg === "--") break;
    const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub === undefined) continue;
    path.push(sub.name());
    command = sub;
  }
  return path;
}

/** A usage error with what to do: agent arguments after `--` for `iron run`, and the subcommand's own help. */
export function usageMessage(program: Command, argv: readonly string[], error: CommanderError): string {
  const path = commandPath(program, argv);
  let message = error.message.replace(/^error: /, "").replace(/\n\(Did you mean (.*)\?\)$/, " (did you mean $1?)");
  const unknown = /^unknown option '([^']+)'/.exec(message)?.[1];
  const at = unknown === undefined ? -1 : argv.indexOf(unknown);
  const scriptAt = argv.findIndex((a) => a.endsWith(".py"));
  if (unknown !== undefined && path[0] === "run" && !argv.includes("--") && scriptAt >= 0 && at > scriptAt) {
    // An unknown option after the script is most likely the agent's: say where it goes instead of guessing a flag.
    const rest = argv
      .slice(at)
      .filter((a) => !a.endsWith(".py"))
      .join(" ");
    const script = argv[scriptAt] as string;
    message = `unknown option '${unknown}'; arguments for the agent go after --: iron run ${script} -- ${rest}`;
  }
  return `${message} (see iron ${[...path, "--help"].join(" ")})`;
}

/** Runs the CLI with the given argv and returns the exit code (never throws). */
export async function main(given: readonly string[]): Promise<number> {
  const argv = takeNoColor(given);
  const program = await buildProgram(commandsFor(argv));
  // `iron` and `iron config` alone ask for help: print it on stdout (so `iron | less` shows it) and exit 0.
  const path = commandPath(program, argv);
  if (argv.length === path.length) {
    const command = path.reduce<Command>((c, name) => c.commands.find((sub) => sub.name() === name) ?? c, program);
    if (command.commands.length > 0) {
      command.outputHelp();
      return 0;
    }
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return 0;
      process.stderr.write(`iron: IRON_ERR_USAGE: ${usageMessage(program, argv, error)}\n`);
      return exitCodeFor("IRON_ERR_USAGE");
    }
    const ironError = error instanceof IronError ? error : toIronError(error);
    process.stderr.write(`iron: ${ironError.message}\n`);
    if (ironError.code === "IRON_ERR_INTERNAL" && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return exitCodeFor(ironError.code);
  }
}
