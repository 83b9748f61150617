// What a request asks: the texts it carries (for prompt usage) and the last user text
// (for the reply), pulled from the three request shapes the mock serves.
import { countAll } from "./tokens.js";

/** The prompt side of a request: every text it carries, and the last user message's text. */
export interface Prompt {
  readonly texts: readonly string[];
  readonly lastUserText: string;
}

/** Prompt tokens: the sum of countTokens over every text (system, instructions, messages). */
export function promptTokens(prompt: Prompt): number {
  return countAll(prompt.texts);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Text of a message content: a string, or text parts (text / input_text / tool results) joined by "\n". */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content
      .map(textOf)
      .filter((text) => text !== "")
      .join("\n");
  if (isRecord(content)) {
    if (typeof content.text === "string") return content.text;
    if (content.content !== undefined) return textOf(content.content);
    if (typeof content.output === "string") return content.output;
  }
  return "";
}

// Shared walk over role-tagged messages: collect texts, remember the last user text.
function fromMessages(prefix: readonly string[], messages: readonly unknown[]): Prompt {
  const texts = [...prefix];
  let lastUserText = "";
  for (const message of messages) {
    const text = isRecord(message) ? textOf(message.content ?? message.output) : textOf(message);
    if (text !== "") texts.push(text);
    if (isRecord(message) && message.role === "user") lastUserText = text;
  }
  return { texts, lastUserText };
}

/** OpenAI chat: `messages` (system/developer/user/assistant/tool). */
export function chatPrompt(messages: readonly unknown[]): Prompt {
  return fromMessages([], messages);
}

/** OpenAI responses: `instructions` plus `input` (a string, or a list of items). */
export function responsesPrompt(input: unknown, instructions: unknown): Prompt {
  const prefix = typeof instructions === "string" && instructions !== "" ? [instructions] : [];
  if (typeof input === "string") return { texts: [...prefix, input], lastUserText: input };
  return fromMessages(prefix, Array.isArray(input) ? input : []);
}

/** Anthropic messages: `system` (a string or text blocks) plus `messages`. */
export function anthropicPrompt(system: unknown, messages: readonly unknown[]): Prompt {
  const systemText = textOf(system);
  return fromMessages(systemText === "" ? [] : [systemText], messages);
}

/** Legacy completions: `prompt` (a string or a list of strings; token arrays carry no text). */
export function completionPrompt(prompt: unknown): Prompt {
  const texts = (Array.isArray(prompt) ? prompt : [prompt]).filter((p): p is string => typeof p === "string");
  return { texts, lastUserText: texts.at(-1) ?? "" };
}
