// Runs the real `iron` CLI (dist/cli/bin.js) and Python processes for end-to-end tests.
import { execa, type Options } from "execa";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
export const IRON_BIN = join(REPO, "dist", "cli", "bin.js");
export const FIXTURES = join(REPO, "test", "fixtures");
/** Debian's own interpreter: has httpx, requests, aiohttp once the test command installed them. */
export const DEBIAN_PYTHON = "/usr/bin/python3";
export const SHIM_PYTHONPATH = [join(REPO, "python", "iron_shim", "_boot"), join(REPO, "python")].join(":");

export interface Ran {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `iron <args>` to completion. Each run gets its own fresh state file (IRON_STATE), since
 * budgets persist in it and one file has one supervisor at a time; pass IRON_STATE to share one.
 */
export async function iron(args: readonly string[], options: Options = {}): Promise<Ran> {
  const env = { IRON_STATE: join(tempDir("iron-state-"), "state.db"), ...options.env };
  const result = await execa("node", [IRON_BIN, ...args], { reject: false, timeout: 60_000, ...options, env });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** The JSON lines a fixture printed on stdout. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Every pyenv interpreter of a supported version (3.9–3.13) present on this machine. */
export function pyenvInterpreters(): string[] {
  const dir = join(process.env.PYENV_ROOT ?? join(process.env.HOME ?? "/root", ".pyenv"), "versions");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^3\.(9|1[0-3])\.\d+$/.test(name))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
    .map((name) => join(dir, name, "bin", "python"))
    .filter((path) => existsSync(path));
}

/** A fresh temporary directory. */
export function tempDir(prefix = "iron-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
