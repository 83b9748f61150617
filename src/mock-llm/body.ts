// Request bodies: read with a size limit, then parsed as JSON the way the providers require.
import type { IncomingMessage } from "node:http";
import { messageOf } from "../errors.js";

/** A read body: its bytes, or a note that it went over the limit (the rest was drained). */
export type ReadBody = { readonly tooLarge: false; readonly text: string } | { readonly tooLarge: true };

/** Reads the whole body; past `limit` bytes it keeps draining but stores nothing. */
export async function readBody(req: IncomingMessage, limit: number): Promise<ReadBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? { tooLarge: true } : { tooLarge: false, text: Buffer.concat(chunks).toString("utf8") };
}

/** A parsed body: a JSON object, or why it is not one. */
export type ParsedBody = { readonly ok: true; readonly value: Record<string, unknown> } | { readonly ok: false; readonly reason: string; readonly raw: string };

/** Parses a body that must be a JSON object (an empty body counts as `{}` only when `allowEmpty`). */
export function parseJsonObject(text: string, allowEmpty: boolean): ParsedBody {
  if (text.trim() === "" && allowEmpty) return { ok: true, value: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return { ok: true, value: value as Record<string, unknown> };
    return { ok: false, reason: "the body is not a JSON object", raw: text };
  } catch (error) {
    return { ok: false, reason: messageOf(error), raw: text };
  }
}
