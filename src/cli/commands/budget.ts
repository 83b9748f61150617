// `iron budget reset`: start a budget afresh. Budgets count the spend earlier runs recorded in
// the state file; this zeroes it for a scope, an agent or every scope, after a confirmation. A
// file a running supervisor holds is reset by that supervisor, through its control API.
import type { Command } from "commander";
import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { IronError } from "../../errors.js";
import { formatUsd } from "../../policy/money.js";
import { isPostgresUrl, redactUrl } from "../../store/postgres/postgres-url.js";
import { liveSupervisorOf, resetBudgetSpend, type BudgetSelector, type ResetScope } from "../../store/sqlite/reset-budget.js";
import { actOnLiveSupervisor } from "../control-client.js";
import { examples } from "../examples.js";
import { labelScope, RUN_SCOPE_HELP } from "../scope-label.js";
import { collectList } from "../parse-options.js";
import { statePath } from "../state-path.js";

interface ResetFlags {
  readonly state?: string;
  readonly agent?: string[];
  readonly all?: boolean;
  readonly yes?: boolean;
  readonly json?: boolean;
}

/** Registers `iron budget` and its `reset` subcommand. */
export function registerBudget(program: Command): void {
  const budget = program
    .command("budget")
    .description("manage the budget spend recorded in a state file (or held by the supervisor running on it)")
    .addHelpText("after", examples([["iron budget reset --all", "start every budget afresh, after a confirmation"]]));
  budget
    .command("reset")
    .description("set the recorded spend of budget scopes back to zero (the call ledger keeps its history); a running supervisor's file is reset by that supervisor, live")
    .argument("[scopes...]", "scopes to reset, as iron watch and the dashboard name them: global, agent:<id>, run:<agent>#<s>.<n>, user:<name>, … (each with its @day:/@month: periods)")
    .option("--state <path>", "state file to change (default $IRON_STATE, else iron.yaml's state:, else .iron/state.db)")
    .option("--agent <id>", "reset this agent's scope, agent:<id> (repeatable, or comma-separated)", collectList)
    .option("--all", "reset every scope")
    .option("-y, --yes", "do not ask for confirmation (needed when stdin is not a terminal)")
    .option("--json", "print {state, reset: [{scope, spent_usd}]} as JSON")
    .addHelpText(
      "after",
      `\n${RUN_SCOPE_HELP}.\n${examples([
        ["iron budget reset global --yes", "start the global budget afresh"],
        ["iron budget reset --agent writer", "reset one agent's spend, after a confirmation"],
        ["iron budget reset --all --json --yes", "every scope, what was reset as JSON"],
      ])}`,
    )
    .action(async (scopes: string[], flags: ResetFlags) => {
      const state = statePath(flags);
      const selector = selectorOf(scopes, flags);
      if (isPostgresUrl(state)) return resetFleet(state, selector, flags);
      const path = resolve(state);
      if (flags.yes !== true) {
        const pending = resetBudgetSpend(path, selector, Date.now(), true);
        if (pending.length > 0 && !(await confirm(pending, state))) {
          process.stderr.write("iron: nothing reset\n");
          return;
        }
      }
      const live = liveSupervisorOf(path);
      const reset = live === null ? resetBudgetSpend(path, selector, Date.now()) : await resetLive(path, live, selector);
      if (live !== null && flags.json !== true) process.stdout.write(`${state} is in use by a running supervisor (pid ${live}): reset through its control API\n`);
      printReset(state, reset, flags, live === null ? {} : { supervisor_pid: live });
    });
}

// The scopes named, as positional scopes and --agent ids, or --all; at least one is required.
function selectorOf(scopes: readonly string[], flags: ResetFlags): BudgetSelector {
  const named = [...scopes, ...(flags.agent ?? []).map((id) => `agent:${id}`)];
  if (flags.all === true && named.length > 0) throw new IronError("IRON_ERR_USAGE", "give scopes or --all, not both (see iron budget reset --help)");
  if (flags.all === true) return { all: true };
  if (named.length === 0) throw new IronError("IRON_ERR_USAGE", "expected a scope (global, agent:<id>, …), --agent <id> or --all; got none (see iron budget reset --help)");
  return { scopes: named };
}

// A fleet's budgets live in its database: reset there, and every running supervisor reads them back.
async function resetFleet(url: string, selector: BudgetSelector, flags: ResetFlags): Promise<void> {
  const { resetFleetBudgetSpend } = await import("../../store/postgres/fleet-budget-reset.js");
  const shown = redactUrl(url);
  if (flags.yes !== true) {
    const pending = await resetFleetBudgetSpend(url, selector, true);
    if (pending.length > 0 && !(await confirm(pending, shown))) {
      process.stderr.write("iron: nothing reset\n");
      return;
    }
  }
  const reset = await resetFleetBudgetSpend(url, selector);
  printReset(shown, reset, flags, {});
}

function printReset(state: string, reset: readonly ResetScope[], flags: ResetFlags, by: Record<string, number>): void {
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify({ state, ...by, reset: reset.map((r) => ({ scope: r.scope, spent_usd: r.spent / 1_000_000 })) }, null, 2)}\n`);
    return;
  }
  if (reset.length === 0) process.stdout.write(`nothing to reset: no spend recorded for those scopes in ${state}\n`);
  for (const r of reset) process.stdout.write(`reset ${labelScope(r.scope)}: ${formatUsd(r.spent)} spent → ${formatUsd(0)}\n`);
}

// The running supervisor resets its own budgets (in memory and in the file), and says which.
async function resetLive(path: string, pid: number, selector: BudgetSelector): Promise<readonly ResetScope[]> {
  const answer = await actOnLiveSupervisor(path, pid, { action: "budget.reset", ...selector });
  return (answer.reset ?? []) as ResetScope[];
}

// Asks on the terminal; without one, refuses rather than reset spend nobody confirmed.
async function confirm(pending: readonly ResetScope[], state: string): Promise<boolean> {
  const list = pending.map((r) => `${r.scope} (${formatUsd(r.spent)})`).join(", ");
  if (process.stdin.isTTY !== true) {
    throw new IronError("IRON_ERR_USAGE", `would reset ${list} in ${state}, but stdin is not a terminal to confirm on; pass --yes`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`reset the recorded spend of ${list} in ${state}? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
