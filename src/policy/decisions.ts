// Helpers policies use to answer: allow(), deny(), modify(), redact().
import type { Allow, Deny, Modify, Redact } from "./types.js";

const ALLOW: Allow = Object.freeze({ action: "allow" });

/** Let the call through unchanged. */
export function allow(reason?: string): Allow {
  return reason === undefined ? ALLOW : { action: "allow", reason };
}

/** Refuse the call with a stable code, a reason the agent will see, and optionally a status. */
export function deny(code: string, reason: string, options: { status?: number; retryAfter?: number } = {}): Deny {
  return { action: "deny", code, reason, ...options };
}

/** Send a different request body (and, with `options.url`, to a different URL) instead of the agent's. */
export function modify(body: unknown, reasonOrOptions?: string | { reason?: string; url?: string }): Modify {
  const options = typeof reasonOrOptions === "string" ? { reason: reasonOrOptions } : (reasonOrOptions ?? {});
  return { action: "modify", body, ...options };
}

/** Give the agent a different response body (and output text) instead of the provider's. */
export function redact(body: unknown, options: { output?: string; reason?: string } = {}): Redact {
  return { action: "redact", body, ...options };
}

/** The HTTP status a deny carries when its policy did not choose one. */
export function defaultStatusFor(code: string): number {
  switch (code) {
    case "IRON_ERR_BUDGET":
      return 402;
    case "IRON_ERR_RATE_LIMIT":
      return 429;
    case "IRON_ERR_BREAKER_OPEN":
    case "IRON_ERR_POLICY_ERROR":
    case "IRON_ERR_STORE":
    case "IRON_ERR_INTERNAL":
      return 503;
    case "IRON_ERR_UNKNOWN_MODEL":
      return 400;
    default:
      return 403;
  }
}
