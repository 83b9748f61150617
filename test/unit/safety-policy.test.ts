// Protects the safety policy as a pure function: input redaction rewrites every provider's
// request texts (and nothing structural), placeholders are stable within a call across the
// request, the response and the stream, audits carry SHA-256 hashes and never values,
// `block` denies, and the stream filter catches values split across any chunking.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUILTIN_DETECTORS } from "../../src/policy/pii/detectors.js";
import { Placeholders } from "../../src/policy/pii/placeholders.js";
import { redactText, type DirectionRules } from "../../src/policy/pii/redact-text.js";
import { createStreamRedactor } from "../../src/policy/pii/stream-redactor.js";
import { safetyPolicy, type SafetyPolicyOptions } from "../../src/policy/policies/safety.js";
import type { Finding, LlmCall, Modify, PolicyContext, Redact, StreamFilter } from "../../src/policy/types.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";
import { makeCall, makeResult } from "../helpers/calls.js";

const ctx: PolicyContext = { now: 0, budgets: new MemoryBudgetLedger() };
const options = (overrides: Partial<SafetyPolicyOptions> = {}): SafetyPolicyOptions => ({
  detectors: BUILTIN_DETECTORS,
  input: { default: "redact", overrides: {} },
  output: { default: "redact", overrides: {} },
  hashSalt: "",
  allowValues: [],
  ...overrides,
});
const sha = (value: string): string => createHash("sha256").update(value).digest("hex");

describe("input redaction", () => {
  it("rewrites OpenAI chat texts, stable per value, and keeps roles, model and ids", () => {
    const policy = safetyPolicy(options());
    const body = {
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Support desk for bob@example.com" },
        { role: "user", content: [{ type: "text", text: "I am bob@example.com, call +44 20 7946 0958" }] },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"email":"ann@example.org"}' } }] },
      ],
    };
    const d = policy.onRequest!(makeCall({ body }), ctx) as Modify;
    expect(d.action).toBe("modify");
    expect(d.body).toEqual({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Support desk for [EMAIL_1]" },
        { role: "user", content: [{ type: "text", text: "I am [EMAIL_1], call [PHONE_1]" }] },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"email":"[EMAIL_2]"}' } }] },
      ],
    });
    expect(d.reason).toBe("4 values redacted: email ×3, phone ×1");
    expect(d.findings?.map((f) => [f.detector, f.placeholder, f.sha256])).toEqual([
      ["email", "[EMAIL_1]", sha("bob@example.com")],
      ["email", "[EMAIL_1]", sha("bob@example.com")],
      ["phone", "[PHONE_1]", sha("+442079460958")],
      ["email", "[EMAIL_2]", sha("ann@example.org")],
    ]);
    expect(JSON.stringify(d.findings)).not.toMatch(/bob@|7946/);
  });

  it("rewrites OpenAI responses input and instructions, completions prompts and embeddings input", () => {
    const policy = safetyPolicy(options());
    const responses = policy.onRequest!(
      makeCall({ endpoint: "responses", body: { model: "gpt-4.1", instructions: "Never email x@y.io", input: [{ role: "user", content: [{ type: "input_text", text: "ssn 123-45-6789" }] }] } }),
      ctx,
    ) as Modify;
    expect(responses.body).toEqual({ model: "gpt-4.1", instructions: "Never email [EMAIL_1]", input: [{ role: "user", content: [{ type: "input_text", text: "ssn [SSN_1]" }] }] });
    const completions = policy.onRequest!(makeCall({ endpoint: "completions", body: { model: "gpt-3.5-turbo-instruct", prompt: ["a@b.co is", "fine"] } }), ctx) as Modify;
    expect(completions.body).toEqual({ model: "gpt-3.5-turbo-instruct", prompt: ["[EMAIL_1] is", "fine"] });
    const embeddings = policy.onRequest!(makeCall({ endpoint: "embeddings", body: { model: "text-embedding-3-small", input: "card 4111 1111 1111 1111" } }), ctx) as Modify;
    expect(embeddings.body).toEqual({ model: "text-embedding-3-small", input: "card [CREDIT_CARD_1]" });
  });

  it("rewrites Anthropic system blocks, text blocks and tool results", () => {
    const policy = safetyPolicy(options());
    const body = {
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      system: [{ type: "text", text: "Agent key sk-ant-api03-AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIIIjjjj", cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "IBAN GB82WEST12345698765432" }] }] }],
    };
    const d = policy.onRequest!(makeCall({ provider: "anthropic", endpoint: "messages", model: "claude-sonnet-4-5", body }), ctx) as Modify;
    expect(d.body).toEqual({
      ...body,
      system: [{ type: "text", text: "Agent key [ANTHROPIC_KEY_1]", cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "IBAN [IBAN_1]" }] }] }],
    });
  });

  it("blocks by detector or group, allows others, and lets clean calls through untouched", () => {
    const policy = safetyPolicy(options({ input: { default: "allow", overrides: { secret: "block" } } }));
    const blocked = policy.onRequest!(makeCall({ body: { messages: [{ role: "user", content: "use AKIAIOSFODNN7EXAMPLE and mail a@b.co" }] } }), ctx);
    expect(blocked).toMatchObject({ action: "deny", code: "IRON_ERR_PII", status: 403, reason: "the request contains 1 value blocked: aws_access_key ×1" });
    const allowed = policy.onRequest!(makeCall({ body: { messages: [{ role: "user", content: "mail a@b.co" }] } }), ctx);
    expect(allowed).toMatchObject({ action: "allow", reason: "1 value seen and allowed: email ×1" });
    expect(policy.onRequest!(makeCall(), ctx)).toBeUndefined();
  });

  it("never flags allow-listed values and salts hashes", () => {
    const policy = safetyPolicy(options({ allowValues: ["support@iron.dev"], hashSalt: "pepper" }));
    const d = policy.onRequest!(makeCall({ body: { messages: [{ role: "user", content: "support@iron.dev or me@iron.dev" }] } }), ctx) as Modify;
    expect(d.body).toEqual({ messages: [{ role: "user", content: "support@iron.dev or [EMAIL_1]" }] });
    expect(d.findings?.[0]?.sha256).toBe(sha("pepperme@iron.dev"));
  });
});

