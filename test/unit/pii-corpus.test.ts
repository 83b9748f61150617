// Holds the SSN, IBAN and card detectors to the project's own corpus (test/fixtures/pii/corpus.jsonl,
// made by scripts/pii-corpus.mjs; every case names its source and its written form): prints recall
// and false-positive rate per detector, and fails below the floor (recall ≥ 97 %, false positives ≤ 3 %).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BUILTIN_DETECTORS } from "../../src/policy/pii/detectors.js";
import { scanText } from "../../src/policy/pii/scan.js";

interface Case {
  readonly detector: string;
  readonly truth: boolean;
  readonly text: string;
  readonly value: string | null;
  readonly form: string;
  readonly source: string;
}

const corpus = readFileSync(new URL("../fixtures/pii/corpus.jsonl", import.meta.url), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as Case);

const RECALL_FLOOR = 0.97;
const FALSE_POSITIVE_CEILING = 0.03;

describe("the PII corpus", () => {
  it("has at least 500 cases, true and false, each with its source", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(500);
    expect(corpus.every((c) => c.source !== "" && c.form !== "" && (c.truth ? c.value !== null && c.text.includes(c.value) : c.value === null))).toBe(true);
    for (const detector of ["ssn", "iban", "credit_card"]) {
      expect(corpus.filter((c) => c.detector === detector && c.truth).length).toBeGreaterThan(50);
      expect(corpus.filter((c) => c.detector === detector && !c.truth).length).toBeGreaterThan(40);
    }
  });

  it.each(["ssn", "iban", "credit_card"])("%s: recall and false-positive rate are within the floor", (detector) => {
    const cases = corpus.filter((c) => c.detector === detector);
    const found = (c: Case): boolean => scanText(c.text, BUILTIN_DETECTORS).some((m) => m.detector.name === detector && (c.value === null || m.value === c.value));
    const positives = cases.filter((c) => c.truth);
    const negatives = cases.filter((c) => !c.truth);
    const missed = positives.filter((c) => !found(c));
    const flagged = negatives.filter((c) => found(c));
    const recall = 1 - missed.length / positives.length;
    const falsePositives = flagged.length / negatives.length;
    console.log(
      `${detector}: recall ${(recall * 100).toFixed(1)} % (${positives.length - missed.length}/${positives.length}), false positives ${(falsePositives * 100).toFixed(1)} % (${flagged.length}/${negatives.length})`,
    );
    for (const c of [...missed, ...flagged].slice(0, 8)) console.log(`  ${c.truth ? "missed" : "flagged"} [${c.form}] ${JSON.stringify(c.text)}`);
    expect(recall).toBeGreaterThanOrEqual(RECALL_FLOOR);
    expect(falsePositives).toBeLessThanOrEqual(FALSE_POSITIVE_CEILING);
  });
});
