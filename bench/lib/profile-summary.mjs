// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function, heaviest first.
// Usage: node bench/lib/profile-summary.mjs FILE.cpuprofile [top=30]
import { readFileSync } from "node:fs";

/** Self milliseconds per "function file:line", from the profile's samples and time deltas. */
export function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const node = byId.get(profile.samples[i]);
    const f = node.callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const profile = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const rows = selfTimes(profile);
  const total = rows.reduce((t, [, ms]) => t + ms, 0);
  const top = Number(process.argv[3] ?? 30);
  console.log(`total ${total.toFixed(0)} ms`);
  for (const [key, ms] of rows.slice(0, top)) console.log(`${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${key}`);
}
