// Helpers for writing custom policies: typing without ceremony, the prompt text of a call,
// and an edited copy of a (frozen) request body.
import type { LlmCall, Policy } from "./types.js";

/** Returns the policy as is; exists so `export default definePolicy({...})` is fully typed. */
export function definePolicy<P extends Policy>(policy: P): P {
  return policy;
}

// Keys of a request body whose strings are not prompt text.
const NOT_TEXT = new Set(["model", "role", "type", "id", "tool_call_id", "tool_use_id", "call_id", "image_url", "url", "data", "media_type", "source", "name"]);

/** Every prompt text of a call (system, messages, content blocks, tool results), joined by newlines. */
export function promptText(call: LlmCall): string {
  const out: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (NOT_TEXT.has(key)) return;
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) for (const item of value) walk(item, key);
    else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  const body = call.body as Record<string, unknown> | null;
  if (typeof body === "object" && body !== null) {
    for (const key of ["system", "instructions", "messages", "input", "prompt"]) if (key in body) walk(body[key], key);
  }
  return out.join("\n");
}

/** A deep copy of the call's body, changed by `edit`, for `modify(...)`; the call itself stays frozen. */
export function editBody<T = Record<string, unknown>>(call: LlmCall, edit: (body: T) => void): T {
  const copy = structuredClone(call.body) as T;
  edit(copy);
  return copy;
}
