// The Supervisor: owns the socket, the policy engine, the event bus and every agent.
import { basename, dirname, extname, resolve } from "node:path";
import { hostname } from "node:os";
import { IronError, messageOf } from "../errors.js";
import { EventBus } from "../events/bus.js";
import type { IronEvent } from "../events/types.js";
import type { WireBudget } from "../protocol/messages.js";
import type { BudgetLedger, BudgetSelector, ResetScope } from "../policy/budget-ledger.js";
import type { PolicyEngine, PolicyRegistry } from "../policy/engine.js";
import { defaultSecretPath } from "../store/install-secret.js";
import { type TlsCredentials, tlsCredentials } from "../transport/tls-certificate.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/store.js";
import { startEventStream } from "../stream/event-stream.js";
import { CallDetails } from "../stream/call-details.js";
import type { DashboardBackend } from "../stream/http-api.js";
import { liveDashboard } from "./live-dashboard.js";
import { OperatorControls } from "./operator-controls.js";
import type { StreamServer } from "../stream/stream-server.js";
import { AgentServer, type AgentServerHandlers } from "../transport/agent-server.js";
import { createRuntimeDir, type RuntimeDir } from "../transport/runtime-dir.js";
import { TokenRegistry } from "../transport/tokens.js";
import { prepareFixedSocket } from "../transport/fixed-socket.js";
import { JoinSecret } from "../transport/join-token.js";
import { budgetStatus } from "./budget-status.js";
import type { JoinedAgent } from "./joined-agent.js";
import { JoinedAgents } from "./joined-agents.js";
import { Agent, type AgentHost } from "./agent.js";
import { freeAgentId } from "./agent-id.js";
import { BudgetScopeJanitor } from "./budget-scope-janitor.js";
import { CallGovernor } from "./call-governor.js";
import { type GrantBook, wiredGrantBook } from "./grant-book.js";
import type { Builtins } from "./builtin-policies.js";
import { setUpPolicies } from "./policy-setup.js";
import { announceStart } from "./startup-events.js";
import { sessionHandlers } from "./session-handlers.js";
import { buildAgentEnv } from "./agent-env.js";
import { checkSpawnOptions, type SpawnOptions } from "./spawn-options.js";
import { resolveSupervisorOptions, shimSettings, type ResolvedSupervisorOptions, type SupervisorOptions } from "./options.js";
import { checkPythonVersion, knownPythonVersion, resolvePython, resolveScript } from "./python.js";
import { resolveLifecycle } from "../lifecycle/lifecycle-options.js";
import { readProcStat } from "../lifecycle/proc-stat.js";
import { reapLeftovers } from "../lifecycle/reaper.js";
import { MemoryRunRegistry, type RunRegistry } from "../lifecycle/run-registry.js";

export type { SpawnOptions } from "./spawn-options.js";
import { loadTelemetryParts, Telemetry, type TelemetryParts } from "../observability/telemetry.js";
import { observers } from "../observability/content-capture.js";

/** A running supervisor. Create with `Supervisor.start()`; release with `close()`. */
export class Supervisor {
  readonly #options: ResolvedSupervisorOptions;
  readonly #bus: EventBus;
  readonly #ledger: BudgetLedger;
  readonly #engine: PolicyEngine;
  readonly #governor: CallGovernor;
  /** Grants to agents' shims (SPEC 3.4a). */
  readonly #grants: GrantBook;
  readonly #builtins: Builtins;
  readonly #tokens = new TokenRegistry();
  readonly #agents = new Map<string, Agent>();
  readonly #runtime: RuntimeDir;
  readonly #runs: RunRegistry;
  readonly #startTicks = readProcStat(process.pid)?.startTicks ?? null;
  readonly #store: Store;
  #stream: StreamServer | null = null;
  readonly #joined: JoinedAgents;
  /** Recent calls' scrubbed bodies and events for the dashboard's detail view (null without a dashboard). */
  readonly #details: CallDetails | null;
  readonly #controls: OperatorControls;
  readonly #budgetsView: BudgetLedger;
  #server: AgentServer | null = null;
  #tls: TlsCredentials | null = null;
  /** Spans and metrics from the events (null when telemetry is off). */
  readonly #telemetry: Telemetry | null;
  /** TRACEPARENT each spawned agent was started with, so its calls join its trace. */
  readonly #traceparents = new Map<string, string>();
  #closing: Promise<void> | null = null;

