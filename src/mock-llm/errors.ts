// Provider error bodies: what OpenAI and Anthropic answer for each status, in their shapes.
//   OpenAI:    {"error": {"message", "type", "param", "code"}}
//   Anthropic: {"type": "error", "error": {"type", "message"}, "request_id"}
//   Gemini:    {"error": {"code", "message", "status"}}
//   Ollama:    {"error": "<message>"}
import { geminiStatus } from "./provider-facts.js";

/** The provider whose wire format a request speaks. */
export type Provider = "openai" | "anthropic" | "gemini" | "ollama" | "azure" | "bedrock";

/** The inner OpenAI error object. */
export interface OpenAiErrorFields {
  readonly type?: string;
  readonly param?: string | null;
  readonly code?: string | null;
}

const OPENAI_DEFAULTS: Readonly<Record<number, { message: string; type: string; code: string | null }>> = {
  400: { message: "Invalid request.", type: "invalid_request_error", code: null },
  401: {
    message: "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
    type: "invalid_request_error",
    code: "invalid_api_key",
  },
  403: { message: "You are not allowed to access this resource.", type: "invalid_request_error", code: null },
  404: { message: "The model does not exist or you do not have access to it.", type: "invalid_request_error", code: "model_not_found" },
  413: { message: "Request too large.", type: "invalid_request_error", code: null },
  429: {
    message: "Rate limit reached for requests. Please try again later.",
    type: "requests",
    code: "rate_limit_exceeded",
  },
  500: { message: "The server had an error while processing your request. Sorry about that!", type: "server_error", code: null },
  503: { message: "The engine is currently overloaded, please try again later.", type: "server_error", code: null },
};

const ANTHROPIC_TYPES: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

const ANTHROPIC_MESSAGES: Readonly<Record<string, string>> = {
  invalid_request_error: "Invalid request.",
  authentication_error: "invalid x-api-key",
  billing_error: "Your credit balance is too low to access the Anthropic API.",
  permission_error: "Your API key does not have permission to use the specified resource.",
  not_found_error: "Not found",
  request_too_large: "Request exceeds the maximum allowed number of bytes.",
  rate_limit_error: "Number of requests has exceeded your rate limit. Please try again later.",
  api_error: "Internal server error",
  timeout_error: "Request timed out",
  overloaded_error: "Overloaded",
};

/** OpenAI's error type for a status: named ones first, then any 4xx / 5xx family default. */
function openAiDefault(status: number): { message: string; type: string; code: string | null } {
  return OPENAI_DEFAULTS[status] ?? (status >= 500 ? { ...OPENAI_DEFAULTS[500]!, message: "The server had an error processing your request." } : { ...OPENAI_DEFAULTS[400]! });
}

/** Anthropic's `error.type` for a status (unlisted 4xx → invalid_request_error, 5xx → api_error). */
export function anthropicErrorType(status: number): string {
  return ANTHROPIC_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/** An OpenAI error body; message and fields default from the status. */
export function openAiErrorBody(status: number, message?: string, fields: OpenAiErrorFields = {}): object {
  const fallback = openAiDefault(status);
  return {
    error: {
      message: message ?? fallback.message,
      type: fields.type ?? fallback.type,
      param: fields.param ?? null,
      code: fields.code === undefined ? (message === undefined ? fallback.code : null) : fields.code,
    },
  };
}

/** An Anthropic error body; the type follows the status, the message defaults from it. */
export function anthropicErrorBody(status: number, requestId: string, message?: string): object {
  const type = anthropicErrorType(status);
  return { type: "error", error: { type, message: message ?? ANTHROPIC_MESSAGES[type] ?? "Error" }, request_id: requestId };
}

const GEMINI_MESSAGES: Readonly<Record<number, string>> = {
  400: "Request contains an invalid argument.",
  401: "Request had invalid authentication credentials.",
  403: "The caller does not have permission",
  404: "Requested entity was not found.",
  429: "Resource has been exhausted (e.g. check quota).",
  500: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
  503: "The model is overloaded. Please try again later.",
  504: "Deadline expired before operation could complete.",
};

// Ollama's words for the statuses the mock answers without a message of its own.
const OLLAMA_MESSAGES: Readonly<Record<number, string>> = {
  404: "not found",
  405: "method not allowed",
  413: "request entity too large",
  429: "too many requests",
  503: "server busy, please try again.  maximum pending requests exceeded",
};

/** A Gemini (Google API) error body: the HTTP status, a message, and the gRPC status name. */
export function geminiErrorBody(status: number, message?: string): object {
  const fallback = GEMINI_MESSAGES[status] ?? (status >= 500 ? GEMINI_MESSAGES[500]! : GEMINI_MESSAGES[400]!);
  return { error: { code: status, message: message ?? fallback, status: geminiStatus(status) } };
}

/** Azure's error body for a status (its code is a name or the status as a string). */
export function azureErrorBody(status: number, message?: string): object {
  const fallback: Record<number, [string, string]> = {
    400: ["BadRequest", "Invalid request."],
    401: [
      "401",
      "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
    ],
    404: ["DeploymentNotFound", "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."],
    429: [
      "429",
      "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second.",
    ],
  };
  const [code, text] = fallback[status] ?? [status >= 500 ? "InternalServerError" : String(status), status >= 500 ? "The server had an error while processing your request." : "Error"];
  return { error: { code, message: message ?? text } };
}

/** Bedrock's error code for a status (botocore's ClientError code). */
export function bedrockErrorCode(status: number): string {
  const codes: Record<number, string> = {
    400: "ValidationException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    503: "ServiceUnavailableException",
  };
  return codes[status] ?? (status >= 500 ? "InternalServerException" : "ValidationException");
}

/** The error body for a provider. */
export function providerErrorBody(provider: Provider, status: number, requestId: string, message?: string, fields?: OpenAiErrorFields): object {
  if (provider === "gemini") return geminiErrorBody(status, message);
  if (provider === "azure") return azureErrorBody(status, message);
  if (provider === "bedrock") return { message: message ?? (status >= 500 ? "The server encountered an internal error while processing the request." : "The request is not valid.") };
  if (provider === "ollama") return { error: message ?? OLLAMA_MESSAGES[status] ?? (status >= 500 ? "internal server error" : "bad request") };
  return provider === "anthropic" ? anthropicErrorBody(status, requestId, message) : openAiErrorBody(status, message, fields);
}

/** Thrown by a handler to answer with a provider error (400 unless told otherwise). */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly fields: OpenAiErrorFields = {},
    readonly status = 400,
  ) {
    super(message);
  }
}
