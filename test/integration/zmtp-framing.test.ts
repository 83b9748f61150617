// Protects how the supervisor's real socket handles ZMTP framing from a shim (property test): a
// hello and any number of requests, short or long frames, written in pieces split at arbitrary
// points with pauses between them, are each answered once, with the right id and call.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Supervisor } from "../../src/index.js";
import { dealer, message } from "../helpers/zmtp-peer.js";
import { authenticate } from "../helpers/auth-peer.js";
import { spawnTokenHolder } from "../helpers/token-holder.js";
import type { LlmRequestMessage } from "../../src/protocol/messages.js";
import { wireRequest } from "../helpers/wire-request.js";

let sup: Supervisor;
let holder: { agent: string; token: string };

beforeAll(async () => {
  sup = await Supervisor.start();
  holder = await spawnTokenHolder(sup);
});

afterAll(async () => {
  await sup?.close();
});

function request(id: number, content: string): LlmRequestMessage {
  return wireRequest(id, { body: { model: "gpt-4o-mini", messages: [{ role: "user", content }] } });
}

describe("ZMTP framing on the real socket", () => {
  it("answers every message once, however the byte stream is split", async () => {
    const scenario = fc.record({
      contents: fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.string({ minLength: 200, maxLength: 3000 })), { minLength: 1, maxLength: 6 }),
      cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ contents, cuts }) => {
        const peer = await dealer(sup.endpoint);
        try {
          await authenticate(peer, 1, holder.agent, holder.token);
          const stream = Buffer.concat([...contents.map((text, i) => message(request(10 + i, text)))]);
          const points = [...new Set(cuts.map((c) => Math.floor(c * stream.length)))].sort((a, b) => a - b);
          let from = 0;
          for (const at of [...points, stream.length]) {
            await peer.write(stream.subarray(from, at));
            from = at;
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
          const last = 10 + contents.length - 1;
          await peer.waitFor((m) => m.type === "decision" && m.id === last);
          const decisions = peer.reader.messages.filter((m) => (m as { type: string }).type === "decision") as { id: number; call: string }[];
          expect(decisions.map((d) => [d.id, d.call])).toEqual(contents.map((_, i) => [10 + i, `c-${10 + i}`]));
        } finally {
          peer.destroy();
        }
      }),
      { numRuns: 25 },
    );
  });
});
