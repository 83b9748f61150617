// Protects docs/errors.md as generated: it is exactly what scripts/error-docs.mjs renders from
// the catalogue today (so a new or reworded code fails until `npm run docs:errors` is run), and
// the script's own notes name only codes that exist.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exitCodeFor } from "../../src/cli/exit-codes.js";
import { ERROR_CODES } from "../../src/errors.js";
// @ts-expect-error -- a plain .mjs script without type declarations
import { CALL_STATUS, HTTP_NOTES, renderErrorDocs } from "../../scripts/error-docs.mjs";
import { REPO } from "../helpers/iron.js";

describe("docs/errors.md", () => {
  it("is up to date with src/errors.ts (run npm run docs:errors)", () => {
    const written = readFileSync(join(REPO, "docs", "errors.md"), "utf8");
    expect(written).toBe(renderErrorDocs(ERROR_CODES, exitCodeFor));
  });

  it("has a row for every code", () => {
    const written = readFileSync(join(REPO, "docs", "errors.md"), "utf8");
    for (const code of Object.keys(ERROR_CODES)) expect(written, code).toContain(`| \`${code}\` |`);
  });

  it("notes HTTP statuses only for codes the catalogue has", () => {
    const noted = [...Object.keys(CALL_STATUS as object), ...Object.keys(HTTP_NOTES as object)];
    expect(noted.filter((code) => !(code in ERROR_CODES))).toEqual([]);
  });
});
