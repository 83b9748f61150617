// The response hints (protocol/SPEC.md 3.5 response_hints): a read response none of them matches is
// released by the shim without a decision, so each built-in detector's hint must match every text in
// which the detector finds a value (else a value leaks), and they must stay tight enough that plain
// prose is released. Then: which request decisions carry them, and the supervisor's safety net.
import { describe, expect, it } from "vitest";
import { EventBus } from "../../src/events/bus.js";
import type { IronEvent } from "../../src/events/types.js";
import { PolicyEngine } from "../../src/policy/engine.js";
import { BUILTIN_DETECTORS, type Detector } from "../../src/policy/pii/detectors.js";
import { scanText } from "../../src/policy/pii/scan.js";
import { safetyPolicy, type DirectionActions } from "../../src/policy/policies/safety.js";
import type { Policy, ResponseHint } from "../../src/policy/types.js";
import { resolveSafety } from "../../src/sections/resolve-sections.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";
import { CallGovernor } from "../../src/supervisor/call-governor.js";
import { corpusTexts, generatedText, random } from "../helpers/hint-corpus.js";
import { wireRequest, wireResponse } from "../helpers/wire-request.js";

const compile = (h: ResponseHint): RegExp => new RegExp(h.source, h.ignoreCase ? "i" : "");
const MOCK_REPLY = "Mock reply 50dd46bf: this is a deterministic answer from iron mock-llm.";
const defaults = resolveSafety(undefined);
if (defaults === null) throw new Error("safety is on by default");
const defaultHints = (): readonly ResponseHint[] => {
  const hints = safetyPolicy(defaults).responseHints?.(wireCall()) ?? null;
  if (hints === null) throw new Error("the default safety policy gives hints");
  return hints;
};
const wireCall = () => ({ ...defaultCall });
const defaultCall = {
  id: "c-1",
  agentId: "a",
  provider: "openai",
  endpoint: "chat.completions",
  model: "m",
  method: "POST",
  url: "u",
  headers: {},
  body: {},
  stream: false,
  estimatedTokens: { input: 1, output: 1 },
  library: "t",
  attrs: {},
  receivedAt: 0,
};
const matchesAny = (hints: readonly ResponseHint[], text: string): boolean => hints.some((h) => compile(h).test(text));

function holdsFor(detector: Detector, text: string): boolean {
  if (scanText(text, [detector]).length === 0) return true;
  return detector.portable !== undefined && compile(detector.portable).test(text);
}

