// Gemini governed end to end: a real Python agent calls Gemini's REST API through httpx (what
// google-genai sends with, sync and async), requests, urllib and aiohttp, under a real supervisor,
// against iron mock-llm speaking Gemini. Allowed calls are charged exactly from usageMetadata
// (streams too); PII is redacted on the way out (email) and on the way back (phone, which may
// leave); a denied call never reaches the provider and comes back in Gemini's own error shape.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PRICES } from "../../src/index.js";
import type { IronEvent } from "../../src/events/types.js";
import { countTokens, type MockLlm } from "../../src/mock-llm/index.js";
import { eventsOf, type ProviderRun, runProviderAgent } from "../helpers/provider-agent.js";

const PROMPT = "I am jane.doe@example.com, call +44 20 7946 0958";
const SENT = "I am [EMAIL_1], call +44 20 7946 0958";
const BACK = "I am [EMAIL_1], call [PHONE_1]";
const LIBS = ["httpx", "httpx-async", "requests", "urllib", "aiohttp"];

type Line = { lib: string; step: string; status: number; text: string; error: { code: number; message: string; status: string } | null };

let run: ProviderRun<Line>;
let mock: MockLlm;
let events: IronEvent[] = [];
let lines: Line[] = [];

beforeAll(async () => {
  run = await runProviderAgent<Line>("gemini_agent.py", "GEMINI", PROMPT, "model");
  ({ mock, events, lines } = run);
}, 120_000);

afterAll(async () => {
  await run?.close();
});

const of = <T extends IronEvent["type"]>(type: T) => eventsOf(events, type);

describe("Gemini through every library google-genai or an agent would use", () => {
  it("recognises each call as Gemini with its model, endpoint and library", () => {
    expect(lines.map((l) => `${l.lib}/${l.step}`)).toEqual(LIBS.flatMap((lib) => ["at-once", "streamed", "denied"].map((s) => `${lib}/${s}`)));
    const requests = of("llm.request");
    expect(requests).toHaveLength(15);
    for (const r of requests) expect(r.provider).toBe("gemini");
    expect(new Set(requests.map((r) => `${r.endpoint}/${r.stream}`))).toEqual(new Set(["generateContent/false", "streamGenerateContent/true"]));
  });

  it("redacts PII on the way out and on the way back, streamed or not", () => {
    for (const l of lines.filter((x) => x.step !== "denied")) {
      expect([l.status, l.text], `${l.lib}/${l.step}`).toEqual([200, `${BACK} (${l.lib} ${l.step})`]);
    }
    const sent = mock.requests.map((r) => JSON.stringify(r.body));
    expect(sent).toHaveLength(10);
    for (const body of sent) expect(body).toContain(SENT);
    expect(sent.join("")).not.toContain("jane.doe");
  });

  it("charges each allowed call exactly from usageMetadata", () => {
    const price = DEFAULT_PRICES["gemini-2.5-flash"]!;
    const responses = of("llm.response");
    const allowed = lines.filter((l) => l.step !== "denied");
    expect(responses).toHaveLength(allowed.length);
    responses.forEach((r, i) => {
      const { lib, step } = allowed[i]!;
      const tokens = countTokens(`${SENT} (${lib} ${step})`);
      expect([r.stream, r.complete], `${lib}/${step}`).toEqual([step === "streamed", true]);
      expect(r.usage, `${lib}/${step}`).toEqual({ inputTokens: tokens, outputTokens: tokens, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 });
      expect(r.costMicros, `${lib}/${step}`).toBe(Math.ceil(tokens * price.input + tokens * price.output - 1e-9));
    });
  });

  it("denies in Gemini's own error shape, and the provider never sees the call", () => {
    for (const l of lines.filter((x) => x.step === "denied")) {
      expect(l.status, l.lib).toBe(403);
      expect(l.error, l.lib).toEqual({ code: 403, status: "PERMISSION_DENIED", message: "iron: model deny-me is not allowed (IRON_ERR_POLICY)" });
    }
    expect(mock.requests.some((r) => r.path.includes("deny-me"))).toBe(false);
  });
});
