// Protects the documentation's links: every relative link in README.md and docs/*.md points at
// a file that exists and, when it names an anchor in a Markdown file, at a heading there.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/iron.js";

const pages = [
  "README.md",
  ...readdirSync(join(REPO, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => join("docs", f)),
];

// Markdown outside fenced code blocks, where links and headings are real.
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, "");
}

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered.
function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of prose(readFileSync(file, "utf8")).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_\- ]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

describe("documentation links", () => {
  for (const page of pages) {
    it(`${page}: every relative link resolves`, () => {
      const broken: string[] = [];
      for (const m of prose(readFileSync(join(REPO, page), "utf8")).matchAll(/\]\(([^)\s]+)\)/g)) {
        const link = m[1]!;
        if (/^[a-z]+:/i.test(link)) continue;
        const [path, anchor] = link.split("#") as [string, string | undefined];
        const target = path === "" ? join(REPO, page) : join(REPO, dirname(page), path);
        if (!existsSync(target)) broken.push(`${link} (no file ${relative(REPO, target)})`);
        else if (anchor !== undefined && target.endsWith(".md") && !anchorsOf(target).has(anchor)) broken.push(`${link} (no heading #${anchor})`);
      }
      expect(broken).toEqual([]);
    });
  }

  it("finds the pages it checks", () => {
    expect(pages).toContain(join("docs", "cli.md"));
    expect(pages.length).toBeGreaterThan(10);
  });
});
