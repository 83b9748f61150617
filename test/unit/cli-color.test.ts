// Colour follows the conventions: a terminal gets it, a pipe does not, NO_COLOR and --no-color
// turn it off, FORCE_COLOR turns it on; denials and redactions are the lines that stand out.
import { describe, expect, it } from "vitest";
import { colorEnabled, paint, takeNoColor } from "../../src/cli/color.js";
import { lineStyle } from "../../src/cli/render.js";
import type { IronEvent } from "../../src/events/types.js";

describe("colorEnabled", () => {
  it("is on for a terminal and off for a pipe", () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({}, {})).toBe(false);
  });

  it("is off with NO_COLOR (any non-empty value), even on a terminal or with FORCE_COLOR", () => {
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: "1", FORCE_COLOR: "1" })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
  });

  it("is on with FORCE_COLOR when piped, unless it is 0", () => {
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(colorEnabled({ isTTY: true }, { FORCE_COLOR: "0" })).toBe(false);
  });
});

describe("--no-color", () => {
  it("is taken out of argv before -- and becomes NO_COLOR", () => {
    const env: NodeJS.ProcessEnv = {};
    expect(takeNoColor(["run", "--no-color", "a.py", "--", "--no-color"], env)).toEqual(["run", "a.py", "--", "--no-color"]);
    expect(env.NO_COLOR).toBe("1");
    const untouched: NodeJS.ProcessEnv = {};
    expect(takeNoColor(["run", "a.py", "--", "--no-color"], untouched)).toEqual(["run", "a.py", "--", "--no-color"]);
    expect(untouched.NO_COLOR).toBeUndefined();
  });
});

describe("paint", () => {
  it("wraps in an SGR colour only when on", () => {
    expect(paint("denied", "red", true)).toBe("\u001b[31mdenied\u001b[0m");
    expect(paint("denied", "red", false)).toBe("denied");
    expect(paint("allowed", null, true)).toBe("allowed");
  });
});

describe("lineStyle", () => {
  const decision = (action: string, phase = "request") => ({ type: "llm.decision", action, phase }) as unknown as IronEvent;
  it("makes denials red and redactions yellow, and leaves allowed calls plain", () => {
    expect(lineStyle(decision("deny"))).toBe("red");
    expect(lineStyle(decision("redact", "response"))).toBe("yellow");
    expect(lineStyle(decision("allow"))).toBeNull();
    expect(lineStyle({ type: "budget.exhausted" } as unknown as IronEvent)).toBe("red");
  });
});
