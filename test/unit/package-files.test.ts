// Protects what `npm pack` ships: the shim's sources without the bytecode caches that local
// test runs leave beside them (which would also be stale for the user's interpreter), and the
// tokenizer's rank tables (without them no OpenAI prompt could be counted exactly).
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/iron.js";

describe("the npm package", () => {
  it("ships python/ without __pycache__ folders or .pyc files, even when a test run left them", () => {
    const cache = join(REPO, "python", "iron_shim", "__pycache__");
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, "left_by_a_test.cpython-311.pyc"), "");
    const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
    expect(files).toContain("python/iron_shim/__init__.py");
    expect(files.filter((f) => f.includes("__pycache__") || f.endsWith(".pyc"))).toEqual([]);
  });

  it("ships the rank tables of both encodings the token counts need, with their source and licence", () => {
    const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
    expect(files).toEqual(expect.arrayContaining(["data/tokenizer/o200k_base.ranks.gz", "data/tokenizer/cl100k_base.ranks.gz", "data/tokenizer/README.md"]));
  });
});
