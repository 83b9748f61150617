// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function, heaviest first, then
// self time per file (where a module's cost is spread over many small functions).
// Usage: node bench/lib/profile-summary.mjs FILE.cpuprofile [top=30]
import { readFileSync } from "node:fs";

/** Self milliseconds per key(callFrame), from the profile's samples and time deltas. */
function selfBy(profile, key) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const k = key(byId.get(profile.samples[i]).callFrame);
    self.set(k, (self.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]);
}

/** Inclusive milliseconds per "function file:line": a sample counts for every function on its stack (once each). */
export function totalTimes(profile) {
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = new Map();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const seen = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id).callFrame;
      if (f.functionName === "(root)") continue;
      seen.add(frameKey(f));
    }
    for (const k of seen) total.set(k, (total.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  return [...total.entries()].sort((a, b) => b[1] - a[1]);
}

/** "function dir/file:line" of a call frame. */
function frameKey(f) {
  return `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
}

/** Self milliseconds per "function file:line". */
export function selfTimes(profile) {
  return selfBy(profile, frameKey);
}

/** Self milliseconds per file (the last three path parts; built-ins and natives by their name). */
export function fileTimes(profile) {
  return selfBy(profile, (f) =>
    f.url
      ? f.url
          .replace(/^file:\/\//, "")
          .split("/")
          .slice(-3)
          .join("/")
      : `(${f.functionName || "native"})`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const profile = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const top = Number(process.argv[3] ?? 30);
  const rows = selfTimes(profile);
  const total = rows.reduce((t, [, ms]) => t + ms, 0);
  const idle = rows.find(([key]) => key.startsWith("(idle)"))?.[1] ?? 0;
  const line = ([key, ms]) =>
    `${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}% ${key.startsWith("(idle)") ? "     –" : `${((100 * ms) / Math.max(1, total - idle)).toFixed(1).padStart(5)}%`}  ${key}`;
  console.log(`total ${total.toFixed(0)} ms, idle ${idle.toFixed(0)} ms (${((100 * idle) / total).toFixed(0)}%); columns: self ms, % of all samples, % of busy samples`);
  console.log("\nby function:");
  for (const r of rows.slice(0, top)) console.log(line(r));
  console.log("\ninclusive (self + callees), iron's own code:");
  for (const r of totalTimes(profile)
    .filter(([key]) => / (supervisor|store|sqlite|policy|events|stream|transport|protocol|lifecycle|pii|policies)\//.test(key))
    .slice(0, top))
    console.log(line(r));
  console.log("\nby file:");
  for (const r of fileTimes(profile).slice(0, Math.min(top, 25))) console.log(line(r));
}
