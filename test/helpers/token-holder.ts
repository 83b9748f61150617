// Spawns the token_holder fixture and reads the token it was given from a file: iron scrubs
// agents' tokens out of `agent.output` events, so tests that speak for an agent on a raw
// socket (or replay a finished agent's token) cannot read it from the event stream.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Agent, Supervisor } from "../../src/index.js";
import { DEBIAN_PYTHON, FIXTURES, tempDir } from "./iron.js";

export interface Holder {
  readonly agent: string;
  readonly token: string;
  readonly endpoint: string;
  readonly handle: Agent;
}

/** Spawns token_holder.py (extra env, e.g. EXIT_NOW) and resolves once it has written its token. */
export async function spawnTokenHolder(sup: Supervisor, env: Record<string, string> = {}): Promise<Holder> {
  const out = join(tempDir("iron-token-"), "holder.json");
  const handle = await sup.spawn({ script: join(FIXTURES, "token_holder.py"), python: DEBIAN_PYTHON, env: { ...env, TOKEN_OUT: out } });
  for (let i = 0; i < 600 && !existsSync(out); i += 1) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(out)) throw new Error(`token_holder wrote nothing to ${out} within 30 s`);
  return { ...(JSON.parse(readFileSync(out, "utf8")) as Omit<Holder, "handle">), handle };
}
