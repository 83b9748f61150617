// The "where" beside count.mjs's "how much": the same supervisor and agent (sup-host.mjs), run
// natively under `node --cpu-prof` (the whole run, warm-up included), then summarised by
// bench/lib/profile-summary.mjs. Usage: node cpu-profile.mjs ROOT [WARM=2000] [CALLS=5000] [OUT_DIR]
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const [root, warm = "2000", calls = "5000", outArg] = process.argv.slice(2);
if (!root) throw new Error("usage: node cpu-profile.mjs ROOT [WARM] [CALLS] [OUT_DIR]");
const here = fileURLToPath(new URL(".", import.meta.url));
const sync = mkdtempSync(join(tmpdir(), "iron-prof-"));
const out = outArg ? resolve(outArg) : sync;
const child = spawn("node", ["--cpu-prof", `--cpu-prof-dir=${out}`, "--cpu-prof-interval=100", join(here, "sup-host.mjs"), resolve(root), sync, "1", "1", warm, calls, "memory"], {
  stdio: ["ignore", "ignore", "inherit"],
});
const exited = new Promise((ok) => child.once("exit", ok));
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
while (!existsSync(join(sync, "warm-0"))) await sleep(50);
writeFileSync(join(sync, "go"), "");
while (!existsSync(join(sync, "done-0"))) await sleep(50);
writeFileSync(join(sync, "end"), "");
await exited;
const profile = join(
  out,
  readdirSync(out).find((f) => f.endsWith(".cpuprofile")),
);
console.log(profile);
console.log(spawnSync("node", [join(here, "..", "..", "lib", "profile-summary.mjs"), profile, "30"], { encoding: "utf8" }).stdout);
