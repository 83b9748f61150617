// One member of a test fleet: a real `iron run` supervisor on a database URL whose Python agent
// (test/fixtures/steady_caller.py) calls the mock provider every 20 ms until `stop` exists.
import { execa, type ResultPromise } from "execa";
import { join } from "node:path";
import { DEBIAN_PYTHON, FIXTURES, IRON_BIN } from "./iron.js";

/** One line the agent printed per call. */
export interface CallLine {
  readonly i: number;
  readonly status: number;
  readonly code?: string | null;
}

export interface FleetMember {
  readonly run: ResultPromise<{ reject: false; env: Record<string, string>; buffer: false }>;
  /** What the agent printed so far, one entry per call. */
  readonly lines: CallLine[];
}

/** Starts a supervisor on `url` with a `budgetUsd` global limit; its agent calls `baseUrl` until `stop` exists. */
export function fleetMember(url: string, baseUrl: string, stop: string, budgetUsd: string): FleetMember {
  const run = execa("node", [IRON_BIN, "run", "--state", url, "--budget", budgetUsd, "--no-stream", "--python", DEBIAN_PYTHON, join(FIXTURES, "steady_caller.py")], {
    env: { OPENAI_BASE_URL: baseUrl, STOP_FILE: stop },
    reject: false,
    buffer: false,
  });
  const lines: CallLine[] = [];
  let rest = "";
  run.stdout?.on("data", (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split("\n");
    rest = parts.pop() ?? "";
    for (const part of parts) if (part.startsWith("{")) lines.push(JSON.parse(part) as CallLine);
  });
  return { run, lines };
}

/** Counts lines (or ledger rows) by "status code". */
export function byOutcome(lines: readonly { status: number | null; code?: string | null }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of lines) {
    const key = `${l.status} ${l.code ?? null}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
