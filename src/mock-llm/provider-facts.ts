// The provider wire facts (python/iron_shim/provider_wire.json): the one file the shim, the mock
// and the policies read, so the paths, secrets and error shapes they agree on are written once.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { IronError } from "../errors.js";
import { findPackageRoot } from "../package-root.js";

// The package root, in src/, dist/ and the bundled CLI alike (null for modules compiled elsewhere).
const PACKAGE_ROOT = findPackageRoot();

/** The facts as the JSON file holds them (the parts the TypeScript side reads). */
export interface ProviderWireFacts {
  readonly secrets: { readonly headers: readonly string[]; readonly header_parts: readonly string[]; readonly query_params: readonly string[] };
  readonly gemini: {
    readonly path: string;
    readonly free_methods: readonly string[];
    readonly hosts: readonly string[];
    readonly secret_header: string;
    readonly secret_query: string;
    readonly error_status: Readonly<Record<string, string>>;
  };
  readonly openai_compatible_hosts: Readonly<Record<string, string>>;
  readonly ollama: { readonly path: string; readonly endpoints: Readonly<Record<string, string>>; readonly stream_content_type: string };
}

const RELATIVE = join("python", "iron_shim", "provider_wire.json");

// The package's copy; else the shim's (IRON_SHIM_PATH); else the nearest checkout above the working
// directory (modules compiled elsewhere, as the CLI tests do, have no package root around them).
function locate(): string {
  const tried = PACKAGE_ROOT === null ? [] : [join(PACKAGE_ROOT, RELATIVE)];
  if (process.env.IRON_SHIM_PATH) tried.push(join(process.env.IRON_SHIM_PATH, "iron_shim", "provider_wire.json"));
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    tried.push(join(dir, RELATIVE));
    if (dirname(dir) === dir) break;
  }
  const found = tried.find((file) => existsSync(file));
  if (found === undefined) {
    throw new IronError("IRON_ERR_INTERNAL", "the provider wire facts file is missing from this install", {
      expected: `python/iron_shim/provider_wire.json at one of ${tried.join(", ")}`,
      got: "none",
    });
  }
  return found;
}

/** Where the file lives: inside the Python package, so `pip install` ships it too. */
export const PROVIDER_WIRE_FILE = locate();

/** The facts, read once at import. */
export const PROVIDER_WIRE: ProviderWireFacts = JSON.parse(readFileSync(PROVIDER_WIRE_FILE, "utf8")) as ProviderWireFacts;

/** Gemini's model-method path (`…/models/{model}:generateContent`), group 1 the model, group 2 the method. */
export const GEMINI_PATH = new RegExp(PROVIDER_WIRE.gemini.path);

/** Gemini's gRPC status name for an HTTP status (unlisted: INTERNAL for 5xx, FAILED_PRECONDITION for 4xx). */
export function geminiStatus(status: number): string {
  return PROVIDER_WIRE.gemini.error_status[String(status)] ?? (status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION");
}
