// Protects the documentation of iron.yaml: examples/iron.yaml (which the e2e suite checks with
// `iron config check`) names every top-level section the schema knows; docs/configuration.md
// lists every one of them and points at that file instead of copying it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { REPO } from "../helpers/iron.js";

const example = readFileSync(join(REPO, "examples", "iron.yaml"), "utf8");
const page = readFileSync(join(REPO, "docs", "configuration.md"), "utf8");
const sections = Object.keys(configSchema.shape);

describe("iron.yaml documentation", () => {
  it("examples/iron.yaml covers every section", () => {
    for (const section of sections) expect(example, section).toMatch(new RegExp(`^${section}:`, "m"));
  });

  it("docs/configuration.md lists every section and links examples/iron.yaml", () => {
    for (const section of sections) expect(page, section).toMatch(new RegExp(`^\\| \`${section}:?\` \\|`, "m"));
    expect(page).toContain("](../examples/iron.yaml)");
  });

  it("no page copies examples/iron.yaml", () => {
    const opening = example.split("\n").slice(0, 12).join("\n");
    for (const file of ["README.md", join("docs", "configuration.md")]) {
      expect(readFileSync(join(REPO, file), "utf8"), file).not.toContain(opening);
    }
  });
});
