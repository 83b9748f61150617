// `iron dashboard --state postgres://…` over two real `iron run` supervisors on one database: one
// dashboard shows both supervisors' agents (each named with its host/pid), follows both live over
// its WebSocket, shows the fleet's budget row and a call's details from either supervisor.
import { execa } from "execa";
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { apiGet, parseDashboardUrl } from "../helpers/dashboard.js";
import { fleetMember } from "../helpers/fleet-member.js";
import { IRON_BIN, tempDir } from "../helpers/iron.js";
import { testDatabase } from "../helpers/postgres.js";
import { record } from "../helpers/stream.js";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0, maxRecorded: 0 });
});
afterAll(async () => {
  await mock.close();
});

describe("iron dashboard over a fleet's database", () => {
  it("shows every supervisor's agents and calls, live, each with its supervisor", { timeout: 120_000 }, async () => {
    const url = await testDatabase();
    const dashboard = execa("node", [IRON_BIN, "dashboard", "--state", url, "--port", "0"], { reject: false, buffer: false });
    const stop = join(tempDir("iron-fleet-dash-"), "stop");
    const fleet = [fleetMember(url, mock.baseUrl, stop, "1"), fleetMember(url, mock.baseUrl, stop, "1")];
    try {
      let text = "";
      dashboard.stderr?.on("data", (chunk: Buffer) => (text += chunk.toString()));
      await expect.poll(() => /stream: (ws:\S+)\n/.test(text) || dashboard.exitCode !== null, { timeout: 30_000 }).toBe(true);
      expect(text).toContain("dashboard (read-only) of postgres://");
      expect(text).not.toContain("iron-test-password");
      const { base, token } = parseDashboardUrl(/dashboard: (http:\S+)\n/.exec(text)?.[1] ?? "");
      const stream = await record(/stream: (ws:\S+)\n/.exec(text)?.[1] ?? "");

      const agents = fleet.map((m) => `steady_caller@${hostname()}/${m.run.pid}`);
      // Live: both supervisors' decisions arrive on one stream, in one numbering.
      const decidedBy = (): string[] => [...new Set(stream.messages.filter((m) => m.type === "llm.decision").map((m) => m.agentId as string))].sort();
      await expect.poll(decidedBy, { timeout: 60_000 }).toEqual([...agents].sort());
      const seqs = stream.messages.slice(1).map((m) => m.seq);
      expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 0) + i));
      const decision = stream.messages.find((m) => m.type === "llm.decision");
      expect(decision?.supervisor).toMatch(new RegExp(`^${hostname()}/\\d+$`));

      writeFileSync(stop, "");
      for (const r of await Promise.all(fleet.map((m) => m.run))) expect(r.exitCode).toBe(0);

      const info = await apiGet(base, token, "/api/info");
      expect(info.status).toBe(200);
      expect(info.json.readOnly).toBe(true);
      expect(info.json.agents.map((a: { agentId: string }) => a.agentId).sort()).toEqual([...agents].sort());
      // A fresh client's snapshot: the fleet's budget row (limit and spend of the whole fleet), both supervisors' calls.
      const later = await record(/stream: (ws:\S+)\n/.exec(text)?.[1] ?? "");
      await later.until(1);
      const snapshot = later.messages[0] as unknown as { type: string; budgets: { scope: string; limit: number; spent: number }[]; calls: { callId: string; agentId: string }[] };
      expect(snapshot.type).toBe("snapshot");
      expect(snapshot.budgets.find((b) => b.scope === "global")?.limit).toBe(1_000_000);
      expect(new Set(snapshot.calls.map((c) => c.agentId))).toEqual(new Set(agents));
      const call = snapshot.calls[0];
      const detail = await apiGet(base, token, `/api/calls/${encodeURIComponent(call?.callId ?? "")}`);
      expect(detail.status).toBe(200);
      expect(detail.json.agentId).toBe(call?.agentId);
      expect(detail.json.events.map((e: { type: string }) => e.type)).toContain("llm.request");
      stream.ws.close();
      later.ws.close();
    } finally {
      writeFileSync(stop, "");
      dashboard.kill("SIGINT");
      await Promise.all([dashboard, ...fleet.map((m) => m.run)]);
    }
  });
});
