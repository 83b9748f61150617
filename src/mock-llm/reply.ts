// The reply the mock gives: deterministic text, cut at the request's token limit, and the
// chunks a stream sends it in.
import { fnv1aHex } from "./random.js";
import { countTokens, splitTokens, truncateToTokens } from "./tokens.js";
import type { Prompt } from "./prompt.js";

/** How many characters each echoed stream chunk carries (small, so PII spans chunk boundaries). */
export const ECHO_CHUNK_CHARS = 4;

/** What decides the reply text. */
export interface ReplyInput {
  readonly prompt: Prompt;
  readonly echo: boolean;
  readonly fixedReply?: string | undefined;
  readonly maxTokens?: number | undefined;
}

/** The reply: its text, its token count, whether max tokens cut it, and its stream chunks. */
export interface Reply {
  readonly text: string;
  readonly outputTokens: number;
  readonly truncated: boolean;
  readonly chunks: readonly string[];
}

/**
 * The default reply: `Mock reply <h>: this is a deterministic answer from iron mock-llm.`
 * where <h> is the FNV-1a hash (8 hex digits) of the last user message — different prompts
 * get different replies, the same prompt always the same one, and no prompt text leaks.
 */
export function defaultReplyText(lastUserText: string): string {
  return `Mock reply ${fnv1aHex(lastUserText)}: this is a deterministic answer from iron mock-llm.`;
}

/** Builds the reply: echo (last user text verbatim) > fixed reply > default, then the token cut. */
export function buildReply(input: ReplyInput): Reply {
  const full = input.echo ? input.prompt.lastUserText : (input.fixedReply ?? defaultReplyText(input.prompt.lastUserText));
  const limit = input.maxTokens;
  const truncated = limit !== undefined && countTokens(full) > limit;
  const text = truncated ? truncateToTokens(full, limit) : full;
  return { text, outputTokens: countTokens(text), truncated, chunks: streamChunks(text, input.echo) };
}

/** Stream chunks: one token per chunk, or ECHO_CHUNK_CHARS code points per chunk when echoing. */
export function streamChunks(text: string, echo: boolean): string[] {
  if (!echo) return splitTokens(text);
  const codePoints = Array.from(text);
  const chunks: string[] = [];
  for (let i = 0; i < codePoints.length; i += ECHO_CHUNK_CHARS) chunks.push(codePoints.slice(i, i + ECHO_CHUNK_CHARS).join(""));
  return chunks;
}
