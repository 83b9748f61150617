// merged call tree under functions named FOCUS (inclusive us/call), depth-limited
import { readFileSync } from "node:fs";
const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const calls = Number(process.argv[3] ?? 1);
const focus = process.argv[4];
const maxDepth = Number(process.argv[5] ?? 6);
const min = Number(process.argv[6] ?? 0.5);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const selfT = new Map();
for (let i = 0; i < p.samples.length; i++) selfT.set(p.samples[i], (selfT.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
const key = (f) => `${f.functionName || "(anon)"} ${f.url.split("/").slice(-1)[0]}:${f.lineNumber + 1}`;
const tot = new Map();
const incl = (id) => {
  if (tot.has(id)) return tot.get(id);
  const n = byId.get(id);
  let t = selfT.get(id) ?? 0;
  for (const c of n.children ?? []) t += incl(c);
  tot.set(id, t);
  return t;
};
// merged tree: path -> ms
const merged = { k: "root", ms: 0, kids: new Map() };
function add(node, id, depth) {
  const n = byId.get(id);
  const k = key(n.callFrame);
  let m = node.kids.get(k);
  if (!m) {
    m = { k, ms: 0, kids: new Map() };
    node.kids.set(k, m);
  }
  m.ms += incl(id);
  if (depth < maxDepth) for (const c of n.children ?? []) add(m, c, depth + 1);
}
function find(id, inFocus) {
  const n = byId.get(id);
  if (!inFocus && n.callFrame.functionName === focus) {
    add(merged, id, 0);
    return;
  }
  for (const c of n.children ?? []) find(c, inFocus);
}
find(p.nodes[0].id, false);
function print(node, ind) {
  for (const m of [...node.kids.values()].sort((a, b) => b.ms - a.ms)) {
    const u = (m.ms * 1000) / calls;
    if (u < min) continue;
    console.log(`${" ".repeat(ind)}${u.toFixed(1)} ${m.k}`);
    print(m, ind + 2);
  }
}
print(merged, 0);
