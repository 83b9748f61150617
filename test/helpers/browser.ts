// Browser test helpers: Debian's headless Chromium driven by playwright-core, with every
// WebSocket the page opens recorded (so a test can drop one) and the page's console errors
// (a CSP refusal included) collected.
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** Launches Debian's Chromium headless, as issue 9 asks. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
}

// Runs in the page before its own scripts: WebSocket still works, each instance is remembered.
const RECORD_SOCKETS = `(() => {
  const Native = window.WebSocket;
  const sockets = (window.__ironSockets = []);
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      sockets.push(this);
    }
  };
})();`;

/** The page's recorded sockets, as page.evaluate sees them (the test's tsconfig has no DOM types). */
interface PageSocket {
  readonly url: string;
  close(code: number, reason: string): void;
}

export interface WatchedPage {
  readonly page: Page;
  /** Console errors and uncaught exceptions of the page. */
  readonly errors: string[];
}

/** A new page whose WebSockets are kept in `window.__ironSockets` (an init script, outside the app). */
export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: "light" });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.addInitScript({ content: RECORD_SOCKETS });
  return { page, errors };
}

/** The URLs of the WebSockets the page opened, in order. */
export function socketUrls(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { __ironSockets: PageSocket[] }).__ironSockets.map((s) => s.url));
}

/** Closes the page's newest WebSocket from the client side, as a dropped connection would. */
export function dropSocket(page: Page): Promise<void> {
  return page.evaluate(() => {
    const all = (globalThis as unknown as { __ironSockets: PageSocket[] }).__ironSockets;
    all[all.length - 1]?.close(4001, "dropped by the test");
  });
}
