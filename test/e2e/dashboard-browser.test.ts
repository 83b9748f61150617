// Protects the dashboard in a real browser (Debian's headless Chromium through playwright-core)
// against a real supervisor running a real Python agent that calls the real mock provider:
// the token leaves the URL, the agent shows running, its calls appear with model and decision,
// a dropped WebSocket resumes with ?since= and no row is duplicated, a call's detail shows its
// events and its request as text (never HTML), Stop from the page stops the agent (audited as
// control.action), Reset on a budget sets its spend back to zero (SQLite and a fleet on PostgreSQL,
// whose database being away shows as the store's error code), the page says when the supervisor
// stopped, and `iron dashboard --state` shows the finished run read-only, with no action buttons.
// Screenshots go to test/output/.
import { execa } from "execa";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IronEvent } from "../../src/events/types.js";
import { startMockLlm, Supervisor, type MockLlm } from "../../src/index.js";
import { formatUsd } from "../../src/policy/money.js";
import { dropSocket, launchChromium, socketUrls, watchedPage } from "../helpers/browser.js";
import { parseDashboardUrl } from "../helpers/dashboard.js";
import { requestCall } from "../helpers/dashboard-agent.js";
import { FIXTURES, IRON_BIN, REPO, tempDir } from "../helpers/iron.js";
import { patiently } from "../helpers/patiently.js";
import { createTestDatabase, startOwnPostgresServer, type OwnPostgresServer } from "../helpers/postgres-server.js";
import { spentIn } from "../helpers/postgres.js";

const OUTPUT = join(REPO, "test", "output");
const PATIENCE = { timeout: 30_000, interval: 100 };
/** More calls than a page could render row by row (the table keeps up to 10 000). */
const MANY = 5200;

let browser: Browser;
let mock: MockLlm;
beforeAll(async () => {
  mkdirSync(OUTPUT, { recursive: true });
  browser = await launchChromium();
  mock = await startMockLlm({ port: 0 });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await mock?.close();
});

/** The call ids of the table's rendered rows. */
function rowIds(page: Page): Promise<string[]> {
  return page.locator("[data-call]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-call") ?? ""));
}

async function shot(page: Page, name: string): Promise<string> {
  const path = join(OUTPUT, name);
  await page.screenshot({ path, fullPage: true });
  console.log(`dashboard screenshot: ${path}`);
  return path;
}

describe("the built page", () => {
  it("is index.html and hashed assets only, with no path of this machine in them (the build runs with NODE_ENV=test here)", () => {
    const dir = join(REPO, "dist", "dashboard");
    const assets = readdirSync(join(dir, "assets"));
    expect(assets.some((f) => /^index-[\w-]+\.js$/.test(f))).toBe(true);
    const html = readFileSync(join(dir, "index.html"), "utf8");
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/); // no inline script: the CSP allows only 'self'
    expect([...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => !u?.startsWith("./assets/") && u !== "data:,")).toEqual([]);
    for (const file of assets) expect(readFileSync(join(dir, "assets", file), "utf8")).not.toContain(REPO);
  });
});

