// Azure deployments priced as the models they serve: azure_deployments: maps a deployment to a
// model id; an unmapped deployment prices as a model of its own name and warns once, naming the fix.
import { beforeAll, describe, expect, it } from "vitest";
import { azureDeploymentOf, deploymentResolver } from "../../src/policy/azure-deployments.js";
import { BudgetPlan } from "../../src/policy/budget-plan.js";
import { budgetPolicy } from "../../src/policy/policies/budget.js";
import { costOf } from "../../src/policy/cost.js";
import { DEFAULT_PRICES } from "../../src/policy/prices.js";
import { loadTokenizers } from "../../src/policy/tokens.js";
import type { PolicyContext } from "../../src/policy/types.js";
import { makeCall, makeResult } from "../helpers/calls.js";

const AZURE = "https://acme.openai.azure.com/openai/deployments";
const url = (deployment: string) => `${AZURE}/${deployment}/chat/completions?api-version=2024-10-21`;

beforeAll(async () => {
  await loadTokenizers();
});

describe("Azure deployment → model", () => {
  it("finds the deployment of deployment URLs only", () => {
    expect(azureDeploymentOf(url("prod%20chat"))).toBe("prod chat");
    expect(azureDeploymentOf("http://127.0.0.1:9/openai/deployments/x/embeddings")).toBe("x");
    expect(azureDeploymentOf("https://acme.openai.azure.com/openai/v1/chat/completions")).toBeNull();
  });

  it("maps a deployment, and warns once per unmapped deployment naming the key to set", () => {
    const warnings: string[] = [];
    const resolve = deploymentResolver({ "prod-chat": "gpt-4o" }, (d, m) => warnings.push(`${d}: ${m}`));
    expect(resolve("prod-chat", url("prod-chat"))).toBe("gpt-4o");
    expect(resolve(null, url("prod-chat"))).toBe("gpt-4o");
    expect([resolve("team-x", url("team-x")), resolve("team-x", url("team-x")), resolve("other", url("other"))]).toEqual(["team-x", "team-x", "other"]);
    expect(resolve("gpt-4o-mini", "https://api.openai.com/v1/chat/completions")).toBe("gpt-4o-mini");
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('team-x: Azure deployment "team-x" is not in azure_deployments:');
    expect(warnings[0]).toContain("azure_deployments: { team-x: <model id> }");
  });

  it("does not warn about a deployment named after a priced model", () => {
    const warnings: string[] = [];
    const resolve = deploymentResolver(
      {},
      (d) => warnings.push(d),
      (model) => model === "gpt-4o-mini",
    );
    expect([resolve(null, url("gpt-4o-mini")), resolve(null, url("team-x"))]).toEqual([null, null]);
    expect(warnings).toEqual(["team-x"]);
  });

  it("prices a mapped deployment's call at its model, and an unmapped one by unknown_model", () => {
    const warned: string[] = [];
    const policy = budgetPolicy({
      prices: DEFAULT_PRICES,
      unknownModel: { action: "deny" },
      defaultMaxOutputTokens: 100,
      capOutputTokens: false,
      plan: new BudgetPlan({ global: [], perAgent: [], perRun: [], perAttribute: {}, timeZone: "UTC" }),
      runOf: () => null,
      deploymentModel: deploymentResolver({ "prod-chat": "gpt-4o" }, (d) => warned.push(d)),
    });
    const ctx = { now: 0, budgets: { limit: () => null } } as unknown as PolicyContext;
    const mapped = makeCall({ model: "prod-chat", url: url("prod-chat"), body: { messages: [{ role: "user", content: "hi" }], max_tokens: 10 } });
    expect((policy.onRequest!(mapped, ctx) as { action: string }).action).toBe("allow");
    const usage = { inputTokens: 1, outputTokens: 100, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 };
    const charged = policy.onResponse!(mapped, makeResult(usage.inputTokens, usage.outputTokens), ctx) as { charge: number };
    expect(charged.charge).toBe(costOf(usage, DEFAULT_PRICES["gpt-4o"]!));
    expect(charged.charge).toBeGreaterThan(costOf(usage, DEFAULT_PRICES["gpt-4o-mini"]!));
    const unmapped = makeCall({ model: "team-x", url: url("team-x") });
    expect(policy.onRequest!(unmapped, ctx)).toMatchObject({ action: "deny", code: "IRON_ERR_UNKNOWN_MODEL" });
    expect(warned).toEqual(["team-x"]);
  });
});
