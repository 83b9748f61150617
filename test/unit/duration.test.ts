// Protects the one duration rule shared by flags and iron.yaml: units ms/s/m/h, a bare number
// is seconds in both places, and a refusal shows the fix.
import { describe, expect, it } from "vitest";
import { durationMs } from "../../src/sections/duration.js";
import { parseDuration } from "../../src/cli/parse-options.js";

describe("the duration rule", () => {
  it("reads units, and a bare number as seconds, in text and in YAML numbers alike", () => {
    expect(["500ms", "5s", "2m", "1h", "1.5s", "5", " 5 s "].map((v) => durationMs(v))).toEqual([500, 5000, 120_000, 3_600_000, 1500, 5000, 5000]);
    expect(durationMs(5)).toBe(5000);
    expect(durationMs(0.25)).toBe(250);
    expect([durationMs("5 sec"), durationMs("-1s"), durationMs("fast"), durationMs(-1)]).toEqual([null, null, null, null]);
  });

  it("gives every duration flag the same meaning, and refuses a near-miss with the fix", () => {
    const flag = parseDuration();
    expect([flag("60"), flag("60s"), flag("5000ms")]).toEqual([60_000, 60_000, 5000]);
    expect(() => flag("0")).toThrow('expected a duration like 500ms, 5s or 2m (a bare number is seconds), got "0"');
    expect(() => flag("5 secs")).toThrow('got "5 secs" (write 5s)');
    expect(() => flag("2 minutes")).toThrow("(write 2m)");
    expect(parseDuration({ allowZero: true })("0")).toBe(0);
    expect(() => parseDuration({ allowZero: true })("off")).toThrow('expected 0 (off) or a duration like 500ms, 5s or 2m (a bare number is seconds), got "off"');
  });
});
