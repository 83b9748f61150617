// `iron demo`: the main job on the embedded default — mock provider, example agent, three calls.
import { join } from "node:path";
import type { Command } from "commander";
import { startMockLlm } from "../../mock-llm/server.js";
import { PACKAGE_ROOT } from "../../supervisor/paths.js";
import { PREFIX } from "../render.js";
import { runAgents } from "../run-agents.js";
import { modelRouterPolicy } from "./demo-policy.js";

const DEMO_BUDGET_USD = 0.01;

/** Registers `iron demo`. */
export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("run an example agent against the built-in mock LLM: calls allowed, modified, redacted and denied")
    .option("--python <path>", "Python interpreter for the example agent")
    .action(async (flags: { python?: string }) => {
      const mock = await startMockLlm({ port: 0 });
      const out = process.stderr;
      try {
        out.write(`${PREFIX} demo: mock OpenAI-compatible provider at ${mock.baseUrl}\n`);
        out.write(`${PREFIX} demo: budget $${DEMO_BUDGET_USD}; custom policy "model-router" routes short gpt-4o calls to gpt-4o-mini\n`);
        process.exitCode = await runAgents({
          supervisor: { budgetUsd: DEMO_BUDGET_USD, policies: [modelRouterPolicy], ...(flags.python !== undefined && { python: flags.python }) },
          agents: [{ script: join(PACKAGE_ROOT, "examples", "demo_agent.py"), env: { OPENAI_BASE_URL: mock.baseUrl, OPENAI_API_KEY: "sk-demo-0000000000000000" } }],
          trace: true,
          quiet: false,
        });
      } finally {
        await mock.close();
      }
    });
}
