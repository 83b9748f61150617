// Protects `iron watch --wait` (issue 17 item 6): while no supervisor has started it says what it
// is waiting for, instead of a blank screen.
import { execa } from "execa";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IRON_BIN, tempDir } from "../helpers/iron.js";

describe("iron watch --wait", () => {
  it("says it is waiting for a supervisor, and where", async () => {
    const dir = tempDir("iron-watch-wait-");
    const watch = execa("node", [IRON_BIN, "watch", "--wait", "--plain", "--state", join(dir, "state.db")], { reject: false, timeout: 60_000 });
    let stderr = "";
    await new Promise<void>((resolve) => {
      watch.stderr?.on("data", (chunk) => {
        stderr += String(chunk);
        if (stderr.includes("\n")) resolve();
      });
      void watch.then(() => resolve());
    });
    watch.kill("SIGINT");
    await watch;
    expect(stderr.split("\n")[0]).toBe(`iron: waiting for a supervisor to start in ${dir} (run iron run there; Ctrl-C to give up)`);
  });
});
