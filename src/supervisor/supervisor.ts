// The Supervisor: owns the socket, the policy engine, the event bus and every agent.
import { basename, extname, resolve } from "node:path";
import { hostname } from "node:os";
import { IronError } from "../errors.js";
import { EventBus } from "../events/bus.js";
import type { IronEvent } from "../events/types.js";
import { PolicyEngine, type PolicyRegistry } from "../policy/engine.js";
import { usdToMicros } from "../policy/money.js";
import { loadTokenizers } from "../policy/tokens.js";
import type { ShimSettings } from "../protocol/messages.js";
import type { BudgetLedger } from "../store/budget-ledger.js";
import { MemoryBudgetLedger } from "../store/memory-budget-ledger.js";
import { AgentServer, type AgentServerHandlers, type AuthResult } from "../transport/agent-server.js";
import { createRuntimeDir, type RuntimeDir } from "../transport/runtime-dir.js";
import { TokenRegistry } from "../transport/tokens.js";
import { VERSION } from "../version.js";
import { Agent, type AgentHost } from "./agent.js";
import { CallGovernor } from "./call-governor.js";
import { buildAgentEnv } from "./agent-env.js";
import { createBuiltins, stopOnExhaustion, type Builtins } from "./builtin-policies.js";
import { resolveSupervisorOptions, type ResolvedSupervisorOptions, type SupervisorOptions } from "./options.js";
import { resolvePython, resolveScript } from "./python.js";
import { resolveLifecycle, type LifecycleOptions } from "../lifecycle/lifecycle-options.js";
import { readProcStat } from "../lifecycle/proc-stat.js";
import { reapLeftovers } from "../lifecycle/reaper.js";
import { MemoryRunRegistry, type RunRegistry } from "../lifecycle/run-registry.js";

/** What `sup.spawn()` takes (restart policy, timeouts and backoff: see LifecycleOptions). */
export interface SpawnOptions extends LifecycleOptions {
  /** Path of the agent's Python script. */
  readonly script: string;
  readonly args?: readonly string[];
  /** Agent id; defaults to the script's name, made unique. */
  readonly name?: string;
  readonly python?: string;
  readonly cwd?: string;
  /** Extra environment variables for the agent. */
  readonly env?: Readonly<Record<string, string>>;
  /** This agent's own budget in USD (on top of the supervisor-wide one). */
  readonly budgetUsd?: number;
  /** Grace period between SIGTERM and SIGKILL when stopping, in milliseconds (default 5000). */
  readonly stopTimeoutMs?: number;
  /** Copy the agent's output to iron's stdout/stderr, as is or with a `[id] ` prefix per line. Default: no copy. */
  readonly echo?: boolean | "prefixed";
  /** Python processes the agent starts install the shim too and report as its sub-processes (default true). */
  readonly governChildren?: boolean;
}

/** A running supervisor. Create with `Supervisor.start()`; release with `close()`. */
export class Supervisor {
  readonly #options: ResolvedSupervisorOptions;
  readonly #bus: EventBus;
  readonly #ledger: BudgetLedger;
  readonly #engine: PolicyEngine;
  readonly #governor: CallGovernor;
  readonly #builtins: Builtins;
  readonly #tokens = new TokenRegistry();
  readonly #agents = new Map<string, Agent>();
  readonly #runtime: RuntimeDir;
  readonly #runs: RunRegistry;
  readonly #startTicks = readProcStat(process.pid)?.startTicks ?? null;
  #server: AgentServer | null = null;
  #closing: Promise<void> | null = null;

