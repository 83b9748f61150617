// Chains several stream filters: each one's emitted text is the next one's input.
import type { Finding, StreamFilter, StreamVerdict } from "./types.js";

/** A stream verdict with the policy that decided a redact or deny. */
export interface ChainedVerdict extends StreamVerdict {
  readonly policy: string | null;
}

export interface ChainedFilter {
  push(text: string): ChainedVerdict;
  end(): ChainedVerdict;
}

/** Composes filters in pipeline order; a deny anywhere ends the chain, a redact is remembered. */
export function composeStreamFilters(filters: readonly { policy: string; filter: StreamFilter }[]): ChainedFilter {
  const run = (first: (f: StreamFilter, text: string) => StreamVerdict, input: string, ending: boolean): ChainedVerdict => {
    let text = input;
    let action: StreamVerdict["action"] = "allow";
    let policy: string | null = null;
    let reason: string | undefined;
    const findings: Finding[] = [];
    for (const { policy: name, filter } of filters) {
      // At the end, each filter flushes what it held, after taking what the previous one flushed.
      let verdict = first(filter, text);
      if (ending && verdict.action !== "deny") {
        const flushed = filter.end();
        const both = [...(verdict.findings ?? []), ...(flushed.findings ?? [])];
        verdict = { ...flushed, text: verdict.text + flushed.text, action: flushed.action === "allow" ? verdict.action : flushed.action, findings: both };
      }
      if (verdict.findings !== undefined) findings.push(...verdict.findings);
      if (verdict.action === "deny") return { ...verdict, policy: name, findings };
      if (verdict.action === "redact") {
        action = "redact";
        policy = name;
        reason = verdict.reason;
      }
      text = verdict.text;
    }
    return { action, text, policy, ...(reason !== undefined && { reason }), ...(findings.length > 0 && { findings }) };
  };
  return {
    push: (text) => run((f, t) => f.push(t), text, false),
    end: () => run((f, t) => (t === "" ? { action: "allow", text: "" } : f.push(t)), "", true),
  };
}

/** The filter of a stream a chunk decision denied: the shim may have sent more chunks before it saw the deny; each is denied again. */
export const DENIED_STREAM: ChainedFilter = { push: denyAgain, end: denyAgain };

function denyAgain(): ChainedVerdict {
  return { action: "deny", text: "", policy: null };
}
