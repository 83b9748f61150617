// The one error catalogue: every error iron reports carries a stable IRON_ERR_* code.
// docs/errors.md is generated from it (npm run docs:errors; a test fails when it is stale), and the CLI
// maps codes to exit codes in one place (src/cli/exit-codes.ts).

/** Every error code iron can report, with what it means. */
export const ERROR_CODES = {
  IRON_ERR_USAGE: "a command-line option or argument is invalid",
  IRON_ERR_CONFIG: "the configuration (iron.yaml, options, environment) is invalid",
  IRON_ERR_SCRIPT_NOT_FOUND: "the agent script does not exist or is not a file",
  IRON_ERR_PYTHON_NOT_FOUND: "the Python interpreter could not be found or run",
  IRON_ERR_PYTHON_VERSION: "the Python interpreter is a version the shim does not support (3.9 to 3.13)",
  IRON_ERR_SPAWN: "the agent process could not be started",
  IRON_ERR_AGENT_STARTUP: "the agent did not connect its shim in time",
  IRON_ERR_AUTH: "a peer could not prove it holds the token: a missing, wrong or expired token, or (seen by the shim) a supervisor that does not know it",
  IRON_ERR_VERSION:
    "the shim and the supervisor do not speak the same handshake: a shim that sends its token in clear (from before the challenge–response), or a supervisor that asks for it; upgrade the older side",
  IRON_ERR_PROTOCOL: "a message or frame did not follow protocol/SPEC.md",
  IRON_ERR_TLS_FINGERPRINT:
    "(seen by the shim) the tls:// endpoint presented a certificate whose SHA-256 fingerprint is not the pinned IRON_TLS_FINGERPRINT, or none was given: not the real supervisor, or a stale pin after its certificate was replaced; nothing was sent to it",
  IRON_ERR_TRANSPORT: "the supervisor socket could not be bound or used",
  IRON_ERR_RUNTIME_DIR: "the private runtime directory could not be created or is unsafe",
  IRON_ERR_SUPERVISOR_UNAVAILABLE: "the shim could not reach the supervisor (call denied, fail closed)",
  IRON_ERR_DECISION_TIMEOUT: "the supervisor did not decide in time (call denied, fail closed)",
  IRON_ERR_USAGE_INVALID: "an agent reported negative or absurd token usage (charged the call's worst case instead)",
  IRON_ERR_BUDGET: "a budget is exhausted or the call's worst-case cost does not fit",
  IRON_ERR_UNKNOWN_MODEL: "the model has no price and unknown models are denied",
  IRON_ERR_PII: "the safety policy blocked personal data or a secret",
  IRON_ERR_RATE_LIMIT: "a rate limit was reached",
  IRON_ERR_BREAKER_OPEN: "the circuit breaker for this provider/model is open",
  IRON_ERR_POLICY: "a custom policy denied the call",
  IRON_ERR_POLICY_ERROR: "a policy threw or exceeded its time slice",
  IRON_ERR_STORE: "the state store could not be opened or written",
  IRON_ERR_STREAM: "the event stream could not be served",
  IRON_ERR_NOT_FOUND: "the requested agent, call or resource does not exist",
  IRON_ERR_STATE: "the operation is not valid in the current state",
  IRON_ERR_DASHBOARD: "the dashboard page is not built into this install (run npm run build)",
  IRON_ERR_READ_ONLY: "the dashboard is read-only (iron dashboard --state): actions need a running supervisor",
  IRON_ERR_INTERNAL: "a bug in iron; please report it",
} as const;

export type IronErrorCode = keyof typeof ERROR_CODES;

/** Options describing what went wrong, so messages say what was expected and what was got. */
export interface IronErrorDetails {
  readonly expected?: string;
  readonly got?: unknown;
  readonly path?: string;
  readonly cause?: unknown;
}

/** The single error class iron throws; `code` is stable, `message` is for people. */
export class IronError extends Error {
  readonly code: IronErrorCode;
  readonly expected: string | undefined;
  readonly got: unknown;
  readonly path: string | undefined;

  constructor(code: IronErrorCode, message: string, details: IronErrorDetails = {}) {
    super(formatMessage(code, message, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "IronError";
    this.code = code;
    this.expected = details.expected;
    this.got = details.got;
    this.path = details.path;
  }
}

// One format for every message: "[CODE] what happened (at path): expected X, got Y".
function formatMessage(code: IronErrorCode, message: string, details: IronErrorDetails): string {
  let text = `${code}: ${message}`;
  if (details.path !== undefined) text += ` (at ${details.path})`;
  if (details.expected !== undefined) text += `: expected ${details.expected}, got ${describe(details.got)}`;
  return text;
}

/** What an error says, whatever was thrown: a message for logs and wire replies. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Short, safe description of a value for error messages (never dumps large objects). */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  if (typeof value === "object") return "an object";
  return typeof value;
}

/** True for an IronError, optionally with the given code. */
export function isIronError(value: unknown, code?: IronErrorCode): value is IronError {
  return value instanceof IronError && (code === undefined || value.code === code);
}

/** Wraps any thrown value as an IronError, keeping it as the cause. */
export function toIronError(value: unknown, code: IronErrorCode = "IRON_ERR_INTERNAL"): IronError {
  if (value instanceof IronError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new IronError(code, message, { cause: value });
}
