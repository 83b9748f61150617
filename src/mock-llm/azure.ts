// Azure OpenAI's routes onto the OpenAI handlers: /openai/deployments/{deployment}/… needs
// ?api-version= (Azure answers 404 "Resource not found" without it) and takes the model from the
// deployment when the body names none; /openai/v1/… is OpenAI's API under another prefix.
// Azure's own parts: its error body {"error": {"code", "message"}}, the content-filter results on
// every answer (prompt_filter_results, choices[].content_filter_results), and its 400
// `content_filter` error, which `x-mock-content-filter: prompt` asks for (`output` filters the reply:
// finish_reason "content_filter", the text cut).
import { sendJson, type MockContext } from "./context.js";

/** Azure's 400 when the prompt trips its content filter. */
export const AZURE_PROMPT_FILTERED =
  "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766";

const CATEGORIES = ["hate", "self_harm", "sexual", "violence"] as const;

/** One content_filter_results map: every category safe, or `violence` filtered at medium. */
export function filterResults(filtered: boolean): Record<string, unknown> {
  const results: Record<string, unknown> = {};
  for (const c of CATEGORIES) results[c] = c === "violence" && filtered ? { filtered: true, severity: "medium" } : { filtered: false, severity: "safe" };
  return results;
}

// The answer with Azure's filter results: prompt_filter_results beside the choices, content_filter_results in each.
function withFilterResults(body: unknown, output: boolean): unknown {
  if (typeof body !== "object" || body === null || !Array.isArray((body as { choices?: unknown }).choices)) return body;
  const answer = body as { choices: Record<string, unknown>[] };
  const choices = answer.choices.map((choice) => {
    const filtered = output ? { ...choice, finish_reason: "content_filter", message: { ...(choice.message as object), content: "" } } : choice;
    return { ...filtered, content_filter_results: filterResults(output) };
  });
  return { ...answer, choices, prompt_filter_results: [{ prompt_index: 0, content_filter_results: filterResults(false) }] };
}

/** A deployment route: api-version required, the deployment standing in for a missing model. */
export function azureDeployment(handle: (ctx: MockContext) => Promise<void>): (ctx: MockContext) => Promise<void> {
  return async (ctx: MockContext) => {
    const query = new URL(ctx.req.url ?? "/", "http://mock.invalid").searchParams;
    if ((query.get("api-version") ?? "") === "") return sendJson(ctx, 404, { error: { code: "404", message: "Resource not found" } });
    const filter = String(ctx.req.headers["x-mock-content-filter"] ?? "").toLowerCase();
    if (filter === "prompt") {
      const error = {
        message: AZURE_PROMPT_FILTERED,
        type: null,
        param: "prompt",
        code: "content_filter",
        status: 400,
        innererror: { code: "ResponsibleAIPolicyViolation", content_filter_result: filterResults(true) },
      };
      return sendJson(ctx, 400, { error });
    }
    const model = typeof ctx.body.model === "string" && ctx.body.model !== "" ? ctx.body.model : ctx.params.deployment;
    await handle({ ...ctx, body: { ...ctx.body, model }, decorate: (body) => withFilterResults(body, filter === "output") });
  };
}