describe("the dashboard in a real browser", () => {
  const state = join(tempDir("iron-dash-"), "state.db");
  let callIds: string[] = [];

  it("shows a live supervisor: agent, calls, resume without duplicates, call detail, Stop", async () => {
    const calls = tempDir("iron-calls-");
    const sup = await Supervisor.start({ state, stream: {}, budgetUsd: 1 });
    const events: IronEvent[] = [];
    sup.on("event", (e) => void events.push(e));
    const responses = (): number => events.filter((e) => e.type === "llm.response").length;
    let n = 0;
    const call = async (prompt: string): Promise<void> => {
      const want = responses() + 1;
      requestCall(calls, ++n, { model: "gpt-4o-mini", prompt });
      await expect.poll(responses, PATIENCE).toBeGreaterThanOrEqual(want);
    };
    try {
      await sup.spawn({ script: join(FIXTURES, "call_on_demand.py"), args: [], name: "worker", env: { OPENAI_BASE_URL: mock.baseUrl, OPENAI_API_KEY: "sk-browser-test", CALL_DIR: calls } });
      await call("first call <b>not bold</b>");
      const url = sup.dashboardUrl;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=/);

      const { page, errors } = await watchedPage(browser);
      await page.goto(url as string);
      // The token left the visible URL (it stays in the tab's sessionStorage).
      await expect.poll(() => page.evaluate(() => String((globalThis as unknown as { location: { href: string } }).location.href)), PATIENCE).not.toContain("token");
      const agentState = page.locator('tr[data-agent="worker"] [data-testid="agent-state"]');
      await expect.poll(() => agentState.textContent(), PATIENCE).toBe("running");
      await expect.poll(() => page.locator('[data-testid="connection"]').textContent(), PATIENCE).toBe("live");
      await expect.poll(() => rowIds(page), PATIENCE).toHaveLength(1);
      const first = page.locator("[data-call]").first();
      expect(await first.locator('[data-testid="call-model"]').textContent()).toBe("gpt-4o-mini");
      expect(await first.locator('[data-testid="call-decision"]').textContent()).toBe("allow");

      // Live: a new call appears without a reload.
      await call("second call");
      await expect.poll(() => rowIds(page), PATIENCE).toHaveLength(2);

      // The short history was replayed behind the snapshot: output from before the page opened.
      await expect.poll(() => page.locator(".tail").textContent(), PATIENCE).toContain("ready");
      const [snapshotUrl, historyUrl] = await socketUrls(page);
      expect(snapshotUrl).not.toContain("since=");
      expect(historyUrl).toMatch(/[?&]since=0$/);

      // Drop the connection; calls made meanwhile arrive through the resumed stream, once each.
      await dropSocket(page);
      await call("made while the page was away");
      await call("and another");
      await expect.poll(() => socketUrls(page).then((u) => u.length), PATIENCE).toBeGreaterThanOrEqual(3);
      expect((await socketUrls(page))[2]).toMatch(/[?&]since=[1-9]\d*$/);
      await expect.poll(() => rowIds(page), PATIENCE).toHaveLength(4);
      await expect.poll(() => page.locator('[data-testid="connection"]').textContent(), PATIENCE).toBe("live");
      callIds = await rowIds(page);
      expect(new Set(callIds).size).toBe(4);
      const governed = events.filter((e): e is IronEvent<"llm.request"> => e.type === "llm.request").map((e) => e.callId);
      expect([...callIds].sort()).toEqual([...governed].sort());
      expect(await page.locator('[data-testid="calls-count"]').textContent()).toBe("4 calls");
      expect(await page.locator('[data-testid="last-seq"]').textContent()).toBe(String(events.at(-1)?.seq));

      // A call's detail: its events, and the request exactly as text.
      const firstCall = governed[0] as string;
      await page.locator(`[data-call="${firstCall}"]`).click();
      const detail = page.locator('[data-testid="call-detail"]');
      await expect.poll(() => detail.locator(".timeline li").count(), PATIENCE).toBeGreaterThanOrEqual(3);
      const timeline = await detail.locator(".timeline").textContent();
      expect(timeline).toContain("llm.request");
      expect(timeline).toContain("llm.decision");
      expect(timeline).toContain("llm.response");
      const body = detail.locator("pre.body").first();
      await expect.poll(() => body.textContent(), PATIENCE).toContain("first call <b>not bold</b>");
      expect(await detail.locator("pre.body b").count()).toBe(0);

      // The link to share (the watch token) shows the same agent and budget, and no button it would be refused.
      const watcher = await watchedPage(browser);
      await watcher.page.goto(sup.watchDashboardUrl as string);
      await expect.poll(() => watcher.page.locator('tr[data-agent="worker"] [data-testid="agent-state"]').textContent(), PATIENCE).toBe("running");
      await expect.poll(() => watcher.page.locator('[data-scope="global"]').textContent(), PATIENCE).toContain("of $1.00");
      expect(await watcher.page.getByRole("button", { name: "Stop worker", exact: true }).count()).toBe(0);
      expect(await watcher.page.getByRole("button", { name: "Reset the spend of global" }).count()).toBe(0);
      expect(await page.getByRole("button", { name: "Reset the spend of global" }).count()).toBe(1);
      expect(watcher.errors).toEqual([]);
      await watcher.page.context().close();

      // Stop from the page: confirm, the row turns stopped, the action is audited.
      await page.getByRole("button", { name: "Stop worker" }).click();
      await page.getByRole("group", { name: "Stop worker" }).getByRole("button", { name: "Confirm" }).click();
      await expect.poll(() => agentState.textContent(), PATIENCE).toBe("stopped");
      const audit = events.find((e) => (e.type as string) === "control.action") as unknown as Record<string, unknown> | undefined;
      expect(audit).toMatchObject({ action: "agent.stop", target: "worker", outcome: "done", source: "dashboard" });
      await expect.poll(() => page.locator('[data-testid="activity"] [data-kind="control.action"]').count(), PATIENCE).toBe(1);
      await expect.poll(() => page.getByRole("button", { name: "Start worker", exact: true }).isEnabled(), PATIENCE).toBe(true);
      expect(await page.getByRole("button", { name: "Stop worker", exact: true }).isEnabled()).toBe(false);
      await expect.poll(() => rowIds(page), PATIENCE).toHaveLength(4);

      // Reset the budget from the page: confirm, then the page and the supervisor say $0, and the page says what it was.
      const spentBefore = sup.budgets.spent("global");
      expect(spentBefore).toBeGreaterThan(0);
      const global = page.locator('[data-scope="global"]');
      await expect.poll(() => global.textContent(), PATIENCE).toContain(`${formatUsd(spentBefore)} of $1.00`);
      await global.getByRole("button", { name: "Reset the spend of global" }).click();
      await global.getByRole("group", { name: "Reset the spend of global" }).getByRole("button", { name: "Confirm" }).click();
      await expect.poll(() => global.getByRole("status").textContent(), PATIENCE).toContain(`spend reset: was ${formatUsd(spentBefore)}`);
      await expect.poll(() => global.textContent(), PATIENCE).toContain("$0.00 of $1.00");
      expect(sup.budgets.spent("global")).toBe(0);
      expect(events.filter((e) => e.type === "control.action").at(-1)).toMatchObject({ action: "budget.reset", target: "global", outcome: "done", source: "dashboard" });
      await expect.poll(() => page.locator('[data-testid="activity"] [data-kind="control.action"]').count(), PATIENCE).toBe(2);

      await shot(page, "dashboard.png");
      await sup.close();
      await expect.poll(() => page.locator('[data-testid="connection"]').textContent(), PATIENCE).toBe("supervisor stopped");
      expect(errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED/.test(e))).toEqual([]);
      await page.context().close();
    } finally {
      await sup.close();
    }
  }, 180_000);

  it("keeps thousands of live calls in a virtualised table: a handful of rows in the DOM, every call reachable", async () => {
    const go = join(tempDir("iron-go-"), "go");
    const sup = await Supervisor.start({ stream: {} });
    let responses = 0;
    let firstCall: string | null = null;
    sup.on("event", (e) => {
      if (e.type === "llm.response") responses += 1;
      if (e.type === "llm.request") firstCall ??= e.callId;
    });
    try {
      const agent = await sup.spawn({ script: join(FIXTURES, "chat_loop.py"), args: [], name: "busy", env: { OPENAI_BASE_URL: mock.baseUrl, FIXTURE_CALLS: String(MANY), FIXTURE_GO_FILE: go } });
      const { page, errors } = await watchedPage(browser);
      await page.goto(sup.dashboardUrl as string);
      await expect.poll(() => page.locator('[data-testid="connection"]').textContent(), PATIENCE).toBe("live");
      writeFileSync(go, "");
      await agent.exited;
      expect(responses).toBe(MANY);
      await expect.poll(() => page.locator('[data-testid="calls-count"]').textContent(), { ...PATIENCE, timeout: 60_000 }).toBe(`${MANY} calls`);
      expect(await page.locator("[data-call]").count()).toBeLessThanOrEqual(40);
      // Scrolled to the end, the first call made is there (the list is newest first).
      await page.locator('[data-testid="calls-body"]').evaluate((el) => (el.scrollTop = el.scrollHeight));
      await expect.poll(() => page.locator("[data-call]").last().getAttribute("data-call"), PATIENCE).toBe(firstCall);
      expect(await page.locator("[data-call]").count()).toBeLessThanOrEqual(40);
      // Filtering thousands of rows: a search that matches none empties the view.
      await page.getByRole("searchbox").fill("no-such-call");
      await expect.poll(() => page.locator('[data-testid="calls-count"]').textContent(), PATIENCE).toBe(`0 of ${MANY} calls`);
      expect(errors).toEqual([]);
      await page.context().close();
    } finally {
      await sup.close();
    }
  }, 240_000);

  it("shows what iron demo --hold did: the four decisions, the budget, the exhausted budget in the activity", async () => {
    const cwd = tempDir("iron-demo-");
    const proc = execa("node", [IRON_BIN, "demo", "--hold"], { cwd, reject: false });
    try {
      let stderr = "";
      proc.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      await expect.poll(() => /holding:[^\n]*(http:\S+)/.exec(stderr)?.[1], { ...PATIENCE, timeout: 60_000 }).toBeTruthy();
      const url = /holding:[^\n]*(http:\S+)/.exec(stderr)?.[1] as string;
      const { page, errors } = await watchedPage(browser);
      await page.goto(url);
      await expect
        .poll(
          () =>
            page
              .locator('[data-testid="call-decision"]')
              .allTextContents()
              .then((d) => d.sort()),
          PATIENCE,
        )
        .toEqual(["allow", "deny", "modify", "redact"]);
      // The agent's row counts each call once under the same outcome as the run summary: 1 of each.
      expect(await page.locator('[data-testid="agent-outcomes"]').first().textContent()).toBe("1 / 1 / 1 / 1");
      // So does the calls chart (its label says what the canvas draws).
      await expect
        .poll(() => page.getByRole("img", { name: /^Calls, per minute/ }).getAttribute("aria-label"), PATIENCE)
        .toBe("Calls, per minute over the last hour: 1 allowed, 1 modified, 1 redacted, 1 denied");
      await expect.poll(() => page.locator('[data-testid="activity"] [data-kind="budget.exhausted"]').count(), PATIENCE).toBe(1);
      expect(await page.locator('[data-scope="global"] [role="meter"]').count()).toBe(1);
      await page.locator("[data-call]").nth(1).click();
      await expect.poll(() => page.locator('[data-testid="call-detail"] .timeline li').count(), PATIENCE).toBeGreaterThanOrEqual(3);
      await shot(page, "dashboard-demo.png");
      // Edit a budget's limit inline: a bad amount is refused on the page, a good one goes to the supervisor.
      const global = page.locator('[data-scope="global"]');
      await page.getByRole("button", { name: "Edit the limit of global" }).click();
      await global.getByRole("textbox").fill("ten dollars");
      await global.getByRole("button", { name: "Save" }).click();
      expect(await global.getByRole("alert").textContent()).toContain('got "ten dollars"');
      await global.getByRole("textbox").fill("0.00004");
      await global.getByRole("button", { name: "Save" }).click();
      await expect.poll(() => global.textContent(), PATIENCE).toContain("of $0.00004");
      await expect.poll(() => page.locator('[data-testid="activity"] [data-kind="control.action"]').textContent(), PATIENCE).toContain("budget.set global (limitUsd=0.00004)");
      expect(errors).toEqual([]);
      await page.context().close();
    } finally {
      proc.kill("SIGINT");
      await proc;
    }
  }, 120_000);

  it("shows a finished run read-only from its state file (iron dashboard --state)", async () => {
    expect(callIds).toHaveLength(4);
    const proc = execa("node", [IRON_BIN, "dashboard", "--state", state], { reject: false });
    try {
      let stderr = "";
      proc.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      await expect.poll(() => /dashboard: (http:\S+)/.exec(stderr)?.[1], PATIENCE).toBeTruthy();
      const url = /dashboard: (http:\S+)/.exec(stderr)?.[1] as string;
      const { page, errors } = await watchedPage(browser);
      await page.goto(url);
      await expect.poll(() => page.locator('[data-testid="connection"]').textContent(), PATIENCE).toBe("read-only state file");
      await expect.poll(() => page.locator('tr[data-agent="worker"] [data-testid="agent-state"]').textContent(), PATIENCE).toBe("stopped");
      await expect.poll(() => rowIds(page).then((ids) => ids.sort()), PATIENCE).toEqual([...callIds].sort());
      expect(await page.getByRole("button", { name: "Stop worker", exact: true }).count()).toBe(0);
      // The whole history was replayed: the exit, the output and the audit of the stop are there.
      expect(await page.locator('tr[data-agent="worker"]').textContent()).toContain("SIGTERM");
      expect(await page.locator(".tail").textContent()).toContain("ready");
      expect(await page.locator('[data-testid="activity"] [data-kind="control.action"]').count()).toBe(2);
      expect(await page.getByRole("button", { name: /Edit the limit/ }).count()).toBe(0);
      expect(await page.getByRole("button", { name: /Reset the spend/ }).count()).toBe(0);
      await page.locator("[data-call]").first().click();
      await expect.poll(() => page.locator('[data-testid="call-detail"] .timeline li').count(), PATIENCE).toBeGreaterThanOrEqual(3);
      await shot(page, "dashboard-readonly.png");
      expect(errors).toEqual([]);
      await page.context().close();

      // Opened without the token (a fresh tab: nothing in sessionStorage), the page asks for it.
      const { base, token } = parseDashboardUrl(url);
      const fresh = await watchedPage(browser);
      await fresh.page.goto(`${base}/`);
      await fresh.page.getByLabel("Access token").fill("not-the-token");
      await fresh.page.getByRole("button", { name: "Open" }).click();
      await expect.poll(() => fresh.page.getByRole("alert").textContent(), PATIENCE).toContain("refused this token");
      await fresh.page.getByLabel("Access token").fill(token);
      await fresh.page.getByRole("button", { name: "Open" }).click();
      await expect.poll(() => fresh.page.locator('[data-testid="connection"]').textContent(), PATIENCE).toBe("read-only state file");
      await fresh.page.context().close();
    } finally {
      proc.kill("SIGTERM");
      await proc;
    }
  }, 120_000);
});

