// Request-body checks with the providers' own error messages, thrown as RequestError (400).
import { RequestError } from "./errors.js";

/** How OpenAI names a JSON value's type in "Invalid type" messages. */
function openAiTypeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a decimal";
  if (typeof value === "string") return "a string";
  if (typeof value === "boolean") return "a boolean";
  return "an object";
}

/** OpenAI: `model` must be a string ("you must provide a model parameter" when absent). */
export function openAiModel(body: Readonly<Record<string, unknown>>): string {
  const model = body.model;
  if (model === undefined || model === null || model === "") throw new RequestError("you must provide a model parameter");
  if (typeof model !== "string") {
    throw new RequestError(`Invalid type for 'model': expected a string, but got ${openAiTypeName(model)} instead.`, { param: "model", code: "invalid_type" });
  }
  return model;
}

/** OpenAI: a required parameter. */
export function openAiRequired(body: Readonly<Record<string, unknown>>, name: string): unknown {
  const value = body[name];
  if (value === undefined || value === null) {
    throw new RequestError(`Missing required parameter: '${name}'.`, { param: name, code: "missing_required_parameter" });
  }
  return value;
}

/** OpenAI: a required non-empty array of objects (chat `messages`). */
export function openAiMessages(body: Readonly<Record<string, unknown>>, name: string): readonly unknown[] {
  const value = openAiRequired(body, name);
  if (!Array.isArray(value)) {
    throw new RequestError(`Invalid type for '${name}': expected an array of objects, but got ${openAiTypeName(value)} instead.`, { param: name, code: "invalid_type" });
  }
  if (value.length === 0) {
    throw new RequestError(`Invalid '${name}': empty array. Expected an array with minimum length 1, but got an empty array instead.`, { param: name, code: "empty_array" });
  }
  return value;
}

/** OpenAI: an optional token limit (integer >= 1). */
export function openAiMaxTokens(body: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new RequestError(`Invalid type for '${name}': expected an integer, but got ${openAiTypeName(value)} instead.`, { param: name, code: "invalid_type" });
  }
  if (value < 1) {
    throw new RequestError(`Invalid '${name}': integer below minimum value. Expected a value >= 1, but got ${value} instead.`, { param: name, code: "integer_below_min_value" });
  }
  return value;
}

/** Anthropic: a required string field such as `model` ("model: Field required"). */
export function anthropicString(body: Readonly<Record<string, unknown>>, name: string): string {
  const value = body[name];
  if (value === undefined) throw new RequestError(`${name}: Field required`);
  if (typeof value !== "string") throw new RequestError(`${name}: Input should be a valid string`);
  return value;
}

/** Anthropic: `max_tokens`, required, an integer >= 1. */
export function anthropicMaxTokens(body: Readonly<Record<string, unknown>>): number {
  const value = body.max_tokens;
  if (value === undefined) throw new RequestError("max_tokens: Field required");
  if (typeof value !== "number" || !Number.isInteger(value)) throw new RequestError("max_tokens: Input should be a valid integer");
  if (value < 1) throw new RequestError("max_tokens: Input should be greater than or equal to 1");
  return value;
}

/** Anthropic: `messages`, required, a non-empty list. */
export function anthropicMessages(body: Readonly<Record<string, unknown>>): readonly unknown[] {
  const value = body.messages;
  if (value === undefined) throw new RequestError("messages: Field required");
  if (!Array.isArray(value)) throw new RequestError("messages: Input should be a valid list");
  if (value.length === 0) throw new RequestError("messages: at least one message is required");
  return value;
}
