// Protects the bound on transport state per peer (issue 16, items 2 and 9), over real TCP connections:
// a welcomed session ends when its connection closes, a challenge never answered is forgotten when the
// peer leaves, and a peer that never says hello is closed at the hello deadline — after 60 such peers
// the server holds no session, no challenge and no connection.
import { describe, expect, it } from "vitest";
import { AgentServer, type AgentServerHandlers } from "../../src/transport/agent-server.js";
import { tokenKey } from "../../src/transport/handshake.js";
import { authenticate } from "../helpers/auth-peer.js";
import { captureLogs } from "../helpers/log-capture.js";
import { dealer, hello, message } from "../helpers/zmtp-peer.js";

const logs = captureLogs("debug");

async function server(): Promise<{ server: AgentServer; endpoint: string }> {
  const never = (): never => {
    throw new Error("not in this test");
  };
  const handlers: AgentServerHandlers = {
    credentials: () => [{ kind: "join", key: tokenKey("good") }],
    authenticate: (h) => ({ ok: true, agentId: h.agent, settings: { timeout_ms: 1000, fail_open: false, on_deny: "response", heartbeat_ms: 1000, providers: [] } }),
    onSession: () => undefined,
    onRequest: never,
    onResponse: never,
    onChunk: never,
    onHeartbeat: () => undefined,
    onBye: () => undefined,
  };
  const s = await AgentServer.listen(["tcp://127.0.0.1:0"], handlers, logs.logger, { helloTimeoutMs: 1500 });
  return { server: s, endpoint: s.endpoints[0] as string };
}

describe("transport state per peer", () => {
  it("drops sessions, unanswered challenges and silent connections once their peers are gone", async () => {
    const { server: s, endpoint } = await server();
    try {
      for (let i = 0; i < 20; i++) {
        const welcomed = await dealer(endpoint);
        await authenticate(welcomed, 1, `w${i}`, "good");
        const halfway = await dealer(endpoint);
        await halfway.write(message(hello(2, `h${i}`)));
        await halfway.waitFor((m) => m.type === "challenge");
        expect(s.held.sessions).toBeGreaterThan(0);
        expect(s.held.challenges).toBeGreaterThan(0);
        welcomed.destroy();
        halfway.destroy();
        await dealer(endpoint); // says nothing, stays open
      }
      await expect.poll(() => s.held, { timeout: 20_000 }).toEqual({ sessions: 0, challenges: 0, connections: 0 });
    } finally {
      await s.close();
    }
  }, 60_000);
});
