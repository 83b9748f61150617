// Dashboard test helpers: a built-page fixture directory, and an HTTP client for the API that
// presents the token the way the page does (Authorization: Bearer, from the URL's fragment).
import { mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { tempDir } from "./iron.js";

/** A directory shaped like dist/dashboard: index.html, a hashed asset or two, a favicon. */
export function pageFixture(): string {
  const dir = tempDir("iron-page-");
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), '<!doctype html><title>iron</title><script type="module" src="/assets/index-abc123.js"></script>');
  writeFileSync(join(dir, "assets", "index-abc123.js"), "console.log('iron dashboard');\n");
  writeFileSync(join(dir, "assets", "index-abc123.css"), "body { margin: 0 }\n");
  writeFileSync(join(dir, "favicon.svg"), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

/** Where a dashboard URL (`http://host:port/#token=…`) points, and its token. */
export function parseDashboardUrl(url: string): { base: string; token: string } {
  const parsed = new URL(url);
  return { base: `${parsed.protocol}//${parsed.host}`, token: decodeURIComponent(parsed.hash.replace(/^#token=/, "")) };
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: any;
}

/** One raw HTTP request (node:http, so the path is sent exactly as given: `..` and `%2e` included). */
export function http(base: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: options.method ?? "GET", headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** POSTs an action as the page does (token, JSON, its own Origin, X-Iron-Client). */
export function act(base: string, token: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return http(base, "/api/actions", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", origin: base, "x-iron-client": "dashboard", ...headers },
    body: JSON.stringify(body),
  });
}

/** GETs an API path with the token. */
export function apiGet(base: string, token: string, path: string): Promise<Answer> {
  return http(base, path, { headers: { authorization: `Bearer ${token}` } });
}
