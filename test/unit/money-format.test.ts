// One money format everywhere (issue 17 item 7): dollars to the micro-dollar the ledger keeps,
// trailing zeros dropped down to cents — never $0.0100 next to $0.01 or $0.001000.
import { describe, expect, it } from "vitest";
import { formatUsd } from "../../src/policy/money.js";

describe("formatUsd", () => {
  it("writes every amount one way: exact to the micro-dollar, at least cents", () => {
    expect([0, 10_000, 1_000, 100, 34, 11, 9_966, 1_500_000, 999_966, 1_000_034, 123_456_789_000].map(formatUsd)).toEqual([
      "$0.00",
      "$0.01",
      "$0.001",
      "$0.0001",
      "$0.000034",
      "$0.000011",
      "$0.009966",
      "$1.50",
      "$0.999966",
      "$1.000034",
      "$123456.789",
    ]);
  });

  it("keeps the sign of a negative amount in front", () => {
    expect(formatUsd(-1_500)).toBe("-$0.0015");
  });
});
