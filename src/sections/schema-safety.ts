// The `safety:` section: which detectors run, what each direction does with their matches,
// custom regex detectors, values that are always fine, and the salt of audit hashes.
import * as z from "zod";
import { DETECTOR_GROUPS, DETECTOR_NAMES } from "../policy/pii/detectors.js";
import { flag, obj, oneOf, text } from "./schema-parts.js";

const action = oneOf(["allow", "redact", "block"]);

/** `{default: redact, email: allow, secret: block}` — keys checked against the detectors below. */
const direction = z.record(z.string(), action, { error: 'a map of detector (or "default") to allow | redact | block' });

const custom = obj({
  name: z.string({ error: "a lower-case name such as employee_id" }).regex(/^[a-z][a-z0-9_]{0,39}$/, { error: "a lower-case name such as employee_id" }),
  pattern: text("a regular expression").refine(validPattern, { error: "a regular expression that compiles and never matches the empty string" }),
  flags: z
    .string({ error: "regular expression flags from i, m, s, u" })
    .regex(/^[imsu]*$/, { error: "regular expression flags from i, m, s, u" })
    .optional(),
});

function validPattern(source: string): boolean {
  try {
    return !new RegExp(source, "u").test("");
  } catch {
    try {
      return !new RegExp(source).test("");
    } catch {
      return false;
    }
  }
}

export const safetySchema = obj({
  /** false turns the safety policy off. */
  enabled: flag.optional(),
  /** Built-in detectors to run (default: all). */
  detectors: z.array(oneOf(DETECTOR_NAMES as [string, ...string[]]), { error: "a list of detector names" }).optional(),
  /** What requests do with matches (default: redact). */
  input: direction.optional(),
  /** What responses and streams do with matches (default: redact). */
  output: direction.optional(),
  /** Extra detectors: a name and a regular expression. */
  custom: z.array(custom, { error: "a list of {name, pattern, flags}" }).optional(),
  /** Exact values never flagged. */
  allow: z.array(z.string({ error: "a string" }), { error: "a list of strings" }).optional(),
  /** Salt of the SHA-256 hashes in the audit trail. */
  hash_salt: z.string({ error: "a string" }).optional(),
}).superRefine((safety, ctx) => {
  const names = new Set(["default", ...DETECTOR_NAMES, ...DETECTOR_GROUPS, ...(safety.custom ?? []).map((c) => c.name)]);
  for (const side of ["input", "output"] as const) {
    for (const key of Object.keys(safety[side] ?? {})) {
      if (!names.has(key)) ctx.addIssue({ code: "custom", path: [side, key], message: `a detector name: ${[...names].join(", ")}`, params: { got: key } });
    }
  }
  const seen = new Set<string>(DETECTOR_NAMES);
  (safety.custom ?? []).forEach((c, i) => {
    if (seen.has(c.name)) ctx.addIssue({ code: "custom", path: ["custom", i, "name"], message: "a name no other detector has", params: { got: c.name } });
    seen.add(c.name);
  });
});

export type SafetyConfig = z.infer<typeof safetySchema>;
