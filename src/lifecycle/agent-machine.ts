// The agent lifecycle as an XState v5 machine: no I/O inside. The process (spawn, signals, exit)
// is the invoked `process` actor, provided with `.provide({ actors: { process } })`; timers are
// XState delays, so a SimulatedClock drives them in tests. States are defined on AgentState.
import { and, assign, enqueueActions, fromCallback, raise, sendTo, setup } from "xstate";
import type { AgentContext, AgentEvent, AgentExit, AgentMachineInput, AgentState, FinalAgentState, ProcessCommand, ProcessInput, StateChange } from "./agent-machine-types.js";
import { backoffReason, describeExit, gaveUpReason, hungReason, startFailedReason, startupTimeoutReason } from "./agent-reasons.js";
import { backoffDelay } from "./backoff.js";

// Without a provided launcher the machine cannot spawn anything: it fails at once, saying so.
const noLauncher = fromCallback<ProcessCommand, ProcessInput>(({ sendBack }) => {
  sendBack({ type: "process.error", message: "no process launcher was provided to the agent machine" });
});

/** The agent machine: one actor per agent, across all its incarnations (runs). */
export const agentMachine = setup({
  types: {} as {
    context: AgentContext;
    events: AgentEvent;
    input: AgentMachineInput;
    emitted: StateChange;
    output: AgentExit;
  },
  actors: { process: noLauncher },
  delays: {
    startupTimeout: ({ context }) => context.config.startupTimeoutMs,
    heartbeatTimeout: ({ context }) => context.config.heartbeatTimeoutMs,
    stablePeriod: ({ context }) => context.config.stablePeriodMs,
    minUptime: ({ context }) => context.config.minUptimeMs,
    stopTimeout: ({ context }) => context.stop?.timeoutMs ?? context.config.stopTimeoutMs,
    backoff: ({ context }) => context.backoffMs,
    restartWindow: ({ context }) => context.config.restartWindowMs,
  },
  guards: {
    stopRequested: ({ context }) => context.stop?.intent === "stop",
    killedForRestart: ({ context }) => context.stop?.intent === "restart",
    relaunchRequested: ({ context }) => context.stop?.intent === "relaunch",
    cleanExit: ({ event }) => event.type === "process.exited" && event.exitCode === 0,
    neverRestarts: ({ context }) => context.config.restart === "never",
    restartsAlways: ({ context }) => context.config.restart === "always",
    restartLimitReached: ({ context }) => context.restartsInWindow >= context.config.maxRestarts,
    watchesHeartbeats: ({ context }) => context.config.heartbeatTimeoutMs > 0,
    restartsHung: ({ context }) => context.config.onHang === "restart",
    /** It ended on its own before the minimum uptime: a failed start (a syntax error, a missing import). */
    diedYoung: ({ context }) => context.config.minUptimeMs > 0 && !context.pastMinUptime && context.stop === null,
  },
  actions: {
    /** Records the new visible state and emits the change (once per real change). */
    enter: enqueueActions(({ context, enqueue }, params: { to: AgentState }) => {
      if (context.state === params.to) return;
      const change: StateChange = {
        type: "state",
        from: context.state,
        to: params.to,
        reason: context.reason,
        run: context.run,
        pid: context.pid,
        exitCode: context.exitCode,
        signal: context.signal,
      };
      enqueue.assign({ state: params.to });
      enqueue.emit(change);
    }),
    recordPid: assign(({ context, event }) => {
      if (event.type !== "process.spawned") return {};
      if (context.startNote !== null) return { pid: event.pid, reason: `${context.startNote} (pid ${event.pid})`, startNote: null };
      const reason = context.run === 1 ? `spawned (pid ${event.pid})` : `restart ${context.restarts} (pid ${event.pid})`;
      return { pid: event.pid, reason };
    }),
    /** An operator's restart of a live agent: stop its process, then start the next run at once. */
    requestRelaunch: assign(({ context, event }) => {
      if (event.type !== "restart") return {};
      const stop = { intent: "relaunch" as const, reason: event.reason, signal: "SIGTERM", timeoutMs: context.config.stopTimeoutMs };
      return { stop, reason: event.reason, startNote: event.reason };
    }),
    /** The relaunch counts as a restart but not against the crash limit, and resets the backoff. */
    countRelaunch: assign(({ context }) => ({ restarts: context.restarts + 1, attempt: 0 })),
    /** An operator's start (or restart) of an agent in backoff: the planned restart happens now. */
    noteOperatorStart: assign(({ event }) => (event.type === "start" || event.type === "restart" ? { startNote: event.reason } : {})),
    noteConnected: assign({ reason: "the shim said hello" }),
    noteResumed: assign({ reason: "heartbeats resumed" }),
    noteHung: assign(({ context }) => ({ reason: hungReason(context.config.heartbeatTimeoutMs) })),
    markStable: assign({ attempt: 0 }),
    requestStop: assign(({ context, event }) => {
      if (event.type !== "stop") return {};
      const signal = event.force === true ? "SIGKILL" : (event.signal ?? "SIGTERM");
      const stop = { intent: "stop" as const, reason: event.reason, signal, timeoutMs: event.timeoutMs ?? context.config.stopTimeoutMs };
      return { stop, reason: event.reason };
    }),
    /** A stop while stopping: a user's stop wins over a restart-kill or a relaunch; `force` kills now. */
    escalateStop: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "stop" || context.stop === null) return;
      if (context.stop.intent !== "stop" || event.force === true) enqueue.assign({ stop: { ...context.stop, intent: "stop", reason: event.reason }, startNote: null });
      if (event.force === true) enqueue.sendTo("process", { type: "signal", signal: "SIGKILL" } satisfies ProcessCommand);
    }),
    startupTimedOut: assign(({ context }) => {
      const reason = startupTimeoutReason(context.config.startupTimeoutMs);
      return { reason, code: "IRON_ERR_AGENT_STARTUP" as const, stop: { intent: "restart" as const, reason, signal: "SIGTERM", timeoutMs: context.config.stopTimeoutMs } };
    }),
    killHung: assign(({ context }) => {
      const reason = `${hungReason(context.config.heartbeatTimeoutMs)}: killing it to restart`;
      return { reason, stop: { intent: "restart" as const, reason: hungReason(context.config.heartbeatTimeoutMs), signal: "SIGTERM", timeoutMs: context.config.stopTimeoutMs } };
    }),
    signalStop: sendTo("process", ({ context }): ProcessCommand => ({ type: "signal", signal: context.stop?.signal ?? "SIGTERM" })),
    killGroup: sendTo("process", { type: "signal", signal: "SIGKILL" } satisfies ProcessCommand),
    recordExit: assign(({ context, event }) => {
      if (event.type !== "process.exited") return {};
      const how = describeExit(event.exitCode, event.signal);
      const reason = context.stop === null ? how : context.stop.intent === "restart" ? context.stop.reason : `${context.stop.reason}: ${how}`;
      return { exitCode: event.exitCode, signal: event.signal, reason };
    }),
    recordSpawnError: assign(({ event }) => ({
      reason: event.type === "process.error" ? `could not start: ${event.message}` : "could not start",
      code: "IRON_ERR_SPAWN" as const,
    })),
    planRestart: assign(({ context }) => {
      const { config } = context;
      const backoffMs = backoffDelay(context.attempt, config.backoff, context.random);
      const restarts = context.restarts + 1;
      const restartsInWindow = context.restartsInWindow + 1;
      const reason = backoffReason(backoffMs, restarts, restartsInWindow, config.maxRestarts, config.restartWindowMs);
      return { backoffMs, restarts, restartsInWindow, attempt: context.attempt + 1, reason };
    }),
    countInWindow: raise({ type: "window.expired" }, { delay: "restartWindow" }),
    forgetRestart: assign(({ context }) => ({ restartsInWindow: Math.max(0, context.restartsInWindow - 1) })),
    markPastMinUptime: assign({ pastMinUptime: true }),
    startFailed: assign(({ context }) => ({ reason: startFailedReason(context.reason, context.config.minUptimeMs) })),
    gaveUp: assign(({ context }) => ({ reason: gaveUpReason(context.config.maxRestarts, context.config.restartWindowMs, context.reason) })),
    cancelRestart: assign(({ event }) => ({ reason: event.type === "stop" ? `${event.reason}; the pending restart was cancelled` : "stopped" })),
    nextRun: assign(({ context }) => ({ run: context.run + 1, pid: null, exitCode: null, signal: null, code: null, stop: null, pastMinUptime: false })),
  },
}).createMachine({
  id: "agent",
  context: ({ input }) => ({
    config: input.config,
    random: input.random ?? Math.random,
    state: input.resume?.from ?? "new",
    run: input.resume?.run ?? 1,
    pid: null,
    exitCode: null,
    signal: null,
    reason: input.resume?.reason ?? "",
    code: null,
    restarts: input.resume?.restarts ?? 0,
    startNote: input.resume?.reason ?? null,
    pastMinUptime: false,
    restartsInWindow: 0,
    attempt: 0,
    backoffMs: 0,
    stop: null,
  }),
  initial: "alive",
  on: { "window.expired": { actions: "forgetRestart" } },
  output: ({ context }): AgentExit => ({
    state: context.state as FinalAgentState,
    exitCode: context.exitCode,
    signal: context.signal,
    reason: context.reason,
    restarts: context.restarts,
    code: context.code,
  }),
  states: {
    alive: {
      invoke: { id: "process", src: "process", input: ({ context }): ProcessInput => ({ run: context.run, stopTimeoutMs: context.config.stopTimeoutMs }) },
      initial: "spawning",
      after: { minUptime: { actions: "markPastMinUptime" } },
      on: {
        "process.spawned": { actions: "recordPid" },
        "process.exited": [
          { guard: "stopRequested", target: "stopped", actions: "recordExit" },
          { guard: "relaunchRequested", target: "relaunching", actions: "recordExit" },
          { guard: "killedForRestart", target: "crashed", actions: "recordExit" },
          { guard: "cleanExit", target: "exited", actions: "recordExit" },
          { target: "crashed", actions: "recordExit" },
        ],
        "process.error": { target: "failed", actions: "recordSpawnError" },
        stop: { target: ".stopping", actions: "requestStop" },
      },
      states: {
        // Hidden: the process actor is spawning; `starting` is entered once the pid is known.
        spawning: { on: { "process.spawned": { target: "starting", actions: "recordPid" } } },
        starting: {
          entry: { type: "enter", params: { to: "starting" } },
          on: { "shim.connected": { target: "up", actions: "noteConnected" }, restart: { target: "stopping", actions: "requestRelaunch" } },
          after: { startupTimeout: { target: "stopping", actions: "startupTimedOut" } },
        },
        up: {
          initial: "running",
          on: { restart: { target: "stopping", actions: "requestRelaunch" } },
          after: { stablePeriod: { actions: "markStable" } },
          states: {
            running: {
              entry: { type: "enter", params: { to: "running" } },
              on: { "shim.heartbeat": { target: "running", reenter: true } },
              after: { heartbeatTimeout: { guard: "watchesHeartbeats", target: "hung", actions: "noteHung" } },
            },
            hung: {
              entry: { type: "enter", params: { to: "hung" } },
              always: { guard: "restartsHung", target: "#agent.alive.stopping", actions: "killHung" },
              on: { "shim.heartbeat": { target: "running", actions: "noteResumed" } },
            },
          },
        },
        stopping: {
          entry: [{ type: "enter", params: { to: "stopping" } }, "signalStop"],
          on: { stop: { actions: "escalateStop" } },
          after: { stopTimeout: { actions: "killGroup" } },
        },
      },
    },
    crashed: {
      entry: { type: "enter", params: { to: "crashed" } },
      always: [
        { guard: "neverRestarts", target: "settled" },
        { guard: "diedYoung", target: "failed", actions: "startFailed" },
        { guard: "restartLimitReached", target: "failed", actions: "gaveUp" },
        { target: "backoff" },
      ],
    },
    exited: {
      entry: { type: "enter", params: { to: "exited" } },
      always: [{ guard: and(["restartsAlways", "restartLimitReached"]), target: "failed", actions: "gaveUp" }, { guard: "restartsAlways", target: "backoff" }, { target: "settled" }],
    },
    // Hidden: an operator's restart ended the process; the next run starts at once (stopping → starting).
    relaunching: { always: { target: "alive", actions: ["countRelaunch", "nextRun"] } },
    backoff: {
      entry: ["planRestart", "countInWindow", { type: "enter", params: { to: "backoff" } }],
      on: {
        stop: { target: "stopped", actions: "cancelRestart" },
        start: { target: "alive", actions: ["noteOperatorStart", "nextRun"] },
        restart: { target: "alive", actions: ["noteOperatorStart", "nextRun"] },
      },
      after: { backoff: { target: "alive", actions: "nextRun" } },
    },
    stopped: { type: "final", entry: { type: "enter", params: { to: "stopped" } } },
    failed: { type: "final", entry: { type: "enter", params: { to: "failed" } } },
    // Hidden: a `crashed` or `exited` that no restart follows; the visible state stays what it was.
    settled: { type: "final" },
  },
});

export type AgentMachine = typeof agentMachine;