describe("output redaction", () => {
  it("redacts the response body and output text with the call's placeholders, then forgets the call", () => {
    const policy = safetyPolicy(options());
    const call = makeCall({ body: { messages: [{ role: "user", content: "I am bob@example.com" }] } });
    policy.onRequest!(call, ctx);
    const body = {
      id: "chatcmpl-1",
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content: "Hi bob@example.com, ann@example.org says hi" }, finish_reason: "stop" }],
    };
    const d = policy.onResponse!(call, makeResult(5, 5, { body, output: "Hi bob@example.com, ann@example.org says hi" }), ctx) as Redact;
    expect(d.action).toBe("redact");
    expect(d.output).toBe("Hi [EMAIL_1], [EMAIL_2] says hi");
    expect((d.body as typeof body).choices[0]?.message.content).toBe("Hi [EMAIL_1], [EMAIL_2] says hi");
    expect((d.body as typeof body).id).toBe("chatcmpl-1");
    expect(d.findings).toHaveLength(2);
  });

  it("denies a response whose output is blocked, and leaves error responses alone", () => {
    const policy = safetyPolicy(options({ output: { default: "redact", overrides: { private_key: "block" } } }));
    const pem = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----";
    const d = policy.onResponse!(makeCall(), makeResult(1, 1, { body: { content: [{ type: "text", text: pem }] }, output: pem }), ctx);
    expect(d).toMatchObject({ action: "deny", code: "IRON_ERR_PII" });
    expect(policy.onResponse!(makeCall(), makeResult(1, 1, { status: 500, output: "a@b.co" }), ctx)).toBeUndefined();
  });
});

const rules: DirectionRules = { direction: "output", detectors: BUILTIN_DETECTORS, actionOf: () => "redact" };
const run = (filter: StreamFilter, chunks: readonly string[]): { text: string; findings: Finding[] } => {
  let text = "";
  const findings: Finding[] = [];
  for (const chunk of chunks) {
    const v = filter.push(chunk);
    text += v.text;
    findings.push(...(v.findings ?? []));
  }
  const end = filter.end();
  return { text: text + end.text, findings: [...findings, ...(end.findings ?? [])] };
};

// Texts with values that straddle any chunk boundary one can pick.
const SAMPLES = [
  "Reach John at john.smith@example.com or +44 20 7946 0958 today.",
  "Card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, SSN 123-45-6789.",
  "Order #415-555-2671 shipped on 2026-11-27T10:30:00Z; id 550e8400-e29b-41d4-a716-446655440000.",
  "key sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcdEFGH and host 10.0.0.12 and fe80::1",
  "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg\n-----END EC PRIVATE KEY----- then plain text after it",
  "No personal data here, just a sentence about the weather in version 1.2.3 of the forecast.",
  "Host 2001:0db8:85a3:0000:0000:8a2e:0370:7334 then 192.168.1.20, card 4111-1111-1111-1111, DE89 3704 0044 0532 0130 00 ok.",
  "Order 48213-B (see the tracking page) left on 12th street; call +1 (415) 555-2671 ext 12 or IBAN GB82 WEST 1234 5698 7654 32 now.",
];

