// One call's outcome, as the ledger (`iron calls`) and the run summary (`iron run`, `iron demo`)
// both count it: one table of rules, read in TypeScript for the live counters and in SQL for the
// ledger, so the two can never say different things about the same calls.

/** What became of a call: the words `iron calls --decision` takes. */
export type CallOutcome = "deny" | "redact" | "modify" | "allow" | "pending";

/** What is known of a call: the columns of the ledger's `calls` table. */
export interface OutcomeFacts {
  /** The request's decision (allow, modify, deny); null while it is being decided. */
  readonly decision: string | null;
  /** The last response or stream decision that was not allow (redact, deny); null when none. */
  readonly responseAction: string | null;
  /** Values redacted in the request or the response (safety decides a request's as `modify`). */
  readonly redactedValues: number;
}

interface Rule {
  readonly outcome: CallOutcome;
  readonly holds: (f: OutcomeFacts) => boolean;
  /** The same test over the columns decision, response_action and redacted_values. */
  readonly sql: string;
}

// First rule that holds wins; a call no rule takes was allowed. A deny anywhere is a deny, then
// any redaction (a request redaction too, though decided as `modify`), then a modification.
const RULES: readonly Rule[] = [
  { outcome: "deny", holds: (f) => f.decision === "deny" || f.responseAction === "deny", sql: "decision = 'deny' OR response_action = 'deny'" },
  { outcome: "redact", holds: (f) => f.responseAction === "redact" || f.redactedValues > 0, sql: "response_action = 'redact' OR redacted_values > 0" },
  { outcome: "modify", holds: (f) => f.decision === "modify", sql: "decision = 'modify'" },
  { outcome: "pending", holds: (f) => f.decision === null, sql: "decision IS NULL" },
];

/** Values a decision's findings say were redacted. */
export function redactions(findings: readonly { readonly action: string }[] | undefined): number {
  let n = 0;
  for (const f of findings ?? []) if (f.action === "redact") n += 1;
  return n;
}

/** A call's outcome from what is known of it. */
export function callOutcome(facts: OutcomeFacts): CallOutcome {
  return RULES.find((rule) => rule.holds(facts))?.outcome ?? "allow";
}

/** The same rules as one SQL expression over the `calls` table's columns. */
export const OUTCOME_SQL = `CASE ${RULES.map((rule) => `WHEN ${rule.sql} THEN '${rule.outcome}'`).join(" ")} ELSE 'allow' END`;
