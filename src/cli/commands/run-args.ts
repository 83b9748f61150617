// How `iron run` tells scripts from agent arguments: scripts before `--`, arguments after it.
import { IronError } from "../../errors.js";

/**
 * Splits commander's operands using the raw argv: what follows the first `--` goes to the agent
 * (`iron run agent.py -- --flag x`); everything before it is a script. `iron run -- agent.py x`
 * (no script before `--`) takes the first operand as the script, as earlier versions did.
 */
export function splitScriptsAndArgs(operands: readonly string[], rawArgs: readonly string[]): { scripts: string[]; args: string[] } {
  const dash = rawArgs.indexOf("--");
  const after = dash < 0 ? 0 : Math.min(operands.length, rawArgs.length - dash - 1);
  let scripts = operands.slice(0, operands.length - after);
  let args = operands.slice(operands.length - after);
  if (scripts.length === 0) {
    scripts = args.slice(0, 1);
    args = args.slice(1);
  }
  const stray = scripts.slice(1).find((s) => !s.endsWith(".py"));
  if (stray !== undefined) {
    throw new IronError("IRON_ERR_USAGE", `${JSON.stringify(stray)} is not a Python script; arguments for the agent go after --: iron run ${scripts[0]} -- ${scripts.slice(1).join(" ")}`);
  }
  if (scripts.length > 1 && args.length > 0) {
    throw new IronError("IRON_ERR_USAGE", "arguments after -- are for a single agent; with several scripts, give each its arguments in a config file");
  }
  return { scripts, args };
}
