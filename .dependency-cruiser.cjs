// The import rules of src/, checked by `npm test` (scripts/test.sh) before the tests run.
// Layers only point down: cli → config → supervisor → {stream, transport, lifecycle, store}
// → policy (pure), with events, protocol, telemetry (logging) and errors beneath them all;
// observability/ (OTel spans, Prometheus) is a view of the events beside stream/. Each
// interface belongs to the layer that consumes it (BudgetLedger to policy/, EventSink to
// events/, RunRegistry to lifecycle/, StoredEvents to stream/) and the lower layer that
// implements it imports it from there. docs/architecture.md explains the layers.

/** Every directory of src/ that is a layer, so "anything but X" can be written once. */
const LAYERS = ["cli", "config", "sections", "supervisor", "stream", "transport", "lifecycle", "store", "policy", "events", "protocol", "telemetry", "observability", "mock-llm"];

// The paths of the given layers (a pattern for `to.path`).
function layers(...names) {
  return `^src/(${names.join("|")})/`;
}

// Every layer but the given ones: what a layer may NOT import.
function except(...allowed) {
  return layers(...LAYERS.filter((name) => !allowed.includes(name)));
}

/** Node built-ins and packages that do I/O: a pure layer imports none of them. */
const IO_MODULES = "^(node:)?(fs|fs/promises|child_process|http|https|http2|dgram|tls|os|worker_threads|cluster|readline)$|^(zeromq|better-sqlite3|ws|pino|execa|esbuild)($|/)";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A circle of files has no bottom: none of them can be read, tested or replaced alone. Move the shared piece down (an interface goes to the layer that consumes it).",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "nothing-imports-cli",
      severity: "error",
      comment: "cli/ is the top: it parses argv, prints and exits. Anything another layer needs from it belongs lower down.",
      from: { path: "^src/", pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "nothing-imports-index",
      severity: "error",
      comment: "src/index.ts is the public surface for users of the package; internal code imports the module that holds the thing.",
      from: { path: "^src/" },
      to: { path: "^src/index\\.ts$" },
    },
    {
      name: "config-below-cli",
      severity: "error",
      comment: "config/ turns iron.yaml into SupervisorOptions; it may use the supervisor's types but never the CLI.",
      from: { path: "^src/config/" },
      to: { path: layers("cli") },
    },
    {
      name: "supervisor-below-config",
      severity: "error",
      comment: "The supervisor is what a TypeScript user runs without any iron.yaml: it takes options, it does not read files of config.",
      from: { path: "^src/supervisor/" },
      to: { path: layers("cli", "config") },
    },
    {
      name: "sections-are-shapes",
      severity: "error",
      comment: "sections/ validates the budgets, safety and reliability shapes that iron.yaml and SupervisorOptions share; it knows policies' settings and nothing above them.",
      from: { path: "^src/sections/" },
      to: { path: except("sections", "policy") },
    },
    {
      name: "stream-below-supervisor",
      severity: "error",
      comment: "stream/ serves events and the dashboard; the supervisor hands it what it shows. It must not reach up into the supervisor, the transport or the lifecycle.",
      from: { path: "^src/stream/" },
      to: { path: except("stream", "events", "policy", "store", "telemetry") },
    },
    {
      name: "stream-uses-the-store-interface",
      severity: "error",
      comment: "stream/ reads stored events through the Store interface (or an interface of its own), never a backend: a PostgreSQL store must not change the dashboard.",
      from: { path: "^src/stream/" },
      to: { path: "^src/store/(sqlite|memory)" },
    },
    {
      name: "transport-is-the-wire",
      severity: "error",
      comment: "transport/ moves protocol messages over ZeroMQ; it hands them to handlers the supervisor gives it and knows no policy, store or lifecycle.",
      from: { path: "^src/transport/" },
      to: { path: except("transport", "protocol", "telemetry") },
    },
    {
      name: "lifecycle-knows-processes-only",
      severity: "error",
      comment: "lifecycle/ spawns, watches and restarts processes; the supervisor wires it to calls and events, not the other way round.",
      from: { path: "^src/lifecycle/" },
      to: { path: except("lifecycle", "telemetry") },
    },
    {
      name: "store-below-supervisor",
      severity: "error",
      comment: "store/ implements interfaces owned by its consumers (policy's BudgetLedger, events' EventSink, lifecycle's RunRegistry); it never imports who uses it.",
      from: { path: "^src/store/" },
      to: { path: except("store", "events", "policy", "lifecycle") },
    },
    {
      name: "policy-is-pure",
      severity: "error",
      comment: "Policies and the engine are a pure core: no I/O, no store, no sockets, so they are tested without processes. What they need (the ledger, the store's health) is an interface in policy/.",
      from: { path: "^src/policy/" },
      to: { path: except("policy", "protocol") },
    },
    {
      name: "policy-does-no-io",
      severity: "error",
      comment: "Policies run on every call's decision path and must be pure; I/O belongs to the layer that injects what a policy needs. (pii/validators.ts takes only the pure isIPv6 from node:net.)",
      from: { path: "^src/policy/", pathNot: "^src/policy/bpe-ranks\\.ts$" },
      to: { path: IO_MODULES },
    },
    {
      name: "policy-reads-only-rank-tables",
      severity: "error",
      comment:
        "The tokenizer's rank tables are data of this package, read once when a call first needs an encoding (as the tokenizer package's 2 MB modules were imported before): bpe-ranks.ts may read files with fs/promises, and no other I/O.",
      from: { path: "^src/policy/bpe-ranks\\.ts$" },
      to: { path: IO_MODULES, pathNot: "^(node:)?fs/promises$" },
    },
    {
      name: "policy-sockets-never",
      severity: "error",
      comment: "node:net is allowed in policy/ for isIPv6 alone (pii/validators.ts); anything else there would open sockets from the decision path.",
      from: { path: "^src/policy/", pathNot: "^src/policy/pii/validators\\.ts$" },
      to: { path: "^(node:)?net$" },
    },
    {
      name: "events-at-the-bottom",
      severity: "error",
      comment: "events/ is the vocabulary every layer speaks (and EventSink, which the store implements); it imports none of them.",
      from: { path: "^src/events/" },
      to: { path: except("events") },
    },
    {
      name: "protocol-at-the-bottom",
      severity: "error",
      comment: "protocol/ is the wire format shared with the Python shim; it depends on nothing of the supervisor.",
      from: { path: "^src/protocol/" },
      to: { path: except("protocol") },
    },
    {
      name: "observability-is-a-view",
      severity: "error",
      comment: "OpenTelemetry spans and Prometheus metrics are a view of the event stream: built from committed events and the stream's call details, never from the decision path, so they import no policy, store, transport or lifecycle.",
      from: { path: "^src/observability/" },
      to: { path: except("observability", "events", "stream", "telemetry") },
    },
    {
      name: "telemetry-at-the-bottom",
      severity: "error",
      comment: "Logging is passed into every layer; it depends on none of them.",
      from: { path: "^src/telemetry/" },
      to: { path: except("telemetry") },
    },
    {
      name: "mock-llm-stands-alone",
      severity: "error",
      comment: "The mock LLM plays a provider over HTTP; it shares nothing with the supervisor, so it stays a faithful outsider.",
      from: { path: "^src/mock-llm/" },
      to: { path: except("mock-llm", "telemetry") },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that does not resolve is a typo or a missing dependency.",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
