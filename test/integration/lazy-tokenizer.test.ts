// The BPE rank tables are among the biggest things iron holds (about 11 MiB of RSS each and a
// tenth of a second or more to load): a supervisor loads none while it starts or sits idle, and
// only the encoding a call needs when the first call comes (issue 14, items 4 and 5). Own file:
// the encodings start unloaded.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Supervisor } from "../../src/index.js";
import { loadedEncodings, tokenizersWithin } from "../../src/policy/tokens.js";
import { tempDir } from "../helpers/iron.js";
import { dealer, message } from "../helpers/zmtp-peer.js";
import { authenticate } from "../helpers/auth-peer.js";
import { wireRequest } from "../helpers/wire-request.js";

describe("the tokenizer's encodings", () => {
  it("are not loaded by a starting or idle supervisor; the first gpt-4o call loads o200k only", async () => {
    const sup = await Supervisor.start({ state: join(tempDir("iron-lazy-tok-"), "state.db"), joinToken: true, stream: false, budgetUsd: 1 });
    const peer = await dealer(sup.endpoint);
    try {
      await authenticate(peer, 1, "lazy", sup.joinToken as string);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(loadedEncodings()).toEqual([]);
      const body = { model: "gpt-4o", messages: [{ role: "user", content: "count me" }], max_tokens: 5 };
      await peer.write(message(wireRequest(2, { model: "gpt-4o", body })));
      const decision = await peer.waitFor((m) => m.id === 2);
      expect(decision.type).toBe("decision");
      // On a busy machine the call may have been decided on the conservative estimate: let the load finish.
      await tokenizersWithin(60_000, "gpt-4o");
      expect(loadedEncodings()).toEqual(["o200k"]);
    } finally {
      peer.destroy();
      await sup.close();
    }
  });
});
