// Protects what a dashboard's call detail may show: every string scrubbed of secrets and
// personal data (by the event scrubber and by every safety detector), bodies capped with a
// marker, and a ring that keeps only the most recent calls.
import { describe, expect, it } from "vitest";
import { Scrubber } from "../../src/events/scrub.js";
import type { IronEvent } from "../../src/events/types.js";
import { CallDetails } from "../../src/stream/call-details.js";
import { capText, capValue, MAX_DETAIL_BYTES, scrubForDisplay, scrubValueForDisplay, TRUNCATED_MARK } from "../../src/stream/display-scrub.js";

const meta = { provider: "openai", method: "POST", url: "https://api.openai.com/v1/chat/completions?api_key=sk-abcdefghijklmnopqrstuvwx", sent: true };

describe("display scrubbing", () => {
  it("hides keys, emails, IBANs, IPs and issued tokens at any depth, keys of objects too", () => {
    const scrubber = new Scrubber();
    scrubber.addSecret("iron-issued-token-123456");
    const body = {
      messages: [{ role: "user", content: "key sk-proj-Zq3vL9xT2mN8bR4kW7yP1cD6, mail jane@example.com, iban DE89370400440532013000, host 10.1.2.3" }],
      metadata: { "jane@example.com": "iron-issued-token-123456" },
      n: 1,
      ok: true,
      none: null,
    };
    const shown = JSON.stringify(scrubValueForDisplay(body, scrubber));
    for (const secret of ["sk-proj-Zq3vL9xT2mN8bR4kW7yP1cD6", "jane@example.com", "DE89370400440532013000", "10.1.2.3", "iron-issued-token-123456"]) expect(shown).not.toContain(secret);
    expect(shown).toMatch(/\[redacted:iban:[0-9a-f]{12}\]/);
    expect(shown).toContain('"n":1,"ok":true,"none":null');
    // The scrubber's own marks are not scrubbed again.
    const once = scrubForDisplay("mail jane@example.com", scrubber);
    expect(scrubForDisplay(once, scrubber)).toBe(once);
  });

  it("caps a body's JSON and a text at 64 KiB, with a marker", () => {
    const small = { a: "x" };
    expect(capValue(small)).toBe(small);
    const big = { content: "é".repeat(MAX_DETAIL_BYTES) };
    const capped = capValue(big) as { truncated: boolean; bytes: number; json: string };
    expect(capped.truncated).toBe(true);
    expect(capped.bytes).toBe(Buffer.byteLength(JSON.stringify(big)));
    expect(capped.json.endsWith(TRUNCATED_MARK)).toBe(true);
    expect(Buffer.byteLength(capped.json)).toBeLessThanOrEqual(MAX_DETAIL_BYTES);
    expect(capped.json).not.toContain("\uFFFD"); // cut on a character boundary
    expect(capText("short")).toBe("short");
  });
});

describe("the call detail ring", () => {
  const event = (seq: number, callId: string, type: "llm.request" | "llm.response" = "llm.request"): IronEvent => ({ seq, ts: seq, type, agentId: "a", callId }) as unknown as IronEvent;

  it("keeps the last N calls with their events in seq order, scrubbed bodies, and URLs without credentials", () => {
    const ring = new CallDetails(new Scrubber(), 2);
    for (const id of ["c1", "c2", "c3"]) {
      ring.request(id, "a", { messages: [{ role: "user", content: `hi from ${id}@example.com` }] }, meta);
      ring.response(id, 200, `answer for ${id}@example.com`, "allow", false);
    }
    ring.noteEvent(event(7, "c3", "llm.response"));
    ring.noteEvent(event(5, "c3"));
    expect(ring.get("c1")).toBeNull();
    const c3 = ring.get("c3");
    expect(c3?.events.map((e) => e.seq)).toEqual([5, 7]);
    expect(c3?.bodies).toBe("kept");
    expect(JSON.stringify(c3)).not.toContain("@example.com");
    expect(c3?.requestMeta?.url).toMatch(/^https:\/\/api\.openai\.com\/v1\/chat\/completions\?api_key=\[redacted:secret:[0-9a-f]{12}\]$/);
    expect(ring.hasFullHistory("c3")).toBe(true);
  });

  it("scrubs a body only when its detail is asked for: it is read once for its size after the call returns, and a detail asked for at once is complete", async () => {
    const ring = new CallDetails(new Scrubber());
    let reads = 0;
    const body = {
      get content(): string {
        reads += 1;
        return "mail jane@example.com";
      },
    };
    ring.request("d1", "a", body, meta);
    ring.response("d1", 200, "ok", "allow", false);
    expect(reads).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(reads).toBe(1); // its size, for the ring's bound: nothing scrubbed yet
    expect(ring.get("d1")?.request).toEqual({ content: expect.stringMatching(/^mail \[redacted:email:[0-9a-f]{12}\]$/) });
    expect(reads).toBe(2);
    ring.get("d1");
    expect(reads).toBe(2); // scrubbed once, then kept scrubbed
    ring.request("d2", "a", body, meta);
    expect(ring.get("d2")?.request).toEqual({ content: expect.stringMatching(/^mail \[redacted:email:[0-9a-f]{12}\]$/) });
    expect(reads).toBe(4);
  });

  it("shows a stream's text as the agent got it (after the filters) rather than the raw output", () => {
    const ring = new CallDetails(new Scrubber());
    ring.request("s1", "a", {}, meta);
    ring.streamText("s1", "Hello [EMAIL_1]");
    ring.streamText("s1", ", bye");
    ring.response("s1", 200, "Hello raw@example.com, bye", "allow", true);
    expect(ring.get("s1")?.response).toEqual({ status: 200, text: "Hello [EMAIL_1], bye", action: "allow" });
  });
});
