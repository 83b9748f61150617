// Ids shaped like the real providers' ids, so clients that log or parse them see the usual forms.
import { randomAlphanumeric, randomHex } from "./random.js";

/** OpenAI `x-request-id`: "req_" + 32 hex digits. */
export const openAiRequestId = (): string => `req_${randomHex(32)}`;

/** Anthropic `request-id` (and `request_id` in error bodies): "req_011C" + 20 letters/digits. */
export const anthropicRequestId = (): string => `req_011C${randomAlphanumeric(20)}`;

/** Chat completion id: "chatcmpl-" + 29 letters/digits. */
export const chatCompletionId = (): string => `chatcmpl-${randomAlphanumeric(29)}`;

/** Legacy completion id: "cmpl-" + 29 letters/digits. */
export const completionId = (): string => `cmpl-${randomAlphanumeric(29)}`;

/** Responses API response id: "resp_" + 48 hex digits. */
export const responseId = (): string => `resp_${randomHex(48)}`;

/** Responses API output message item id: "msg_" + 48 hex digits. */
export const responseItemId = (): string => `msg_${randomHex(48)}`;

/** Anthropic message id: "msg_01" + 22 letters/digits. */
export const anthropicMessageId = (): string => `msg_01${randomAlphanumeric(22)}`;

/** OpenAI stream `obfuscation` padding (random letters/digits, as the real API sends by default). */
export const obfuscation = (): string => randomAlphanumeric(4 + Math.floor(Math.random() * 12));

/** Seconds since the epoch, as in `created` fields. */
export const unixSeconds = (): number => Math.floor(Date.now() / 1000);
