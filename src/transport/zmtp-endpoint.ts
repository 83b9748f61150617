// ZeroMQ endpoint strings for the supervisor's listeners: ipc://PATH is a unix socket, tcp://HOST:PORT
// a TCP port (`*` for any interface or any port, [v6] in brackets), tls://HOST:PORT the same port
// wrapped in TLS (ZMTP runs inside it; shims pin the certificate by fingerprint). Each listener reports the address
// it really got, as libzmq's last endpoint did (tcp://127.0.0.1:0 → the port the kernel chose).
import { lstatSync, unlinkSync } from "node:fs";
import type { AddressInfo, Server } from "node:net";
import { IronError } from "../errors.js";

/** Where a listener binds. */
export type ListenTarget = { readonly kind: "ipc"; readonly path: string } | { readonly kind: "tcp" | "tls"; readonly host: string; readonly port: number };

/** Parses an endpoint the way libzmq's bind accepted it; anything else is refused with what was expected. */
export function parseEndpoint(endpoint: string): ListenTarget {
  if (endpoint.startsWith("ipc://")) {
    const path = endpoint.slice("ipc://".length);
    if (path === "" || path === "*") throw badEndpoint(endpoint);
    return { kind: "ipc", path: path.startsWith("@") ? `\0${path.slice(1)}` : path };
  }
  const tcp = /^(tcp|tls):\/\/(\[[0-9A-Fa-f:.]+\]|[^:/[\]]+):(\d{1,5}|\*)$/.exec(endpoint);
  if (tcp === null) throw badEndpoint(endpoint);
  const kind = tcp[1] as "tcp" | "tls";
  const rawHost = tcp[2] as string;
  const port = tcp[3] === "*" ? 0 : Number(tcp[3]);
  if (port > 65_535) throw badEndpoint(endpoint);
  const host = rawHost === "*" ? "0.0.0.0" : rawHost.startsWith("[") ? rawHost.slice(1, -1) : rawHost;
  return { kind, host, port };
}

function badEndpoint(endpoint: string): IronError {
  return new IronError("IRON_ERR_TRANSPORT", `cannot bind ${JSON.stringify(endpoint)}: expected ipc://PATH, tcp://HOST:PORT or tls://HOST:PORT`);
}

/** Listens on a target; resolves with the endpoint as bound (the real port for port 0). */
export function listenOn(server: Server, target: ListenTarget): Promise<string> {
  if (target.kind === "ipc" && !target.path.startsWith("\0")) removeStaleSocket(target.path);
  return new Promise((resolve, reject) => {
    const failed = (error: Error): void => reject(error);
    server.once("error", failed);
    const listening = (): void => {
      server.off("error", failed);
      resolve(boundEndpoint(server, target));
    };
    if (target.kind === "ipc") server.listen({ path: target.path, backlog: 511 }, listening);
    else server.listen({ host: target.host, port: target.port, backlog: 511 }, listening);
  });
}

// As libzmq did: a socket file left at the path is replaced (callers refuse live ones first: fixed-socket.ts).
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Nothing there.
  }
}

function boundEndpoint(server: Server, target: ListenTarget): string {
  if (target.kind === "ipc") return `ipc://${target.path.startsWith("\0") ? `@${target.path.slice(1)}` : target.path}`;
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `${target.kind}://${host}:${address.port}`;
}
