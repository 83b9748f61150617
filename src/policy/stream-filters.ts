// Chains several stream filters: each one's emitted text is the next one's input.
import type { Finding, StreamFilter, StreamVerdict } from "./types.js";

/** A stream verdict with the policy that decided a redact or deny. */
export interface ChainedVerdict extends StreamVerdict {
  readonly policy: string | null;
}

export interface ChainedFilter {
  push(text: string): ChainedVerdict;
  /** The deltas of one read, in order: a verdict per delta, stopping at a deny. */
  pushMany(texts: readonly string[]): ChainedVerdict[];
  end(): ChainedVerdict;
  /** A read the shim released without asking (SPEC 3.6a `released`): each filter follows it; see StreamFilter.release. */
  release(texts: readonly string[], done: boolean): ChainedVerdict[];
}

/** A stream filter that can take the deltas of one read at once (a verdict per delta, as many pushes would). */
export interface BatchStreamFilter extends StreamFilter {
  pushMany(texts: readonly string[]): StreamVerdict[];
}

/** Pushes delta by delta, stopping after a deny. */
function oneByOne(push: (text: string) => ChainedVerdict, texts: readonly string[]): ChainedVerdict[] {
  const verdicts: ChainedVerdict[] = [];
  for (const text of texts) {
    const verdict = push(text);
    verdicts.push(verdict);
    if (verdict.action === "deny") break;
  }
  return verdicts;
}

/** One filter's verdict as the chain's (what run() makes of a chain of one). */
function alone(policy: string, verdict: StreamVerdict): ChainedVerdict {
  if (verdict.action === "deny") return { ...verdict, policy, findings: verdict.findings ?? [] };
  const findings = verdict.findings !== undefined && verdict.findings.length > 0 ? { findings: verdict.findings } : {};
  if (verdict.action === "redact") return { action: "redact", text: verdict.text, policy, ...(verdict.reason !== undefined && { reason: verdict.reason }), ...findings };
  return { action: "allow", text: verdict.text, policy: null, ...findings };
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
  const push = (text: string): ChainedVerdict => run((f, t) => f.push(t), text, false);
  const only = filters.length === 1 ? filters[0] : undefined;
  const batch = only !== undefined && "pushMany" in only.filter ? (only as { policy: string; filter: BatchStreamFilter }) : undefined;
  return {
    push,
    pushMany: (texts) => {
      if (batch === undefined) return oneByOne(push, texts);
      const verdicts: ChainedVerdict[] = [];
      for (const verdict of batch.filter.pushMany(texts)) {
        verdicts.push(alone(batch.policy, verdict));
        if (verdict.action === "deny") break;
      }
      return verdicts;
    },
    end: () => run((f, t) => (t === "" ? { action: "allow", text: "" } : f.push(t)), "", true),
    // Every filter got the same text (the agent got it unchanged). A filter that cannot follow a released
    // read (no shim is told to release past one: it gave no stream hints) is pushed it, as if asked.
    release: (texts, done) => {
      let verdicts: ChainedVerdict[] = [];
      for (const { policy, filter } of filters) {
        const own = filter.release?.(texts, done) ?? [...texts.map((t) => filter.push(t)), ...(done ? [filter.end()] : [])];
        const mine = own.map((v) => alone(policy, v));
        verdicts = verdicts.length === 0 ? mine : verdicts.map((v, i) => (v.action === "allow" && mine[i] !== undefined && mine[i].action !== "allow" ? mine[i] : v));
      }
      return verdicts;
    },
  };
}

/** The filter of a stream a chunk decision denied: the shim may have sent more chunks before it saw the deny; each is denied again. */
export const DENIED_STREAM: ChainedFilter = { push: denyAgain, pushMany: (texts) => (texts.length === 0 ? [] : [denyAgain()]), end: denyAgain, release: () => [] };

function denyAgain(): ChainedVerdict {
  return { action: "deny", text: "", policy: null };
}
