// Serves the built dashboard page (dist/dashboard): `/` is index.html, `/assets/*` the bundled
// scripts and styles, and any other top-level file (favicon.svg). Paths are resolved and must
// stay inside the directory, so no `..` (plain or percent-encoded) ever reaches another file.
import { createReadStream, existsSync, type Stats, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { packageRoot } from "../package-root.js";
import { sendError } from "./http-json.js";
import { SECURITY_HEADERS } from "./security-headers.js";

export { packageRoot };

const MIME: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8",
};

/** Where the built dashboard lives by default: `<package>/dist/dashboard`. */
export function defaultDashboardDir(): string {
  return join(packageRoot(), "dist", "dashboard");
}

/** Serves GET/HEAD of the dashboard's files from `root`; answers 405, 404 or 503 itself. */
export function serveStatic(req: IncomingMessage, res: ServerResponse, path: string, root: string): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    return sendError(res, 405, "IRON_ERR_USAGE", `the dashboard's files are read with GET or HEAD, got ${req.method ?? "no method"}`, { allow: "GET, HEAD" });
  }
  const base = resolve(root);
  const index = join(base, "index.html");
  if (!existsSync(index)) {
    return sendError(res, 503, "IRON_ERR_DASHBOARD", `the dashboard is not built: expected ${index}, got no such file; run npm run build (the event stream at /events works without it)`);
  }
  const file = fileFor(path, base);
  if (file === null) return sendError(res, 404, "IRON_ERR_NOT_FOUND", `nothing at ${path}; the dashboard is at /`);
  let stat: Stats;
  try {
    stat = statSync(file);
  } catch {
    return sendError(res, 404, "IRON_ERR_NOT_FOUND", `nothing at ${path}; the dashboard is at /`);
  }
  if (!stat.isFile()) return sendError(res, 404, "IRON_ERR_NOT_FOUND", `nothing at ${path}; the dashboard is at /`);
  const immutable = file.startsWith(join(base, "assets") + sep);
  const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  const headers = {
    ...SECURITY_HEADERS,
    "content-type": MIME[extname(file).toLowerCase()] ?? "application/octet-stream",
    "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
    etag,
    "last-modified": stat.mtime.toUTCString(),
  };
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, "content-length": String(stat.size) });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}

// `/` → index.html; `/assets/<file>` and top-level files; null for anything that would leave `base`.
function fileFor(path: string, base: string): string | null {
  if (path === "/" || path === "/index.html") return join(base, "index.html");
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  const parts = decoded.split("/").filter((p) => p !== "");
  if (parts.length === 0 || parts.some((p) => p === "." || p === ".." || p.startsWith("."))) return null;
  if (parts.length > 1 && parts[0] !== "assets") return null;
  const file = resolve(base, ...parts);
  return file.startsWith(base + sep) ? file : null;
}
