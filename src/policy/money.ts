// Money is integer micro-dollars everywhere; these convert at the edges.

/** USD (as people write it) to integer micro-dollars, rounded to the nearest. */
export function usdToMicros(usd: number): number {
  return Math.round(usd * 1_000_000);
}

/** Micro-dollars to USD. */
export function microsToUsd(micros: number): number {
  return micros / 1_000_000;
}

/** The one way iron writes money: exact to the micro-dollar the ledger keeps, trailing zeros dropped down to cents ($0.01, $0.000034, $1.50). */
export function formatUsd(micros: number): string {
  const sign = micros < 0 ? "-" : "";
  const abs = Math.abs(Math.round(micros));
  const dollars = Math.floor(abs / 1_000_000);
  const fraction = String(abs % 1_000_000)
    .padStart(6, "0")
    .replace(/0{1,4}$/, "");
  return `${sign}$${dollars}.${fraction.padEnd(2, "0")}`;
}
