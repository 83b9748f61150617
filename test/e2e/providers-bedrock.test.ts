// AWS Bedrock governed end to end inside botocore: a real Python agent (Debian's botocore) calls
// Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream (Anthropic and Llama) under a real supervisor against iron mock-llm speaking
// Bedrock, which checks every SigV4 signature over the body that arrived: a redacted request is signed
// afresh. Spend is exact (the stream's usage decoded from its binary frames), PII is redacted both
// ways, and a denial is botocore's own ClientError with Bedrock's error code.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PRICES } from "../../src/index.js";
import type { IronEvent } from "../../src/events/types.js";
import { countTokens, type MockLlm } from "../../src/mock-llm/index.js";
import { eventsOf, type ProviderRun, runProviderAgent } from "../helpers/provider-agent.js";

const PROMPT = "I am jane.doe@example.com, call +44 20 7946 0958";
const SENT = "I am [EMAIL_1], call +44 20 7946 0958";
const BACK = "I am [EMAIL_1], call [PHONE_1]";
const MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";
const LLAMA = "meta.llama3-1-70b-instruct-v1:0";
const STEPS = ["at-once", "streamed", "invoked", "invoke-streamed", "llama-streamed"];

type Line = { step: string; status: number; text: string; error: { code: string; message: string } | null };

let run: ProviderRun<Line>;
let mock: MockLlm;
let events: IronEvent[] = [];
let lines: Line[] = [];

beforeAll(async () => {
  run = await runProviderAgent<Line>("bedrock_agent.py", "BEDROCK", PROMPT, "model");
  ({ mock, events, lines } = run);
}, 120_000);

afterAll(async () => {
  await run?.close();
});

const of = <T extends IronEvent["type"]>(type: T) => eventsOf(events, type);

describe("AWS Bedrock through botocore", () => {
  it("recognises each call as Bedrock with its model, operation and stream, before signing", () => {
    expect(lines.map((l) => l.step)).toEqual([...STEPS, "denied"]);
    const requests = of("llm.request");
    expect(requests.map((r) => [r.provider, r.endpoint, r.model, r.stream])).toEqual([
      ["bedrock", "converse", MODEL, false],
      ["bedrock", "converse-stream", MODEL, true],
      ["bedrock", "invoke", MODEL, false],
      ["bedrock", "invoke-stream", MODEL, true],
      ["bedrock", "invoke-stream", LLAMA, true],
      ["bedrock", "converse", "deny-me", false],
    ]);
  });

  it("redacts PII on the way out (the mock checked the fresh signature) and on the way back", () => {
    for (const l of lines.filter((x) => x.step !== "denied")) expect([l.status, l.text], l.step).toEqual([200, `${BACK} (botocore ${l.step})`]);
    const sent = mock.requests.map((r) => JSON.stringify(r.body));
    expect(sent).toHaveLength(5);
    for (const body of sent) expect(body).toContain(SENT);
    expect(sent.join("")).not.toContain("jane.doe");
  });

  it("charges each call exactly at its model's price, a stream's usage read from its frames (InvokeModelWithResponseStream's from the invocation metrics)", () => {
    const responses = of("llm.response");
    expect(responses.map((r) => [r.stream, r.complete])).toEqual([
      [false, true],
      [true, true],
      [false, true],
      [true, true],
      [true, true],
    ]);
    responses.forEach((r, i) => {
      const step = STEPS[i]!;
      const price = DEFAULT_PRICES[step === "llama-streamed" ? "llama3-1-70b-instruct" : "claude-3-5-sonnet"]!;
      const tokens = countTokens(`${SENT} (botocore ${step})`);
      expect(r.usage, step).toEqual({ inputTokens: tokens, outputTokens: tokens, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 });
      expect(r.costMicros, step).toBe(Math.ceil(tokens * price.input + tokens * price.output - 1e-9));
    });
  });

  it("denies as botocore's ClientError with Bedrock's code, and the provider never sees the call", () => {
    const denied = lines.find((l) => l.step === "denied")!;
    expect([denied.status, denied.error]).toEqual([403, { code: "AccessDeniedException", message: "iron: model deny-me is not allowed (IRON_ERR_POLICY)" }]);
    expect(mock.requests.some((r) => r.path.includes("deny-me"))).toBe(false);
  });
});
