// The mock reads the provider wire facts the shim reads (python/iron_shim/provider_wire.json), and
// classifies the shared URL vectors (protocol/vectors/provider-urls.json) as the shim does
// (test/python/test_provider_facts.py): Gemini's model-method paths by the facts' pattern, which the
// mock's routes must serve; the key headers the facts name are never recorded.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GEMINI_PATH, PROVIDER_WIRE, geminiStatus } from "../../src/mock-llm/provider-facts.js";
import { GEMINI_ROUTE, matchRoute } from "../../src/mock-llm/router.js";
import { redactHeaders } from "../../src/mock-llm/recorder.js";

interface UrlCase {
  readonly url: string;
  readonly provider: string | null;
  readonly endpoint?: string;
  readonly model?: string;
}
const CASES = (JSON.parse(readFileSync(new URL("../../protocol/vectors/provider-urls.json", import.meta.url), "utf8")) as { cases: UrlCase[] }).cases;

describe("provider wire facts, shared with the shim", () => {
  it("finds Gemini's model and method where the shim does, and the mock serves each such path", () => {
    const gemini = CASES.filter((c) => c.provider === "gemini");
    expect(gemini.length).toBeGreaterThan(1);
    for (const c of gemini) {
      const path = new URL(c.url).pathname;
      expect(GEMINI_PATH.exec(path)?.slice(1), c.url).toEqual([c.model, c.endpoint]);
      expect(GEMINI_ROUTE.exec(path)?.groups, c.url).toEqual({ model: c.model, method: c.endpoint });
    }
    for (const c of CASES.filter((x) => x.provider === null)) expect(GEMINI_PATH.test(new URL(c.url).pathname), c.url).toBe(false);
  });

  it("names the well-known OpenAI-compatible hosts of the vectors", () => {
    for (const c of CASES.filter((x) => x.provider !== null && !["gemini", "openai", "azure", "ollama"].includes(x.provider))) {
      expect(PROVIDER_WIRE.openai_compatible_hosts[new URL(c.url).hostname], c.url).toBe(c.provider);
    }
  });

  it("serves Ollama's /api/chat and /api/generate where the shim finds them, and nothing else under /api/", () => {
    const ollama = new RegExp(PROVIDER_WIRE.ollama.path);
    for (const c of CASES.filter((x) => x.provider === "ollama")) {
      const path = new URL(c.url).pathname;
      expect(PROVIDER_WIRE.ollama.endpoints[ollama.exec(path)?.[1] ?? ""], c.url).toBe(c.endpoint);
      expect(matchRoute("POST", path, {}).kind, c.url).toBe("route");
    }
    for (const c of CASES.filter((x) => x.provider === null)) expect(ollama.test(new URL(c.url).pathname), c.url).toBe(false);
  });

  it("keeps every secret header the facts name out of the mock's request log", () => {
    const headers = Object.fromEntries(PROVIDER_WIRE.secrets.headers.map((name) => [name, "s3cret"]));
    expect(Object.values(redactHeaders(headers)).every((value) => value === "[redacted]")).toBe(true);
    expect(PROVIDER_WIRE.secrets.headers).toContain(PROVIDER_WIRE.gemini.secret_header);
  });

  it("maps HTTP statuses to Gemini's status names", () => {
    expect([402, 403, 429, 503, 502, 418].map(geminiStatus)).toEqual(["FAILED_PRECONDITION", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL", "FAILED_PRECONDITION"]);
  });
});
