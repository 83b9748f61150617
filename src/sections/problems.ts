// Turns schema issues into problems that name the path, what was expected and what was got,
// and problems into the one IRON_ERR_CONFIG error.
import type * as z from "zod";
import { IronError, describe } from "../errors.js";

/** One thing wrong with a configuration. */
export interface ConfigProblem {
  /** Dotted path such as `budgets.per_agent` or `agents[0].restart`. */
  readonly path: string;
  readonly expected: string;
  readonly got: unknown;
  /** 1-based line in the file, when known. */
  readonly line?: number;
}

/** `agents[0].restart` from ["agents", 0, "restart"]. */
export function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) out += typeof key === "number" ? `[${key}]` : out === "" ? String(key) : `.${String(key)}`;
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

// A union that failed deep inside the branch whose shape matched reports that deeper issue.
function deepest(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== "invalid_union") return issue;
  let best: z.core.$ZodIssue | null = null;
  for (const branch of issue.errors) {
    for (const inner of branch) {
      const d = deepest(inner);
      if (d.path.length > 0 && !d.message.startsWith("Invalid input") && (best === null || d.path.length > best.path.length)) best = d;
    }
  }
  return best === null ? issue : ({ ...best, path: [...issue.path, ...best.path] } as z.core.$ZodIssue);
}

// Edit distance between two short keys (insertions, deletions, substitutions).
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const next = [i];
    for (let j = 1; j <= b.length; j += 1) next[j] = Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length] as number;
}

/** The known key a mistyped one most likely meant (`budget` → `budgets`), or null when none is close. */
export function closestKey(key: string, known: readonly string[]): string | null {
  let best: { key: string; d: number } | null = null;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d <= Math.max(1, Math.floor(candidate.length / 3)) && (best === null || d < best.d)) best = { key: candidate, d };
  }
  return best?.key ?? null;
}

/** Problems from a failed parse of `input`, paths prefixed with `prefix` (e.g. "budgets"). */
export function problemsOf(error: z.ZodError, input: unknown, prefix = ""): ConfigProblem[] {
  return error.issues.map((raw) => {
    const issue = deepest(raw);
    if (issue.code === "unrecognized_keys") {
      const key = issue.keys[0] as string;
      const known = /^one of the keys (.*)$/.exec(issue.message)?.[1]?.split(", ") ?? [];
      const near = closestKey(key, known);
      const hint = near === null ? issue.message : `did you mean ${JSON.stringify(near)}? ${issue.message}`;
      return { path: formatPath(prefix, [...issue.path, key]), expected: `no key ${JSON.stringify(key)} here (${hint})`, got: valueAt(input, [...issue.path, key]) };
    }
    const got = issue.code === "custom" && issue.params?.got !== undefined ? issue.params.got : valueAt(input, issue.path);
    return { path: formatPath(prefix, issue.path), expected: issue.message, got };
  });
}

/** The IRON_ERR_CONFIG error for a list of problems: the first in full, the count of the rest. */
export function configError(source: string, problems: readonly ConfigProblem[]): IronError {
  const first = problems[0] as ConfigProblem;
  const where = first.line === undefined ? source : `${source}:${first.line}`;
  const more = problems.length > 1 ? ` (+${problems.length - 1} more; see iron config check)` : "";
  return new IronError("IRON_ERR_CONFIG", `invalid configuration in ${where}${more}`, { path: first.path, expected: first.expected, got: first.got });
}

/** One line per problem, as `iron config check` prints them. */
export function problemLine(source: string, p: ConfigProblem): string {
  return `${p.line === undefined ? source : `${source}:${p.line}`}: ${p.path}: expected ${p.expected}, got ${describe(p.got)}`;
}
