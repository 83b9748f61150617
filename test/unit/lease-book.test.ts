// Protects the fleet ledger's lease arithmetic in memory (no database): a reservation takes only
// what this supervisor's slice holds and asks for a refill when it falls short or runs low, a
// settle charges the slice, a grant asks for more when the fleet is not scarce, what no call holds
// is spare, and dropping an idle scope keeps a limit learned from the fleet for its next use.
import { describe, expect, it } from "vitest";
import { LeaseBook } from "../../src/store/postgres/lease-book.js";

const NOW = 1_000_000;

describe("the lease book", () => {
  it("reserves from the slice only, and asks for a refill when it is short or runs low", () => {
    const book = new LeaseBook(0.02);
    const s = book.scope("global");
    s.limit = 100_000;
    const asked: string[] = [];
    expect(book.reserve("c-1", ["global"], 10, NOW, (key) => asked.push(key))).toMatchObject({ ok: false, scope: "global", limit: 100_000, requested: 10 });
    expect(asked).toEqual(["global"]);
    s.lease = 2000;
    expect(book.reserve("c-2", ["global"], 1000, NOW, (key) => asked.push(key))).toEqual({ ok: true });
    // 1000 left in the slice, below the low-water mark of two calls' worth: refill in the background.
    expect(asked).toEqual(["global", "global"]);
    expect(book.balance("global")).toEqual({ scope: "global", limit: 100_000, spent: 0, reserved: 1000 });
    expect(book.close("c-2", 700)).toEqual(["global"]);
    expect(s).toMatchObject({ held: 0, spent: 700, lease: 1300 });
    expect(book.close("c-2", 700)).toBeNull();
  });

  it("sizes a grant by the slice fraction, and by the need alone while the fleet is scarce", () => {
    const book = new LeaseBook(0.02);
    const s = book.scope("global");
    s.limit = 1_000_000;
    expect(book.grantSize(s, 100, NOW)).toEqual({ min: 100, want: 20_000 });
    s.scarceUntil = NOW + 1;
    expect(book.grantSize(s, 100, NOW)).toEqual({ min: 100, want: 100 });
    s.waiting = 500_000; // waiting calls ask for at most a tenth of the limit at once
    expect(book.grantSize(s, 100, NOW)).toEqual({ min: 100, want: 100_000 });
  });

  it("takes out what no call holds as spare", () => {
    const book = new LeaseBook(0.02);
    const s = book.scope("global");
    Object.assign(s, { limit: 10_000, lease: 900, held: 300 });
    expect(book.takeSpare(s)).toBe(600);
    expect(book.takeSpare(s)).toBe(0);
    expect(s.lease).toBe(300);
  });

  it("drops only idle scopes, and a limit learned from the fleet outlives the drop", () => {
    const book = new LeaseBook(0.02);
    Object.assign(book.scope("learned"), { limit: 5000, lease: 400 });
    Object.assign(book.scope("own"), { limit: 7000, own: true, lease: 10 });
    Object.assign(book.scope("busy"), { limit: 7000, held: 5 });
    book.scope("unlimited");
    const forgotten = book.forget(["learned", "own", "busy", "unlimited", "unwritten", "absent"], new Set(["unwritten"]));
    expect(forgotten).toEqual({ dropped: ["learned", "own", "unlimited"], leased: ["learned", "own"] });
    expect(book.keys()).toEqual(["busy"]);
    expect(book.limit("learned")).toBe(5000);
    expect(book.limit("own")).toBeNull();
    expect(book.scope("learned")).toMatchObject({ limit: 5000, lease: 0, spent: 0 });
  });
});
