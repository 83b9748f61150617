// Chunk hints end to end (protocol/SPEC.md 3.6a `chunk_hints`, `released`): a real supervisor with the
// default config (output safety watches streams), a real Python agent through the shim reading streams
// from a local SSE server that writes each read apart. A read no output detector could act on is released
// without a chunk round trip; whatever the chunking, the agent gets the same text as when every read is
// asked (the shim with chunk hints turned off), PII redacted alike, and no hint ever misses a value.
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Supervisor, type IronEvent } from "../../src/index.js";
import { DEBIAN_PYTHON, FIXTURES } from "../helpers/iron.js";

interface Case {
  readonly reads: readonly (readonly string[])[];
  readonly end_alone?: boolean;
}

interface Line {
  readonly mode: "ask" | "release";
  readonly case: number;
  readonly content: string;
  readonly asked: number;
  readonly told: number;
}

// Runs the fixture over `cases` in each mode; its lines and every event.
async function run(cases: readonly Case[], modes: readonly string[]): Promise<{ lines: Line[]; events: IronEvent[] }> {
  const sup = await Supervisor.start({});
  const events: IronEvent[] = [];
  sup.on("event", (e) => events.push(e));
  try {
    const env = { STREAM_CASES: JSON.stringify(cases), STREAM_MODES: JSON.stringify(modes), STREAM_GAP_MS: "3" };
    const agent = await sup.spawn({ script: join(FIXTURES, "stream_release.py"), python: DEBIAN_PYTHON, env });
    expect((await agent.exited).exitCode).toBe(0);
    const printed = () => events.filter((e) => e.type === "agent.output" && e.stream === "stdout");
    await expect.poll(() => printed().length).toBe(cases.length * modes.length);
    await expect.poll(() => events.filter((e) => e.type === "llm.response").length).toBe(cases.length * modes.length);
    const lines = printed().flatMap((e) => (e.type === "agent.output" ? [JSON.parse(e.line) as Line] : []));
    return { lines, events };
  } finally {
    await sup.close();
  }
}

const CLEAN = ["Hello", "world", "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog.", "Sure,", "here", "is", "it!", "mock-llm."];
const PII = ["jane.doe@example.com", "4111 1111 1111 1111", "+1 415 555 2671", "DE89 3704 0044 0532 0130 00", "10.20.30.40", "123-45-6789", "call 020 7946 0958", "AKIAIOSFODNN7EXAMPLE"];
const SEPARATORS = [" ", " ", " ", "\n", ", ", ". "];

// A text of words and separators, cut into deltas, the deltas grouped into reads.
const caseOf = (words: readonly string[]) =>
  fc
    .tuple(
      fc.array(fc.tuple(fc.constantFrom(...words), fc.constantFrom(...SEPARATORS)), { minLength: 1, maxLength: 14 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      fc.boolean(),
    )
    .map(([pieces, cuts, groups, endAlone]): Case => {
      const text = pieces.map(([w, s], i) => (i === pieces.length - 1 ? w : w + s)).join("");
      const at = [...new Set(cuts.map((c) => 1 + (c % Math.max(1, text.length - 1))))].sort((a, b) => a - b);
      const deltas = [0, ...at].map((start, i) => text.slice(start, at[i] ?? text.length)).filter((d) => d !== "");
      const marks = [...new Set(groups.map((g) => 1 + (g % Math.max(1, deltas.length))))].sort((a, b) => a - b);
      const reads = [0, ...marks].map((start, i) => deltas.slice(start, marks[i] ?? deltas.length)).filter((r) => r.length > 0);
      return { reads, end_alone: endAlone };
    });

describe("chunk hints", () => {
  it("release every read of a clean stream with no chunk round trip (on main: at least one a stream)", async () => {
    const cases: Case[] = [{ reads: [["Hello", " world", "!"]] }, { reads: [["Sure,"], [" here"], [" it is"], ["."]], end_alone: true }];
    const { lines, events } = await run(cases, ["release"]);
    expect(lines.map((l) => [l.content, l.asked])).toEqual([
      ["Hello world!", 0],
      ["Sure, here it is.", 0],
    ]);
    expect(lines.every((l) => l.told > 0)).toBe(true);
    expect(events.filter((e) => e.type === "policy.error")).toEqual([]);
  });

  it("give the agent what the asking path gives it, whatever the chunking, with or without PII", async () => {
    const cases = fc.sample(fc.oneof(caseOf(CLEAN), caseOf([...CLEAN, ...PII])), { numRuns: 48, seed: 1407 });
    const { lines, events } = await run(cases, ["ask", "release"]);
    const of = (mode: string) => lines.filter((l) => l.mode === mode).sort((a, b) => a.case - b.case);
    const asked = of("ask");
    const released = of("release");
    expect(released.map((l) => l.content)).toEqual(asked.map((l) => l.content));
    for (const line of released) {
      const words = (cases[line.case]?.reads ?? []).flat().join("");
      if (!/[0-9@]/.test(words)) expect(line.asked, words).toBe(0);
      expect(line.content).not.toContain("jane.doe@example.com");
      expect(line.content).not.toContain("4111 1111 1111 1111");
    }
    expect(released.some((l) => l.asked > 0)).toBe(true);
    expect(events.filter((e) => e.type === "policy.error")).toEqual([]);
  });
});
