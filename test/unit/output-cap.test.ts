// Protects the rate cap on stored agent output: a burst passes, lines beyond the bucket are
// counted, not published, and one summary line per stream says how many once the bucket refills
// or the incarnation ends; bad options are refused naming the key.
import { describe, expect, it } from "vitest";
import type { OutputStream } from "../../src/lifecycle/agent-output.js";
import { DEFAULT_OUTPUT_RATE, droppedLine, OutputCap } from "../../src/lifecycle/output-cap.js";
import { resolveOutputRate } from "../../src/supervisor/output-rate-options.js";

// A cap over a clock the test moves, collecting what it publishes.
function capped(linesPerSecond: number, burst: number) {
  let now = 1_000_000;
  const published: [number, OutputStream, string][] = [];
  const cap = new OutputCap(
    { linesPerSecond, burst },
    (run, stream, line) => published.push([run, stream, line]),
    () => now,
  );
  return { cap, published, advance: (ms: number) => (now += ms) };
}

describe("OutputCap", () => {
  it("passes a burst, counts what is beyond it, and says how many were dropped once a token is back", () => {
    const { cap, published, advance } = capped(10, 3);
    for (let i = 0; i < 8; i++) cap.line(1, "stdout", `l${i}`);
    expect(published).toEqual([
      [1, "stdout", "l0"],
      [1, "stdout", "l1"],
      [1, "stdout", "l2"],
    ]);
    advance(100); // one token at 10 lines/s
    cap.line(1, "stdout", "after");
    expect(published.slice(3)).toEqual([
      [1, "stdout", droppedLine(5)],
      [1, "stdout", "after"],
    ]);
  });

  it("settles each stream's drops on its own stream, and at the end of the incarnation", () => {
    const { cap, published } = capped(1, 1);
    cap.line(2, "stdout", "first");
    cap.line(2, "stdout", "lost");
    cap.line(2, "stderr", "lost too");
    cap.line(2, "stderr", "lost three");
    cap.end();
    expect(published).toEqual([
      [2, "stdout", "first"],
      [2, "stdout", droppedLine(1)],
      [2, "stderr", droppedLine(2)],
    ]);
    cap.end();
    expect(published).toHaveLength(3);
  });

  it("refills no further than the burst however long the agent was quiet", () => {
    const { cap, published, advance } = capped(1000, 2);
    advance(3_600_000);
    for (let i = 0; i < 5; i++) cap.line(1, "stdout", `l${i}`);
    cap.end();
    expect(published.map((p) => p[2])).toEqual(["l0", "l1", droppedLine(3)]);
  });
});

describe("resolveOutputRate", () => {
  it("falls back to the defaults, keeps false, and refuses a bad value naming the key", () => {
    expect(resolveOutputRate(undefined)).toEqual(DEFAULT_OUTPUT_RATE);
    expect(resolveOutputRate({ burst: 5 })).toEqual({ linesPerSecond: DEFAULT_OUTPUT_RATE.linesPerSecond, burst: 5 });
    expect(resolveOutputRate(false)).toBe(false);
    expect(() => resolveOutputRate({ burst: 1.5 })).toThrow("IRON_ERR_CONFIG: invalid supervisor option (at outputRate.burst): expected a whole number > 0, got 1.5");
    expect(() => resolveOutputRate({ linesPerSecond: 0 })).toThrow(/IRON_ERR_CONFIG: .*at outputRate.linesPerSecond/);
  });
});
