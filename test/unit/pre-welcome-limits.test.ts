// The bookkeeping behind the pre-welcome limits, on a simulated clock: refusals stored per source
// as counted summaries, and connections counted, muted past their hello deadline or over the limit.
import { describe, expect, it } from "vitest";
import { Connections } from "../../src/transport/connections.js";
import { OTHER_SOURCES, RefusalTally } from "../../src/transport/refusal-tally.js";

const refusal = (requested: string, host = "h") => ({ code: "IRON_ERR_AUTH", reason: "token not valid", requested, host, pid: 1 });

describe("RefusalTally", () => {
  it("stores the first refusal of a source, then one count per window, and the rest at flush", () => {
    let now = 0;
    const tally = new RefusalTally({ windowMs: 1000, clock: () => now });
    expect(tally.record(refusal("x"))).toMatchObject([{ requested: "x", count: 1 }]);
    for (let i = 0; i < 38; i += 1) expect(tally.record(refusal("x"))).toEqual([]);
    now = 1000;
    const next = tally.record(refusal("x"));
    expect(next).toMatchObject([
      { requested: "x", count: 38 },
      { requested: "x", count: 1 },
    ]);
    expect(tally.record(refusal("x"))).toEqual([]);
    expect(tally.flush()).toMatchObject([{ requested: "x", count: 1 }]);
    expect(tally.flush()).toEqual([]);
  });

  it("counts sources beyond its capacity under one catch-all source", () => {
    const tally = new RefusalTally({ capacity: 2, clock: () => 0 });
    const stored = Array.from({ length: 100 }, (_, i) => tally.record(refusal(`name-${i}`))).flat();
    expect(stored.map((r) => r.requested)).toEqual(["name-0", "name-1", OTHER_SOURCES]);
    expect(tally.flush()).toMatchObject([{ requested: OTHER_SOURCES, count: 97 }]);
  });
});

describe("Connections", () => {
  it("reads libzmq's notices as connect then disconnect, and counts open connections", () => {
    const c = new Connections({ maxConnections: 2, clock: () => 0 });
    expect(c.notice("a")).toBe("connected");
    expect(c.isOpen("a")).toBe(true);
    expect(c.notice("b")).toBe("connected");
    expect(c.notice("c")).toBe("over-limit");
    expect(c.size).toBe(2);
    expect(c.notice("a")).toBe("disconnected");
    expect(c.isOpen("a")).toBe(false);
    expect(c.notice("d")).toBe("connected");
    expect(c.notice("c")).toBe("disconnected");
    expect(c.size).toBe(2);
  });

  it("gives up on connections not welcomed by the deadline, and frees their place", () => {
    let now = 0;
    const c = new Connections({ maxConnections: 2, helloTimeoutMs: 100, clock: () => now });
    c.notice("slow");
    c.notice("quick");
    c.welcomed("quick");
    now = 99;
    expect(c.overdue()).toEqual([]);
    now = 100;
    expect(c.overdue()).toEqual(["slow"]);
    expect(c.overdue()).toEqual([]);
    expect(c.size).toBe(1);
    expect(c.notice("next")).toBe("connected");
    expect(c.notice("slow")).toBe("disconnected");
  });
});
