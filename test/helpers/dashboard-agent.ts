// A real supervisor with its dashboard, running the call_on_demand.py agent ("worker") against
// a mock provider: tests make the agent call with a prompt and act on it over HTTP.
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { IronEvent } from "../../src/events/types.js";
import type { SupervisorOptions } from "../../src/supervisor/options.js";
import { Supervisor } from "../../src/supervisor/supervisor.js";
import { pageFixture, parseDashboardUrl } from "./dashboard.js";
import { FIXTURES, tempDir } from "./iron.js";
import { patiently } from "./patiently.js";

/**
 * Asks call_on_demand.py for call `n`: the request file appears whole (written aside, then renamed),
 * never empty or half-written — the agent would crash on it, be restarted and redo every call.
 */
export function requestCall(dir: string, n: number, spec: { prompt: string; model?: string }): void {
  writeFileSync(join(dir, `${n}.json.tmp`), JSON.stringify(spec));
  renameSync(join(dir, `${n}.json.tmp`), join(dir, `${n}.json`));
}

export interface Rig {
  readonly sup: Supervisor;
  readonly base: string;
  readonly token: string;
  readonly events: IronEvent[];
  /** Has the agent make call `n` with `prompt`; resolves with its printed result. */
  call(n: number, prompt: string, model?: string): Promise<{ status: number; code: string | null; text: string | null }>;
  of<T extends IronEvent["type"]>(type: T): IronEvent<T>[];
}

/** Starts the supervisor (pushed to `open` for closing) and the agent, once it printed "ready". */
export async function agentRig(mockBaseUrl: string, open: Supervisor[], options: SupervisorOptions = {}): Promise<Rig> {
  const sup = await Supervisor.start({ stream: { dashboardDir: pageFixture() }, ...options });
  open.push(sup);
  const events: IronEvent[] = [];
  sup.on("event", (e) => events.push(e));
  const calls = tempDir("iron-calls-");
  await sup.spawn({ name: "worker", script: join(FIXTURES, "call_on_demand.py"), env: { OPENAI_BASE_URL: mockBaseUrl, OPENAI_API_KEY: "sk-test", CALL_DIR: calls } });
  const of = <T extends IronEvent["type"]>(type: T): IronEvent<T>[] => events.filter((e) => e.type === type) as unknown as IronEvent<T>[];
  await patiently(() => of("agent.output").some((e) => e.line === "ready")).toBe(true);
  const { base, token } = parseDashboardUrl(sup.dashboardUrl ?? "");
  return {
    sup,
    base,
    token,
    events,
    of,
    async call(n, prompt, model = "gpt-4o-mini") {
      requestCall(calls, n, { model, prompt });
      let line: { n: number; status: number; code: string | null; text: string | null } | undefined;
      await expect
        .poll(
          () => {
            line = of("agent.output")
              .map((e) => e.line)
              .filter((l) => l.startsWith("{"))
              .map((l) => JSON.parse(l) as { n: number; status: number; code: string | null; text: string | null })
              .find((l) => l.n === n);
            return line !== undefined;
          },
          { timeout: 15_000 },
        )
        .toBe(true);
      return line as { status: number; code: string | null; text: string | null };
    },
  };
}