  private constructor(options: ResolvedSupervisorOptions, runtime: RuntimeDir, store: Store, telemetryParts: TelemetryParts | null) {
    this.#options = options;
    this.#runtime = runtime;
    this.#store = store;
    this.#runs = options.runs ?? store.runs ?? new MemoryRunRegistry();
    this.#bus = new EventBus(store.sink, Date.now, store.scrubber);
    this.#ledger = store.budgets;
    const { builtins, engine } = setUpPolicies(options, store, this.#bus, {
      runOf: (id) => this.#agents.get(id)?.run,
      stop: (id, reason) => void this.#agents.get(id)?.stop({ reason }),
    });
    this.#builtins = builtins;
    this.#engine = engine;
    this.#details = options.stream?.dashboard === true ? new CallDetails(this.#bus.scrubber) : null;
    const details = this.#details;
    if (details !== null) this.#bus.subscribe((event) => details.noteEvent(event));
    this.#telemetry =
      options.telemetry === null || telemetryParts === null
        ? null
        : new Telemetry(telemetryParts, options.telemetry, this.#bus, options.stream !== null, {
            streamClients: () => this.#stream?.stats.clients ?? 0,
            streamDroppedClients: () => (this.#stream === null ? 0 : this.#stream.stats.droppedSlow + this.#stream.stats.droppedDead),
          });
    this.#governor = new CallGovernor({
      engine: this.#engine,
      bus: this.#bus,
      ledger: this.#ledger,
      budgetOf: (id) => this.#budgetOf(id),
      observer: observers(details, this.#telemetry?.observer ?? null),
      traceparentOf: (id) => this.#traceparents.get(id) ?? null,
      janitor: new BudgetScopeJanitor(this.#ledger, this.#bus, options.budgets.maxLiveScopes, options.budgets.plan.timeZone),
      afterFailed: (error) => options.logger.error({ err: messageOf(error) }, "the work after a decision failed (the decision was sent)"),
    });
    this.#grants = wiredGrantBook(engine, this.#bus, {
      enabled: options.localAdmission,
      ledger: this.#ledger,
      terms: (call) => engine.admissionTerms(call),
      publish: (event) => void this.#bus.publish(event),
      missed: (error) => options.logger.error({ err: messageOf(error) }, "a grant's terms missed a decision"),
    });
    // The join token never reaches the store or the stream, even if an agent prints it.
    if (options.joinToken !== null) this.#bus.scrubber.addSecret(options.joinToken);
    this.#joined = new JoinedAgents({
      secret: options.joinToken === null ? null : new JoinSecret(options.joinToken),
      bus: this.#bus,
      heartbeatTimeoutMs: options.joinedHeartbeatTimeoutMs,
      localHost: hostname(),
      metricsOf: (id) => this.#governor.metricsOf(id),
      abandon: (id) => {
        this.#grants.abandon(id);
        this.#governor.abandon(id);
      },
      dropSession: (sessionId) => this.#server?.dropSession(sessionId),
      taken: (id) => this.#agents.has(id),
      maxDetached: options.maxDetachedJoined,
      forget: (id) => this.#governor.forgetAgent(id),
    });
    builtins.plan.matchScopesAs((scope) => this.#bus.scrubber.text(scope));
    this.#controls = new OperatorControls({
      agents: this.#agents,
      joined: this.#joined.agents,
      limits: builtins.limits,
      ledger: this.#ledger,
      breakers: () => builtins.breakers,
      publish: (event) => {
        if (event.type === "budget.update") this.#grants.revoke(undefined, "a budget changed");
        return this.#bus.publish(event);
      },
      closing: () => this.#closing !== null,
    });
    this.#budgetsView = this.#controls.budgetsView();
  }

  // The dashboard's API over this supervisor (null when the stream serves no dashboard).
  #dashboard(): DashboardBackend | null {
    if (this.#details === null) return null;
    return liveDashboard({
      controls: this.#controls,
      details: this.#details,
      store: this.#store,
      agents: this.#agents,
      joined: this.#joined.agents,
      warnAt: this.#options.budgets.warnAt,
      publish: (event) => this.#bus.publish(event),
    });
  }

  /** Starts a supervisor: private runtime directory, ROUTER socket, policy engine. */
  static async start(options: SupervisorOptions = {}): Promise<Supervisor> {
    const resolved = resolveSupervisorOptions(options);
    // OpenTelemetry and prom-client load only for the telemetry that is on: every CLI command imports this file.
    const telemetryParts = resolved.telemetry === null ? null : await loadTelemetryParts(resolved.telemetry, resolved.stream !== null);
    const store = await openStore(resolved.state, resolved.retention);
    let runtime: RuntimeDir | null = null;
    let fixed: Awaited<ReturnType<typeof prepareFixedSocket>> | null = null;
    let server: AgentServer | null = null;
    let supervisor: Supervisor;
    let telemetry: Telemetry | null = null;
    let reaped: Awaited<ReturnType<typeof reapLeftovers>>;
    try {
      fixed = resolved.socketPath === null ? null : await prepareFixedSocket(resolved.socketPath);
      runtime = fixed ?? createRuntimeDir(resolved.runtimeParent);
      supervisor = new Supervisor(resolved, runtime, store, telemetryParts);
      telemetry = supervisor.#telemetry;
      reaped = await reapLeftovers(supervisor.#runs, 5000);
      const tls = resolved.listen.some((e) => e.startsWith("tls://")) ? tlsCredentials(resolved.tlsDir ?? dirname(defaultSecretPath())) : null;
      supervisor.#tls = tls;
      server = await AgentServer.listen([`ipc://${runtime.socketPath}`, ...resolved.listen], supervisor.#handlers(), resolved.logger, tls === null ? {} : { tls });
      supervisor.#server = server;
      fixed?.bound();
      if (resolved.stream !== null)
        supervisor.#stream = await startEventStream(resolved.stream, supervisor.#bus, store, resolved.logger, supervisor.#dashboard(), supervisor.#telemetry?.metricsEndpoint ?? null);
    } catch (error) {
      await server?.close();
      await telemetry?.close();
      runtime?.remove();
      await store.close();
      throw error;
    }
    announceStart(supervisor.#bus, store, resolved.logger, supervisor.endpoint, reaped);
    return supervisor;
  }

  /** The ipc endpoint agents connect to. */
  get endpoint(): string {
    return this.#server?.endpoints[0] ?? `ipc://${this.#runtime.socketPath}`;
  }

  /** SHA-256 of the tls:// listeners' certificate (64 hex digits, what shims pin as IRON_TLS_FINGERPRINT); null without tls://. */
  get tlsFingerprint(): string | null {
    return this.#tls?.fingerprint ?? null;
  }

  /** The file holding that certificate; null without tls://. */
  get tlsCertFile(): string | null {
    return this.#tls?.certFile ?? null;
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

  /** The live event stream's URL with this run's watch token, or null when the stream is off. */
  get streamUrl(): string | null {
    return this.#stream?.urlWithToken ?? null;
  }

  /** The stream's control token (it may act through `POST /api/actions` too), or null when the stream is off. */
  get streamControlToken(): string | null {
    return this.#stream?.controlToken ?? null;
  }

  /** Why the state store failed (calls are then denied), or null while it works. */
  get storeError(): IronError | null {
    return this.#store.failure;
  }

  /** The agents that joined on their own with the join token, by id (see JoinedAgent). */
  get joined(): ReadonlyMap<string, JoinedAgent> {
    return this.#joined.agents;
  }

  /** The secret agents started elsewhere join with (`joinToken` option), or null when joining is off. */
  get joinToken(): string | null {
    return this.#options.joinToken;
  }

  /**
   * Budgets: limits, spend and reservations in micro-dollars. `setLimit(scope, micros | null)`
   * overrides the configured limit of that scope for this supervisor's life and publishes a `budget.update`.
   */
  get budgets(): BudgetLedger {
    return this.#budgetsView;
  }

  /**
   * Sets the recorded spend of the selected scopes back to zero, publishes each one's
   * `budget.update`, and resolves with them and what each had spent. With a state file it is
   * `sup.budgets.resetSpent`; in a fleet it resets the fleet's database (every supervisor reads
   * the spend back, this one before it resolves), as `iron budget reset --state postgres://…`.
   */
  resetBudgets(selector: BudgetSelector): Promise<readonly ResetScope[]> {
    return this.#controls.resetBudgets(selector);
  }

  /** The dashboard's URL with the control token in its fragment (the operator's), or null when the stream or the dashboard is off. */
  get dashboardUrl(): string | null {
    return this.#stream?.dashboardUrl ?? null;
  }

  /** The dashboard's URL with the watch token (to share: it shows, it cannot act), or null when off. */
  get watchDashboardUrl(): string | null {
    return this.#stream?.watchDashboardUrl ?? null;
  }

  /**
   * Forces a provider+model's circuit breaker closed (publishes its `breaker.state`). Throws
   * IRON_ERR_NOT_FOUND when it never saw a call, IRON_ERR_STATE when it is closed already or breakers are off.
   */
  resetBreaker(provider: string, model: string, options: { readonly reason?: string } = {}): void {
    this.#controls.resetBreaker(provider, model, options.reason ?? "reset by an operator");
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
    checkPythonVersion(python);
    const id = freeAgentId(options.name ?? basename(script, extname(script)), (taken) => this.#agents.has(taken) || this.#joined.has(taken));
    const { budgetMicros, governChildren, echo } = checkSpawnOptions(options, id);
    if (budgetMicros !== null) this.#builtins.limits.setAgent(id, budgetMicros);
    const lifecycle = resolveLifecycle(options, { startupTimeoutMs: this.#options.startupTimeoutMs, heartbeatMs: this.#options.heartbeatMs });
    const traceparent = options.env?.TRACEPARENT ?? process.env.TRACEPARENT;
    if (traceparent !== undefined && traceparent !== "") this.#traceparents.set(id, traceparent);
    const host = this.#host(id, options.env ?? {}, governChildren);
    const launch = { id, python, pythonVersion: knownPythonVersion(python), script, args: options.args ?? [], cwd, lifecycle, echo, outputRate: this.#options.outputRate };
    const agent = new Agent(launch, host, this.#governor.metricsOf(id));
    this.#agents.set(id, agent);
    await agent.started;
    // Its process is up: what was deferred to make the agent start sooner (prom-client) loads now, beside it.
    this.#telemetry?.warm();
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
          // A fresh token per incarnation; the scrubber knows its shape, so an agent that prints its environment leaks nothing.
          token: this.#tokens.issue(id),
          settings: shimSettings(this.#options),
          run,
          supervisorPid: process.pid,
          governChildren,
        }),
      release: () => {
        this.#tokens.revoke(id);
        this.#server?.dropAgent(id);
        this.#grants.abandon(id);
        this.#governor.abandon(id);
      },
    };
  }

  // The agent's tightest budget, for welcome and decisions (the shim's status()).
  #budgetOf(id: string): WireBudget | null {
    return budgetStatus(this.#builtins.plan, this.#ledger, id, this.#agents.get(id)?.run ?? null, Date.now());
  }

  // What the agent server asks of the supervisor: authentication and call decisions.
  #handlers(): AgentServerHandlers {
    return sessionHandlers({
      tokens: this.#tokens,
      joined: this.#joined,
      agents: this.#agents,
      governor: this.#governor,
      bus: this.#bus,
      settings: () => shimSettings(this.#options),
      budgetOf: (id) => this.#budgetOf(id),
      grants: this.#grants,
    });
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
    this.#joined.close("the supervisor is closing");
    await this.#server?.close();
    this.#builtins.close();
    this.#runtime.remove();
    this.#grants.close();
    this.#governor.flushBalances();
    this.#bus.close();
    await this.#telemetry?.close();
    await this.#stream?.close();
    await this.#store.close();
  }
}
