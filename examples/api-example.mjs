// The TypeScript API, end to end and offline: run with `node examples/api-example.mjs`.
// A supervisor with a custom policy governs a long-running Python agent whose LLM calls go to
// iron's mock OpenAI-compatible provider; after six decisions the agent is stopped.
import { fileURLToPath } from "node:url";
import { Supervisor, deny, startMockLlm } from "iron-runtime";

const mock = await startMockLlm({ port: 0 }); // stands in for api.openai.com
const sup = await Supervisor.start({ budgetUsd: 1 });

sup.policies.use({
  name: "no-gpt-4",
  onRequest: (call) => (call.model === "gpt-4" ? deny("IRON_ERR_POLICY", "gpt-4 is not allowed here") : undefined),
});
sup.on("event", (e) => {
  if (e.type === "agent.state") console.log(`iron: ${e.agentId} (run ${e.run}) ${e.from} -> ${e.to}: ${e.reason}`);
});

const agent = await sup.spawn({
  script: fileURLToPath(new URL("./worker_agent.py", import.meta.url)),
  args: [],
  budgetUsd: 0.05,
  restart: "on-failure",
  env: { OPENAI_BASE_URL: mock.baseUrl, OPENAI_API_KEY: "sk-example" },
  echo: true, // the agent's own output, as it prints it
});

let decisions = 0;
for await (const e of sup.events()) {
  if (e.type !== "llm.decision" || e.phase !== "request") continue;
  console.log(`iron: ${e.agentId} call ${e.callId}: ${e.action}${e.policy ? ` by ${e.policy}` : ""}`);
  if (++decisions === 6) break;
}

await agent.stop({ reason: "the example is done" });
const exit = await agent.exited;
console.log(`iron: ${agent.id} is ${agent.state} (${exit.reason})`);
console.log("iron: metrics", agent.metrics);
await sup.close(); // stops every agent, releases sockets and files
await mock.close();
