// Protects start-up: a command loads only its own module (`iron run` never loads the watch
// client, the dashboard server or the config checker), while help and usage errors still see
// every command (issue 14 item 4, issue 17 item 9).
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import { COMMANDS, commandsFor } from "../../src/cli/commands/index.js";

const names = (entries: readonly { name: string }[]) => entries.map((e) => e.name);

describe("which commands a command line loads", () => {
  it("is only the command it names", async () => {
    expect(names(commandsFor(["run", "agent.py", "--", "watch"]))).toEqual(["run"]);
    expect(names(commandsFor(["config", "check"]))).toEqual(["config"]);
    const program = await buildProgram(commandsFor(["agents"]));
    expect(program.commands.map((c) => c.name())).toEqual(["agents"]);
  });

  it("is every command for help, a root option or a mistyped command", () => {
    for (const argv of [[], ["--help"], ["help", "run"], ["rnu"], ["-V"]]) expect(names(commandsFor(argv))).toEqual(names(COMMANDS));
  });
});
