// Loads custom policies from module files (.ts, .mts, .js, .mjs) named on the command line
// or in iron.yaml. TypeScript is bundled with esbuild; `iron-runtime` resolves to this package.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { IronError, describe } from "../errors.js";
import type { Policy } from "../policy/types.js";

const SELF = fileURLToPath(new URL("../index.js", import.meta.url));

/** Loads every file and returns its policies in order. */
export async function loadPolicyFiles(files: readonly string[], cwd: string = process.cwd()): Promise<Policy[]> {
  const policies: Policy[] = [];
  for (const file of files) policies.push(...(await loadPolicyFile(resolve(cwd, file))));
  return policies;
}

async function loadPolicyFile(path: string): Promise<Policy[]> {
  let module: Record<string, unknown>;
  try {
    module = /\.m?ts$/.test(extname(path)) ? await importTypeScript(path) : ((await import(pathToFileURL(path).href)) as Record<string, unknown>);
  } catch (cause) {
    if (cause instanceof IronError) throw cause;
    // The whole message: esbuild says what failed where on the lines after "Build failed with 1 error:".
    const reason = cause instanceof Error ? cause.message.trim().replace(/\n+/g, "\n  ") : String(cause);
    throw new IronError("IRON_ERR_CONFIG", `cannot load policy module ${path}: ${reason}`, { cause });
  }
  const exported = module.default ?? module.policies ?? module.policy;
  const list = Array.isArray(exported) ? exported : [exported];
  list.forEach((policy, i) => {
    const p = policy as Partial<Policy> | undefined;
    const valid =
      typeof p === "object" &&
      p !== null &&
      typeof p.name === "string" &&
      p.name !== "" &&
      (typeof p.onRequest === "function" || typeof p.onResponse === "function" || typeof p.onStreamOpen === "function");
    if (!valid) {
      throw new IronError("IRON_ERR_CONFIG", `policy module ${path} does not export a policy`, {
        path: Array.isArray(exported) ? `default[${i}]` : "default",
        expected: "an object with a name and onRequest, onResponse or onStreamOpen (or an array of them)",
        got: describe(policy),
      });
    }
  });
  return list as Policy[];
}

// Bundles the TypeScript module (and its local imports) to a temporary ES module and imports it.
async function importTypeScript(path: string): Promise<Record<string, unknown>> {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [path],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "silent",
    plugins: [
      {
        name: "iron-runtime",
        setup(b) {
          b.onResolve({ filter: /^iron-runtime$/ }, () => ({ path: pathToFileURL(SELF).href, external: true }));
        },
      },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), "iron-policy-"));
  try {
    const out = join(dir, "policy.mjs");
    writeFileSync(out, result.outputFiles[0]?.text ?? "");
    return (await import(pathToFileURL(out).href)) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