  private constructor(options: ResolvedSupervisorOptions, runtime: RuntimeDir) {
    this.#options = options;
    this.#runtime = runtime;
    this.#runs = options.runs ?? new MemoryRunRegistry();
    this.#bus = new EventBus();
    this.#ledger = new MemoryBudgetLedger();
    this.#ledger.setLimit("global", options.budgetMicros);
    const runOf = (id: string): number | null => this.#agents.get(id)?.run ?? null;
    this.#builtins = createBuiltins(options, { ledger: this.#ledger, runOf, publish: (event) => this.#bus.publish(event) });
    this.#bus.subscribe(stopOnExhaustion(options.budgets.onExhausted, (id, reason) => void this.#agents.get(id)?.stop({ reason })));
    this.#engine = new PolicyEngine({ builtins: this.#builtins.policies, ledger: this.#ledger, warnAt: options.budgets.warnAt });
    for (const policy of options.policies) this.#engine.use(policy);
    this.#governor = new CallGovernor(this.#engine, this.#bus, this.#ledger);
  }

  /** Starts a supervisor: private runtime directory, ROUTER socket, policy engine. */
  static async start(options: SupervisorOptions = {}): Promise<Supervisor> {
    const resolved = resolveSupervisorOptions(options);
    void loadTokenizers();
    const runtime = createRuntimeDir(resolved.runtimeParent);
    const supervisor = new Supervisor(resolved, runtime);
    let reaped: Awaited<ReturnType<typeof reapLeftovers>>;
    try {
      reaped = await reapLeftovers(supervisor.#runs, 5000);
      supervisor.#server = await AgentServer.listen([`ipc://${runtime.socketPath}`, ...resolved.listen], supervisor.#handlers(), resolved.logger);
    } catch (error) {
      runtime.remove();
      throw error;
    }
    supervisor.#bus.publish({ type: "supervisor.started", version: VERSION, pid: process.pid, endpoint: supervisor.endpoint });
    for (const { record, processes } of reaped) {
      if (processes === 0) continue;
      const { agentId, run, pid, pgid, supervisorPid } = record;
      resolved.logger.warn({ agentId, run, pid, supervisorPid, processes }, "reaped processes a supervisor that died had left running");
      supervisor.#bus.publish({ type: "agent.reaped", agentId, run, pid, pgid, supervisorPid, processes });
    }
    return supervisor;
  }

  /** The ipc endpoint agents connect to. */
  get endpoint(): string {
    return this.#server?.endpoints[0] ?? `ipc://${this.#runtime.socketPath}`;
  }

  /** Every endpoint the supervisor listens on. */
  get endpoints(): readonly string[] {
    return this.#server?.endpoints ?? [];
  }

  /** Custom policies: `sup.policies.use({ name, onRequest, onResponse })`. */
  get policies(): PolicyRegistry {
    return this.#engine;
  }

  /** The agents this supervisor started, by id. */
  get agents(): ReadonlyMap<string, Agent> {
    return this.#agents;
  }

  /** Budgets: limits, spend and reservations in micro-dollars. */
  get budgets(): BudgetLedger {
    return this.#ledger;
  }

  /** Listens to every event; returns a function that stops listening. */
  on(type: "event", listener: (event: IronEvent) => void): () => void {
    if (type !== "event") throw new IronError("IRON_ERR_USAGE", "unknown supervisor event", { expected: '"event"', got: type });
    return this.#bus.subscribe(listener);
  }

  /** Live events as an async iterator: `for await (const e of sup.events()) {...}`. */
  events(): AsyncGenerator<IronEvent> {
    return this.#bus.iterate();
  }

  /** Starts an agent script with the shim injected. */
  async spawn(options: SpawnOptions): Promise<Agent> {
    if (this.#closing !== null) throw new IronError("IRON_ERR_STATE", "the supervisor is closing");
    const cwd = resolve(options.cwd ?? process.cwd());
    const script = resolveScript(options.script, cwd);
    const python = resolvePython(options.python ?? this.#options.python);
    const id = this.#uniqueId(options.name ?? basename(script, extname(script)));
    if (options.budgetUsd !== undefined) {
      if (!(Number.isFinite(options.budgetUsd) && options.budgetUsd >= 0)) {
        throw new IronError("IRON_ERR_CONFIG", "invalid agent budget", { path: "budgetUsd", expected: "a number of USD >= 0", got: options.budgetUsd });
      }
      this.#builtins.setAgentBudget(id, usdToMicros(options.budgetUsd));
    }
    const lifecycle = resolveLifecycle(options, { startupTimeoutMs: this.#options.startupTimeoutMs, heartbeatMs: this.#options.heartbeatMs });
    if (options.governChildren !== undefined && typeof options.governChildren !== "boolean") {
      throw new IronError("IRON_ERR_CONFIG", "invalid agent option", { path: "governChildren", expected: "a boolean", got: options.governChildren });
    }
    const echo = options.echo === undefined || options.echo === false ? false : { prefix: options.echo === true ? "" : `[${id}] ` };
    const host = this.#host(id, options.env ?? {}, options.governChildren ?? true);
    const agent = new Agent({ id, python, script, args: options.args ?? [], cwd, lifecycle, echo }, host, this.#governor.metricsOf(id));
    this.#agents.set(id, agent);
    await agent.started;
    return agent;
  }

  // What an agent asks of the supervisor: a fresh token per incarnation, and cleanup after each.
  #host(id: string, extra: Readonly<Record<string, string>>, governChildren: boolean): AgentHost {
    return {
      bus: this.#bus,
      runs: this.#runs,
      supervisorStartTicks: this.#startTicks,
      environment: (run) =>
        buildAgentEnv({
          base: process.env,
          extra,
          endpoint: this.endpoint,
          agentId: id,
          token: this.#tokens.issue(id),
          settings: this.#settings(),
          run,
          supervisorPid: process.pid,
          governChildren,
        }),
      release: () => {
        this.#tokens.revoke(id);
        this.#server?.dropAgent(id);
        this.#governor.abandon(id);
      },
    };
  }

  #uniqueId(name: string): string {
    const base = name.replace(/[^A-Za-z0-9_.-]/g, "-") || "agent";
    let id = base;
    for (let n = 2; this.#agents.has(id); n += 1) id = `${base}-${n}`;
    return id;
  }

  #settings(): ShimSettings {
    return {
      timeout_ms: this.#options.decisionTimeoutMs,
      fail_open: this.#options.failOpen,
      on_deny: this.#options.onDeny,
      heartbeat_ms: this.#options.heartbeatMs,
      providers: this.#options.providers,
    };
  }

  // What the agent server asks of the supervisor: authentication and call decisions.
  #handlers(): AgentServerHandlers {
    return {
      authenticate: (hello): AuthResult => {
        if (!this.#tokens.verify(hello.agent, hello.token)) {
          return { ok: false, code: "IRON_ERR_AUTH", reason: `token not valid for agent ${JSON.stringify(hello.agent)}` };
        }
        return { ok: true, agentId: hello.agent, settings: this.#settings() };
      },
      onSession: (session) => this.#agents.get(session.agentId)?.onSession(session),
      onRequest: (session, message) => this.#governor.request(session.agentId, message),
      onResponse: (session, message) => this.#governor.response(session.agentId, message),
      onChunk: (session, message) => this.#governor.chunk(session.agentId, message),
      onHeartbeat: (session) => this.#agents.get(session.agentId)?.onHeartbeat(session),
      onBye: (session) => this.#agents.get(session.agentId)?.onBye(session),
    };
  }

  /** Stops every agent, then releases the socket and the runtime directory. Safe to call twice. */
  close(options: { reason?: string } = {}): Promise<void> {
    this.#closing ??= this.#close(options.reason ?? "closed");
    return this.#closing;
  }

  async #close(reason: string): Promise<void> {
    this.#bus.publish({ type: "supervisor.stopping", reason });
    // allSettled: an agent whose lifecycle failed (its exited promise rejected) must not keep the rest open.
    await Promise.allSettled([...this.#agents.values()].map((agent) => agent.stop({ reason: "supervisor closing" })));
    await this.#server?.close();
    this.#builtins.close();
    this.#runtime.remove();
    this.#bus.close();
  }

  /** Host name, for attach instructions and events. */
  static get host(): string {
    return hostname();
  }
}
