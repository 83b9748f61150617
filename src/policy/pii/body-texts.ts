// Walks the texts of a request or response body — OpenAI chat, responses, completions and
// embeddings, Anthropic messages with system and content blocks, tool arguments — and
// rebuilds the body copy-on-write when a text changes. Structural fields are left alone.

// Keys whose values are ids, roles, options, media or schemas — never scanned.
export const SKIPPED_KEYS: ReadonlySet<string> = new Set([
  "model",
  "role",
  "type",
  "id",
  "object",
  "created",
  "created_at",
  "index",
  "status",
  "finish_reason",
  "stop_reason",
  "stop_sequence",
  "system_fingerprint",
  "service_tier",
  "usage",
  "logprobs",
  "top_logprobs",
  "tools",
  "functions",
  "tool_choice",
  "response_format",
  "stream",
  "stream_options",
  "image_url",
  "url",
  "data",
  "media_type",
  "source",
  "file_data",
  "file_id",
  "call_id",
  "tool_call_id",
  "tool_use_id",
  "encoding_format",
  "embedding",
  "cache_control",
  "signature",
  "name",
  "previous_response_id",
  "reasoning",
  "max_tokens",
  "max_completion_tokens",
  "max_output_tokens",
  // Gemini
  "mimeType",
  "inlineData",
  "fileData",
  "thoughtSignature",
  "finishReason",
  "usageMetadata",
  "modelVersion",
  "responseId",
  "generationConfig",
  "safetySettings",
  "safetyRatings",
  // Ollama
  "images",
  "options",
  "format",
  "keep_alive",
  "context",
  "done_reason",
  // Azure's content-filter results
  "prompt_filter_results",
  "content_filter_results",
  "content_filter_result",
]);

/** Replaces every scanned text with `map(text)`; returns the same object when nothing changed. */
export function mapBodyTexts(body: unknown, map: (text: string) => string): unknown {
  return walk(body, map);
}

function walk(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === "string") return value === "" ? value : map(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i += 1) {
      const next = walk(value[i], map);
      if (next !== value[i]) {
        copy ??= [...value];
        copy[i] = next;
      }
    }
    return copy ?? value;
  }
  if (typeof value === "object" && value !== null && !ArrayBuffer.isView(value)) {
    let copy: Record<string, unknown> | null = null;
    for (const [key, child] of Object.entries(value)) {
      if (SKIPPED_KEYS.has(key) || (key === "text" && typeof child === "object")) continue;
      const next = walk(child, map);
      if (next !== child) {
        copy ??= { ...(value as Record<string, unknown>) };
        copy[key] = next;
      }
    }
    return copy ?? value;
  }
  return value;
}
