// Summary statistics for latency samples: percentiles by nearest rank, on a sorted copy.

/** Sorted copy of the samples (numbers), ascending. */
export function sorted(samples) {
  return Float64Array.from(samples).sort();
}

/** The p-th percentile (0..100) by nearest rank; NaN for no samples. */
export function percentile(sortedSamples, p) {
  const n = sortedSamples.length;
  if (n === 0) return Number.NaN;
  const rank = Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));
  return sortedSamples[rank];
}

/** p50 / p99 / p99.9 / mean / count of a sample set, in the samples' unit. */
export function summary(samples) {
  const s = sorted(samples);
  let total = 0;
  for (const x of s) total += x;
  return {
    count: s.length,
    mean: s.length ? total / s.length : Number.NaN,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    p999: percentile(s, 99.9),
    max: s.length ? s[s.length - 1] : Number.NaN,
  };
}

/** Median of a few repeated measurements (start-up times, memory). */
export function median(values) {
  return percentile(sorted(values), 50);
}
