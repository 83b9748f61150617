// Figure 2's two inbound frames (an llm.request as the OpenAI SDK's call sends it, with body_json and
// 15 headers, and its llm.response) decoded into typed messages by ROOT's build, in a loop: CPU
// nanoseconds per call (request + response), median and best of 15 slices. A build without
// protocol/call-message-decoder.js (the base) takes the generic path: decode, then parseInbound.
// Usage: node decode-micro.mjs ROOT   (ROOT: a checkout with dist/ built)
import { resolve } from "node:path";

const root = resolve(process.argv[2] ?? ".");
const { encode, decode } = await import(`${root}/dist/protocol/codec.js`);
const { parseInbound } = await import(`${root}/dist/protocol/parse.js`);
const fast = await import(`${root}/dist/protocol/call-message-decoder.js`).then(
  (m) => m.decodeCallMessage,
  () => null,
);

// Python's json.dumps spacing, as the shim's body_json bytes have it.
const pyJson = (value) => Buffer.from(JSON.stringify(value).replace(/,"/g, ', "').replace(/":/g, '": '));
const body = pyJson({
  messages: [
    { role: "system", content: "You are a helpful assistant. Answer briefly and precisely, and say when you do not know." },
    { role: "user", content: "What is the capital of France? Explain in two sentences." },
  ],
  model: "gpt-4o-mini",
  max_tokens: 256,
  temperature: 0.2,
});
const headers = Object.fromEntries(
  [
    "host:api.openai.com",
    "accept-encoding:gzip, deflate",
    "connection:keep-alive",
    "accept:application/json",
    "content-type:application/json",
    "user-agent:OpenAI/Python 1.51.0",
    "x-stainless-lang:python",
    "x-stainless-package-version:1.51.0",
    "x-stainless-os:Linux",
    "x-stainless-arch:x64",
    "x-stainless-runtime:CPython",
    "x-stainless-runtime-version:3.11.2",
    "authorization:[redacted]",
    "x-stainless-async:false",
    "x-stainless-retry-count:0",
  ].map((h) => h.split(/:(.*)/s).slice(0, 2)),
);
const reply = pyJson({
  id: "chatcmpl-1",
  model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "It is on its way." }, finish_reason: "stop" }],
  usage: { prompt_tokens: 80, completion_tokens: 8, total_tokens: 88 },
});
const usage = { input_tokens: 80, output_tokens: 8, cached_input_tokens: 0, cache_creation_input_tokens: 0, reasoning_tokens: 0 };
const frames = [];
for (let i = 0; i < 512; i += 1) {
  const call = `c-${(0x9e3779b9 * (i + 1)).toString(16).padStart(16, "0").slice(-16)}`;
  frames.push(
    Buffer.from(
      encode({
        v: 1,
        type: "llm.request",
        id: 2 * i,
        call,
        provider: "openai",
        endpoint: "chat.completions",
        model: "gpt-4o-mini",
        method: "POST",
        url: "https://api.openai.com/v1/chat/completions",
        headers,
        body_json: body,
        stream: false,
        est_tokens: { input: 40, output: 256 },
        library: "httpx",
        attrs: {},
      }),
    ),
    Buffer.from(
      encode({
        v: 1,
        type: "llm.response",
        id: 2 * i + 1,
        call,
        status: 200,
        usage,
        output: "It is on its way.",
        body_json: reply,
        latency_ms: 1.25,
        stream: false,
        complete: true,
        error: null,
        request_id: null,
        model: "gpt-4o-mini",
      }),
    ),
  );
}
const read = fast === null ? (bytes) => parseInbound(decode(bytes)) : (bytes) => fast(bytes) ?? parseInbound(decode(bytes));
let ids = 0;
const round = () => {
  for (const frame of frames) ids += read(frame).id;
};
for (let i = 0; i < 300; i += 1) round();
const slices = [];
for (let s = 0; s < 15; s += 1) {
  const before = process.cpuUsage();
  for (let i = 0; i < 40; i += 1) round();
  const used = process.cpuUsage(before);
  slices.push(((used.user + used.system) * 1000) / (40 * 512));
}
slices.sort((a, b) => a - b);
const answered = fast === null ? 0 : frames.filter((frame) => fast(frame) !== null).length;
console.log(
  JSON.stringify({
    root,
    path: fast === null ? "generic" : `hand-written (${answered} of ${frames.length} frames)`,
    nsPerCallMedian: Math.round(slices[7]),
    nsPerCallBest: Math.round(slices[0]),
    checked: ids > 0,
  }),
);
