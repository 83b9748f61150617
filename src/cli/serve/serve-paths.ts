// Where `iron serve` listens by default: one stable, private socket per user, like tmux's, so
// agents that joined find the supervisor again after a restart.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IronError } from "../../errors.js";
import { isLoopback, plainTcpBeyondLoopback, SAFER_LISTEN } from "../../transport/listen-exposure.js";

export { isLoopback };

/** `$XDG_RUNTIME_DIR/iron/serve.sock`, else `<tmp>/iron-<uid>/serve.sock`. */
export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, "iron", "serve.sock");
  const uid = typeof process.getuid === "function" ? process.getuid() : "user";
  return join(tmpdir(), `iron-${uid}`, "serve.sock");
}

/** Plain TCP beyond loopback carries prompts unencrypted: refused unless the user says --insecure (issue 16, item 3); tls:// is always allowed. */
export function checkListen(endpoints: readonly string[], insecure: boolean): void {
  const open = plainTcpBeyondLoopback(endpoints);
  if (open.length === 0 || insecure) return;
  throw new IronError("IRON_ERR_USAGE", `--listen ${open.join(", ")} is reachable from the network over plain TCP: prompts and decisions would cross it unencrypted`, {
    expected: `${SAFER_LISTEN}, or --insecure to accept plain TCP on a trusted network`,
    got: open.join(", "),
  });
}
