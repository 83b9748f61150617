// The mock's tokenizer: deterministic and simple enough that a test can count by hand.
//
// Rule: a token is either a run of letters, digits, combining marks and underscores
// (a word, in any script) or any single other non-space character (punctuation, a
// symbol, one emoji code point). Whitespace is never a token.
//   "Hello, world!"      → Hello | , | world | !            = 4 tokens
//   "alice@example.com"  → alice | @ | example | . | com    = 5 tokens
// Usage numbers the mock reports (prompt, completion, input, output) are exact sums of
// this count, so tests compute expected usage with `countTokens` and compare equal.

/** One token, as defined above (global + unicode: use with match/matchAll only). */
export const TOKEN_PATTERN = /[\p{L}\p{N}\p{M}_]+|[^\s\p{L}\p{N}\p{M}_]/gu;

/** Counts tokens in a text by the rule above. */
export function countTokens(text: string): number {
  return text.match(TOKEN_PATTERN)?.length ?? 0;
}

/** Sums the token counts of several texts (each counted separately). */
export function countAll(texts: readonly string[]): number {
  return texts.reduce((sum, text) => sum + countTokens(text), 0);
}

/**
 * Splits a text into one piece per token, each carrying the whitespace before it; any
 * trailing whitespace joins the last piece. `splitTokens(t).join("") === t` always.
 */
export function splitTokens(text: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (const match of text.matchAll(TOKEN_PATTERN)) {
    const end = (match.index ?? 0) + match[0].length;
    pieces.push(text.slice(start, end));
    start = end;
  }
  if (start < text.length) {
    if (pieces.length === 0) pieces.push(text.slice(start));
    else pieces[pieces.length - 1] += text.slice(start);
  }
  return pieces;
}

/** Keeps the first `maxTokens` tokens of a text (what a max_tokens cut-off returns). */
export function truncateToTokens(text: string, maxTokens: number): string {
  if (countTokens(text) <= maxTokens) return text;
  return splitTokens(text).slice(0, maxTokens).join("").trimEnd();
}
