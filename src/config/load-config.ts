// Finds, reads, parses and validates iron.yaml: `--config FILE`, else ./iron.yaml when it
// exists. Every failure is IRON_ERR_CONFIG naming the file, line, path, expected and got.
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { isMap, isScalar, LineCounter, parseDocument, type Document } from "yaml";
import { IronError } from "../errors.js";
import { configError, problemsOf, type ConfigProblem } from "../sections/problems.js";
import { configSchema, type IronConfig } from "./schema.js";

/** The default config file name, looked up in the working directory. */
import { DEFAULT_CONFIG_FILE } from "./config-file.js";

export { DEFAULT_CONFIG_FILE };

/** A validated config and where it came from. */
export interface LoadedConfig {
  readonly config: IronConfig;
  /** Absolute path of the file. */
  readonly file: string;
  /** Directory relative paths in the file (scripts, policies) are resolved against. */
  readonly dir: string;
}

/** What checking a file found: the config, or every problem. */
export type CheckedConfig = { readonly ok: true; readonly loaded: LoadedConfig } | { readonly ok: false; readonly source: string; readonly problems: readonly ConfigProblem[] };

/** Checks a file without throwing (for `iron config check`). */
export function checkConfigFile(path: string, cwd: string = process.cwd()): CheckedConfig {
  const file = resolve(cwd, path);
  const source = relative(cwd, file) || file;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === "ENOENT" ? "the file does not exist" : (cause as Error).message;
    throw new IronError("IRON_ERR_CONFIG", `cannot read ${source}: ${reason}`, { cause });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({ path: "(yaml)", expected: "valid YAML", got: e.message.split("\n")[0], line: e.linePos?.[0].line ?? lines.linePos(e.pos[0]).line }));
    return { ok: false, source, problems };
  }
  const value = (doc.toJS() ?? {}) as unknown;
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    const problems = problemsOf(parsed.error, value).map((p) => ({ ...p, ...lineOf(doc, lines, p.path) }));
    return { ok: false, source, problems: inLineOrder(problems) };
  }
  return { ok: true, loaded: { config: parsed.data, file, dir: dirname(file) } };
}

/** Loads and validates a config file; throws the first problem as IRON_ERR_CONFIG. */
export function loadConfigFile(path: string, cwd: string = process.cwd()): LoadedConfig {
  const checked = checkConfigFile(path, cwd);
  if (!checked.ok) throw configError(checked.source, checked.problems);
  return checked.loaded;
}

/** `--config FILE` when given, else ./iron.yaml when it exists, else no config. */
export function findConfig(explicit: string | undefined, cwd: string = process.cwd()): LoadedConfig | null {
  if (explicit !== undefined) return loadConfigFile(explicit, cwd);
  return existsSync(resolve(cwd, DEFAULT_CONFIG_FILE)) ? loadConfigFile(DEFAULT_CONFIG_FILE, cwd) : null;
}

// Problems as they appear in the file, top to bottom (a stable sort: same-line problems keep their order).
function inLineOrder(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
}

// The line of the deepest node of a dotted path that exists in the document: the line of its
// key when it is a map entry (an unknown `budget:` whose value starts on the next line is on the key's line).
function lineOf(doc: Document, lines: LineCounter, path: string): { line?: number } {
  const keys = path
    .split(/\.|\[(\d+)\]/)
    .filter((k) => k !== undefined && k !== "")
    .map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  for (let n = keys.length; n > 0; n -= 1) {
    const parent = (n === 1 ? doc.contents : doc.getIn(keys.slice(0, n - 1), true)) as unknown;
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === keys[n - 1]);
      const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (range !== undefined) return { line: lines.linePos(range[0]).line };
    }
    const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range !== undefined) return { line: lines.linePos(node.range[0]).line };
  }
  return {};
}
