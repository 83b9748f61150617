// Protects the reason a mock-llm port clash gives: which port, and that it is taken, with the fix.
import { describe, expect, it } from "vitest";
import { startMockLlm } from "../../src/mock-llm/index.js";

describe("mock-llm on a taken port", () => {
  it("says the port is in use and how to pick another", async () => {
    const first = await startMockLlm({ port: 0 });
    try {
      await expect(startMockLlm({ port: first.port })).rejects.toThrow(
        `IRON_ERR_TRANSPORT: mock-llm could not listen on 127.0.0.1:${first.port}: the port is already in use (pick another with --port, or --port 0 for any free one)`,
      );
    } finally {
      await first.close();
    }
  });
});
