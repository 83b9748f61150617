// What `iron serve` prints so an agent can join: the endpoints, the file the join token is kept
// in (never the token: scrollback, CI logs and screen shares outlive the terminal), and
// ready-to-paste lines for a shell and for code that read it from there. Pure formatting.
import { PREFIX } from "../render.js";
import { isLoopback } from "./serve-paths.js";

export interface AttachInfo {
  /** The endpoints as bound (tcp port 0 resolved). */
  readonly endpoints: readonly string[];
  readonly tokenFile: string;
  /** True when the token was just generated (not read from the file). */
  readonly created: boolean;
  readonly pid: number;
  /** This machine's name, shown instead of a wildcard bind address. */
  readonly host: string;
  /** Directory holding the iron_shim package (for PYTHONPATH when it is not pip-installed). */
  readonly shimRoot: string;
  /** The tls:// certificate's SHA-256 fingerprint and file, when a tls:// endpoint is bound. */
  readonly tls?: { readonly fingerprint: string; readonly certFile: string } | null;
}

/** An endpoint as an agent must write it: a wildcard bind address becomes this host's name. */
export function connectable(endpoint: string, host: string): string {
  return endpoint.replace(/^(tcp|tls):\/\/(0\.0\.0\.0|\*|\[::\]|\[\*\]):/, `$1://${host}:`);
}

/** The lines printed on stdout once the supervisor listens. */
export function attachInstructions(info: AttachInfo): string[] {
  const shown = info.endpoints.map((e) => connectable(e, info.host));
  const [first = "", ...rest] = shown;
  const tcp = shown.find((e) => e.startsWith("tls://")) ?? shown.find((e) => e.startsWith("tcp://"));
  const pin = tcp?.startsWith("tls://") && info.tls ? ` IRON_TLS_FINGERPRINT=${info.tls.fingerprint}` : "";
  const token = `"$(cat ${info.tokenFile})"`;
  const lines = [
    `${PREFIX} iron serve is listening (pid ${info.pid}); agents join with the token in the file below`,
    `  endpoint    ${first}`,
    ...rest.map((e) => `              ${e}`),
    `  join token  ${info.created ? "new, written to" : "in"} ${info.tokenFile} (readable only by you)`,
    ...(info.tls ? [`  tls cert    sha256 ${info.tls.fingerprint} (${info.tls.certFile}); agents pin it: IRON_TLS_FINGERPRINT`] : []),
    "",
    "  Run a script governed (python -m iron_shim runs it like python does):",
    `    IRON_ENDPOINT=${first} IRON_TOKEN=${token} python -m iron_shim agent.py`,
    "  or, with iron-shim pip-installed, with no change to the command:",
    `    IRON_ENDPOINT=${first} IRON_TOKEN=${token} python agent.py`,
    "  From code or a notebook:",
    `    import iron_shim; iron_shim.install(endpoint="${first}", token=open("${info.tokenFile}").read().strip(), agent="my-agent")`,
  ];
  if (tcp !== undefined) lines.push("  From another host or container (copy the token file there first):", `    IRON_ENDPOINT=${tcp}${pin} IRON_TOKEN=${token} python -m iron_shim agent.py`);
  lines.push(`  (iron_shim must be importable: pip install ${info.shimRoot}, or PYTHONPATH=${info.shimRoot})`);
  const open = info.endpoints.filter((e) => e.startsWith("tcp://") && !isLoopback(e));
  if (open.length > 0) {
    lines.push(
      "",
      `${PREFIX} warning: ${open.join(", ")} is reachable from the network (--insecure): messages, prompts included, travel unencrypted over TCP (the token is proven, never sent); use it on a trusted network only`,
    );
  }
  return lines;
}
