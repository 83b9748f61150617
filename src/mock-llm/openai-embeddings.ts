// POST /v1/embeddings: deterministic unit vectors (the same text and model always give the
// same vector), as float arrays or, with encoding_format "base64", little-endian float32 bytes.
import { RequestError } from "./errors.js";
import { sendJson, type MockContext } from "./context.js";
import { fnv1a, seededRandom } from "./random.js";
import { countTokens } from "./tokens.js";
import { openAiModel, openAiRequired } from "./validate.js";

/** Vector length when the request gives no `dimensions`: 3072 for *-3-large, else 1536. */
export function defaultDimensions(model: string): number {
  return model.includes("3-large") ? 3072 : 1536;
}

/** The mock's embedding of one input: a unit-length float32 vector seeded by model and text. */
export function embed(model: string, text: string, dimensions: number): Float32Array {
  const next = seededRandom(fnv1a(`${model}\u0000${text}`));
  const raw = Array.from({ length: dimensions }, () => next() * 2 - 1);
  const norm = Math.sqrt(raw.reduce((sum, x) => sum + x * x, 0)) || 1;
  return Float32Array.from(raw, (x) => x / norm);
}

/** Float32 values as the shortest decimals that round-trip (what the API prints). */
export function toFloats(vector: Float32Array): number[] {
  return Array.from(vector, (x) => Number(x.toPrecision(9)));
}

/** Float32 values as base64 of their little-endian bytes (encoding_format "base64"). */
export function toBase64(vector: Float32Array): string {
  const view = new DataView(new ArrayBuffer(vector.length * 4));
  for (const [i, x] of vector.entries()) view.setFloat32(i * 4, x, true);
  return Buffer.from(view.buffer).toString("base64");
}

// Input as a list of (text, tokens): strings count by tokens.ts, token arrays by their length.
function inputs(input: unknown): Array<{ key: string; tokens: number }> {
  const isTokens = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => typeof n === "number");
  if (typeof input === "string") return [{ key: input, tokens: countTokens(input) }];
  if (isTokens(input)) return [{ key: JSON.stringify(input), tokens: input.length }];
  if (Array.isArray(input) && input.length > 0) {
    return input.map((item) => {
      if (typeof item === "string") return { key: item, tokens: countTokens(item) };
      if (isTokens(item)) return { key: JSON.stringify(item), tokens: item.length };
      throw new RequestError("Invalid 'input': expected a string, an array of strings, or an array of token arrays.", { param: "input", code: "invalid_type" });
    });
  }
  throw new RequestError("Invalid 'input': expected a non-empty string or array.", { param: "input", code: "invalid_value" });
}

/** Handles one embeddings request. */
export async function handleEmbeddings(ctx: MockContext): Promise<void> {
  const model = openAiModel(ctx.body);
  const items = inputs(openAiRequired(ctx.body, "input"));
  const dimensions = ctx.body.dimensions ?? defaultDimensions(model);
  if (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > 8192) {
    throw new RequestError("Invalid 'dimensions': expected an integer from 1 to 8192.", { param: "dimensions", code: "invalid_value" });
  }
  const format = ctx.body.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") {
    throw new RequestError(`Invalid value for 'encoding_format': expected 'float' or 'base64', got ${JSON.stringify(format)}.`, { param: "encoding_format", code: "invalid_value" });
  }
  const data = items.map((item, index) => {
    const vector = embed(model, item.key, dimensions);
    return { object: "embedding", index, embedding: format === "base64" ? toBase64(vector) : toFloats(vector) };
  });
  const tokens = items.reduce((sum, item) => sum + item.tokens, 0);
  sendJson(ctx, 200, { object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}
