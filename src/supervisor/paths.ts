// Where the shim lives: injected into agents from the installed package (or IRON_SHIM_PATH).
import { join } from "node:path";
import { packageRoot } from "../package-root.js";

/** The package root (the directory of iron's package.json), in src/, dist/ and the bundled CLI alike. */
export const PACKAGE_ROOT = packageRoot();

/** The directory holding the `iron_shim` package. */
export function shimRoot(): string {
  return process.env.IRON_SHIM_PATH ?? join(PACKAGE_ROOT, "python");
}

/** The directory whose sitecustomize.py installs the shim at interpreter start-up. */
export function bootDir(): string {
  return join(shimRoot(), "iron_shim", "_boot");
}
