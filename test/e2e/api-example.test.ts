// Protects the TypeScript API exactly as docs/api.md documents it: the page's example is
// examples/api-example.mjs verbatim, and running it (importing "iron-runtime" by name) governs a
// real Python agent — a custom policy denies, events are iterated, the agent is stopped.
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/iron.js";

const example = join(REPO, "examples", "api-example.mjs");

describe("the TypeScript API example", () => {
  it("is docs/api.md's example, verbatim", () => {
    const page = readFileSync(join(REPO, "docs", "api.md"), "utf8");
    expect(page).toContain(readFileSync(example, "utf8").trim());
  });

  it("runs: policy decisions, a stop, the final state and metrics", async () => {
    const ran = await execa("node", [example], { cwd: REPO, reject: false, timeout: 60_000 });
    expect(ran.exitCode, ran.stderr).toBe(0);
    const out = String(ran.stdout);
    expect(out).toMatch(/iron: worker_agent \(run 1\) starting -> running: the shim said hello/);
    expect(out.match(/: deny by no-gpt-4$/gm)).toHaveLength(2);
    expect(out).toMatch(/^worker: gpt-4 refused with HTTP 403$/m);
    expect(out).toMatch(/iron: worker_agent is stopped \(the example is done: killed by SIGTERM\)/);
    // The agent may squeeze in one more call before the stop lands: count, do not time.
    const metric = (name: string): number => Number(new RegExp(`${name}: (\\d+)`).exec(out)?.[1]);
    expect(metric("calls")).toBeGreaterThanOrEqual(6);
    expect(metric("denied")).toBeGreaterThanOrEqual(2);
    expect(metric("allowed") + metric("denied")).toBe(metric("calls"));
  });
});
