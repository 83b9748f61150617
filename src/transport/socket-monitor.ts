// What libzmq sees below the messages: connections accepted, ZMTP handshakes that failed (wrong
// version, mechanism or framing) and disconnects, logged with libzmq's reason where it gives one.
import type { Router } from "zeromq";
import type { LogThrottle } from "../telemetry/log-throttle.js";
import type { Logger } from "../telemetry/logger.js";

/** Logs the socket's connection events for as long as the socket lives. */
export function monitorSocket(socket: Router, logger: Logger, throttle: LogThrottle): void {
  const events = socket.events;
  const failed = (kind: string) => (event: { address: string; error: Error & { code?: string } }) =>
    throttle.warn({ endpoint: event.address, reason: event.error.code ?? event.error.message, kind }, "a peer failed the ZMTP handshake");
  events.on("handshake:error:protocol", failed("protocol"));
  events.on("handshake:error:auth", failed("auth"));
  events.on("handshake:error:other", failed("other"));
  events.on("accept", (event) => logger.debug({ endpoint: event.address }, "a peer connected"));
  events.on("disconnect", (event) => logger.debug({ endpoint: event.address }, "a peer disconnected"));
}
