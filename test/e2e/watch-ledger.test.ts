// Protects looking at a run, live and afterwards, through the real CLI: `iron run` prints its
// stream URL; `iron watch` follows it on a real pseudo-terminal (redrawn in place), piped
// (plain lines) and as raw JSON; `iron calls` and `iron agents` then read the ledger, whose
// totals equal the sum of its calls; and no secret or e-mail the agent printed reaches the file.
import Database from "better-sqlite3";
import { execa, type ResultPromise } from "execa";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, FIXTURES, IRON_BIN, iron, tempDir } from "../helpers/iron.js";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock.close();
});

/** Resolves with the first match of `pattern` in what a child writes to the stream. */
function waitFor(child: ResultPromise, stream: "stdout" | "stderr", pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = "";
    child[stream]?.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const match = text.match(pattern);
      if (match !== null) resolve(match);
    });
    void child.then((r) => reject(new Error(`exited (${r.exitCode}) before ${pattern}: ${text}\n${String(r.stderr)}`)));
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes begin with ESC, and removing them is the point.
const strip = (text: string): string => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");

describe("iron watch, iron calls, iron agents", () => {
  it("follow a run live three ways, then read its ledger", async () => {
    const dir = tempDir("iron-watch-");
    const state = join(dir, "state.db");
    const go = join(dir, "go");
    const secretLine = "my key is sk-proj-Secret0123456789abcdefgh, mail me at alice.liddell@example.com";
    const run = execa("node", [IRON_BIN, "run", "--state", state, "--budget", "0.00005", "--python", DEBIAN_PYTHON, join(FIXTURES, "chat_loop.py")], {
      env: { OPENAI_BASE_URL: mock.baseUrl, FIXTURE_CALLS: "6", FIXTURE_GO_FILE: go, FIXTURE_PRINT: secretLine },
      reject: false,
    });
    const url = (await waitFor(run, "stderr", /stream: (ws:\/\/\S+)/))[1] as string;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/events\?token=[\w-]{32}$/);

    const plain = execa("node", [IRON_BIN, "watch", url], { reject: false });
    const json = execa("node", [IRON_BIN, "watch", "--json", "--state", state], { reject: false }); // found through the discovery file
    const tty = execa("script", ["-q", "-e", "-c", `stty cols 120 rows 30; node ${IRON_BIN} watch ${url}`, "/dev/null"], { reject: false });
    await Promise.all([waitFor(plain, "stdout", /connected to/), waitFor(json, "stdout", /"type":"snapshot"/), waitFor(tty, "stdout", /DECISIONS/)]);
    writeFileSync(go, "");
    const [ran, p, j, t] = await Promise.all([run, plain, json, tty]);
    expect(ran.exitCode, String(ran.stderr)).toBe(0);
    expect([p.exitCode, j.exitCode, t.exitCode]).toEqual([0, 0, 0]);

    // Piped: one plain line per decision and answer, no escape codes.
    const lines = String(p.stdout).split("\n");
    expect(String(p.stdout)).not.toContain("\u001b");
    expect(lines.filter((l) => / chat_loop gpt-4o-mini allowed \(call c-/.test(l))).toHaveLength(4);
    expect(lines.filter((l) => / answered 200 · /.test(l))).toHaveLength(4);
    expect(lines.filter((l) => /denied by budget \(IRON_ERR_BUDGET, HTTP 402\)/.test(l))).toHaveLength(2);
    expect(String(p.stdout)).toMatch(/agent chat_loop: running → exited \(exited with code 0\)/);
    expect(String(p.stdout)).toMatch(/supervisor stopping/);
    expect(String(p.stdout)).toMatch(/budget global: \$0\.0000\d+ of \$0\.00005(?!\d)/);

    // JSON: the snapshot, then events with strictly rising seq, ending with the supervisor stopping.
    const messages = String(j.stdout)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; seq: number });
    expect(messages[0]?.type).toBe("snapshot");
    const seqs = messages.slice(1).map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => (messages[0]?.seq ?? 0) + 1 + i));
    expect(messages.at(-1)?.type).toBe("supervisor.stopping");

    // Terminal: the cursor hidden, frames redrawn from the top, the last one left on screen.
    const screen = String(t.stdout);
    expect(screen).toContain("\u001b[?25l");
    expect(screen.split("\u001b[H").length).toBeGreaterThan(2);
    expect(screen).toContain("\u001b[?25h");
    const last = strip(screen.slice(screen.lastIndexOf("\u001b[H")));
    expect(last).toMatch(/supervisor stopped/);
    expect(last).toMatch(/chat_loop\s+exited\s+\d+\s+0\s+6\s+4\s+0\s+0\s+2\s+8\/60/);
    expect(last).toMatch(/global\s+\[█+░*\] \$0\.0000\d+ of \$0\.00005(?!\d)/);
    expect(last.match(/chat_loop gpt-4o-mini (allow|deny)/g)).toHaveLength(6);

    // Afterwards: the ledger, whose totals are the sums of its calls.
    const calls = await iron(["calls", "--state", state, "--json"]);
    expect(calls.exitCode, calls.stderr).toBe(0);
    const report = JSON.parse(calls.stdout) as { calls: { costMicros: number; inputTokens: number; outputTokens: number; outcome: string; status: number }[]; totals: Record<string, unknown> };
    expect(report.calls.map((c) => [c.outcome, c.status])).toEqual([...Array(4).fill(["allow", 200]), ...Array(2).fill(["deny", 402])]);
    const sum = (key: "costMicros" | "inputTokens" | "outputTokens"): number => report.calls.reduce((n, c) => n + c[key], 0);
    expect(report.totals).toMatchObject({ calls: 6, allowed: 4, denied: 2, costMicros: sum("costMicros"), inputTokens: sum("inputTokens"), outputTokens: sum("outputTokens") });
    expect(report.totals.byAgent).toEqual({ chat_loop: expect.objectContaining({ calls: 6, costMicros: sum("costMicros") }) });
    expect(report.totals.byModel).toEqual({ "gpt-4o-mini": expect.objectContaining({ calls: 6, costMicros: sum("costMicros") }) });
    const denied = JSON.parse((await iron(["calls", "--state", state, "--json", "--decision", "deny", "--since", "1h"])).stdout) as typeof report;
    expect(denied.calls).toHaveLength(2);
    const table = await iron(["calls", "--state", state]);
    expect(table.stdout).toMatch(/^TIME\s+AGENT\s+CALL\s+MODEL\s+DECISION/);
    expect(table.stdout).toMatch(/BY MODEL[\s\S]*gpt-4o-mini\s+6\s+4\s+0\s+2[\s\S]*BY AGENT[\s\S]*total\s+6/);
    const agents = JSON.parse((await iron(["agents", "--state", state, "--json"])).stdout) as { agents: Record<string, unknown>[] };
    // The interpreter's version iron checked before starting it is kept and shown (issue 17 item 7).
    const version = execFileSync(DEBIAN_PYTHON, ["-c", "import platform; print(platform.python_version())"], { encoding: "utf8" }).trim();
    expect(agents.agents).toEqual([expect.objectContaining({ agentId: "chat_loop", state: "exited", runs: 1, calls: 6, lastExitCode: 0, host: hostname(), python: version })]);
    const agentsTable = (await iron(["agents", "--state", state])).stdout.split("\n");
    expect(agentsTable[1]?.slice(agentsTable[0]?.indexOf("PYTHON"))).toMatch(new RegExp(`^${version.replaceAll(".", "\\.")}\\b`));
    expect((await iron(["calls", "--state", join(dir, "nothing.db")])).exitCode).toBe(66);

    // What the agent printed went through the store scrubbed.
    const db = new Database(state, { readonly: true });
    const output = db
      .prepare<[], { data: string }>("SELECT data FROM events WHERE type = 'agent.output'")
      .all()
      .map((r) => JSON.parse(r.data).line as string);
    db.close();
    expect(output[0]).toMatch(/^my key is \[redacted:secret:[0-9a-f]{12}\], mail me at \[redacted:email:[0-9a-f]{12}\]$/);
    const bytes = ["", "-wal"]
      .map((s) => {
        try {
          return readFileSync(state + s, "latin1");
        } catch {
          return "";
        }
      })
      .join("");
    expect(bytes).not.toContain("sk-proj-Secret");
    expect(bytes).not.toContain("alice.liddell@example.com");
    expect(bytes).not.toContain("sk-fixture-secret");
  }, 60_000);
});
