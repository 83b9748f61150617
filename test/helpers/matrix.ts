// The interception matrix's TypeScript half: the policies that decide each case from its attrs, the
// output filters (mask a word across chunk boundaries, deny a word), and the runner that spawns the
// fixture agent (test/fixtures/matrix/run_matrix.py) under a real supervisor and reads its results.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deny, modify, type Policy } from "../../src/index.js";
import type { Supervisor } from "../../src/index.js";
import type { IronEvent } from "../../src/events/types.js";
import type { StreamFilter } from "../../src/policy/types.js";
import { FIXTURES, tempDir } from "./iron.js";

/** One result line the fixture agent wrote: what the agent's own code saw for one case. */
export interface CaseResult {
  readonly case: string;
  readonly lib: string;
  readonly endpoint: string;
  readonly stream: boolean;
  readonly behaviour: string;
  readonly prompt: string;
  readonly status: number;
  readonly exception: string | null;
  readonly text: string;
  readonly error_code: string | null;
  readonly embedding: number | null;
}

export const MODIFIED_PROMPT = "modified by iron";
export const MASKED_TEXT = "my ****** is safe with iron";

// The request body with its user text replaced, in each endpoint's shape.
function withPrompt(endpoint: string, body: unknown, text: string): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  if (endpoint === "responses" || endpoint === "embeddings") copy.input = text;
  else if (endpoint === "completions") copy.prompt = text;
  else copy.messages = [{ role: "user", content: text }];
  return copy;
}

/** Decides each matrix call from `attrs.expect`: deny, modify the prompt, or reroute to another base URL. */
export function matrixPolicy(from: () => string, to: () => string): Policy {
  return {
    name: "matrix",
    onRequest(call) {
      switch (call.attrs.expect) {
        case "deny":
          return deny("IRON_ERR_POLICY", `the matrix denies ${call.attrs.case}`);
        case "modify":
          return modify(withPrompt(call.endpoint, call.body, MODIFIED_PROMPT), "the matrix rewrote the prompt");
        case "reroute":
          return modify(call.body, { url: call.url.replace(from(), to()), reason: "the matrix rerouted the call" });
        default:
          return undefined;
      }
    },
  };
}

/** Masks a word in streamed text, holding back any tail that may begin it (a match may span deltas). */
export function maskFilter(word: string): StreamFilter {
  let held = "";
  return {
    push(text) {
      const masked = (held + text).includes(word);
      const buf = (held + text).split(word).join("*".repeat(word.length));
      let keep = 0;
      for (let n = Math.min(word.length - 1, buf.length); n > 0; n -= 1) {
        if (word.startsWith(buf.slice(-n))) {
          keep = n;
          break;
        }
      }
      held = buf.slice(buf.length - keep);
      const out = buf.slice(0, buf.length - keep);
      return { action: masked ? "redact" : "allow", text: out };
    },
    end() {
      const out = held;
      held = "";
      return { action: "allow", text: out };
    },
  };
}

/** Denies the stream once a word has appeared in it. */
export function denyFilter(word: string): StreamFilter {
  let seen = "";
  return {
    push(text) {
      seen += text;
      if (seen.includes(word)) return { action: "deny", text: "", code: "IRON_ERR_PII", reason: `the stream said ${JSON.stringify(word)}` };
      return { action: "allow", text };
    },
    end: () => ({ action: "allow", text: "" }),
  };
}

/** The output policy of the matrix's filter phase (llm.chunk, SPEC 3.6a). */
export const filterPolicy: Policy = {
  name: "matrix-filter",
  onStreamOpen(call) {
    if (call.attrs.expect === "filter") return maskFilter("secret");
    if (call.attrs.expect === "filter-deny") return denyFilter("forbidden");
    return undefined;
  },
};

/** Spawns the fixture agent for one phase and returns its results; throws with its stderr when it fails. */
export async function runMatrixAgent(
  sup: Supervisor,
  events: readonly IronEvent[],
  options: { python: string; phase: "govern" | "filter"; libs: "all" | "stdlib"; tag: string; mockUrl: string },
): Promise<CaseResult[]> {
  const out = join(tempDir("iron-matrix-"), "results.jsonl");
  const agent = await sup.spawn({
    script: join(FIXTURES, "matrix", "run_matrix.py"),
    python: options.python,
    name: `matrix-${options.tag}-${options.phase}`,
    env: { IRON_SHIM_STRICT: "1", MATRIX_MOCK_URL: options.mockUrl, MATRIX_PHASE: options.phase, MATRIX_LIBS: options.libs, MATRIX_TAG: options.tag, MATRIX_OUT: out },
  });
  const exit = await agent.exited;
  if (exit.exitCode !== 0) {
    const stderr = events.filter((e) => e.type === "agent.output" && e.agentId === agent.id && e.stream === "stderr").map((e) => (e.type === "agent.output" ? e.line : ""));
    throw new Error(`the matrix agent (${options.python}, ${options.phase}) exited with ${exit.exitCode}:\n${stderr.join("\n")}`);
  }
  return readFileSync(out, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as CaseResult);
}

/** The library name the shim reports for a matrix client label (the SDK rows send through httpx). */
export function expectedLibrary(label: string): string {
  const lib = label.slice(label.lastIndexOf("/") + 1).replace(/-(sync|async)$/, "");
  return lib.endsWith("-sdk") ? "httpx" : lib;
}