describe("stream redaction", () => {
  it("holds back a value split across deltas and releases it redacted", () => {
    const filter = createStreamRedactor(rules, new Placeholders(), false);
    const out = run(filter, ["Mail jo", "hn@exa", "mple.com now, please"]);
    expect(out.text).toBe("Mail [EMAIL_1] now, please");
    expect(out.findings.map((f) => f.placeholder)).toEqual(["[EMAIL_1]"]);
  });

  it("gives the same text as whole-text redaction for every way of chunking it", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SAMPLES), fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 40 }), (text, sizes) => {
        const chunks: string[] = [];
        let at = 0;
        for (let i = 0; at < text.length; i += 1) {
          const size = sizes[i % sizes.length] as number;
          chunks.push(text.slice(at, at + size));
          at += size;
        }
        const whole = redactText(text, rules, new Placeholders()).text;
        expect(run(createStreamRedactor(rules, new Placeholders(), false), chunks).text).toBe(whole);
      }),
      { numRuns: 300 },
    );
  });

  it("takes a read's deltas at once: each carries its own text as far as it can go out, the same text as whole-text redaction", () => {
    const filter = createStreamRedactor(rules, new Placeholders(), false);
    // The engine sees the whole read: no delta waits for the next one of the same read to show its word ended.
    expect(filter.pushMany(["Mock", " reply", " 91f6845d:", " this"]).map((v) => v.text)).toEqual(["Mock", " reply", " 91f6845d:", " "]);
    expect(filter.pushMany([" is", " it"]).map((v) => v.text)).toEqual(["this is", " "]);
    expect(filter.end().text).toBe("it");
    // A value in what goes out: delta by delta, exactly as push() does.
    const batch = createStreamRedactor(rules, new Placeholders(), false);
    const single = createStreamRedactor(rules, new Placeholders(), false);
    const read = ["Mail jo", "hn@exa", "mple.com now", ", please"];
    expect(batch.pushMany(read)).toEqual(read.map((delta) => single.push(delta)));
    fc.assert(
      fc.property(fc.constantFrom(...SAMPLES), fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 40 }), (text, sizes) => {
        const reads: string[][] = [];
        let at = 0;
        for (let i = 0; at < text.length; i += 1) {
          const size = sizes[i % sizes.length] as number;
          const delta = text.slice(at, at + size);
          if (i % 3 === 0 || reads.length === 0) reads.push([delta]);
          else reads[reads.length - 1]?.push(delta);
          at += size;
        }
        const stream = createStreamRedactor(rules, new Placeholders(), false);
        const out = reads.map((deltas) => {
          const verdicts = stream.pushMany(deltas);
          expect(verdicts).toHaveLength(deltas.length);
          return verdicts.map((v) => v.text).join("");
        });
        expect(out.join("") + stream.end().text).toBe(redactText(text, rules, new Placeholders()).text);
      }),
      { numRuns: 300 },
    );
  });

  it("releases text held for a number with the very delta that shows the number has ended", () => {
    const filter = createStreamRedactor(rules, new Placeholders(), false);
    expect(filter.push("Your order 48213").text).toBe("Your order ");
    // A letter ends a number unless an IBAN may be going on: "-B" shows the order number has ended.
    expect(filter.push("-B was").text).toBe("48213-B ");
    expect(filter.push(" supposed to arrive").text).toBe("was supposed to ");
    const words = createStreamRedactor(rules, new Placeholders(), false);
    const out = ["Order", " 48213", "-B", " left", " the", " depot"].map((delta) => words.push(delta).text);
    expect(out).toEqual(["", "Order ", "", "48213-B ", "left ", "the "]); // no run of empty deltas, then a burst
    const iban = createStreamRedactor(rules, new Placeholders(), false);
    expect(["IBAN GB82", " WEST", " 1234 5698 7654 32", " now"].map((delta) => iban.push(delta).text).join("")).toBe("IBAN ");
    expect(iban.end().text).toBe("[IBAN_1] now");
    const phone = createStreamRedactor(rules, new Placeholders(), false);
    expect(phone.push("call +44 20 7946").text).toBe("call ");
    expect(phone.push(" 0958").text).toBe("");
    expect(phone.push(" today, thanks").text).toBe("[PHONE_1] today, ");
  });

  it("denies the stream at a blocked value", () => {
    const block: DirectionRules = { ...rules, actionOf: (d) => (d.group === "secret" ? "block" : "redact") };
    const filter = createStreamRedactor(block, new Placeholders(), false);
    const verdicts = ["token ghp_16C7e42F292c6912", "E7710c838347Ae178B4a here"].map((c) => filter.push(c));
    const end = filter.end();
    expect([...verdicts, end].some((v) => v.action === "deny" && v.code === "IRON_ERR_PII")).toBe(true);
    expect([...verdicts, end].map((v) => v.text).join("")).not.toMatch(/ghp_/);
  });

  it("is opened by the policy only when some output action is not allow, sharing the call's placeholders", () => {
    const quiet = safetyPolicy(options({ output: { default: "allow", overrides: {} } }));
    expect(quiet.onStreamOpen).toBeUndefined(); // no stream_chunks: the shim never waits for a chunk decision
    const policy = safetyPolicy(options());
    const call: LlmCall = makeCall({ stream: true, body: { messages: [{ role: "user", content: "I am bob@example.com" }] } });
    policy.onRequest!(call, ctx);
    const out = run(policy.onStreamOpen!(call, ctx)!, ["Hello ann@example.org and bob@", "example.com!"]);
    expect(out.text).toBe("Hello [EMAIL_2] and [EMAIL_1]!");
  });
});
