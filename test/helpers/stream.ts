// Stream test helpers: a real WebSocket client that records what it gets, and a raw TCP
// client that upgrades and then never reads or answers pings.
import { connect, type Socket } from "node:net";
import WebSocket from "ws";

export interface Recorder {
  readonly ws: WebSocket;
  readonly messages: { type: string; seq: number; [key: string]: unknown }[];
  /** Resolves when at least `n` messages have arrived. */
  until(n: number): Promise<void>;
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

/** Connects and records every message; rejects with the HTTP status when refused. */
export function record(url: string, headers: Record<string, string> = {}): Promise<Recorder> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const messages: Recorder["messages"] = [];
    const waiters: { n: number; resolve: () => void }[] = [];
    ws.on("message", (data) => {
      messages.push(JSON.parse(String(data)) as Recorder["messages"][number]);
      for (const w of [...waiters]) if (messages.length >= w.n) w.resolve();
    });
    const closed = new Promise<{ code: number; reason: string }>((done) => ws.on("close", (code, reason) => done({ code, reason: String(reason) })));
    ws.on("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on("error", () => undefined);
    ws.on("open", () =>
      resolve({
        ws,
        messages,
        closed,
        until: (n) => (messages.length >= n ? Promise.resolve() : new Promise((r) => waiters.push({ n, resolve: r }))),
      }),
    );
  });
}

/** Upgrades a raw socket to a WebSocket and then never reads from it (nor answers pings). */
export function deafClient(url: string): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => {
      socket.write(
        [
          `GET ${u.pathname}${u.search} HTTP/1.1`,
          `Host: ${u.host}`,
          "Upgrade: websocket",
          "Connection: Upgrade",
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
          "Sec-WebSocket-Version: 13",
          "",
          "",
        ].join("\r\n"),
      );
    });
    socket.once("data", (head: Buffer) => {
      if (!head.toString("latin1").startsWith("HTTP/1.1 101")) return reject(new Error(head.toString("latin1").split("\r\n")[0]));
      socket.pause(); // from here on, nothing is read
      resolve(socket);
    });
    socket.on("error", () => undefined);
  });
}
