// Where things are for the benchmarks: the built package (dist/), the shim, Debian's python3.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
export const DIST = join(REPO, "dist");
export const BENCH_PY = join(REPO, "bench", "py");
/** Debian's interpreter: the only one here with httpx, pyzmq and msgpack (the baselines need them). */
export const PYTHON = process.env.BENCH_PYTHON ?? "/usr/bin/python3";
/** What `iron run` puts on PYTHONPATH: the boot directory (sitecustomize) and the shim package. */
export const SHIM_PYTHONPATH = [join(REPO, "python", "iron_shim", "_boot"), join(REPO, "python")].join(":");
/** The shim package alone, importable without the injection. */
export const IRON_BIN = join(DIST, "cli", "bin.js");

/** A fresh temporary directory. */
export function tempDir(prefix = "iron-bench-") {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Resident set size of a process in MiB, from /proc (Linux). */
export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Scale from the environment: BENCH_SCALE=0.2 for a quick look, 1 for the real run. */
export const SCALE = Number(process.env.BENCH_SCALE ?? "1");
