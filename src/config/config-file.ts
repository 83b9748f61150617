// Where iron looks for its configuration, without loading the YAML parser or the schemas: a run
// with no iron.yaml never pays for them.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { LoadedConfig } from "./load-config.js";

export const DEFAULT_CONFIG_FILE = "iron.yaml";

/** `--config FILE` when given, else ./iron.yaml when it exists, else no config (the parser loads only for a file). */
export async function findConfigLazily(explicit: string | undefined, cwd: string = process.cwd()): Promise<LoadedConfig | null> {
  if (explicit === undefined && !existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))) return null;
  return (await import("./load-config.js")).findConfig(explicit, cwd);
}
