// The life of an agent that joined a running supervisor (started elsewhere: a notebook, a web
// server, a container). iron does not own its process, so it never starts, stops or restarts
// it: the machine only tracks whether the agent is attached. A separate small machine rather
// than states on the spawned-agent machine, whose every state is about a process iron owns.
// No I/O inside: whether the process still exists is the provided `processGone` guard.
import { and, assign, enqueueActions, setup } from "xstate";
import { duration } from "./agent-reasons.js";

/**
 * Where a joined agent is (the `to` of its `agent.state` events):
 * - `running`: a connection of its main process said hello with the join token; its calls are
 *   governed and its heartbeats watched.
 * - `detached`: it said bye (the interpreter exited or `iron_shim.uninstall()` ran), its process is
 *   gone, or no heartbeat came for the heartbeat timeout. iron never restarts it; when the same
 *   process connects again (or its heartbeats resume) it is `running` again.
 */
export type JoinedAgentState = "running" | "detached";

export interface JoinedMachineInput {
  /** No heartbeat for this long marks the agent `detached`; 0 turns the check off. */
  readonly heartbeatTimeoutMs: number;
}

export type JoinedEvent =
  /** A main-process connection said hello (the first one, or the same process again). */
  | { readonly type: "session.attached"; readonly pid: number; readonly reason: string }
  | { readonly type: "shim.heartbeat" }
  /** The main process said bye. */
  | { readonly type: "session.ended"; readonly reason: string }
  /** The supervisor is closing: the agent is detached for good. */
  | { readonly type: "close"; readonly reason: string };

/** A state change, emitted on every transition (published as `agent.state`). */
export interface JoinedStateChange {
  readonly type: "state";
  readonly from: JoinedAgentState | "new";
  readonly to: JoinedAgentState;
  readonly reason: string;
  /** Attachment number: 1 for the first connection, 2 after the first reconnect, … */
  readonly run: number;
  readonly pid: number | null;
}

interface JoinedContext {
  readonly heartbeatTimeoutMs: number;
  readonly state: JoinedAgentState | "new";
  readonly reason: string;
  readonly run: number;
  readonly pid: number | null;
}

/** The joined-agent machine: one actor per joined agent, across its reconnects. */
export const joinedMachine = setup({
  types: {} as { context: JoinedContext; events: JoinedEvent; input: JoinedMachineInput; emitted: JoinedStateChange },
  delays: { heartbeatTimeout: ({ context }) => context.heartbeatTimeoutMs },
  guards: {
    watchesHeartbeats: ({ context }) => context.heartbeatTimeoutMs > 0,
    // Provided by the edge (a same-host pid check); by default nothing is known to be gone.
    processGone: () => false,
  },
  actions: {
    /** Records the new visible state and emits the change (once per real change). */
    enter: enqueueActions(({ context, enqueue }, params: { to: JoinedAgentState }) => {
      if (context.state === params.to) return;
      enqueue.assign({ state: params.to });
      enqueue.emit({ type: "state", from: context.state, to: params.to, reason: context.reason, run: context.run, pid: context.pid });
    }),
    attach: assign(({ context, event }) => {
      if (event.type !== "session.attached") return {};
      return { run: context.run + 1, pid: event.pid, reason: event.reason };
    }),
    noteReason: assign(({ event }) => ("reason" in event ? { reason: event.reason } : {})),
    noteResumed: assign({ reason: "heartbeats resumed" }),
    noteSilent: assign(({ context }) => ({ reason: `no heartbeat for ${duration(context.heartbeatTimeoutMs)}` })),
    noteGone: assign(({ context }) => ({ reason: `its process (pid ${context.pid}) is gone` })),
  },
}).createMachine({
  id: "joined",
  context: ({ input }) => ({ heartbeatTimeoutMs: input.heartbeatTimeoutMs, state: "new", reason: "", run: 0, pid: null }),
  initial: "waiting",
  states: {
    // Hidden: created at hello, running once its session is attached.
    waiting: { on: { "session.attached": { target: "running", actions: "attach" }, close: "dropped" } },
    running: {
      entry: { type: "enter", params: { to: "running" } },
      on: {
        "shim.heartbeat": { target: "running", reenter: true },
        "session.attached": { target: "running", reenter: true, actions: "attach" },
        "session.ended": { target: "detached", actions: "noteReason" },
        close: { target: "ended", actions: "noteReason" },
      },
      after: {
        heartbeatTimeout: [
          { guard: and(["watchesHeartbeats", "processGone"]), target: "detached", actions: "noteGone" },
          { guard: "watchesHeartbeats", target: "detached", actions: "noteSilent" },
        ],
      },
    },
    detached: {
      entry: { type: "enter", params: { to: "detached" } },
      on: {
        "session.attached": { target: "running", actions: "attach" },
        "shim.heartbeat": { target: "running", actions: "noteResumed" },
        close: "ended",
      },
    },
    // Final: the supervisor closed; shown as detached.
    ended: { type: "final", entry: { type: "enter", params: { to: "detached" } } },
    // Hidden final: closed before its session was attached (nothing was ever shown).
    dropped: { type: "final" },
  },
});

export type JoinedMachine = typeof joinedMachine;