describe("each built-in detector's hint", () => {
  it("exists, and uses only the syntax JavaScript and Python read alike", () => {
    for (const d of BUILTIN_DETECTORS) {
      expect(d.portable, d.name).toBeDefined();
      const source = d.portable?.source ?? "";
      // No lookaround, backreference, named group, inline flag, \b \B \s \S \w \W, negated class; no . or $ outside a class.
      expect(source, d.name).not.toMatch(/\(\?[^:]|\\[1-9bBsSwWk]|\[\^/);
      expect(source.replace(/\[(?:\\.|[^\]\\])*\]/g, "[]"), d.name).not.toMatch(/(?<!\\)[.$]/);
    }
  });

  it("matches every corpus text in which its detector finds a value", () => {
    const texts = corpusTexts();
    expect(texts.length).toBeGreaterThan(600);
    let found = 0;
    for (const text of texts)
      for (const d of BUILTIN_DETECTORS) {
        if (scanText(text, [d]).length > 0) found += 1;
        expect(holdsFor(d, text), `${d.name}: ${JSON.stringify(text)}`).toBe(true);
      }
    expect(found).toBeGreaterThan(400);
  });

  it("matches every generated text in which its detector finds a value", () => {
    const rnd = random(14);
    const seen = new Map<string, number>();
    for (let i = 0; i < 30_000; i += 1) {
      const text = generatedText(rnd);
      for (const d of BUILTIN_DETECTORS) {
        if (scanText(text, [d]).length === 0) continue;
        seen.set(d.name, (seen.get(d.name) ?? 0) + 1);
        expect(holdsFor(d, text), `${d.name}: ${JSON.stringify(text)}`).toBe(true);
      }
    }
    // Every detector was really exercised.
    for (const d of BUILTIN_DETECTORS) expect(seen.get(d.name) ?? 0, d.name).toBeGreaterThan(20);
  });
});

describe("the default configuration's hints", () => {
  it("leave the mock provider's reply and plain prose alone", () => {
    const hints = defaultHints();
    for (const text of [
      MOCK_REPLY,
      "Sure! Here is a summary of order 48213-B: it shipped on Monday and should arrive in 3 days.",
      "The answer is 42. In 2024 revenue grew 12% to $3.5 billion; see section 4.2.",
      "Note: the function returns a list.",
    ])
      expect(matchesAny(hints, text), text).toBe(false);
  });

  it("leave the mock's reply alone whatever its hash, unless the hash is all digits (a phone number, maybe)", () => {
    const hints = defaultHints();
    const rnd = random(50);
    for (let i = 0; i < 2000; i += 1) {
      const hash = Array.from({ length: 8 }, () => "0123456789abcdef"[Math.floor(rnd() * 16)]).join("");
      expect(matchesAny(hints, MOCK_REPLY.replace("50dd46bf", hash)), hash).toBe(/^[0-9]{8}$/.test(hash));
    }
  });

  it("catch an email, a card, a phone, a key, an address", () => {
    const hints = defaultHints();
    for (const text of [
      "write to jane.doe@example.com",
      "card 4111 1111 1111 1111",
      "call me at +44 20 7946 0958",
      `key sk-proj-${"a".repeat(40)}`,
      "host 10.0.0.1 is down",
      "fe80::1 is link-local",
      "IBAN DE89 3704 0044 0532 0130 00",
    ])
      expect(matchesAny(hints, text), text).toBe(true);
  });

  it("are one per distinct pattern (the digit detectors share one)", () => {
    const hints = defaultHints();
    expect(new Set(hints.map((h) => h.source)).size).toBe(hints.length);
    expect(hints.length).toBeLessThan(BUILTIN_DETECTORS.length);
  });
});

const REDACT: DirectionActions = { default: "redact", overrides: {} };
const ALLOW: DirectionActions = { default: "allow", overrides: {} };
const safety = (output: DirectionActions, detectors: readonly Detector[] = BUILTIN_DETECTORS): Policy => safetyPolicy({ detectors, input: REDACT, output, hashSalt: "", allowValues: [] });
const settles: Policy = { name: "settles", actsOnResponse: () => false, onResponse: () => ({ action: "allow", charge: 1 }) };

function governor(builtins: Policy[], custom: Policy[] = []): { governor: CallGovernor; events: IronEvent[]; failed: unknown[] } {
  const ledger = new MemoryBudgetLedger();
  const engine = new PolicyEngine({ builtins, ledger });
  for (const policy of custom) engine.use(policy);
  const bus = new EventBus();
  const events: IronEvent[] = [];
  bus.subscribe((event) => events.push(event));
  const failed: unknown[] = [];
  return {
    governor: new CallGovernor({ engine, bus, ledger, afterFailed: (e) => failed.push(e) }),
    events,
    failed,
  };
}

describe("response_hints in the request decision", () => {
  it("are sent when output safety is the only policy that acts on the response", async () => {
    const { governor: g } = governor([safety(REDACT), settles]);
    const d = await g.request("a", wireRequest(1));
    expect(d.response_decision).toBeUndefined();
    expect(d.response_hints?.map((h) => h.re)).toEqual(defaultHints().map((h) => h.source));
    expect(d.response_hints?.every((h) => h.i === false)).toBe(true);
  });

  it("cover only the detectors whose output action acts", async () => {
    const emailOnly: DirectionActions = { default: "allow", overrides: { email: "block" } };
    const d = await governor([safety(emailOnly), settles]).governor.request("a", wireRequest(1));
    expect(d.response_hints).toEqual([{ re: BUILTIN_DETECTORS.find((x) => x.name === "email")?.portable?.source, i: false }]);
  });

  it("are left out when a custom detector acts on output, or a custom policy may act on the response", async () => {
    const custom: Detector = { name: "ticket", group: null, label: "TICKET", pattern: /TCK-\d+/g, hint: () => true, numeric: false, priority: 70 };
    const withCustom = await governor([safety(REDACT, [...BUILTIN_DETECTORS, custom]), settles]).governor.request("a", wireRequest(1));
    expect([withCustom.response_decision, withCustom.response_hints]).toEqual([undefined, undefined]);
    const policy: Policy = { name: "custom", onResponse: () => undefined };
    const withPolicy = await governor([safety(REDACT), settles], [policy]).governor.request("a", wireRequest(2));
    expect(withPolicy.response_hints).toBeUndefined();
    const hinted: Policy = { name: "hinted", onResponse: () => undefined, responseHints: () => [{ source: "TCK-", ignoreCase: true }] };
    const both = await governor([safety(REDACT), settles], [hinted]).governor.request("a", wireRequest(3));
    expect(both.response_hints?.at(-1)).toEqual({ re: "TCK-", i: true });
    const throws: Policy = {
      name: "throws",
      onResponse: () => undefined,
      responseHints: () => {
        throw new Error("cannot say");
      },
    };
    const thrown = await governor([safety(REDACT), settles], [throws]).governor.request("a", wireRequest(4));
    expect([thrown.action, thrown.response_hints]).toEqual(["allow", undefined]);
  });

  it("ask each policy once per request whether it acts on the response", async () => {
    const asked: string[] = [];
    const counted = (name: string, acts: boolean): Policy => ({
      name,
      onResponse: () => undefined,
      actsOnResponse: (call) => {
        asked.push(`${name}:${call.id}`);
        return acts;
      },
      responseHints: () => [{ source: "TCK-", ignoreCase: false }],
    });
    const d = await governor([settles], [counted("acts", true), counted("quiet", false)]).governor.request("a", wireRequest(1));
    expect(d.response_hints).toEqual([{ re: "TCK-", i: false }]);
    expect(asked).toEqual([`acts:${d.call}`, `quiet:${d.call}`]);
  });

  it("are not sent for streams, nor when no policy acts on the response", async () => {
    const streamed = await governor([safety(REDACT), settles]).governor.request("a", wireRequest(1, { stream: true }));
    expect(streamed.response_hints).toBeUndefined();
    const quiet = await governor([safety(ALLOW), settles]).governor.request("a", wireRequest(2));
    expect([quiet.response_decision, quiet.response_hints]).toEqual([false, undefined]);
  });
});

describe("a released response that a policy redacts after all", () => {
  it("is told: a policy.error event and the supervisor's error log", async () => {
    const { governor: g, events, failed } = governor([safety(REDACT), settles]);
    await g.request("a", wireRequest(1));
    const body = { choices: [{ message: { role: "assistant", content: "mail bob@example.com" } }] };
    await g.response("a", { ...wireResponse(1, { output: "mail bob@example.com", body }), reply: false });
    g.flushFollowUps();
    const error = events.find((e) => e.type === "policy.error");
    expect(error).toMatchObject({ type: "policy.error", callId: "c-1", policy: "safety", ignored: true });
    expect(String((error as { error: string }).error)).toMatch(/released before its decision/);
    expect(failed).toHaveLength(1);
  });

  it("is quiet when the same report was awaited, or had no body (reply false as before)", async () => {
    const { governor: g, events, failed } = governor([safety(REDACT), settles]);
    await g.request("a", wireRequest(1));
    await g.request("a", wireRequest(3));
    const body = { choices: [{ message: { role: "assistant", content: "mail bob@example.com" } }] };
    await g.response("a", wireResponse(1, { output: "mail bob@example.com", body }));
    await g.response("a", { ...wireResponse(3, { output: "mail bob@example.com", body: null }), reply: false });
    g.flushFollowUps();
    expect(events.filter((e) => e.type === "policy.error")).toEqual([]);
    expect(failed).toEqual([]);
  });
});
