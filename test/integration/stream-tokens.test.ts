// Watching and controlling are separate rights: the token in the stream URL (and in a dashboard
// link meant for sharing) lets its holder watch; stopping agents and changing budgets need the
// control token. A stream bound beyond loopback over plain HTTP is warned about (issue 16, item 10).
import WebSocket from "ws";
import { describe, expect, it } from "vitest";
import { Supervisor } from "../../src/index.js";
import { act, apiGet, pageFixture, parseDashboardUrl } from "../helpers/dashboard.js";
import { captureLogs } from "../helpers/log-capture.js";

/** Opens the stream with a token; resolves with the first event's type, or the refusal. */
function firstEvent(url: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.once("message", (data: Buffer) => {
      resolve(String((JSON.parse(data.toString()) as { type: string }).type));
      ws.close();
    });
    ws.once("unexpected-response", (_req, res) => resolve(`refused ${res.statusCode}`));
    ws.once("error", () => undefined);
  });
}

describe("stream tokens", () => {
  it("lets the watch token read the stream and the API but not act; the control token acts", async () => {
    const sup = await Supervisor.start({ stream: { dashboardDir: pageFixture() } });
    try {
      const watch = sup.watchDashboardUrl as string;
      const control = sup.dashboardUrl as string;
      const { base, token: watchToken } = parseDashboardUrl(watch);
      const { token: controlToken } = parseDashboardUrl(control);
      expect(watchToken).not.toBe(controlToken);
      expect(sup.streamUrl).toContain(encodeURIComponent(watchToken));
      expect(await firstEvent(sup.streamUrl as string)).toBe("snapshot");
      // /api/info says what the presented token may do: the page offers no button the server would refuse.
      const watching = await apiGet(base, watchToken, "/api/info");
      expect(watching.status).toBe(200);
      expect(watching.json.actions).toEqual([]);
      const controlling = await apiGet(base, controlToken, "/api/info");
      expect(controlling.json.actions).toContain("budget.set");
      const refused = await act(base, watchToken, { action: "budget.set", scope: "global", limitUsd: 5 });
      expect([refused.status, refused.json.error.code]).toEqual([403, "IRON_ERR_AUTH"]);
      expect(refused.json.error.message).toContain("control token");
      expect(sup.budgets.balances().find((b) => b.scope === "global")?.limit ?? null).toBeNull();
      const done = await act(base, controlToken, { action: "budget.set", scope: "global", limitUsd: 5 });
      expect(done.status).toBe(200);
      expect(sup.budgets.balances().find((b) => b.scope === "global")?.limit).toBe(5_000_000);
    } finally {
      await sup.close();
    }
  });

  it("warns when the stream listens beyond loopback over plain HTTP, and not on loopback", async () => {
    const logs = captureLogs("debug");
    const local = await Supervisor.start({ logger: logs.logger, stream: { host: "127.0.0.1" } });
    await local.close();
    expect(logs.find("plain HTTP")).toEqual([]);
    const open = await Supervisor.start({ logger: logs.logger, stream: { host: "0.0.0.0" } });
    await open.close();
    expect(logs.find("plain HTTP").length).toBe(1);
  });
});
