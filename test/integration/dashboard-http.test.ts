// Protects the dashboard's HTTP surface on a real supervisor's stream port: the page and its
// assets with their security and cache headers, MIME types, HEAD, no way out of the page's
// directory (plain or encoded `..`), 503 when the page is not built, 404 with the dashboard
// off while /events still works; and the API's gate — token, same origin, JSON — whose
// refusals never leak anything.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { packageRoot, defaultDashboardDir } from "../../src/stream/static-files.js";
import { Supervisor } from "../../src/supervisor/supervisor.js";
import { act, apiGet, http, pageFixture, parseDashboardUrl } from "../helpers/dashboard.js";
import { REPO, tempDir } from "../helpers/iron.js";
import { record } from "../helpers/stream.js";
import { patiently } from "../helpers/patiently.js";

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const open: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function served(stream: Record<string, unknown> = {}): Promise<{ sup: Supervisor; base: string; token: string }> {
  const sup = await Supervisor.start({ stream: { dashboardDir: pageFixture(), ...stream } });
  open.push(sup);
  const url = sup.dashboardUrl;
  if (url === null) throw new Error("no dashboard URL");
  return { sup, ...parseDashboardUrl(url) };
}

function expectSecurityHeaders(headers: Record<string, unknown>): void {
  expect(headers["content-security-policy"]).toBe(CSP);
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("no-referrer");
  expect(headers["x-frame-options"]).toBe("DENY");
}

