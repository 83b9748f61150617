// Asking the supervisor that holds a state file to act (`iron budget reset` on a live file): the
// discovery file beside the state file gives its stream's URL and control token, and the action
// goes to its `POST /api/actions`, so the supervisor changes its budgets in memory and in the file.
import { dirname } from "node:path";
import { ERROR_CODES, IronError, type IronErrorCode } from "../errors.js";
import { DISCOVERY_FILE, readDiscovery } from "../stream/discovery.js";

/**
 * Posts an action to the live supervisor `pid` holding the state file at `path`; answers its JSON
 * reply. Throws IRON_ERR_STORE when that supervisor announced no control API beside the file
 * (started with --no-stream, or by an older iron), and the supervisor's own error when it refused.
 */
export async function actOnLiveSupervisor(path: string, pid: number, action: Record<string, unknown>): Promise<Record<string, unknown>> {
  const dir = dirname(path);
  const found = readDiscovery(dir);
  if (found === null || found.pid !== pid || found.control === undefined) {
    throw new IronError(
      "IRON_ERR_STORE",
      `the state file ${path} is in use by a running supervisor (pid ${pid}) that announces no control API in ${dir}/${DISCOVERY_FILE} (its stream is off?); stop it first, or change its budgets from its dashboard`,
    );
  }
  const url = new URL(found.url);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  url.pathname = "/api/actions";
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${found.control}`, "content-type": "application/json" },
      body: JSON.stringify(action),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (cause) {
    throw new IronError("IRON_ERR_STORE", `cannot reach the supervisor (pid ${pid}) holding ${path} at ${url.origin}; did it just stop? try again`, { cause });
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok) return body;
  const error = (body.error ?? {}) as { code?: string; message?: string };
  const code: IronErrorCode = error.code !== undefined && error.code in ERROR_CODES ? (error.code as IronErrorCode) : "IRON_ERR_INTERNAL";
  throw new IronError(code, `the supervisor (pid ${pid}) refused: ${error.message ?? `HTTP ${response.status}`}`);
}
