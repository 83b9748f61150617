// Protects start-up time and memory (issue 14 items 4 and 5, issue 17 item 9): `iron run` loads
// neither a tokenizer rank table, OpenTelemetry (no traces configured), nor another command's
// modules (the watch client, the config checker), nor the YAML parser without an iron.yaml;
// `iron --version` loads none of the supervisor.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEBIAN_PYTHON, FIXTURES, REPO, iron, tempDir } from "../helpers/iron.js";

const RECORDER = join(REPO, "test", "helpers", "record-modules.mjs");

// The packages and iron files a command line loaded.
async function modulesOf(args: string[]): Promise<string[]> {
  const dir = tempDir("iron-modules-");
  const out = join(dir, "modules.txt");
  const ran = await iron(args, { cwd: dir, env: { NODE_OPTIONS: `--import ${RECORDER}`, IRON_TEST_MODULES_OUT: out } });
  expect(ran.exitCode, ran.stderr).toBe(0);
  return readFileSync(out, "utf8").split("\n");
}

const matching = (urls: string[], pattern: RegExp) => urls.filter((url) => pattern.test(url));

describe("what a command line loads", () => {
  it("iron run: no tokenizer, no OpenTelemetry, no other command, no YAML parser without iron.yaml", async () => {
    const urls = await modulesOf(["run", "-q", "--python", DEBIAN_PYTHON, join(FIXTURES, "exit_with.py")]);
    expect(matching(urls, /dist\/supervisor\/supervisor\.js$/)).toHaveLength(1);
    expect(
      matching(
        urls,
        /\/policy\/bpe(-ranks)?\.js|node_modules\/yaml\/|@opentelemetry\/(sdk|exporter|core|resources)|\/cli\/watch\/watch-client\.js|\/cli\/commands\/(watch|config|dashboard|calls)\.js/,
      ),
    ).toEqual([]);
  });

  it("iron --version: nothing of the supervisor", async () => {
    const urls = await modulesOf(["--version"]);
    expect(matching(urls, /zeromq|better-sqlite3|pino|xstate|\/supervisor\//)).toEqual([]);
  });
});
