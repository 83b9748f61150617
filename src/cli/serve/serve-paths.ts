// Where `iron serve` listens by default: one stable, private socket per user, like tmux's, so
// agents that joined find the supervisor again after a restart.
import { tmpdir } from "node:os";
import { join } from "node:path";

/** `$XDG_RUNTIME_DIR/iron/serve.sock`, else `<tmp>/iron-<uid>/serve.sock`. */
export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, "iron", "serve.sock");
  const uid = typeof process.getuid === "function" ? process.getuid() : "user";
  return join(tmpdir(), `iron-${uid}`, "serve.sock");
}

/** True for an address only this machine can reach. */
export function isLoopback(endpoint: string): boolean {
  const host = /^tcp:\/\/\[?([^\]]*?)\]?:\d+$/.exec(endpoint)?.[1] ?? "";
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}
