// Which listen endpoints carry messages unencrypted beyond this machine: plain tcp:// on an
// address other than loopback. Both `iron serve --listen` and SupervisorOptions.listen refuse
// them unless the user accepts it (--insecure, `insecure: true`) — issue 16, item 3.

/** True for an address only this machine can reach. */
export function isLoopback(endpoint: string): boolean {
  const host = /^tcp:\/\/\[?([^\]]*?)\]?:\d+$/.exec(endpoint)?.[1] ?? "";
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/** The plain-TCP endpoints reachable from the network; tls:// and ipc:// are never in it. */
export function plainTcpBeyondLoopback(endpoints: readonly string[]): string[] {
  return endpoints.filter((e) => e.startsWith("tcp://") && !isLoopback(e));
}

/** What to use instead, worded for both the CLI and the API. */
export const SAFER_LISTEN = "tls://HOST:PORT (encrypted, the certificate pinned by agents), a loopback address (127.0.0.1, ::1, localhost) reached through a tunnel (ssh -L)";
