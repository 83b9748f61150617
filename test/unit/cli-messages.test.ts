// Protects the messages a newcomer meets in the first hour: a usage error points at the
// subcommand's own help, an option after the script says agent arguments go after `--`,
// YAML syntax errors carry their line, config problems come in line order with a
// "did you mean", and a policy module that does not build says why.
import { CommanderError } from "commander";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkConfigFile } from "../../src/config/load-config.js";
import { buildProgram, usageMessage } from "../../src/cli/main.js";
import { loadPolicyFiles } from "../../src/config/load-policies.js";
import { tempDir } from "../helpers/iron.js";

async function usage(argv: string[]): Promise<string> {
  const program = await buildProgram();
  const error = await program.parseAsync(argv, { from: "user" }).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof CommanderError)) throw new Error(`expected a usage error for ${argv.join(" ")}`);
  return usageMessage(program, argv, error);
}

describe("usage errors", () => {
  it("say where agent arguments go, and point at the subcommand's help", async () => {
    expect(await usage(["run", "args.py", "--topic", "tea"])).toBe("unknown option '--topic'; arguments for the agent go after --: iron run args.py -- --topic tea (see iron run --help)");
    expect(await usage(["run", "--polcy", "p.ts", "a.py"])).toBe("unknown option '--polcy' (did you mean --policy?) (see iron run --help)");
    expect(await usage(["config", "check", "--nope"])).toBe("unknown option '--nope' (see iron config check --help)");
    expect(await usage(["--nope"])).toBe("unknown option '--nope' (see iron --help)");
  });
});

describe("configuration problems", () => {
  it("give a YAML syntax error its line, and list problems top to bottom with a did-you-mean", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.yaml"), "budgets:\n  global: 1\nshim:\n  on_deny: [\n");
    const yaml = checkConfigFile(join(dir, "a.yaml"));
    expect(yaml.ok ? [] : yaml.problems.map((p) => [p.path, p.line])).toEqual([["(yaml)", 5]]);
    writeFileSync(join(dir, "b.yaml"), "shim:\n  on_deny: nope\nbudget:\n  global: 1\nagents:\n  - { script: a.py, restart: x }\n");
    const checked = checkConfigFile(join(dir, "b.yaml"));
    expect(checked.ok ? [] : checked.problems.map((p) => [p.line, p.path])).toEqual([
      [2, "shim.on_deny"],
      [3, "budget"],
      [6, "agents[0].restart"],
    ]);
    expect(checked.ok ? "" : checked.problems[1]?.expected).toMatch(/^no key "budget" here \(did you mean "budgets"\? one of the keys/);
  });

  it("print a policy module's build error in full", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "broken.ts"), "export default {\n");
    await expect(loadPolicyFiles(["broken.ts"], dir)).rejects.toThrow(/cannot load policy module .*broken\.ts: Build failed with 1 error:\n {2}.*broken\.ts:\d+:\d+: ERROR: /);
  });
});

describe("help", () => {
  it("writes defaults one way and shows examples", async () => {
    const program = await buildProgram();
    const run = program.commands.find((c) => c.name() === "run");
    const text = [program, run, ...program.commands.flatMap((c) => c.commands)].map((c) => c?.helpInformation() ?? "").join("\n");
    expect(text).not.toMatch(/\(default: /);
    expect(text).toMatch(/\(default 3s\)/);
  });
});
