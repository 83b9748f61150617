// How numbers, times and durations read on the page.
export { formatUsd } from "../../../src/policy/money.js";

/** "14:03:07" in the viewer's time zone. */
export function clock(ts: number): string {
  const d = new Date(ts);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** "3d 4h", "2h 05m", "4m 09s", "12s". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** 1234567 → "1.23M", 12345 → "12.3k", 999 → "999". */
export function count(n: number): string {
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** "18.8 ms", "1.24 s". */
export function latency(ms: number | null): string {
  if (ms === null) return "";
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

/** How a process ended: "code 0", "SIGKILL", or the reason alone. */
export function exitText(exit: { readonly exitCode: number | null; readonly signal: string | null }): string {
  if (exit.signal !== null) return exit.signal;
  if (exit.exitCode !== null) return `code ${exit.exitCode}`;
  return "";
}

/** A value as readable text: strings as they are, anything else as indented JSON. */
export function pretty(value: unknown): string {
  if (typeof value === "string") {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2) ?? String(value);
}
