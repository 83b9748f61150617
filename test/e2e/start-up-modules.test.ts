// Protects start-up time and memory (issue 14 items 4 and 5, issue 17 item 9): `iron run` loads
// neither a tokenizer rank table, OpenTelemetry (no traces configured), nor another command's
// modules (the watch client, the config checker), nor the YAML parser without an iron.yaml;
// `iron --version` loads none of the supervisor. The CLI is bundled (scripts/post-build.mjs), so
// what a loaded chunk holds is read from its source map: the files it was built from.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEBIAN_PYTHON, FIXTURES, REPO, iron, tempDir } from "../helpers/iron.js";

const RECORDER = join(REPO, "test", "helpers", "record-modules.mjs");

// A loaded file and, when it has a source map, every file it was built from (absolute paths).
function withSources(url: string): string[] {
  if (!url.startsWith("file:")) return [url];
  const file = fileURLToPath(url);
  const map = `${file}.map`;
  if (!existsSync(map)) return [file];
  const { sources } = JSON.parse(readFileSync(map, "utf8")) as { sources: string[] };
  return [file, ...sources.map((source) => resolve(dirname(map), source))];
}

// The packages and iron files a command line loaded, bundled or not.
async function modulesOf(args: string[]): Promise<string[]> {
  const dir = tempDir("iron-modules-");
  const out = join(dir, "modules.txt");
  const ran = await iron(args, { cwd: dir, env: { NODE_OPTIONS: `--import ${RECORDER}`, IRON_TEST_MODULES_OUT: out } });
  expect(ran.exitCode, ran.stderr).toBe(0);
  return readFileSync(out, "utf8").split("\n").flatMap(withSources);
}

const matching = (urls: string[], pattern: RegExp) => urls.filter((url) => pattern.test(url));

describe("what a command line loads", () => {
  it("iron run: no tokenizer, no OpenTelemetry, no other command, no YAML parser without iron.yaml", async () => {
    const urls = await modulesOf(["run", "-q", "--python", DEBIAN_PYTHON, join(FIXTURES, "exit_with.py")]);
    expect(matching(urls, /src\/supervisor\/supervisor\.ts$/)).toHaveLength(1);
    expect(
      matching(
        urls,
        /\/policy\/bpe(-ranks)?\.ts|node_modules\/yaml\/|@opentelemetry\/(sdk|exporter|core|resources)|\/cli\/watch\/watch-client\.ts|\/cli\/commands\/(watch|config|dashboard|calls)\.ts/,
      ),
    ).toEqual([]);
  });

  it("iron --version: nothing of the supervisor", async () => {
    const urls = await modulesOf(["--version"]);
    // The recorder saw the binary (the last module's URL may still be in flight when the process exits).
    expect(matching(urls, /dist\/cli\/bin\.js$/)).toHaveLength(1);
    expect(matching(urls, /zeromq|better-sqlite3|pino|xstate|\/supervisor\//)).toEqual([]);
  });
});
