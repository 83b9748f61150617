// Token estimates before a call goes out. OpenAI models are counted exactly with their own
// BPE encoding (o200k_base or cl100k_base, src/policy/bpe.ts); every other model (Anthropic,
// local models) gets a documented, deliberately generous estimate: the o200k count × 1.25.
// The real usage replaces the estimate when the call settles.
import type { LlmCall } from "./types.js";

type Counter = (text: string) => number;

/** How a model's prompt is counted. */
export type TokenFamily = "o200k" | "cl100k" | "other";

/** Other tokenizers (Claude's, Llama's) yield more tokens than o200k on the same text: reserve for it. */
export const OTHER_MODEL_FACTOR = 1.25;
/** Per-message framing tokens (role markers), as OpenAI's cookbook counts them. */
const PER_MESSAGE = 3;
/** Tokens that prime the assistant's reply. */
const PER_REPLY = 3;
/** Flat estimate for an image, audio clip or file part (the real figure comes with the usage). */
export const MEDIA_TOKENS = 1500;

// Keys whose string values are not prompt text (ids, roles, options) — counted as nothing.
const NOT_TEXT = new Set([
  "model",
  "role",
  "type",
  "id",
  "tool_call_id",
  "call_id",
  "stream",
  "stream_options",
  "cache_control",
  "media_type",
  "detail",
  "encoding_format",
  "user",
  "metadata",
  "service_tier",
  "store",
  "format",
]);
// Keys whose value is a media payload or reference: a flat estimate each.
const MEDIA = new Set(["image_url", "input_image", "image", "input_audio", "audio", "file", "file_data", "file_id", "source", "document"]);
// Keys whose whole value is serialised into the prompt (tool and function definitions, schemas).
const AS_JSON = new Set(["tools", "functions", "response_format", "text", "tool_choice"]);

let o200k: Counter | null = null;
let cl100k: Counter | null = null;
const loads: Partial<Record<Exclude<TokenFamily, "other">, Promise<void>>> = {};

// One encoding's rank table (o200k: a 1 MiB file, about 11 MiB of RSS and 0.1–0.2 s to load):
// loaded on the first call that needs it, never at start-up, and the same promise for every later ask.
// A load that fails (a missing or damaged rank file, a process shutting down mid-import) leaves
// counting on the conservative estimate, never below the exact count, and the next ask tries again:
// it never rejects, as most asks do not wait for it.
function loadEncoding(name: Exclude<TokenFamily, "other">): Promise<void> {
  loads[name] ??= (async () => {
    try {
      const { loadBpe } = await import("./bpe.js");
      if (name === "o200k") {
        const a = await loadBpe("o200k_base");
        o200k = (text) => a.count(text);
      } else {
        const b = await loadBpe("cl100k_base");
        cl100k = (text) => b.count(text);
      }
    } catch {
      delete loads[name];
    }
  })();
  return loads[name];
}

// The encoding a family is counted with ("other" models: o200k × OTHER_MODEL_FACTOR).
const encodingOf = (family: TokenFamily): Exclude<TokenFamily, "other"> => (family === "cl100k" ? "cl100k" : "o200k");

/** Loads both encodings (tests, and anyone who wants exact counts from the first call on). */
export async function loadTokenizers(): Promise<void> {
  await Promise.all([loadEncoding("o200k"), loadEncoding("cl100k")]);
}

/** The encodings loaded so far (a supervisor loads none until a call needs one). */
export function loadedEncodings(): Exclude<TokenFamily, "other">[] {
  return [...(o200k === null ? [] : ["o200k" as const]), ...(cl100k === null ? [] : ["cl100k" as const])];
}

/** Waits at most `ms` milliseconds for the encoding `model` is counted with; true when it is ready. */
export async function tokenizersWithin(ms: number, model: string | null = null): Promise<boolean> {
  if (tokenizersReady(model)) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([loadEncoding(encodingOf(tokenFamily(model))), timeout]);
  clearTimeout(timer);
  return tokenizersReady(model);
}

/**
 * True once the encoding `model` is counted with has loaded (o200k when no model is named).
 * Asking is a sign a call needs counting: a first ask starts loading that encoding.
 */
export function tokenizersReady(model: string | null = null): boolean {
  const name = encodingOf(tokenFamily(model));
  if ((name === "o200k" ? o200k : cl100k) !== null) return true;
  void loadEncoding(name);
  return false;
}

/** Which encoding a model uses; anything that is not an OpenAI model is `other`. */
export function tokenFamily(model: string | null): TokenFamily {
  const m = (model ?? "").toLowerCase();
  if (/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o1|o3|o4|codex|computer-use|omni-moderation|gpt-realtime|gpt-audio)/.test(m)) return "o200k";
  if (/^(gpt-4|gpt-3\.5|text-embedding-|davinci-002|babbage-002)/.test(m)) return "cl100k";
  return "other";
}

