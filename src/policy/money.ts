// Money is integer micro-dollars everywhere; these convert at the edges.

/** USD (as people write it) to integer micro-dollars, rounded to the nearest. */
export function usdToMicros(usd: number): number {
  return Math.round(usd * 1_000_000);
}

/** Micro-dollars to USD. */
export function microsToUsd(micros: number): number {
  return micros / 1_000_000;
}

/** "$0.001234": enough digits that small per-call costs (and what is left after them) stay visible. */
export function formatUsd(micros: number): string {
  const usd = microsToUsd(micros);
  if (micros !== 0 && (Math.abs(usd) < 0.01 || (Math.abs(usd) < 1 && micros % 100 !== 0))) return `$${usd.toFixed(6)}`;
  return `$${usd.toFixed(usd >= 100 ? 2 : 4)}`;
}
