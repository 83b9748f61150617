// One provider's end-to-end setting: iron mock-llm (echoing, key required), a supervisor that
// redacts both ways and denies the model "deny-me", and a fixture agent that writes one JSON
// line per call it made. The provider e2e tests share it so each says only what it checks.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { Supervisor, type SupervisorOptions } from "../../src/index.js";
import type { IronEvent } from "../../src/events/types.js";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, FIXTURES, tempDir } from "./iron.js";

export interface ProviderRun<Line> {
  readonly mock: MockLlm;
  readonly sup: Supervisor;
  readonly events: IronEvent[];
  readonly lines: Line[];
  close(): Promise<void>;
}

/** Runs `fixture` once to its end with `<PREFIX>_ROOT`, `_PROMPT` and `_OUT` set; resolves with what it wrote and every event.
 * `more`: further supervisor options (the safety settings and the deny-me policy stay). */
export async function runProviderAgent<Line>(fixture: string, prefix: string, prompt: string, denied: string, more: Partial<SupervisorOptions> = {}): Promise<ProviderRun<Line>> {
  const mock = await startMockLlm({ echo: true, requireAuth: true });
  const sup = await Supervisor.start({
    ...more,
    safety: { input: { default: "redact", phone: "allow" }, output: { default: "redact" } },
    policies: [{ name: "deny-model", onRequest: (call) => (call.model === "deny-me" ? { action: "deny", code: "IRON_ERR_POLICY", reason: `${denied} deny-me is not allowed` } : undefined) }],
  });
  const events: IronEvent[] = [];
  sup.on("event", (event) => events.push(event));
  const file = join(tempDir(), `${prefix.toLowerCase()}.jsonl`);
  const agent = await sup.spawn({ script: join(FIXTURES, fixture), python: DEBIAN_PYTHON, env: { [`${prefix}_ROOT`]: mock.url, [`${prefix}_PROMPT`]: prompt, [`${prefix}_OUT`]: file } });
  expect((await agent.exited).exitCode).toBe(0);
  const lines = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Line);
  return {
    mock,
    sup,
    events,
    lines,
    close: async () => {
      await sup.close();
      await mock.close();
    },
  };
}

/** The events of one type, typed. */
export function eventsOf<T extends IronEvent["type"]>(events: readonly IronEvent[], type: T): Extract<IronEvent, { type: T }>[] {
  return events.filter((e): e is Extract<IronEvent, { type: T }> => e.type === type);
}