// BPE time grows with the square of a run without spaces (one pre-tokenizer "word"): 100 KB of
// one repeated letter took 6 s, so one hostile 16 MiB prompt would block every agent for hours.
// Texts with such runs are counted in slices (a slice boundary can only add tokens), and texts
// above MAX_TOKENIZED_CHARS get the conservative estimate without any BPE at all.
const LONG_RUN = /\S{400}/;
const SLICE_CHARS = 512;
export const MAX_TOKENIZED_CHARS = 262_144;

function bounded(counter: Counter, text: string): number {
  // A text shorter than a long run has none (most messages): no scan for one.
  if (text.length < 400 || !LONG_RUN.test(text)) return counter(text);
  let n = 0;
  for (let at = 0; at < text.length; at += SLICE_CHARS) n += counter(text.slice(at, at + SLICE_CHARS));
  return n;
}

// Long strings recur on every turn (the conversation so far): count each once, one map per
// family so a lookup hashes the text itself rather than a new concatenated key.
const CACHE_MIN_CHARS = 32;
const CACHE_MAX = 16_384;
const caches = new Map<string, Map<string, number>>();

function counted(counter: Counter, family: string, text: string): number {
  if (text.length < CACHE_MIN_CHARS) return counter(text);
  if (text.length > MAX_TOKENIZED_CHARS) return conservative(text);
  let cache = caches.get(family);
  if (cache === undefined) {
    cache = new Map();
    caches.set(family, cache);
  }
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const n = bounded(counter, text);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(text, n);
  return n;
}

/**
 * Before the encodings have loaded: half a token per UTF-8 byte, which is above what any
 * BPE tokenizer yields for English (about 4 bytes a token) or CJK (about 3 bytes a token).
 */
const conservative: Counter = (text) => Math.ceil(Buffer.byteLength(text, "utf8") / 2);

function counterFor(family: TokenFamily): Counter {
  const counter = family === "cl100k" ? cl100k : o200k;
  if (counter === null) return conservative;
  return (text) => counted(counter, family, text);
}

/** Tokens of one text for a model (exact for OpenAI models, the generous estimate otherwise). */
export function countTextTokens(text: string, model: string | null): number {
  const family = tokenFamily(model);
  const n = counterFor(family)(text);
  return family === "other" && tokenizersReady(model) ? Math.ceil(n * OTHER_MODEL_FACTOR) : n;
}

const memo = new WeakMap<object, { family: TokenFamily; tokens: number }>();

/** Prompt tokens of a call's body: texts + message framing + tools + a flat figure per media part. */
export function estimateInputTokens(call: LlmCall): number {
  const body = call.body;
  const family = tokenFamily(call.model);
  if (typeof body !== "object" || body === null) return call.estimatedTokens.input;
  const ready = tokenizersReady(call.model);
  const known = memo.get(body);
  if (known !== undefined && known.family === family && ready) return known.tokens;
  const count = counterFor(family);
  let tokens = PER_REPLY;
  // Two parallel stacks (key, value) instead of an object per node: a body is walked on every call.
  const keys: string[] = [""];
  const values: unknown[] = [body];
  while (values.length > 0) {
    const key = keys.pop() as string;
    const value = values.pop();
    if (typeof value === "string") {
      tokens += value.startsWith("data:") ? MEDIA_TOKENS : count(value);
    } else if (typeof value === "number") {
      if (key === "#token") tokens += 1;
    } else if (Array.isArray(value)) {
      const isMessages = key === "messages" || key === "input";
      const numbered = key === "input" || key === "prompt" || key === "#token";
      for (const item of value) {
        if (isMessages && typeof item === "object" && item !== null) tokens += PER_MESSAGE;
        keys.push(numbered && typeof item === "number" ? "#token" : key);
        values.push(item);
      }
    } else if (typeof value === "object" && value !== null) {
      const record = value as Record<string, unknown>;
      for (const k in record) {
        if (!Object.hasOwn(record, k)) continue;
        const v = record[k];
        if (NOT_TEXT.has(k) || v === null || v === undefined) continue;
        if (MEDIA.has(k)) tokens += MEDIA_TOKENS;
        else if (AS_JSON.has(k) && typeof v === "object") tokens += count(JSON.stringify(v));
        else if (k === "name" && typeof v === "string") tokens += 1 + count(v);
        else {
          keys.push(k);
          values.push(v);
        }
      }
    }
  }
  const result = family === "other" && ready ? Math.ceil(tokens * OTHER_MODEL_FACTOR) : tokens;
  if (ready) memo.set(body, { family, tokens: result });
  return result;
}
