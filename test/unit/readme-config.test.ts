// Protects the documentation of iron.yaml: the annotated example in the README is exactly
// examples/iron.yaml (which the e2e suite checks with `iron config check`), and it names
// every top-level section the schema knows.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { REPO } from "../helpers/iron.js";

describe("README configuration example", () => {
  it("is examples/iron.yaml, word for word, and covers every section", () => {
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    const example = readFileSync(join(REPO, "examples", "iron.yaml"), "utf8");
    expect(readme).toContain("```yaml\n" + example + "```");
    const sections = Object.keys(configSchema.shape);
    for (const section of sections) expect(example, section).toMatch(new RegExp(`^${section}:`, "m"));
  });
});
