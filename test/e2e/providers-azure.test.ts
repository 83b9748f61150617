// Azure OpenAI governed end to end: a real Python agent calls deployment URLs the way AzureOpenAI
// does (httpx, `api-key`, ?api-version=, no model in the body) under a real supervisor, against iron
// mock-llm's Azure routes. The deployment prices as its model; PII is redacted both ways; a denied
// deployment never reaches the provider and comes back in OpenAI's (Azure's) error shape. Azure is its
// own provider ("azure", not "openai") in events and in the rate-limit and breaker keys: a per-provider
// limit of one call a minute on "openai" does not touch it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PRICES } from "../../src/index.js";
import type { IronEvent } from "../../src/events/types.js";
import { countTokens, type MockLlm } from "../../src/mock-llm/index.js";
import { eventsOf, type ProviderRun, runProviderAgent } from "../helpers/provider-agent.js";

const PROMPT = "I am jane.doe@example.com, call +44 20 7946 0958";
const SENT = "I am [EMAIL_1], call +44 20 7946 0958";
const BACK = "I am [EMAIL_1], call [PHONE_1]";

type Line = { step: string; status: number; text: string; error: Record<string, unknown> | null };

let run: ProviderRun<Line>;
let mock: MockLlm;
let events: IronEvent[] = [];
let lines: Line[] = [];

beforeAll(async () => {
  const reliability = { rate_limits: { max_wait: 0, per_provider: { openai: { rpm: 1 } } } };
  run = await runProviderAgent<Line>("azure_agent.py", "AZURE", PROMPT, "deployment", { reliability });
  ({ mock, events, lines } = run);
}, 120_000);

afterAll(async () => {
  await run?.close();
});

const of = <T extends IronEvent["type"]>(type: T) => eventsOf(events, type);

describe("Azure OpenAI deployment calls", () => {
  it("are recognised as provider azure with the deployment as the model, and redacted both ways (streamed too)", () => {
    expect(of("llm.request").map((r) => [r.provider, r.endpoint, r.model, r.stream])).toEqual([
      ["azure", "chat.completions", "gpt-4o-mini", false],
      ["azure", "chat.completions", "gpt-4o-mini", true],
      ["azure", "chat.completions", "deny-me", false],
    ]);
    // Not one 429 from openai's one-a-minute rate limit: Azure's calls are keyed as azure.
    expect(
      of("llm.decision")
        .filter((d) => d.phase === "request")
        .map((d) => [d.action, d.code]),
    ).toEqual([
      ["modify", null],
      ["modify", null],
      ["deny", "IRON_ERR_POLICY"],
    ]);
    expect(lines.slice(0, 2).map((l) => [l.status, l.text])).toEqual([
      [200, `${BACK} (at-once)`],
      [200, `${BACK} (streamed)`],
    ]);
    expect(mock.requests.map((r) => JSON.stringify(r.body)).join("")).not.toContain("jane.doe");
  });

  it("are charged exactly at the deployment's model price", () => {
    const price = DEFAULT_PRICES["gpt-4o-mini"]!;
    const responses = of("llm.response");
    expect(responses).toHaveLength(2);
    responses.forEach((r, i) => {
      const tokens = countTokens(`${SENT} (${i === 0 ? "at-once" : "streamed"})`);
      expect([r.usage?.inputTokens, r.usage?.outputTokens], `${i} ${JSON.stringify(r)}`).toEqual([tokens, tokens]);
      expect(r.costMicros).toBe(Math.ceil(tokens * price.input + tokens * price.output - 1e-9));
    });
  });

  it("are denied in OpenAI's error shape without reaching the provider", () => {
    expect(lines[2]).toMatchObject({ step: "denied", status: 403, error: { type: "iron_policy_denied", code: "IRON_ERR_POLICY" } });
    expect(mock.requests.some((r) => r.path.includes("deny-me"))).toBe(false);
  });
});
