// Protects the promise that no secret or raw personal datum reaches the store or the stream:
// free text in events is scrubbed to keyed hashes, identifiers iron chose are kept as they are.
import { describe, expect, it } from "vitest";
import { EventBus, ImmediateSink } from "../../src/events/bus.js";
import { createHasher, Scrubber } from "../../src/events/scrub.js";
import type { IronEvent } from "../../src/events/types.js";
import { TokenRegistry } from "../../src/transport/tokens.js";

const scrubber = new Scrubber(createHasher(Buffer.alloc(32, 7)));

describe("Scrubber.text", () => {
  it.each([
    ["openai key", "using sk-proj-AbCdEf0123456789xyzXYZ now", "sk-proj-AbCdEf0123456789xyzXYZ"],
    ["anthropic key", "key=sk-ant-api03-abcdefghijklmnop", "sk-ant-api03-abcdefghijklmnop"],
    ["bearer token", "Authorization: Bearer abc.def-ghi_jkl", "abc.def-ghi_jkl"],
    ["aws key", "AKIAIOSFODNN7EXAMPLE in config", "AKIAIOSFODNN7EXAMPLE"],
    ["github token", "ghp_0123456789abcdefghijABCDEFGHIJ", "ghp_0123456789abcdefghijABCDEFGHIJ"],
    ["github fine-grained token without digits", "use github_pat_abcdefXYZjklmnopqrSTUVWXYZabcd", "github_pat_abcdefXYZjklmnopqrSTUVWXYZabcd"],
    ["short international phone", "dial +4 12 34 now", "+4 12 34"],
    ["jwt", "eyJhbGciOi.eyJzdWIiOiIx.SflKxwRJSM", "eyJhbGciOi.eyJzdWIiOiIx.SflKxwRJSM"],
    ["password assignment", 'password="hunter2hunter2"', "hunter2hunter2"],
    ["email", "write to alice.smith@example.co.uk please", "alice.smith@example.co.uk"],
    ["card number", "card 4111 1111 1111 1111 ok", "4111 1111 1111 1111"],
    ["us ssn", "ssn 123-45-6789", "123-45-6789"],
    ["international phone", "call +44 20 7946 0958", "+44 20 7946 0958"],
  ])("replaces a %s with a keyed hash", (_kind, text, secret) => {
    const out = scrubber.text(text);
    expect(out).not.toContain(secret);
    expect(out).toMatch(/\[redacted:(secret|email|card|ssn|phone):[0-9a-f]{12}\]/);
  });

  it("leaves ordinary text, times, dates, counts and non-Luhn digit runs alone", () => {
    for (const text of ["answered 200 in 12.5 ms", "2026-11-27 12:03:04", "call 17 of 1000", "order 1234567890123 shipped", "budget global: $0.0100"]) {
      expect(scrubber.text(text)).toBe(text);
    }
  });

  it("is idempotent: scrubbed text scrubbed again stays the same", () => {
    const once = scrubber.text("secret=hunter2hunter2 sk-proj-AbCdEf0123456789xyzXYZ bob@example.com +1 415 555 0100");
    expect(once).not.toMatch(/hunter2|AbCdEf|bob@|415/);
    expect(scrubber.text(once)).toBe(once);
  });

  it("gives equal values equal hashes under one key and different hashes under another", () => {
    const a = scrubber.text("alice@example.com");
    expect(scrubber.text("mail alice@example.com")).toBe(`mail ${a}`);
    expect(new Scrubber(createHasher(Buffer.alloc(32, 8))).text("alice@example.com")).not.toBe(a);
  });

  it("replaces the exact secrets iron handed out, whatever they look like", () => {
    const s = new Scrubber(createHasher(Buffer.alloc(32, 1)));
    s.addSecret("Zq81-agent-token-value");
    expect(s.text("env IRON_TOKEN=Zq81-agent-token-value")).not.toContain("Zq81-agent-token-value");
  });

  it("scrubs a short text again once a secret that it holds is registered (nothing remembered goes stale)", () => {
    const s = new Scrubber(createHasher(Buffer.alloc(32, 3)));
    expect(s.text("token Kq7-exact-value")).toBe("token Kq7-exact-value");
    s.addSecret("Kq7-exact-value");
    expect(s.text("token Kq7-exact-value")).not.toContain("Kq7-exact-value");
  });

  it("replaces every agent token iron issues by its shape, without keeping one secret per run", () => {
    const tokens = new TokenRegistry();
    const s = new Scrubber(createHasher(Buffer.alloc(32, 2)));
    const told = new Scrubber(createHasher(Buffer.alloc(32, 2)));
    for (let run = 0; run < 50; run++) {
      const token = tokens.issue("agent-1");
      told.addSecret(token);
      // Mid-line, in quotes, after `=`: gone, and marked exactly as a registered secret would be.
      for (const line of [`IRON_TOKEN=${token}`, `'${token}'`, `x ${token} y`]) {
        expect(s.text(line)).not.toContain(token);
        expect(s.text(line)).toBe(told.text(line));
      }
    }
    expect(s.text("iron_shortname and iron_config stay")).toBe("iron_shortname and iron_config stay");
  });
});

