// Summarises ab.sh output (one line per side and round): added p50s per round, and their medians.
import { readFileSync } from "node:fs";
const rows = readFileSync(process.argv[2], "utf8").trim().split("\n");
const num = (line, label) => Number(new RegExp(`${label} p50 (-?[\\d.]+)`).exec(line)?.[1]);
const p99 = (line, label) => Number(new RegExp(`${label} p50 [^|]* p99 (-?[\\d.]+)`).exec(line)?.[1]);
const by = { base: {}, this: {} };
for (const line of rows) {
  const m = /^(base|this)\s+r(\d+) load ([\d.]+)/.exec(line);
  if (m === null) continue;
  by[m[1]][m[2]] = { load: Number(m[3]), first: num(line, "first"), last: num(line, "last"), plain: num(line, "plain"), last99: p99(line, "last") };
}
const med = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rounds = Object.keys(by.base).filter((r) => by.this[r] !== undefined);
console.log("| round | load | last base | last this | first base | first this | plain base | plain this | last−plain base | last−plain this |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
const col = (side, k) => rounds.map((r) => by[side][r][k]);
const lp = (side) => rounds.map((r) => by[side][r].last - by[side][r].plain);
for (const r of rounds) {
  const b = by.base[r];
  const t = by.this[r];
  console.log(
    `| ${r} | ${b.load.toFixed(1)}/${t.load.toFixed(1)} | ${b.last.toFixed(2)} | ${t.last.toFixed(2)} | ${b.first.toFixed(2)} | ${t.first.toFixed(2)} | ${b.plain.toFixed(2)} | ${t.plain.toFixed(2)} | ${(b.last - b.plain).toFixed(2)} | ${(t.last - t.plain).toFixed(2)} |`,
  );
}
console.log(
  `| median | | ${med(col("base", "last")).toFixed(2)} | ${med(col("this", "last")).toFixed(2)} | ${med(col("base", "first")).toFixed(2)} | ${med(col("this", "first")).toFixed(2)} | ${med(col("base", "plain")).toFixed(2)} | ${med(col("this", "plain")).toFixed(2)} | ${med(lp("base")).toFixed(2)} | ${med(lp("this")).toFixed(2)} |`,
);
console.log(`last p99 added, median over rounds: base ${med(col("base", "last99")).toFixed(2)}, this ${med(col("this", "last99")).toFixed(2)} ms`);
const better = rounds.filter((r) => by.this[r].last - by.this[r].plain < by.base[r].last - by.base[r].plain).length;
console.log(`\nlast−plain lower for this in ${better} of ${rounds.length} rounds`);
