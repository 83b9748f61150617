// `iron calls` and `iron agents`: look back through a state file's call ledger and agents.
import type { Command } from "commander";
import { resolve } from "node:path";
import { listAgents, queryCalls, type CallFilter } from "../../store/sqlite/ledger-queries.js";
import { openForReading } from "../../store/sqlite/open-for-reading.js";
import { isPostgresUrl } from "../../store/postgres/postgres-url.js";
import { formatAgents, formatLedger } from "../ledger-format.js";
import { examples } from "../examples.js";
import { collectList, collectPairs, oneOf, parsePositiveCount, parseSince } from "../parse-options.js";
import { statePath } from "../state-path.js";

interface CallsFlags {
  readonly state?: string;
  readonly agent?: string[];
  readonly model?: string[];
  readonly decision?: string[];
  readonly attr?: Record<string, string>;
  readonly since?: number;
  readonly limit?: number;
  readonly json?: boolean;
}

const OUTCOMES = ["allow", "modify", "deny", "redact", "pending"] as const;

const STATE_HELP = "state file or postgres:// URL to read (default $IRON_STATE, else iron.yaml's state:, else .iron/state.db)";

/** Registers `iron calls`. */
export function registerCalls(program: Command): void {
  program
    .command("calls")
    .description("list the LLM calls on record in a state file, with totals by model and by agent")
    .option("--state <path>", STATE_HELP)
    .option("--agent <id>", "only this agent's calls (repeatable, or comma-separated)", collectList)
    .option("--model <name>", "only calls asking for or answered by this model (repeatable)", collectList)
    .option("--decision <outcome>", `only calls with this outcome: ${OUTCOMES.join(", ")} (repeatable)`, (v: string, p: string[] = []) => [...p, ...collectList(v).map(oneOf(OUTCOMES))])
    .option("--attr <key=value>", "only calls made with this attribution, from iron_shim.context() (repeatable: all must match)", collectPairs)
    .option("--since <when>", "only calls since a duration ago (15m, 2h, 7d) or a date (2026-11-27)", (v: string) => parseSince(v))
    .option("--limit <n>", "only the most recent N calls (totals cover the same N)", parsePositiveCount)
    .option("--json", "print {calls, totals} as JSON")
    .addHelpText(
      "after",
      examples([
        ["iron calls --since 1h", "the calls of the last hour, with totals"],
        ["iron calls --decision deny,redact", "only denied calls and calls with values redacted"],
        ["iron calls --agent writer --json", "one agent's calls as JSON"],
      ]),
    )
    .action(async (flags: CallsFlags) => {
      const state = statePath(flags);
      const filter: CallFilter = {
        ...(flags.agent !== undefined && { agents: flags.agent }),
        ...(flags.model !== undefined && { models: flags.model }),
        ...(flags.decision !== undefined && { outcomes: flags.decision }),
        ...(flags.attr !== undefined && { attrs: flags.attr }),
        ...(flags.since !== undefined && { since: flags.since }),
        ...(flags.limit !== undefined && { limit: flags.limit }),
      };
      // A fleet's database: every supervisor's calls, each with its host/pid.
      if (isPostgresUrl(state)) {
        const { queryFleetCalls } = await import("../../store/postgres/fleet-queries.js"); // pg loads only for a fleet
        const report = await queryFleetCalls(state, filter);
        process.stdout.write(flags.json === true ? `${JSON.stringify(report, null, 2)}\n` : `${formatLedger(report).join("\n")}\n`);
        return;
      }
      const db = openForReading(resolve(state));
      try {
        const report = queryCalls(db, filter);
        process.stdout.write(flags.json === true ? `${JSON.stringify(report, null, 2)}\n` : `${formatLedger(report).join("\n")}\n`);
      } finally {
        db.close();
      }
    });
}

/** Registers `iron agents`. */
export function registerAgents(program: Command): void {
  program
    .command("agents")
    .description("list the agents on record in a state file: state, runs, calls and spend")
    .option("--state <path>", STATE_HELP)
    .option("--json", "print {agents} as JSON")
    .addHelpText(
      "after",
      examples([
        ["iron agents", "every agent in .iron/state.db: state, pid, host, Python, runs, spend"],
        ["iron agents --state .iron/demo.db --json", "the demo's agent, as JSON"],
      ]),
    )
    .action(async (flags: { state?: string; json?: boolean }) => {
      const state = statePath(flags);
      if (isPostgresUrl(state)) {
        const { listFleetAgents } = await import("../../store/postgres/fleet-queries.js");
        const agents = await listFleetAgents(state);
        process.stdout.write(flags.json === true ? `${JSON.stringify({ agents }, null, 2)}\n` : `${formatAgents(agents).join("\n")}\n`);
        return;
      }
      const db = openForReading(resolve(state));
      try {
        const agents = listAgents(db);
        process.stdout.write(flags.json === true ? `${JSON.stringify({ agents }, null, 2)}\n` : `${formatAgents(agents).join("\n")}\n`);
      } finally {
        db.close();
      }
    });
}
