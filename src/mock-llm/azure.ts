// Azure OpenAI's routes onto the OpenAI handlers: /openai/deployments/{deployment}/… needs
// ?api-version= (Azure answers 404 "Resource not found" without it) and takes the model from the
// deployment when the body names none; /openai/v1/… is OpenAI's API under another prefix.
import { sendJson, type MockContext } from "./context.js";

/** A deployment route: api-version required, the deployment standing in for a missing model. */
export function azureDeployment(handle: (ctx: MockContext) => Promise<void>): (ctx: MockContext) => Promise<void> {
  return async (ctx: MockContext) => {
    const query = new URL(ctx.req.url ?? "/", "http://mock.invalid").searchParams;
    if ((query.get("api-version") ?? "") === "") return sendJson(ctx, 404, { error: { code: "404", message: "Resource not found" } });
    const model = typeof ctx.body.model === "string" && ctx.body.model !== "" ? ctx.body.model : ctx.params.deployment;
    await handle({ ...ctx, body: { ...ctx.body, model } });
  };
}
