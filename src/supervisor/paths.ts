// Where the shim lives: injected into agents from the installed package (or IRON_SHIM_PATH).
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";

/** The package root: two levels above this module, in src/ and in dist/ alike. */
export const PACKAGE_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** The directory holding the `iron_shim` package. */
export function shimRoot(): string {
  return process.env.IRON_SHIM_PATH ?? join(PACKAGE_ROOT, "python");
}

/** The directory whose sitecustomize.py installs the shim at interpreter start-up. */
export function bootDir(): string {
  return join(shimRoot(), "iron_shim", "_boot");
}
