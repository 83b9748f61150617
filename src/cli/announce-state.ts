// What `iron run` says about state and the stream: the stream's URL (and a discovery file for
// `iron watch`), and a loud line if the store fails mid-run.
import { dirname, resolve } from "node:path";
import { removeDiscovery, writeDiscovery } from "../stream/discovery.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import { PREFIX } from "./render.js";

/** Announces the stream and watches for store failures; returns the cleanup to run at exit. */
export function announceState(supervisor: Supervisor, state: string | null | undefined, out: NodeJS.WritableStream, quiet: boolean): () => void {
  const url = supervisor.streamUrl;
  const dir = state === null || state === undefined ? null : dirname(resolve(state));
  if (url !== null) {
    if (!quiet) out.write(`${PREFIX} stream: ${url}  (follow with: iron watch)\n`);
    if (dir !== null) {
      const parsed = new URL(url);
      const token = parsed.searchParams.get("token") ?? "";
      parsed.search = "";
      writeDiscovery(dir, parsed.toString(), token);
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
