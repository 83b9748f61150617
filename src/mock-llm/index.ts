// The mock-llm module's surface: start a server, resolve its options, count tokens like it.
export { startMockLlm, type MockLlm, type QueueFaultInput } from "./server.js";
export { resolveMockLlmOptions, type MockLlmOptions, type ResolvedMockLlmOptions } from "./options.js";
export type { RecordedRequest } from "./recorder.js";
export type { FaultSpec, QueuedFault } from "./faults.js";
export { countTokens, splitTokens, TOKEN_PATTERN } from "./tokens.js";
export { defaultReplyText } from "./reply.js";
export { parseSse, type SseEvent } from "./sse-parse.js";
