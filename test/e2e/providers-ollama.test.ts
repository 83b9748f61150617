// Ollama's own API governed end to end: a real Python agent calls /api/chat and /api/generate the
// way ollama-python does (httpx, sync and async), and through requests, urllib and aiohttp, under a
// real supervisor, against iron mock-llm speaking Ollama (NDJSON streams). A local model costs $0
// but its counts are exact and reserved, so budgets and rate limits still see it; PII is redacted
// on the way out and on the way back (streams line by line); a denial is Ollama's {"error": "..."}.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IronEvent } from "../../src/events/types.js";
import { countTokens, type MockLlm } from "../../src/mock-llm/index.js";
import { eventsOf, type ProviderRun, runProviderAgent } from "../helpers/provider-agent.js";

const PROMPT = "I am jane.doe@example.com, call +44 20 7946 0958";
const SENT = "I am [EMAIL_1], call +44 20 7946 0958";
const BACK = "I am [EMAIL_1], call [PHONE_1]";
const LIBS = ["httpx", "httpx-async", "requests", "urllib", "aiohttp"];
const STEPS = ["at-once", "streamed", "generated", "denied"];

type Line = { lib: string; step: string; status: number; text: string; counts: [number | null, number | null]; error: string | null };

let run: ProviderRun<Line>;
let mock: MockLlm;
let events: IronEvent[] = [];
let lines: Line[] = [];

beforeAll(async () => {
  run = await runProviderAgent<Line>("ollama_agent.py", "OLLAMA", PROMPT, "model");
  ({ mock, events, lines } = run);
}, 120_000);

afterAll(async () => {
  await run?.close();
});

const of = <T extends IronEvent["type"]>(type: T) => eventsOf(events, type);

describe("Ollama's own API through every library ollama-python or an agent would use", () => {
  it("recognises each call as Ollama with its model, endpoint, stream and cap", () => {
    expect(lines.map((l) => `${l.lib}/${l.step}`)).toEqual(LIBS.flatMap((lib) => STEPS.map((s) => `${lib}/${s}`)));
    const requests = of("llm.request");
    expect(requests).toHaveLength(20);
    for (const r of requests) expect(r.provider).toBe("ollama");
    expect(new Set(requests.map((r) => `${r.endpoint}/${r.stream}`))).toEqual(new Set(["ollama.chat/false", "ollama.chat/true", "ollama.generate/true"]));
  });

  it("redacts PII on the way out and on the way back, streamed or not", () => {
    for (const l of lines.filter((x) => x.step !== "denied")) {
      expect([l.status, l.text, l.error], `${l.lib}/${l.step}`).toEqual([200, `${BACK} (${l.lib} ${l.step})`, null]);
    }
    const sent = mock.requests.map((r) => JSON.stringify(r.body));
    expect(sent).toHaveLength(15);
    for (const body of sent) expect(body).toContain(SENT);
    expect(sent.join("")).not.toContain("jane.doe");
  });

  it("counts each allowed call exactly from prompt_eval_count and eval_count, at $0 on this machine", () => {
    const responses = of("llm.response");
    const allowed = lines.filter((l) => l.step !== "denied");
    expect(responses).toHaveLength(allowed.length);
    responses.forEach((r, i) => {
      const { lib, step, counts } = allowed[i]!;
      const tokens = countTokens(`${SENT} (${lib} ${step})`);
      expect(counts, `${lib}/${step}`).toEqual([tokens, tokens]);
      expect([r.stream, r.complete], `${lib}/${step}`).toEqual([step !== "at-once", true]);
      expect(r.usage, `${lib}/${step}`).toEqual({ inputTokens: tokens, outputTokens: tokens, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 });
      expect(r.costMicros, `${lib}/${step}`).toBe(0);
    });
  });

  it("denies in Ollama's own error shape, and the server never sees the call", () => {
    for (const l of lines.filter((x) => x.step === "denied")) {
      expect([l.status, l.error], l.lib).toEqual([403, "iron: model deny-me is not allowed (IRON_ERR_POLICY)"]);
    }
    expect(mock.requests.some((r) => JSON.stringify(r.body).includes("deny-me"))).toBe(false);
  });
});
