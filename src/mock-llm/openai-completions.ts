// POST /v1/completions (legacy): a `text_completion` object, or a stream of them ending in [DONE].
import { openStream, sendJson, type MockContext } from "./context.js";
import { completionId, unixSeconds } from "./ids.js";
import { completionPrompt, promptTokens } from "./prompt.js";
import { buildReply } from "./reply.js";
import { completionsUsage, SYSTEM_FINGERPRINT } from "./openai-usage.js";
import { openAiMaxTokens, openAiModel } from "./validate.js";

/** Handles one legacy completion request (echo mode repeats the last prompt string). */
export async function handleCompletions(ctx: MockContext): Promise<void> {
  const model = openAiModel(ctx.body);
  // The legacy API defaults max_tokens to 16; the mock keeps its reply whole unless asked.
  const maxTokens = openAiMaxTokens(ctx.body, "max_tokens");
  const prompt = completionPrompt(ctx.body.prompt);
  const reply = buildReply({ prompt, echo: ctx.echo, fixedReply: ctx.fixedReply, maxTokens });
  const usage = completionsUsage(promptTokens(prompt), reply.outputTokens);
  const finish = reply.truncated ? "length" : "stop";
  const head = { id: completionId(), object: "text_completion", created: unixSeconds() };
  const choice = (text: string, finishReason: string | null) => ({ text, index: 0, logprobs: null, finish_reason: finishReason });
  if (ctx.body.stream !== true) {
    sendJson(ctx, 200, { ...head, model, choices: [choice(reply.text, finish)], usage, system_fingerprint: SYSTEM_FINGERPRINT });
    return;
  }
  const includeUsage = (ctx.body.stream_options as { include_usage?: unknown } | null | undefined)?.include_usage === true;
  const chunk = (choices: object[], extra: object = {}) => ({
    ...head,
    choices,
    model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    ...(includeUsage ? { usage: null } : {}),
    ...extra,
  });
  const sse = openStream(ctx);
  for (const piece of reply.chunks) await sse.data(chunk([choice(piece, null)]));
  await sse.data(chunk([choice("", finish)]));
  if (includeUsage) await sse.data(chunk([], { usage }));
  await sse.done();
  sse.end();
}
