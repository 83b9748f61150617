// `iron demo`: the main job on the embedded default — mock provider, example agent, three calls.
import { join } from "node:path";
import type { Command } from "commander";
import { startMockLlm } from "../../mock-llm/server.js";
import { resetStateFile } from "../../store/sqlite/reset-state-file.js";
import { PACKAGE_ROOT } from "../../supervisor/paths.js";
import { PREFIX } from "../render.js";
import { examples } from "../examples.js";
import { runAgents } from "../run-agents.js";
import { addStateOptions, stateOptions, type StateFlags } from "../state-options.js";
import { modelRouterPolicy } from "./demo-policy.js";

const DEMO_BUDGET_USD = 0.01;
/** The demo's own state file, started over each run so its budget is always the same $0.01. */
const DEMO_STATE = ".iron/demo.db";

/** Registers `iron demo`. */
export function registerDemo(program: Command): void {
  const command = program
    .command("demo")
    .description("run an example agent against the built-in mock LLM: calls allowed, modified, redacted and denied")
    .option("--python <path>", "Python interpreter for the example agent")
    .option("--hold", "when the agent has ended, keep the supervisor and the mock provider up (for the dashboard) until Ctrl-C")
    .addHelpText(
      "after",
      examples([
        ["iron demo", "four calls: allowed, rerouted, redacted, denied by the budget"],
        ["iron demo --hold", "then keep the dashboard up until Ctrl-C"],
        ["iron calls --state .iron/demo.db", "afterwards: the demo's calls on record"],
      ]),
    );
  addStateOptions(command, `SQLite state file (default ${DEMO_STATE}, started over each run)`).action(async (flags: StateFlags & { python?: string; hold?: boolean }) => {
    const state = flags.state ?? DEMO_STATE;
    if (flags.state === undefined) resetStateFile(DEMO_STATE);
    const mock = await startMockLlm({ port: 0 });
    const out = process.stderr;
    try {
      out.write(`${PREFIX} demo: mock OpenAI-compatible provider at ${mock.baseUrl}\n`);
      out.write(`${PREFIX} demo: budget $${DEMO_BUDGET_USD}; custom policy "model-router" routes short gpt-4o calls to gpt-4o-mini\n`);
      process.exitCode = await runAgents({
        supervisor: {
          budgetUsd: DEMO_BUDGET_USD,
          policies: [modelRouterPolicy],
          ...(flags.python !== undefined && { python: flags.python }),
          ...stateOptions(flags, state),
        },
        agents: [{ script: join(PACKAGE_ROOT, "examples", "demo_agent.py"), env: { OPENAI_BASE_URL: mock.baseUrl, OPENAI_API_KEY: "sk-demo-0000000000000000" } }],
        trace: true,
        quiet: false,
        hold: flags.hold === true,
      });
      out.write(`${PREFIX} demo: the calls are on record: iron calls --state ${state}\n`);
    } finally {
      await mock.close();
    }
  });
}
