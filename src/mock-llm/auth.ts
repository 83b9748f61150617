// The --require-auth check: is there an API key where the provider's SDK puts it?
import type { IncomingHttpHeaders } from "node:http";
import type { Provider } from "./errors.js";
import { PROVIDER_WIRE } from "./provider-facts.js";

/** OpenAI's message when no key is sent. */
export const OPENAI_MISSING_KEY =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.";

/** Anthropic's message when no key is sent. */
export const ANTHROPIC_MISSING_KEY = "x-api-key header is required";

// First value of a header, trimmed ("" when absent).
function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
}

/** Gemini's answer (403 PERMISSION_DENIED) to a call with neither `x-goog-api-key` nor `key=`. */
export const GEMINI_MISSING_KEY = "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.";

/** True when the request carries a key: `Authorization: Bearer <key>`, or `api-key` (Azure) / `x-api-key` (Anthropic) / `x-goog-api-key` or `key=` (Gemini). */
export function hasApiKey(provider: Provider, headers: IncomingHttpHeaders, query?: URLSearchParams): boolean {
  if (provider === "gemini") {
    const facts = PROVIDER_WIRE.gemini;
    return header(headers, facts.secret_header) !== "" || (query?.get(facts.secret_query) ?? "") !== "";
  }
  const bearer = /^Bearer\s+\S+/i.test(header(headers, "authorization"));
  return bearer || header(headers, provider === "anthropic" ? "x-api-key" : "api-key") !== "";
}
