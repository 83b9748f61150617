// What the stream's output filters make of one llm.chunk, as the decision the shim reads: one delta
// (or the end), or every delta of one read at once (SPEC 3.6a, chunk_batch). Pure: the governor
// sends the answer, then shows and publishes the verdicts collected here.
import type { LlmChunkMessage } from "../protocol/messages.js";
import type { ChainedFilter, ChainedVerdict } from "../policy/stream-filters.js";
import { allowDecision, type DecisionFields } from "./wire-mapping.js";

/** One delta, or the end: what the filters let through of it. */
export function singleDecision(allowed: DecisionFields, filter: ChainedFilter, message: LlmChunkMessage, verdicts: ChainedVerdict[]): DecisionFields {
  const verdict = message.done ? filter.end() : filter.push(message.text);
  verdicts.push(verdict);
  return { ...allowed, action: verdict.action, policy: verdict.policy, code: verdict.code ?? null, reason: verdict.reason ?? null, text: verdict.text };
}

/** Every delta of one read (the filters take them at once), then the end when it was read too; a deny stops there. */
export function batchDecision(callId: string, filter: ChainedFilter, texts: readonly string[], done: boolean, verdicts: ChainedVerdict[]): DecisionFields {
  const out: string[] = [];
  let decided: ChainedVerdict | null = null;
  const pushed = texts.length === 0 ? [] : filter.pushMany(texts);
  for (let i = 0; i < pushed.length || (done && i === texts.length); i += 1) {
    const verdict = i < pushed.length ? (pushed[i] as ChainedVerdict) : filter.end();
    verdicts.push(verdict);
    if (verdict.action === "deny") return { ...allowDecision(callId), action: "deny", policy: verdict.policy, code: verdict.code ?? null, reason: verdict.reason ?? null, texts: out, text: "" };
    if (verdict.action === "redact") decided = verdict;
    if (i < texts.length) out.push(verdict.text);
    else return batchAnswer(callId, decided, out, verdict.text);
  }
  return batchAnswer(callId, decided, out, "");
}

function batchAnswer(callId: string, redacted: ChainedVerdict | null, texts: string[], rest: string): DecisionFields {
  if (redacted === null) return { ...allowDecision(callId), texts, text: rest };
  return { ...allowDecision(callId), action: "redact", policy: redacted.policy, reason: redacted.reason ?? null, texts, text: rest };
}
