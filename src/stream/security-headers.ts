// The headers every dashboard response carries: no sniffing, no framing, no referrer, and a
// content security policy that lets the page load only its own scripts and talk only to its
// own origin (the WebSocket included: `connect-src 'self'` covers ws:// on the same host).

/** The page's Content-Security-Policy. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/** Headers for every response of the dashboard (page, assets, API, errors). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "content-security-policy": CONTENT_SECURITY_POLICY,
});
