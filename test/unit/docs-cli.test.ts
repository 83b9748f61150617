// Protects docs/cli.md as the reference of the command line: every command and every option
// the CLI defines appears in it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import { REPO } from "../helpers/iron.js";

const page = readFileSync(join(REPO, "docs", "cli.md"), "utf8");

// Every command below the root, with its full name ("config check").
function commandsOf(command: Command, prefix = ""): Array<{ name: string; command: Command }> {
  return command.commands.flatMap((sub) => {
    const name = `${prefix}${sub.name()}`;
    return [{ name, command: sub }, ...commandsOf(sub, `${name} `)];
  });
}

const program = await buildProgram();

describe("docs/cli.md", () => {
  for (const { name, command } of commandsOf(program)) {
    it(`documents iron ${name} and each of its options`, () => {
      expect(page).toContain(`iron ${name}`);
      const missing = command.options.map((o) => o.long).filter((flag): flag is string => flag !== undefined && !page.includes(`\`${flag}`) && !page.includes(` ${flag}`));
      expect(missing).toEqual([]);
    });
  }

  it("documents the root options", () => {
    for (const option of program.options) expect(page).toContain(option.long);
  });
});
