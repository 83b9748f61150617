// Protects agent authentication: only an agent's current token opens its session; a token of
// another length, another agent's token, a revoked or replaced one are refused without throwing
// (the comparison hashes both sides first, so timingSafeEqual always compares equal lengths).
import { describe, expect, it } from "vitest";
import { TokenRegistry } from "../../src/transport/tokens.js";

describe("TokenRegistry", () => {
  it("accepts exactly the current token of the agent it was issued to", () => {
    const tokens = new TokenRegistry();
    const a = tokens.issue("a");
    const b = tokens.issue("b");
    expect(tokens.verify("a", a)).toBe(true);
    expect(tokens.verify("a", b)).toBe(false);
    expect(tokens.verify("b", b)).toBe(true);
  });

  it("refuses near misses and other lengths without throwing", () => {
    const tokens = new TokenRegistry();
    const a = tokens.issue("a");
    const flipped = `${a.slice(0, -1)}${a.endsWith("A") ? "B" : "A"}`;
    for (const wrong of ["", "x", flipped, `${a}x`, a.slice(1), a.repeat(100)]) expect(tokens.verify("a", wrong)).toBe(false);
    expect(tokens.verify("nobody", a)).toBe(false);
  });

  it("a reissued or revoked token is refused: a finished incarnation cannot be replayed", () => {
    const tokens = new TokenRegistry();
    const first = tokens.issue("a");
    const second = tokens.issue("a");
    expect(tokens.verify("a", first)).toBe(false);
    expect(tokens.verify("a", second)).toBe(true);
    tokens.revoke("a");
    expect(tokens.verify("a", second)).toBe(false);
  });
});
