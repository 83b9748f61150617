// The provider routes, exact paths only, and which provider's wire format each one speaks.
import type { IncomingHttpHeaders } from "node:http";
import type { MockContext } from "./context.js";
import type { Provider } from "./errors.js";
import { handleChatCompletions } from "./openai-chat.js";
import { handleResponses } from "./openai-responses.js";
import { handleCompletions } from "./openai-completions.js";
import { handleEmbeddings } from "./openai-embeddings.js";
import { handleCountTokens, handleMessages } from "./anthropic-messages.js";
import { handleGetModel, handleListModels } from "./models.js";
import { handleCountTokens as handleGeminiCountTokens, handleGenerateContent } from "./gemini.js";
import { azureDeployment } from "./azure.js";
import { handleOllama } from "./ollama.js";
import { handleBedrock } from "./bedrock.js";

/** Answers one request on a matched route. */
export type Handler = (ctx: MockContext) => Promise<void>;

/** A route: method, exact path pattern, provider ("either" = decided by headers), handler. */
export interface Route {
  readonly method: "GET" | "POST";
  readonly pattern: RegExp;
  readonly provider: Provider | "either";
  readonly handle: Handler;
}

/** Gemini's generateContent and streamGenerateContent under /v1, /v1beta or /v1alpha. */
export const GEMINI_ROUTE = /^\/v1(?:beta|alpha)?\/models\/(?<model>[^/:]+):(?<method>generateContent|streamGenerateContent)$/;

/** Every provider endpoint the mock serves; any other path is a 404 in the provider's shape. */
export const ROUTES: readonly Route[] = [
  { method: "POST", pattern: /^\/v1\/chat\/completions$/, provider: "openai", handle: handleChatCompletions },
  { method: "POST", pattern: /^\/v1\/responses$/, provider: "openai", handle: handleResponses },
  { method: "POST", pattern: /^\/v1\/completions$/, provider: "openai", handle: handleCompletions },
  { method: "POST", pattern: /^\/v1\/embeddings$/, provider: "openai", handle: handleEmbeddings },
  { method: "POST", pattern: /^\/v1\/messages$/, provider: "anthropic", handle: handleMessages },
  { method: "POST", pattern: /^\/v1\/messages\/count_tokens$/, provider: "anthropic", handle: handleCountTokens },
  { method: "POST", pattern: /^\/openai\/deployments\/(?<deployment>[^/]+)\/chat\/completions$/, provider: "azure", handle: azureDeployment(handleChatCompletions) },
  { method: "POST", pattern: /^\/openai\/deployments\/(?<deployment>[^/]+)\/completions$/, provider: "azure", handle: azureDeployment(handleCompletions) },
  { method: "POST", pattern: /^\/openai\/deployments\/(?<deployment>[^/]+)\/embeddings$/, provider: "azure", handle: azureDeployment(handleEmbeddings) },
  { method: "POST", pattern: /^\/openai\/v1\/chat\/completions$/, provider: "openai", handle: handleChatCompletions },
  { method: "POST", pattern: /^\/openai\/v1\/responses$/, provider: "openai", handle: handleResponses },
  { method: "POST", pattern: /^\/openai\/v1\/embeddings$/, provider: "openai", handle: handleEmbeddings },
  { method: "POST", pattern: GEMINI_ROUTE, provider: "gemini", handle: handleGenerateContent },
  { method: "POST", pattern: /^\/v1(?:beta|alpha)?\/models\/(?<model>[^/:]+):countTokens$/, provider: "gemini", handle: handleGeminiCountTokens },
  { method: "POST", pattern: /^\/model\/(?<modelId>[^/]+)\/(?<operation>converse|converse-stream|invoke|invoke-with-response-stream)$/, provider: "bedrock", handle: handleBedrock },
  { method: "POST", pattern: /^\/api\/(?<endpoint>chat|generate)$/, provider: "ollama", handle: handleOllama },
  { method: "GET", pattern: /^\/v1\/models$/, provider: "either", handle: handleListModels },
  { method: "GET", pattern: /^\/v1\/models\/(?<id>[^/]+)$/, provider: "either", handle: handleGetModel },
];

/** What a method + path resolved to. */
export type RouteMatch =
  | { readonly kind: "route"; readonly route: Route; readonly provider: Provider; readonly params: Record<string, string> }
  | { readonly kind: "not-found" | "method-not-allowed"; readonly provider: Provider };

/** Gemini for a model-method path or `x-goog-api-key`; Anthropic when the path or headers say so (`/v1/messages…`, `anthropic-version`, `x-api-key`); else OpenAI. */
export function guessProvider(path: string, headers: IncomingHttpHeaders): Provider {
  if (path.startsWith("/api/")) return "ollama";
  if (path.startsWith("/model/")) return "bedrock";
  if (/^\/v1(?:beta|alpha)\//.test(path) || /\/models\/[^/:]+:[a-z]+[A-Z][A-Za-z]*$/.test(path) || headers["x-goog-api-key"] !== undefined) return "gemini";
  if (path.startsWith("/v1/messages")) return "anthropic";
  return headers["anthropic-version"] !== undefined || headers["x-api-key"] !== undefined ? "anthropic" : "openai";
}

/** Finds the route for a request, or says why there is none. */
export function matchRoute(method: string, path: string, headers: IncomingHttpHeaders): RouteMatch {
  const onPath = ROUTES.filter((route) => route.pattern.test(path));
  const route = onPath.find((r) => r.method === method);
  if (route === undefined) {
    const owner = onPath[0]?.provider;
    return {
      kind: onPath.length > 0 ? "method-not-allowed" : "not-found",
      provider: owner === "anthropic" || owner === "gemini" || owner === "ollama" || owner === "bedrock" ? owner : guessProvider(path, headers),
    };
  }
  const provider = route.provider === "either" ? guessProvider(path, headers) : route.provider;
  const params = { ...(route.pattern.exec(path)?.groups ?? {}) };
  for (const key of Object.keys(params)) params[key] = decodeURIComponent(params[key]!);
  return { kind: "route", route, provider, params };
}
