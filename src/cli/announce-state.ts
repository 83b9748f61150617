// What `iron run` says about state and the stream: the stream's URL (and a discovery file for
// `iron watch`), and a loud line if the store fails mid-run.
import { dirname, resolve } from "node:path";
import { formatUsd } from "../policy/money.js";
import { removeDiscovery, writeDiscovery } from "../stream/discovery.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import { PREFIX } from "./render.js";

/** Announces the stream and watches for store failures; returns the cleanup to run at exit. */
export function announceState(supervisor: Supervisor, state: string | null | undefined, out: NodeJS.WritableStream, quiet: boolean): () => void {
  const url = supervisor.streamUrl;
  const dir = state === null || state === undefined ? null : dirname(resolve(state));
  // Budgets persist in the state file: say so when earlier runs already spent from them.
  const global = supervisor.budgets.balances().find((b) => b.scope === "global");
  if (!quiet && state && global !== undefined && global.spent > 0) {
    const of = global.limit === null ? "" : ` of ${formatUsd(global.limit)}`;
    out.write(`${PREFIX} budget global: ${formatUsd(global.spent)}${of} already spent by earlier runs recorded in ${state}\n`);
  }
  if (url !== null) {
    if (!quiet) out.write(`${PREFIX} stream: ${url}  (follow with: iron watch)\n`);
    const dashboard = supervisor.dashboardUrl;
    if (!quiet && dashboard !== null) out.write(`${PREFIX} dashboard: ${dashboard}\n`);
    const shared = supervisor.watchDashboardUrl;
    if (!quiet && shared !== null) out.write(`${PREFIX} dashboard to share (watch only, no actions): ${shared}\n`);
    if (dir !== null) {
      const parsed = new URL(url);
      const token = parsed.searchParams.get("token") ?? "";
      parsed.search = "";
      writeDiscovery(dir, parsed.toString(), token, supervisor.streamControlToken);
    }
  }
  const unsubscribe = supervisor.on("event", (event) => {
    if (event.type === "store.error") out.write(`${PREFIX} ${event.error}\n${PREFIX} the state store failed: every LLM call is denied from now on\n`);
  });
  return () => {
    unsubscribe();
    if (url !== null && dir !== null) removeDiscovery(dir);
  };
}
