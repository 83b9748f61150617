// Protects the two brakes on hostile traffic: a peer that keeps sending what the protocol drops is
// muted (and memory stays bounded however many peers there are), and a reason is logged a few
// times per window, then counted instead of flooding the log.
import { describe, expect, it } from "vitest";
import { LogThrottle } from "../../src/telemetry/log-throttle.js";
import { PeerGuard } from "../../src/transport/peer-guard.js";
import { captureLogs } from "../helpers/log-capture.js";

describe("PeerGuard", () => {
  it("mutes a peer on its n-th strike in a row, and only that peer", () => {
    const guard = new PeerGuard({ strikes: 3 });
    expect([guard.strike("a"), guard.strike("a"), guard.isMuted("a")]).toEqual([false, false, false]);
    expect(guard.strike("a")).toBe(true);
    expect(guard.isMuted("a")).toBe(true);
    expect(guard.isMuted("b")).toBe(false);
  });

  it("forgets the strikes of a peer that authenticated", () => {
    const guard = new PeerGuard({ strikes: 2 });
    guard.strike("a");
    guard.clear("a");
    expect(guard.strike("a")).toBe(false);
  });

  it("remembers at most `capacity` peers, dropping the oldest", () => {
    const guard = new PeerGuard({ strikes: 1, capacity: 100 });
    for (let i = 0; i < 1000; i += 1) guard.strike(`p${i}`);
    expect(guard.isMuted("p999")).toBe(true);
    expect(guard.isMuted("p0")).toBe(false);
  });
});

describe("LogThrottle", () => {
  it("lets `burst` lines per reason through per window, then reports how many it held back", () => {
    const logs = captureLogs("warn");
    let now = 0;
    const throttle = new LogThrottle(logs.logger, { burst: 2, windowMs: 1000, clock: () => now });
    for (let i = 0; i < 5; i += 1) throttle.warn({ i }, "dropped a thing");
    throttle.warn({}, "another reason");
    expect(logs.find("dropped a thing").map((l) => l.i)).toEqual([0, 1]);
    expect(logs.find("another reason")).toHaveLength(1);
    now = 1000;
    throttle.warn({ i: 5 }, "dropped a thing");
    const lines = logs.find("dropped a thing");
    expect(lines.map((l) => l.suppressed ?? l.i)).toEqual([0, 1, 3, 5]);
    expect(String(lines[2]?.msg)).toContain("3 more like this were not logged");
  });
});
