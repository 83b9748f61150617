// Protects the joined-agent machine without processes or real time: an agent that joined is
// `running` while heartbeats come, `detached` when they stop (as gone when the edge says its
// process is), when it says bye, or when the supervisor closes; it is `running` again when the
// same process reattaches or its heartbeats resume; nothing ever restarts it; the heartbeat
// check can be turned off; every change is emitted once with the attachment number and pid.
import { createActor, SimulatedClock } from "xstate";
import { describe, expect, it } from "vitest";
import { joinedMachine, type JoinedStateChange } from "../../src/lifecycle/joined-machine.js";

function harness(heartbeatTimeoutMs: number, gone: () => boolean = () => false) {
  const clock = new SimulatedClock();
  const actor = createActor(joinedMachine.provide({ guards: { processGone: gone } }), { input: { heartbeatTimeoutMs }, clock });
  const changes: JoinedStateChange[] = [];
  actor.on("state", (change) => changes.push(change));
  actor.start();
  return {
    actor,
    changes,
    trail: () => changes.map((c) => `${c.to}:${c.reason}`),
    advance(ms: number): void {
      for (let t = 0; t < ms; t += 10) clock.increment(Math.min(10, ms - t));
    },
  };
}

describe("joined-agent machine", () => {
  it("stays running while heartbeats come, detaches when they stop, and runs again when they resume", () => {
    const h = harness(3000);
    h.actor.send({ type: "session.attached", pid: 42, reason: "joined from box (pid 42, Python 3.12.1)" });
    for (let i = 0; i < 5; i++) {
      h.advance(2000);
      h.actor.send({ type: "shim.heartbeat" });
    }
    expect(h.trail()).toEqual(["running:joined from box (pid 42, Python 3.12.1)"]);
    h.advance(3000);
    h.actor.send({ type: "shim.heartbeat" });
    expect(h.trail().slice(1)).toEqual(["detached:no heartbeat for 3 s", "running:heartbeats resumed"]);
    expect(h.changes.map((c) => [c.from, c.to, c.run, c.pid])).toEqual([
      ["new", "running", 1, 42],
      ["running", "detached", 1, 42],
      ["detached", "running", 1, 42],
    ]);
  });

  it("says why when the process is known to be gone, and never restarts anything", () => {
    let gone = false;
    const h = harness(1000, () => gone);
    h.actor.send({ type: "session.attached", pid: 7, reason: "joined" });
    gone = true;
    h.advance(60_000);
    expect(h.trail()).toEqual(["running:joined", "detached:its process (pid 7) is gone"]);
    expect(h.actor.getSnapshot().value).toBe("detached");
  });

  it("detaches on bye and reattaches the next connection with the next attachment number", () => {
    const h = harness(0);
    h.actor.send({ type: "session.attached", pid: 1, reason: "joined" });
    h.advance(600_000); // the heartbeat check is off
    h.actor.send({ type: "session.ended", reason: "said bye (uninstall)" });
    h.actor.send({ type: "session.attached", pid: 1, reason: "reconnected" });
    h.actor.send({ type: "session.attached", pid: 1, reason: "reconnected again" }); // already running: no change
    expect(h.changes.map((c) => `${c.from}→${c.to} #${c.run} ${c.reason}`)).toEqual(["new→running #1 joined", "running→detached #1 said bye (uninstall)", "detached→running #2 reconnected"]);
    expect(h.actor.getSnapshot().context.run).toBe(3);
  });

  it("ends detached when the supervisor closes, whatever it was, and takes no more events", () => {
    const running = harness(1000);
    running.actor.send({ type: "session.attached", pid: 1, reason: "joined" });
    running.actor.send({ type: "close", reason: "the supervisor is closing" });
    expect(running.trail()).toEqual(["running:joined", "detached:the supervisor is closing"]);
    expect(running.actor.getSnapshot().status).toBe("done");

    const detached = harness(1000);
    detached.actor.send({ type: "session.attached", pid: 1, reason: "joined" });
    detached.actor.send({ type: "session.ended", reason: "said bye (exit)" });
    detached.actor.send({ type: "close", reason: "the supervisor is closing" });
    expect(detached.trail()).toEqual(["running:joined", "detached:said bye (exit)"]);
    expect(detached.actor.getSnapshot().status).toBe("done");

    const never = harness(1000);
    never.actor.send({ type: "close", reason: "the supervisor is closing" });
    expect(never.changes).toEqual([]);
  });
});
