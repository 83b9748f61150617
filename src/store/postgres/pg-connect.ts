// Connections to the fleet's database: a pool whose first connection is proven at start-up
// (a clear IRON_ERR_STORE within seconds for a wrong password or an unreachable host), bigint
// columns read as numbers (micro-dollars stay far below 2^53), and one error shape.
import pg from "pg";
import { IronError } from "../../errors.js";
import { redactUrl } from "./postgres-url.js";

/** How long a connection attempt may take before start-up fails. */
export const CONNECT_TIMEOUT_MS = 5000;

const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as "text");
  }) as typeof pg.types.getTypeParser,
};

/** The pool and listener options every connection of the store uses. */
export function clientConfig(url: string): pg.ClientConfig {
  return { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, types, application_name: "iron" };
}

const ignore = (): void => undefined;

/**
 * A pool whose connections never raise an uncaught 'error'. node-postgres emits a dropped
 * connection's error (a shutdown's FATAL, pg_terminate_backend) on the pool while the connection is
 * idle, but on the client itself while it is checked out or being ended after a failed statement,
 * and an 'error' nobody listens to ends the process. The statement that meets the dropped
 * connection still fails with its error.
 */
export function quietPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on("error", ignore);
  pool.on("connect", (client) => client.on("error", ignore));
  return pool;
}

/** A pool of `max` connections, proven by one round trip; throws IRON_ERR_STORE. */
export async function openPool(url: string, max = 4): Promise<pg.Pool> {
  const pool = quietPool({ ...clientConfig(url), max, idleTimeoutMillis: 30_000 });
  try {
    await pool.query("SELECT 1");
    return pool;
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw pgStoreError(error, url, "connecting");
  }
}

/** IRON_ERR_STORE naming the database (password hidden), what was being done, and the server's reason. */
export function pgStoreError(error: unknown, url: string, doing: string): IronError {
  if (error instanceof IronError) return error;
  const e = error as { message?: string; code?: string };
  const reason = e.code === undefined ? (e.message ?? String(error)) : `${e.message ?? ""} (${e.code})`;
  return new IronError("IRON_ERR_STORE", `the PostgreSQL state store failed while ${doing}: ${reason}`, { path: redactUrl(url), cause: error });
}