describe("dashboard page", () => {
  it("serves index.html at / (no-cache) and hashed assets as immutable, with the right types and security headers", async () => {
    const { sup, base, token } = await served();
    expect(sup.dashboardUrl).toBe(`${base}/#token=${encodeURIComponent(token)}`);
    expect(sup.streamUrl).toContain(base.replace("http:", "ws:"));
    const page = await http(base, "/");
    expect(page.status).toBe(200);
    expect(page.text).toContain("<title>iron</title>");
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["cache-control"]).toBe("no-cache");
    expectSecurityHeaders(page.headers);
    const script = await http(base, "/assets/index-abc123.js");
    expect(script.status).toBe(200);
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(script.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expectSecurityHeaders(script.headers);
    expect((await http(base, "/assets/index-abc123.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
    const icon = await http(base, "/favicon.svg");
    expect([icon.status, icon.headers["content-type"], icon.headers["cache-control"]]).toEqual([200, "image/svg+xml", "no-cache"]);
    // Revalidation: the ETag answers 304.
    const again = await http(base, "/", { headers: { "if-none-match": String(page.headers.etag) } });
    expect(again.status).toBe(304);
  });

  it("answers HEAD with the headers and no body", async () => {
    const { base } = await served();
    const head = await http(base, "/assets/index-abc123.js", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(Buffer.byteLength("console.log('iron dashboard');\n")));
    expect(head.text).toBe("");
    expect((await http(base, "/", { method: "POST" })).status).toBe(405);
  });

  it("never serves a file outside the page's directory, however the path is spelled", async () => {
    const { base } = await served();
    const attempts = [
      "/assets/../../package.json",
      "/../package.json",
      "/assets/%2e%2e/%2e%2e/package.json",
      "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/assets/..%2f..%2fpackage.json",
      "/assets/%2e%2e%2f%2e%2e%2fpackage.json",
      "/assets/..%5c..%5cpackage.json",
      "/assets/%00.js",
      "/.well-known/../index.html/../../../etc/passwd",
      "/assets/",
      "/etc/passwd",
    ];
    for (const path of attempts) {
      const answer = await http(base, path);
      expect(answer.status, path).toBe(404);
      expect(answer.text, path).not.toContain('"name"');
      expect(answer.text, path).not.toContain("root:");
      expect(answer.json?.error?.code, path).toBe("IRON_ERR_NOT_FOUND");
    }
  });

  it("answers 503 IRON_ERR_DASHBOARD when the page is not built, while the API and the stream still work", async () => {
    const sup = await Supervisor.start({ stream: { dashboardDir: tempDir("iron-empty-page-") } });
    open.push(sup);
    const { base, token } = parseDashboardUrl(sup.dashboardUrl ?? "");
    const page = await http(base, "/");
    expect(page.status).toBe(503);
    expect(page.json.error.code).toBe("IRON_ERR_DASHBOARD");
    expect(page.json.error.message).toContain("npm run build");
    expect((await apiGet(base, token, "/api/info")).status).toBe(200);
  });

  it("serves only /events with the dashboard off: / and /api answer 404", async () => {
    const sup = await Supervisor.start({ stream: { dashboard: false } });
    open.push(sup);
    expect(sup.dashboardUrl).toBeNull();
    const ws = new URL(sup.streamUrl ?? "");
    const base = `http://${ws.host}`;
    const token = ws.searchParams.get("token") ?? "";
    expect((await http(base, "/")).status).toBe(404);
    expect((await apiGet(base, token, "/api/info")).status).toBe(404);
    const client = await record(sup.streamUrl ?? "");
    await client.until(1);
    expect(client.messages[0]?.type).toBe("snapshot");
    client.ws.close();
  });

  it("finds the page under the package root, from dist/, the bundled CLI or src/ alike", () => {
    const root = tempDir("iron-pkg-");
    writeFileSync(join(root, "package.json"), JSON.stringify({ name: "iron-runtime" }));
    mkdirSync(join(root, "node_modules", "x"), { recursive: true });
    writeFileSync(join(root, "node_modules", "x", "package.json"), JSON.stringify({ name: "x" })); // another package's manifest is passed by
    for (const file of ["dist/stream/static-files.js", "src/stream/static-files.ts", "dist/chunks/chunk-ABC123.js", "dist/cli/bin.js"]) expect(packageRoot(join(root, file))).toBe(root);
    expect(packageRoot(join(root, "node_modules", "x", "lib", "y.js"))).toBe(root);
    expect(defaultDashboardDir()).toBe(join(REPO.replace(/\/$/, ""), "dist", "dashboard"));
  });
});

describe("dashboard API gate", () => {
  it("refuses requests without the token, or with a wrong one, with 401 and nothing else", async () => {
    const { base, token } = await served();
    const wrong = `${token.slice(0, -1)}${token.endsWith("a") ? "b" : "a"}`;
    for (const headers of [
      {} as Record<string, string>,
      { authorization: `Bearer ${wrong}` },
      { authorization: `Basic ${Buffer.from(`x:${token}`).toString("base64")}` },
      { authorization: "Bearer" },
    ]) {
      for (const path of ["/api/info", "/api/calls/c-1", "/api/nothing"]) {
        const answer = await http(base, path, { headers });
        expect(answer.status).toBe(401);
        expect(answer.headers["www-authenticate"]).toBe('Bearer realm="iron"');
        expect(Object.keys(answer.json)).toEqual(["error"]);
        expect(answer.json.error.code).toBe("IRON_ERR_AUTH");
        expect(answer.text).not.toContain(token);
        expect(answer.text).not.toContain("agents");
      }
    }
    // A token in the query string does not open the API (it would end up in logs).
    expect((await http(base, `/api/info?token=${encodeURIComponent(token)}`)).status).toBe(401);
    const refused = await act(base, wrong, { action: "agent.stop", agentId: "x" });
    expect(refused.status).toBe(401);
  });

  it("describes the supervisor at /api/info", async () => {
    const { base, token } = await served();
    const info = await apiGet(base, token, "/api/info");
    expect(info.status).toBe(200);
    expect(info.headers["cache-control"]).toBe("no-store");
    expectSecurityHeaders(info.headers);
    expect(info.json).toEqual({
      version: expect.any(String),
      mode: "live",
      readOnly: false,
      stateFile: null,
      eventsPath: "/events",
      actions: ["agent.stop", "agent.start", "agent.restart", "budget.set", "budget.reset", "breaker.reset"],
      budgetWarnAt: [0.5, 0.8, 0.9],
      agents: [],
    });
    const unknown = await apiGet(base, token, "/api/calls/c-nope");
    expect([unknown.status, unknown.json.error.code]).toEqual([404, "IRON_ERR_NOT_FOUND"]);
  });

  it("refuses actions from another origin (403), without JSON (415), with a bad body (400), and the wrong method (405)", async () => {
    const { sup, base, token } = await served();
    const audits: unknown[] = [];
    sup.on("event", (e) => void (e.type === "control.action" && audits.push(e)));
    const cross = await act(base, token, { action: "budget.set", scope: "global", limitUsd: 5 }, { origin: "http://evil.example" });
    expect([cross.status, cross.json.error.code]).toEqual([403, "IRON_ERR_AUTH"]);
    expect(cross.json.error.message).toContain("http://evil.example");
    const plain = await http(base, "/api/actions", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" }, body: "{}" });
    expect(plain.status).toBe(415);
    expect(plain.json.error.message).toMatch(/expected Content-Type: application\/json, got "text\/plain"/);
    const notJson = await http(base, "/api/actions", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: "{oops" });
    expect(notJson.status).toBe(400);
    const unknown = await act(base, token, { action: "agent.explode", agentId: "a" });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toMatch(/expected one of agent\.stop, agent\.start, agent\.restart, budget\.set, budget\.reset, breaker\.reset, got "agent\.explode"/);
    const badLimit = await act(base, token, { action: "budget.set", scope: "global", limitUsd: "lots" });
    expect(badLimit.json.error.message).toMatch(/expected a number of USD >= 0, or null to remove the limit, got "lots"/);
    const noAgent = await act(base, token, { action: "agent.stop" });
    expect(noAgent.json.error.message).toMatch(/needs "agentId": expected a non-empty string/);
    expect((await http(base, "/api/actions", { headers: { authorization: `Bearer ${token}` } })).status).toBe(405);
    // A script sends no Origin: allowed.
    const script = await http(base, "/api/actions", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ action: "budget.set", scope: "global", limitUsd: 2 }),
    });
    expect(script.status).toBe(200);
    expect(script.json).toEqual({ ok: true, seq: expect.any(Number) });
    await patiently(() => audits.length).toBe(4);
    expect(audits.map((a) => (a as { outcome: string }).outcome)).toEqual(["refused", "refused", "refused", "done"]);
    expect(audits.at(-1)).toMatchObject({ action: "budget.set", target: "global", params: { limitUsd: 2 }, source: "api", seq: script.json.seq });
  });

  it("resets recorded spend with budget.reset: answers the scopes with what each had spent, publishes their budget.update", async () => {
    const { sup, base, token } = await served();
    const updates: unknown[] = [];
    sup.on("event", (e) => void (e.type === "budget.update" && updates.push(e)));
    for (const [id, micros] of [
      ["c1", 700],
      ["c2", 300],
    ] as const) {
      expect(sup.budgets.reserve(id, ["global", "agent:a"], micros).ok).toBe(true);
      sup.budgets.settle(id, micros);
    }
    const bad = await act(base, token, { action: "budget.reset", scopes: [] });
    expect([bad.status, bad.json.error.message]).toEqual([400, expect.stringMatching(/budget\.reset needs "scopes" \(1 to 100 scope names like "global"\) or "all": true, got \[\]/)]);
    const one = await act(base, token, { action: "budget.reset", scopes: ["global"] });
    expect(one.json).toEqual({ ok: true, seq: expect.any(Number), reset: [{ scope: "global", spent: 1000 }] });
    expect([sup.budgets.spent("global"), sup.budgets.spent("agent:a")]).toEqual([0, 1000]);
    const all = await act(base, token, { action: "budget.reset", all: true });
    expect(all.json.reset).toEqual([{ scope: "agent:a", spent: 1000 }]);
    expect(sup.budgets.spent("agent:a")).toBe(0);
    await patiently(() => updates.length).toBe(2);
    expect(updates).toMatchObject([
      { scope: "global", spent: 0 },
      { scope: "agent:a", spent: 0 },
    ]);
  });

  it("lets a browser on the page's own origin open the WebSocket, and no other origin", async () => {
    const { sup, base } = await served();
    const url = sup.streamUrl ?? "";
    const same = await record(url, { origin: base });
    await same.until(1);
    same.ws.close();
    // Behind a TLS-terminating proxy that keeps the Host, the page's origin is https://<host>.
    const proxied = await record(url, { origin: base.replace(/^http:/, "https:") });
    await proxied.until(1);
    proxied.ws.close();
    await expect(record(url, { origin: "http://evil.example" })).rejects.toThrow("HTTP 403");
    await expect(record(url, { origin: `https://evil.example:${new URL(base).port}` })).rejects.toThrow("HTTP 403");
  });
});
