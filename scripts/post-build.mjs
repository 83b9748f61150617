// After tsc: bundle the CLI and the public entry (start-up), then make the CLI executable.
//
// tsc leaves ~250 ES modules in dist/, and `iron run` used to load ~300 files (zod alone ~95)
// before the agent could start: resolving, reading and compiling them was most of the start-up
// (bench/profiles/issue14-startup). esbuild rebuilds the two entries the package exposes —
// dist/cli/bin.js (the `iron` binary) and dist/index.js (`import "iron-runtime"`) — from src/
// with code splitting: shared code goes to dist/chunks/, every lazily imported command or part
// stays a chunk of its own, loaded when used. Both entries share the chunks, so a policy module
// importing iron-runtime gets the very classes the CLI runs with. The rest of tsc's tree stays
// (declarations, and modules tests import directly). Code finds the package root by walking up
// to iron's package.json (src/package-root.ts), so it does not matter at what depth it ends up.
//
// Packages with native code, worker files or optional native add-ons stay external (required
// from node_modules at run time), as do those only loaded on demand and large (OpenTelemetry,
// the tokenizer's tables).
import { chmodSync, readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const BUNDLED = new Set(["commander", "zod", "xstate", "@msgpack/msgpack", "yaml"]);
const { dependencies } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const external = Object.keys(dependencies)
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

rmSync(new URL("../dist/chunks", import.meta.url), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { "cli/bin": "src/cli/bin.ts", index: "src/index.ts" },
  outdir: "dist",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  external,
  // CommonJS packages bundled into ES modules (commander) call require() for Node's built-ins.
  banner: { js: 'import { createRequire as __ironCreateRequire } from "node:module";\nconst require = __ironCreateRequire(import.meta.url);' },
  logLevel: "warning",
});
chmodSync(new URL("../dist/cli/bin.js", import.meta.url), 0o755);
