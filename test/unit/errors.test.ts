// Protects the error catalogue's promise: every code is documented in docs/errors.md with the
// exit code the CLI really uses, and messages say what was expected and what was got.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, IronError, type IronErrorCode } from "../../src/errors.js";
import { exitCodeFor } from "../../src/cli/exit-codes.js";

const readme = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");

describe("error catalogue", () => {
  for (const code of Object.keys(ERROR_CODES) as IronErrorCode[]) {
    it(`documents ${code} in docs/errors.md with its exit code`, () => {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${code}\` |`));
      expect(row, `docs/errors.md row for ${code}`).toBeDefined();
      const exit = row?.split("|")[2]?.trim();
      if (exit !== "—") expect(Number(exit)).toBe(exitCodeFor(code));
    });
  }

  it("has no docs/errors.md row for a code that does not exist", () => {
    const documented = [...readme.matchAll(/^\| `(IRON_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.filter((code) => !(code! in ERROR_CODES))).toEqual([]);
  });

  it("formats code, path, expected and got", () => {
    const error = new IronError("IRON_ERR_CONFIG", "bad budget", { path: "budgets.global", expected: "a number", got: "ten" });
    expect(error.message).toBe('IRON_ERR_CONFIG: bad budget (at budgets.global): expected a number, got "ten"');
    expect(error.code).toBe("IRON_ERR_CONFIG");
  });
});
