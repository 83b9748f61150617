// How `iron watch` and `iron budget reset` find the supervisor running here: `iron run` leaves
// the stream's URL and tokens in a private file beside its state file, and removes it when it stops.
import { chmodSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { isSameProcessAlive, processStartTicks } from "../store/process-identity.js";

export const DISCOVERY_FILE = "stream.json";

/** What the discovery file holds. */
export interface StreamDiscovery {
  readonly url: string;
  readonly token: string;
  /** The control token (acts through /api/actions); absent in files written by older versions. */
  readonly control?: string;
  readonly pid: number;
  readonly procStart: number | null;
}

/** Writes `<dir>/stream.json` (mode 0600: it holds the token). */
export function writeDiscovery(dir: string, url: string, token: string, control: string | null = null): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const entry: StreamDiscovery = { url, token, ...(control !== null && { control }), pid: process.pid, procStart: processStartTicks(process.pid) };
  const file = join(dir, DISCOVERY_FILE);
  try {
    chmodSync(file, 0o600); // before writing the token: the mode below applies only to a new file
  } catch {
    // No file yet.
  }
  writeFileSync(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
}

/** The running supervisor's stream announced in `dir`, or null when none is (or it died). */
export function readDiscovery(dir: string): StreamDiscovery | null {
  let entry: StreamDiscovery;
  try {
    entry = JSON.parse(readFileSync(join(dir, DISCOVERY_FILE), "utf8")) as StreamDiscovery;
  } catch {
    return null;
  }
  if (typeof entry?.url !== "string" || typeof entry.token !== "string" || typeof entry.pid !== "number") return null;
  return isSameProcessAlive(entry.pid, entry.procStart ?? null) ? entry : null;
}

/** Removes the file if this process wrote it (another supervisor may have replaced it since). */
export function removeDiscovery(dir: string): void {
  const path = join(dir, DISCOVERY_FILE);
  try {
    const entry = JSON.parse(readFileSync(path, "utf8")) as Partial<StreamDiscovery>;
    if (entry.pid === process.pid) rmSync(path, { force: true });
  } catch {
    // Gone already, or not ours to judge.
  }
}
