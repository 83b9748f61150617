// Helpers for lifecycle tests: recording a supervisor's events, waiting for one, checking that
// a process is really gone, reading an agent's environment, and replaying a hello over ZeroMQ.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { Dealer } from "zeromq";
import type { IronEvent } from "../../src/events/types.js";
import type { Supervisor } from "../../src/index.js";
import { readProcStat } from "../../src/lifecycle/proc-stat.js";
import { dealerHandshake } from "./auth-peer.js";

type StateEvent = IronEvent<"agent.state">;

/** Every event of a supervisor from now on, with ways to wait for and filter them. */
export function record(sup: Supervisor) {
  const events: IronEvent[] = [];
  const waiters = new Set<{ match: (e: IronEvent) => boolean; resolve: (e: IronEvent) => void }>();
  sup.on("event", (event) => {
    events.push(event);
    for (const waiter of waiters) {
      if (waiter.match(event)) {
        waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  });
  return {
    events,
    /** The agent's state changes so far. */
    states(agentId: string): StateEvent[] {
      return events.filter((e): e is StateEvent => e.type === "agent.state" && e.agentId === agentId);
    },
    /** The first event (already seen or to come) that matches; fails after `ms` (a hang guard, not a timing check). */
    waitFor(match: (e: IronEvent) => boolean, ms = 25_000): Promise<IronEvent> {
      const seen = events.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<IronEvent>((resolve, reject) => {
        const waiter = {
          match,
          resolve: (e: IronEvent) => {
            clearTimeout(timer);
            resolve(e);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching event within ${ms} ms; last events: ${JSON.stringify(events.slice(-5))}`));
        }, ms);
        waiters.add(waiter);
      });
    },
  };
}

/** Matches an agent reaching a state (in a given run, when asked). */
export function reached(agentId: string, to: string, run?: number) {
  return (e: IronEvent): e is StateEvent => e.type === "agent.state" && e.agentId === agentId && e.to === to && (run === undefined || e.run === run);
}

/** True while the process exists and is not a zombie (a zombie holds nothing but its pid). */
export function alive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== null && stat.state !== "Z" && stat.state !== "X";
}

/** Polls until none of the pids is alive; false after `ms`. */
export async function allGone(pids: readonly number[], ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (pids.some(alive)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** One variable of a live process's environment (from /proc/<pid>/environ). */
export function envOf(pid: number, name: string): string | undefined {
  const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  return entries.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
}

/** Says hello to a supervisor as `agent` and proves `token` (even when the supervisor proved another), like a shim would; returns the last answer. */
export async function replayHello(endpoint: string, agent: string, token: string): Promise<Record<string, unknown>> {
  const dealer = new Dealer({ linger: 0, receiveTimeout: 10_000 });
  try {
    dealer.connect(endpoint);
    const fields = { agent, pid: process.pid, python: "3.11.0", shim: "0.1.0", host: hostname(), executable: "replay", parent_pid: null };
    return (await dealerHandshake(dealer, token, fields)).reply;
  } finally {
    dealer.close();
  }
}