describe("events through the bus", () => {
  it("are scrubbed before anyone sees them, identifiers intact, attrs and output lines scrubbed", () => {
    const bus = new EventBus(new ImmediateSink(), () => 1000, scrubber);
    const seen: IronEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    bus.publish({ type: "agent.output", agentId: "agent-1", run: 1, stream: "stdout", line: "token=sk-live-0123456789abcdefXYZ for bob@example.org" });
    bus.publish({
      type: "llm.request",
      agentId: "agent-1",
      callId: "c-1",
      provider: "openai",
      endpoint: "chat.completions",
      model: "gpt-4o-mini",
      stream: false,
      estimatedInputTokens: 3,
      maxOutputTokens: null,
      library: "httpx",
      attrs: { user: "carol@example.net", team: "search" },
    });
    expect(seen.map((e) => e.seq)).toEqual([1, 2]);
    const [output, request] = seen as [IronEvent<"agent.output">, IronEvent<"llm.request">];
    expect(output.line).not.toMatch(/sk-live|bob@example/);
    expect(output.agentId).toBe("agent-1");
    expect(request.attrs.user).toMatch(/^\[redacted:email:[0-9a-f]{12}\]$/);
    expect(request.attrs.team).toBe("search");
    expect(request).toMatchObject({ callId: "c-1", model: "gpt-4o-mini", provider: "openai", ts: 1000 });
  });
});

describe("Scrubber.text on recurring short texts", () => {
  it("remembers a scope name scrubbed once, and scrubs it again after a secret is registered", () => {
    const scrubber = new Scrubber(() => "h");
    const name = "user:s3cret-value@day:2026-12-07";
    expect(scrubber.text(name)).toBe(name);
    expect(scrubber.text(name)).toBe(name);
    scrubber.addSecret("s3cret-value");
    expect(scrubber.text(name)).toBe("user:[redacted:secret:h]@day:2026-12-07");
  });
});

describe("Scrubber.stamped", () => {
  // The bus stamps and scrubs in one pass: it must give what `{ seq, ts, ...event(input) }` gave, key order included.
  it("gives the stamped scrubbed copy the spread gave, without touching the input", () => {
    const inputs: Record<string, unknown>[] = [
      { type: "llm.request", agentId: "a sk-proj-AbCdEf0123456789xyzXYZ", callId: "c-1", model: "m", attrs: { team: "alice@example.com" }, findings: [{ kind: "email", count: 2 }] },
      { type: "llm.decision", agentId: "a", reason: "card 4111 1111 1111 1111", status: null, micros: 0, attrs: {} },
      { type: "odd", seq: "given", ts: 3, 2: "an integer key", nested: [["x", { token: "token=abcdef123456" }]] },
      JSON.parse('{"type":"proto","__proto__":{"polluted":true},"after":"kept"}') as Record<string, unknown>,
    ];
    for (const input of inputs) {
      const before = JSON.stringify(input);
      const stamped = scrubber.stamped(41, 1_700_000_000_000, input);
      const spread = { seq: 41, ts: 1_700_000_000_000, ...scrubber.event(input) };
      expect(stamped).toStrictEqual(spread);
      expect(Object.keys(stamped)).toEqual(Object.keys(spread));
      expect(JSON.stringify(stamped)).toBe(JSON.stringify(spread));
      expect(Object.getPrototypeOf(stamped)).toBe(Object.prototype);
      expect(JSON.stringify(input)).toBe(before);
    }
  });
});
