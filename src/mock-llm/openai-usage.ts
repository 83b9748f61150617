// OpenAI usage objects, built from the mock's exact token counts.

/** Chat / legacy completions usage, with the detail objects the API sends (all zero here). */
export function chatUsage(promptTokens: number, completionTokens: number): object {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** Responses API usage. */
export function responsesUsage(inputTokens: number, outputTokens: number): object {
  return {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inputTokens + outputTokens,
  };
}

/** Legacy completions usage: the three counts only. */
export function completionsUsage(promptTokens: number, completionTokens: number): object {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** The fixed system fingerprint the mock reports. */
export const SYSTEM_FINGERPRINT = "fp_1r0nm0ck00";
