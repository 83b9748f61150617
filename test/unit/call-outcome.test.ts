// A call's outcome has one definition (src/events/call-outcome.ts) read twice: in SQL by the ledger
// (`iron calls`) and in TypeScript by the run summary's live counters. These check that the two
// readings agree on every combination in a real SQLite file, and that the counters move a call
// whose response was redacted from allowed to redacted, as the ledger counts it.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { callOutcome, OUTCOME_SQL, type OutcomeFacts } from "../../src/events/call-outcome.js";
import type { Finding } from "../../src/policy/types.js";
import { emptyVerdict, type Verdict } from "../../src/policy/verdict.js";
import { openDatabase } from "../../src/store/sqlite/database.js";
import { MetricsBoard } from "../../src/supervisor/call-metrics.js";
import { tempDir } from "../helpers/iron.js";

const finding = (action: Finding["action"]): Finding => ({ detector: "email", direction: "input", action, placeholder: "[EMAIL_1]" }) as Finding;
const verdict = (action: Verdict["action"], findings: Finding[] = []): Verdict => ({ ...emptyVerdict(action), findings });

describe("call outcome", () => {
  it("reads the same in SQL as in TypeScript for every combination of the ledger's columns", () => {
    const db = openDatabase(join(tempDir("iron-outcome-"), "state.db"));
    try {
      db.exec("CREATE TABLE calls (decision TEXT, response_action TEXT, redacted_values INTEGER NOT NULL)");
      const facts: OutcomeFacts[] = [];
      for (const decision of [null, "allow", "modify", "deny"])
        for (const responseAction of [null, "redact", "deny"]) for (const redactedValues of [0, 2]) facts.push({ decision, responseAction, redactedValues });
      const insert = db.prepare("INSERT INTO calls (decision, response_action, redacted_values) VALUES (?, ?, ?)");
      for (const f of facts) insert.run(f.decision, f.responseAction, f.redactedValues);
      const rows = db.prepare<[], { outcome: string }>(`SELECT ${OUTCOME_SQL} AS outcome FROM calls ORDER BY rowid`).all();
      expect(rows.map((r) => r.outcome)).toEqual(facts.map(callOutcome));
      // The words themselves, for a few that matter.
      expect(callOutcome({ decision: "modify", responseAction: null, redactedValues: 2 })).toBe("redact");
      expect(callOutcome({ decision: "allow", responseAction: "redact", redactedValues: 1 })).toBe("redact");
      expect(callOutcome({ decision: "allow", responseAction: "deny", redactedValues: 1 })).toBe("deny");
      expect(callOutcome({ decision: "modify", responseAction: null, redactedValues: 0 })).toBe("modify");
    } finally {
      db.close();
    }
  });

  it("counts each call once, under the outcome the ledger gives it", () => {
    const board = new MetricsBoard();
    board.countRequest("a", "c1", verdict("allow"));
    board.countResponse("a", "c1", verdict("allow"), null);
    // A request redaction, decided as modify.
    board.countRequest("a", "c2", verdict("modify", [finding("redact"), finding("redact")]));
    board.countResponse("a", "c2", verdict("allow"), null);
    // An allowed request whose response is redacted.
    board.countRequest("a", "c3", verdict("allow"));
    expect(board.of("a")).toMatchObject({ calls: 3, allowed: 2, modified: 0, redacted: 1 });
    board.countResponse("a", "c3", verdict("redact", [finding("redact")]), null);
    // A modified request, and a denied one.
    board.countRequest("a", "c4", verdict("modify"));
    board.countRequest("a", "c5", { ...verdict("deny"), code: "IRON_ERR_BUDGET" });
    // A stream redaction, then a response deny: deny wins.
    board.countRequest("a", "c6", verdict("allow"));
    board.noteResponse("c6", "redact", [finding("redact")]);
    board.countResponse("a", "c6", verdict("deny"), null);
    expect(board.of("a")).toMatchObject({ calls: 6, allowed: 1, modified: 1, redacted: 2, denied: 2, deniedByBudget: 1 });
  });
});
