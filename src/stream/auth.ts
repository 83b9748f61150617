// Who may follow the stream: whoever presents this run's token (query or Bearer header).
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** The token a request presents: `Authorization: Bearer …` first, else `?token=`. */
export function presentedToken(request: IncomingMessage, url: URL): string | null {
  const header = request.headers.authorization;
  if (typeof header === "string") {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1] !== undefined) return match[1];
  }
  return url.searchParams.get("token");
}

/** Compares in constant time (hashes first, so lengths leak nothing either). */
export function tokenMatches(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Null when the request may act: it sends no Origin (a script, not a browser) or its page came
 * from this server (http, or https through a TLS-terminating proxy that keeps the Host). Otherwise
 * the error text: what Origin was expected and what was got.
 */
export function crossOriginRefusal(request: IncomingMessage): string | null {
  const origin = request.headers.origin;
  if (origin === undefined) return null;
  const host = request.headers.host ?? "";
  if (host !== "" && (origin === `http://${host}` || origin === `https://${host}`)) return null;
  return `expected the Origin http://${host} (or https:// through a proxy), got ${JSON.stringify(origin)}`;
}
