// GET /v1/models and /v1/models/{id}: a fixed model list in the asking provider's shape
// (Anthropic's when the request carries `anthropic-version` or `x-api-key`, else OpenAI's).
import { sendError, sendJson, type MockContext } from "./context.js";

/** OpenAI models the mock lists (it answers for any model name all the same). */
export const OPENAI_MODELS: ReadonlyArray<{ id: string; created: number }> = [
  { id: "gpt-4o", created: 1715367049 },
  { id: "gpt-4o-mini", created: 1721172741 },
  { id: "gpt-4.1", created: 1744316542 },
  { id: "gpt-4.1-mini", created: 1744318173 },
  { id: "o4-mini", created: 1744225351 },
  { id: "gpt-3.5-turbo-instruct", created: 1692901427 },
  { id: "text-embedding-3-small", created: 1705948997 },
  { id: "text-embedding-3-large", created: 1705953180 },
];

/** Anthropic models the mock lists. */
export const ANTHROPIC_MODELS: ReadonlyArray<{ id: string; display_name: string; created_at: string }> = [
  { id: "claude-opus-4-20250514", display_name: "Claude Opus 4", created_at: "2025-05-22T00:00:00Z" },
  { id: "claude-sonnet-4-20250514", display_name: "Claude Sonnet 4", created_at: "2025-05-22T00:00:00Z" },
  { id: "claude-3-5-haiku-20241022", display_name: "Claude Haiku 3.5", created_at: "2024-10-22T00:00:00Z" },
  { id: "claude-3-5-sonnet-20241022", display_name: "Claude Sonnet 3.5 (New)", created_at: "2024-10-22T00:00:00Z" },
];

const openAiModel = (m: { id: string; created: number }) => ({ id: m.id, object: "model", created: m.created, owned_by: "system" });
const anthropicModel = (m: { id: string; display_name: string; created_at: string }) => ({ type: "model", ...m });

/** GET /v1/models. */
export async function handleListModels(ctx: MockContext): Promise<void> {
  if (ctx.provider === "openai") {
    sendJson(ctx, 200, { object: "list", data: OPENAI_MODELS.map(openAiModel) });
    return;
  }
  const data = ANTHROPIC_MODELS.map(anthropicModel);
  sendJson(ctx, 200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
}

/** GET /v1/models/{id}: one model, or 404 in the provider's shape. */
export async function handleGetModel(ctx: MockContext): Promise<void> {
  const id = ctx.params.id ?? "";
  if (ctx.provider === "openai") {
    const model = OPENAI_MODELS.find((m) => m.id === id);
    if (model) sendJson(ctx, 200, openAiModel(model));
    else sendError(ctx, 404, `The model '${id}' does not exist`, { param: "model", code: "model_not_found" });
    return;
  }
  const model = ANTHROPIC_MODELS.find((m) => m.id === id);
  if (model) sendJson(ctx, 200, anthropicModel(model));
  else sendError(ctx, 404, `model: ${id}`);
}
