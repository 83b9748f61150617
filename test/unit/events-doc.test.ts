// Protects the event catalogue's documentation: protocol/SPEC.md shows a JSON example of every
// event type, each a well-formed event, and documents no type that does not exist.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EVENT_TYPES } from "../../src/events/types.js";

const spec = readFileSync(new URL("../../protocol/SPEC.md", import.meta.url), "utf8");
const section = spec.slice(spec.indexOf("## 6. Events"));
const examples = [...section.matchAll(/```json\n([\s\S]*?)```/g)].flatMap((m) => (m[1] as string).split(/\n(?=\{)/)).map((text) => JSON.parse(text.replace(/\n\s*/g, "")) as Record<string, unknown>);

describe("protocol/SPEC.md, section 6", () => {
  it.each(EVENT_TYPES)("has an example of %s with seq and ts", (type) => {
    const example = examples.find((e) => e.type === type);
    expect(example, `an example of ${type}`).toBeDefined();
    expect(Number.isInteger(example?.seq) && Number.isInteger(example?.ts)).toBe(true);
  });

  it("lists every type in its table and no type that does not exist", () => {
    const listed = [...section.matchAll(/^\| `([a-z.]+)` \|/gm)].map((m) => m[1]);
    expect([...listed].sort()).toEqual([...EVENT_TYPES].sort());
    expect(examples.map((e) => e.type).filter((t) => t !== "snapshot" && !(EVENT_TYPES as readonly unknown[]).includes(t))).toEqual([]);
  });
});
