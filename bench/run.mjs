// `npm run bench`: runs every benchmark in bench/ in turn (each prints its own ratios).
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";

const dir = new URL(".", import.meta.url);
for (const name of readdirSync(dir).filter((f) => f.endsWith(".mjs") && f !== "run.mjs").sort()) {
  console.log(`\n== bench/${name}`);
  execFileSync("node", [new URL(name, dir).pathname], { stdio: "inherit" });
}
