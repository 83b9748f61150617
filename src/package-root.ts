// Where iron's package lies on disk, found by walking up from a module to the package.json named
// iron-runtime: the same answer from src/, from tsc's dist/ tree and from the bundled CLI
// (dist/cli/bin.js, dist/chunks/*), whatever depth the code ended up at.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(import.meta.url);
let cached: string | null | undefined;

/** The directory holding iron's package.json above `from`, or null when there is none. */
export function findPackageRoot(from: string = HERE): string | null {
  if (from === HERE && cached !== undefined) return cached;
  let found: string | null = null;
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "iron-runtime") {
          found = dir;
          break;
        }
      } catch {
        // Not a readable manifest: keep walking.
      }
    }
    if (dirname(dir) === dir) break;
  }
  if (from === HERE) cached = found;
  return found;
}

/** The directory holding iron's package.json above `from`; throws when there is none. */
export function packageRoot(from: string = HERE): string {
  const found = findPackageRoot(from);
  if (found === null) throw new Error(`iron's package.json was not found above ${from}`);
  return found;
}
