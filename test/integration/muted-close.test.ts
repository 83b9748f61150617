// Protects issue 16's closing of muted connections: a connection muted by the pre-welcome rules — no
// hello in time, or twenty dropped messages in a row — is closed instead of ignored for as long as it stays.
import { describe, expect, it } from "vitest";
import { AgentServer, type AgentServerHandlers } from "../../src/transport/agent-server.js";
import { captureLogs } from "../helpers/log-capture.js";
import { dealer, frame } from "../helpers/zmtp-peer.js";

const logs = captureLogs("debug");

/** A bare agent server on TCP that knows no token (nobody is welcomed here). */
async function bareServer(helloTimeoutMs: number): Promise<{ server: AgentServer; endpoint: string }> {
  const never = (): never => {
    throw new Error("not in this test");
  };
  const handlers: AgentServerHandlers = {
    credentials: () => [],
    authenticate: never,
    onSession: never,
    onRequest: never,
    onResponse: never,
    onChunk: never,
    onHeartbeat: never,
    onBye: never,
  };
  const server = await AgentServer.listen(["tcp://127.0.0.1:0"], handlers, logs.logger, { helloTimeoutMs });
  return { server, endpoint: server.endpoints[0] as string };
}

describe("muted connections are closed", () => {
  it("closes a connection that is not welcomed in time", async () => {
    const { server, endpoint } = await bareServer(500);
    const silent = await dealer(endpoint);
    await silent.closed;
    expect(logs.find("not welcomed in time").length).toBeGreaterThan(0);
    await server.close();
  });

  it("closes a peer that keeps sending what the protocol drops", async () => {
    const { server, endpoint } = await bareServer(60_000);
    const noisy = await dealer(endpoint);
    for (let i = 0; i < 25 && !noisy.isClosed(); i += 1) await noisy.write(frame(Buffer.from([0xc1])));
    await noisy.closed;
    expect(logs.find("kept sending messages the protocol drops").length).toBeGreaterThan(0);
    await server.close();
  });
});
