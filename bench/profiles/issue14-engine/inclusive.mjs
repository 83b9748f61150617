// inclusive ms per function name (any file) for a profile; plus children of a given function
import { readFileSync } from "node:fs";
const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const calls = Number(process.argv[3] ?? 1);
const focus = process.argv[4] ?? null;
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const key = (f) => `${f.functionName || "(anon)"} ${f.url.split("/").slice(-1)[0]}:${f.lineNumber + 1}`;
const total = new Map();
const self = new Map();
let busy = 0;
const under = new Map(); // self time of functions under focus
for (let i = 0; i < p.samples.length; i++) {
  const dt = (p.timeDeltas[i] ?? 0) / 1000;
  const leaf = byId.get(p.samples[i]).callFrame;
  if (leaf.functionName === "(idle)") continue;
  busy += dt;
  self.set(key(leaf), (self.get(key(leaf)) ?? 0) + dt);
  const seen = new Set();
  let inFocus = false;
  for (let id = p.samples[i]; id !== undefined; id = parent.get(id)) {
    const f = byId.get(id).callFrame;
    if (f.functionName === "(root)") continue;
    seen.add(key(f));
    if (focus && f.functionName === focus) inFocus = true;
  }
  for (const k of seen) total.set(k, (total.get(k) ?? 0) + dt);
  if (inFocus) under.set(key(leaf), (under.get(key(leaf)) ?? 0) + dt);
}
const us = (ms) => ((ms * 1000) / calls).toFixed(1).padStart(7) + " us/call";
console.log(`busy ${busy.toFixed(0)} ms = ${us(busy)}`);
console.log("--- inclusive top");
for (const [k, ms] of [...total].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 70))) console.log(`${ms.toFixed(1).padStart(8)} ms ${us(ms)}  ${k}`);
if (focus) {
  console.log(`--- self under ${focus}`);
  for (const [k, ms] of [...under].sort((a, b) => b[1] - a[1]).slice(0, 50)) console.log(`${ms.toFixed(1).padStart(8)} ms ${us(ms)}  ${k}`);
}
