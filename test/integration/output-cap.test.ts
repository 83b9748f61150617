// Protects the rate cap on stored agent output with a real Python agent flooding stdout: only
// the burst (plus what the rate refills) becomes `agent.output` events, the rest is counted in
// summary lines, and every line the agent printed is accounted for. Also: an agent that prints
// its own token (no longer registered with the scrubber per run) stores it scrubbed.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Supervisor } from "../../src/index.js";
import { FIXTURES } from "../helpers/iron.js";
import { record } from "../helpers/lifecycle.js";
import { spawnTokenHolder } from "../helpers/token-holder.js";

let sup: Supervisor;
let rec: ReturnType<typeof record>;

beforeAll(async () => {
  sup = await Supervisor.start({ outputRate: { linesPerSecond: 1, burst: 50 } });
  rec = record(sup);
});
afterAll(async () => {
  await sup.close();
});

describe("output rate cap", () => {
  it("stores a burst of a flooding agent's lines and one count of the rest", async () => {
    const agent = await sup.spawn({ script: join(FIXTURES, "print_lots.py"), args: ["20000"], name: "flood" });
    expect(await agent.exited).toMatchObject({ state: "exited", exitCode: 0 });
    const stdout = rec.events.flatMap((e) => (e.type === "agent.output" && e.agentId === "flood" && e.stream === "stdout" ? [e.line] : []));
    const summaries = stdout.flatMap((line) => /^\[iron\] dropped (\d+) output lines? \(output rate cap\)$/.exec(line) ?? []).filter((_, i) => i % 2 === 1);
    const kept = stdout.filter((line) => !line.startsWith("[iron] dropped"));
    expect(summaries.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(1000);
    expect(kept.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i} ${"x".repeat(64)}`));
    expect(kept.length + summaries.reduce((sum, n) => sum + Number(n), 0)).toBe(20001);
  });

  it("stores an agent's printed token scrubbed, matched by its shape", async () => {
    const holder = await spawnTokenHolder(sup, { EXIT_NOW: "1" });
    await holder.handle.exited;
    const lines = rec.events.flatMap((e) => (e.type === "agent.output" && e.agentId === holder.agent ? [e.line] : []));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(holder.token);
    expect(lines[0]).toMatch(/"token": "\[redacted:secret:[0-9a-f]{12}\]"/);
  });
});
