// Benchmark rows: each figure beside a baseline measured in the same run, as a ratio;
// printed as a table and handed to bench/run.mjs as JSON.
import { writeFileSync } from "node:fs";

/**
 * One figure. `ratio` is value / baseline (so < 1 is "less than the baseline"); `target` says
 * what we aim for and `met` whether this run met it (never asserted: bench is not a test).
 */
export function row({ group, figure, value, unit, baseline, baselineValue, target, met, note }) {
  const ratio = Number.isFinite(value) && Number.isFinite(baselineValue) && baselineValue !== 0 ? value / baselineValue : null;
  return { group, figure, value, unit, baseline: baseline ?? null, baselineValue: baselineValue ?? null, ratio, target: target ?? null, met: met ?? null, note: note ?? null };
}

/** Formats a value in its unit for the table. */
export function fmt(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  const digits = Math.abs(value) >= 1000 ? 0 : Math.abs(value) >= 100 ? 1 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

/** The rows as an aligned text table: target, measured, baseline (same run) and ratio, then the note. */
export function table(rows) {
  const header = ["group", "figure", "target", "measured", "baseline", "baseline value", "ratio", "note"];
  const lines = rows.map((r) => [
    r.group,
    r.figure,
    r.target === null ? "" : `${r.target}${r.met === null ? "" : r.met ? " ✓" : " ✗"}`,
    fmt(r.value, r.unit),
    r.baseline ?? "",
    r.baselineValue === null ? "" : fmt(r.baselineValue, r.unit),
    r.ratio === null ? "" : `${r.ratio.toFixed(2)}×`,
    r.note ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join(" │ ")
      .trimEnd();
  return [render(header), widths.map((w) => "─".repeat(w)).join("─┼─"), ...lines.map(render)].join("\n");
}

/** Runs one benchmark module: prints its table, and writes its rows where run.mjs asked (--emit FILE). */
export async function runBench(name, main) {
  const started = Date.now();
  const rows = await main();
  const seconds = (Date.now() - started) / 1000;
  process.stderr.write(`\n${name} (${seconds.toFixed(1)} s)\n${table(rows)}\n`);
  const at = process.argv.indexOf("--emit");
  if (at >= 0 && process.argv[at + 1]) writeFileSync(process.argv[at + 1], JSON.stringify({ name, seconds, rows }));
  return rows;
}

/** A progress line on stderr (stdout stays for results). */
export function progress(message) {
  process.stderr.write(`  · ${message}\n`);
}
