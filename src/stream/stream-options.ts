// Options of the live event stream: the user's StreamOptions → defaults → validation → frozen.
import { randomBytes } from "node:crypto";
import { IronError } from "../errors.js";

export interface StreamOptions {
  /** Address to bind (default 127.0.0.1; use 0.0.0.0 or a LAN address for remote dashboards). */
  readonly host?: string;
  /** Port (default 0: any free port). */
  readonly port?: number;
  /** The watch token: reads the stream and the dashboard's API (default: a fresh random one per run). */
  readonly token?: string;
  /** The control token: also stops and starts agents, sets budgets, resets breakers (default: a fresh random one per run). */
  readonly controlToken?: string;
  /** How often clients are pinged; one that has not answered the previous ping is dropped (default 15000). */
  readonly pingIntervalMs?: number;
  /** Bytes a client may have waiting to be sent before it is dropped as too slow (default 4 MiB). */
  readonly maxBufferedBytes?: number;
  /** Recent events kept in memory to resume clients without reading the store (default 10000). */
  readonly historySize?: number;
  /** Serve the web dashboard at `/` and its JSON API at `/api/*` on the same port (default true). */
  readonly dashboard?: boolean;
  /** Where the built dashboard page is (default: `dist/dashboard` of the installed package). */
  readonly dashboardDir?: string;
}

export interface ResolvedStreamOptions {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly controlToken: string;
  readonly pingIntervalMs: number;
  readonly maxBufferedBytes: number;
  readonly historySize: number;
  readonly dashboard: boolean;
  /** null: the package's own `dist/dashboard`. */
  readonly dashboardDir: string | null;
}

function bad(path: string, expected: string, got: unknown): never {
  throw new IronError("IRON_ERR_CONFIG", "invalid stream option", { path: `stream.${path}`, expected, got });
}

function positive(path: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return Number.isInteger(value) && value > 0 ? value : bad(path, "a positive integer", value);
}

/** Validates and freezes stream options; every error names the key, the expected and the got. */
export function resolveStreamOptions(options: StreamOptions = {}): ResolvedStreamOptions {
  const port = options.port ?? 0;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) bad("port", "an integer from 0 to 65535", options.port);
  if (options.host !== undefined && (typeof options.host !== "string" || options.host === "")) bad("host", "a host name or address", options.host);
  if (options.dashboard !== undefined && typeof options.dashboard !== "boolean") bad("dashboard", "true or false", options.dashboard);
  if (options.dashboardDir !== undefined && (typeof options.dashboardDir !== "string" || options.dashboardDir === "")) bad("dashboardDir", "a directory path", options.dashboardDir);
  if (options.token !== undefined && !(typeof options.token === "string" && options.token.length >= 16)) bad("token", "a string of at least 16 characters", options.token);
  if (options.controlToken !== undefined && !(typeof options.controlToken === "string" && options.controlToken.length >= 16))
    bad("controlToken", "a string of at least 16 characters", options.controlToken);
  if (options.controlToken !== undefined && options.controlToken === options.token) bad("controlToken", "a token other than stream.token (watching must not grant control)", "the same token");
  return Object.freeze({
    host: options.host ?? "127.0.0.1",
    port,
    token: options.token ?? randomBytes(24).toString("base64url"),
    controlToken: options.controlToken ?? randomBytes(24).toString("base64url"),
    pingIntervalMs: positive("pingIntervalMs", options.pingIntervalMs, 15_000),
    maxBufferedBytes: positive("maxBufferedBytes", options.maxBufferedBytes, 4 * 1024 * 1024),
    historySize: positive("historySize", options.historySize, 10_000),
    dashboard: options.dashboard ?? true,
    dashboardDir: options.dashboardDir ?? null,
  });
}
