// Protects `iron run … | head -1`: when the reader of iron's stdout goes away, iron does not
// crash with EPIPE; it stops the agent gracefully, records its exit, prints its summary on
// stderr and exits 141 (128 + SIGPIPE), as a Unix tool ended by a closed pipe does.
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES, IRON_BIN, iron, tempDir } from "../helpers/iron.js";

describe("iron run with a closed output pipe", () => {
  it("stops the agent, records its exit and exits 141 when stdout's reader closes early", async () => {
    const dir = tempDir("iron-pipe-");
    const state = join(dir, "state.db");
    const errFile = join(dir, "stderr.txt");
    // A real pipe: `head -1` reads one line of the agent's 20000 and closes it.
    const script = `node "$0" run --state "$1" "$2" 2>"$3" | head -1; echo "status \${PIPESTATUS[0]}"`;
    const ran = await execa("bash", ["-c", script, IRON_BIN, state, join(FIXTURES, "print_lots.py"), errFile], { reject: false, timeout: 60_000 });
    const stderr = readFileSync(errFile, "utf8");
    expect(ran.stdout.split("\n")).toEqual([expect.stringMatching(/^line 0 x+$/), "status 141"]);
    expect(stderr).not.toMatch(/EPIPE.*\n\s+at |Emitted 'error' event/);
    expect(stderr).toMatch(/iron ▸ iron's stdout was closed \(EPIPE\): stopping every agent\n/);
    expect(stderr).toMatch(/iron ▸ print_lots was stopped after [\d.]+s\niron ▸ {3}iron's stdout was closed: killed by SIGTERM/);
    const agents = await iron(["agents", "--state", state, "--json"]);
    expect((JSON.parse(agents.stdout) as { agents: unknown[] }).agents).toMatchObject([{ agentId: "print_lots", state: "stopped" }]);
  });
});
