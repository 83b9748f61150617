// Protects issue 16 item 6 end to end: under `iron run` with a zero budget, every way a Python
// agent used to reach a provider ungoverned (http.client or urllib3 directly, a child started with a
// bare environment, a call after iron_shim.uninstall()) is asked about and denied; the provider sees nothing.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, FIXTURES, iron, jsonLines } from "../helpers/iron.js";

let mock: MockLlm;

beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock.close();
});

describe("iron run: calls that used to escape governance", () => {
  it("denies http.client, urllib3, a bare-environment child and a call after uninstall()", async () => {
    const fixture = join(FIXTURES, "escape_attempts.py");
    const ran = await iron(["run", "--budget", "0", "--python", DEBIAN_PYTHON, fixture], { env: { OPENAI_BASE_URL: mock.baseUrl } });
    expect(ran.exitCode, ran.stderr).toBe(75); // the agent exited 0, every call denied by the budget
    expect(jsonLines(ran.stdout).map((l) => [l.way, l.status])).toEqual([
      ["http.client", 402],
      ["urllib3", 402],
      ["child with a bare env", 402],
      ["after uninstall", 402],
    ]);
    expect(ran.stderr).toMatch(/IRON_ERR_POLICY: uninstall\(\) refused/);
    expect(mock.requests).toHaveLength(0);
  });
});