describe("the dashboard of a fleet supervisor in a real browser", () => {
  let server: OwnPostgresServer;
  beforeAll(async () => {
    server = await startOwnPostgresServer();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("resets the fleet's budget from the page (every supervisor reads it back), and shows the store's code when the database is away", async () => {
    const url = await createTestDatabase(server.url);
    // b spends first (it reserves once it holds a slice, granted in the background); a, started
    // after, reads the fleet's limit and spend from the database and shows them.
    const b = await Supervisor.start({ state: url, budgetUsd: 0.001 });
    let a: Supervisor | undefined;
    try {
      await patiently(() => b.budgets.reserve("b1", ["global"], 900).ok).toBe(true);
      b.budgets.settle("b1", 900);
      await patiently(() => spentIn(url)).toMatchObject({ global: 900 });
      a = await Supervisor.start({ state: url, stream: {} });

      const { page, errors } = await watchedPage(browser);
      await page.goto(a.dashboardUrl as string);
      const global = page.locator('[data-scope="global"]');
      await expect.poll(() => global.textContent(), PATIENCE).toContain("$0.0009 of $0.001");
      await global.getByRole("button", { name: "Reset the spend of global" }).click();
      await global.getByRole("group", { name: "Reset the spend of global" }).getByRole("button", { name: "Confirm" }).click();
      await expect.poll(() => global.getByRole("status").textContent(), PATIENCE).toBe("spend reset: was $0.0009");
      await expect.poll(() => global.textContent(), PATIENCE).toContain("$0.00 of $0.001");
      expect(a.budgets.spent("global")).toBe(0);
      expect((await spentIn(url)).global).toBe(0);
      await patiently(() => b.budgets.spent("global")).toBe(0);

      // The database goes away: the reset is refused, and the page shows the code beside the button.
      await server.pause();
      try {
        await global.getByRole("button", { name: "Reset the spend of global" }).click();
        await global.getByRole("group", { name: "Reset the spend of global" }).getByRole("button", { name: "Confirm" }).click();
        await expect.poll(() => global.getByRole("alert").textContent(), PATIENCE).toContain("IRON_ERR_STORE");
        expect(await global.getByRole("status").count()).toBe(0);
      } finally {
        await server.resume();
      }
      // The refused POST (503) is the one console error a page may show here.
      expect(errors.filter((e) => !/503/.test(e))).toEqual([]);
      await page.context().close();
    } finally {
      // The database was away for a while: a close that finds a write failed is not what this test is about.
      await a?.close().catch(() => undefined);
      await b.close().catch(() => undefined);
    }
  }, 120_000);
});
