const root = process.argv[2] ?? process.cwd();
const { encode, decode } = await import(root + "/dist/protocol/codec.js");
const { parseInbound } = await import(root + "/dist/protocol/parse.js");
const SYSTEM = "You are a careful assistant for a logistics company. Answer briefly, cite the order id, and never invent tracking numbers. If the question is not about an order, say so politely.";
const USER =
  "Hi, my order 48213-B was supposed to arrive on Tuesday but the tracking page has not changed since Sunday evening. Can you tell me where it is and whether I should expect it this week? Thanks!";
const te = new TextEncoder();
const req = (i) =>
  encode({
    v: 1,
    type: "llm.request",
    id: i,
    call: `c-${i}-3f9a2b7c`,
    provider: "openai",
    endpoint: "chat.completions",
    model: "gpt-4o-mini",
    method: "POST",
    url: "http://127.0.0.1:40000/v1/chat/completions",
    headers: { "content-type": "application/json", "user-agent": "Python-urllib/3.11", host: "127.0.0.1:40000", "content-length": "420" },
    body_json: te.encode(
      JSON.stringify({
        messages: [
          { role: "system", content: SYSTEM },
          { role: "user", content: `${USER} (ref ${i})` },
        ],
        model: "gpt-4o-mini",
        max_tokens: 256,
        temperature: 0.2,
      }),
    ),
    stream: false,
    est_tokens: { input: 120, output: 256 },
    library: "urllib",
    attrs: {},
  });
const text = (i) => `Mock reply ${i.toString(16)}: this is a deterministic answer from iron mock-llm.`;
const resp = (i) =>
  encode({
    v: 1,
    type: "llm.response",
    id: i,
    call: `c-${i}-3f9a2b7c`,
    status: 200,
    usage: { input_tokens: 80, output_tokens: 14, cached_input_tokens: 0, cache_creation_input_tokens: 0, reasoning_tokens: 0 },
    output: text(i),
    body_json: te.encode(
      JSON.stringify({
        id: `chatcmpl-${i}`,
        object: "chat.completion",
        created: 1765000000,
        model: "gpt-4o-mini",
        choices: [{ index: 0, message: { role: "assistant", content: text(i) }, finish_reason: "stop" }],
        usage: { prompt_tokens: 80, completion_tokens: 14, total_tokens: 94 },
      }),
    ),
    latency_ms: 1.234,
    stream: false,
    complete: true,
    error: null,
    request_id: null,
    model: "gpt-4o-mini",
  });
const N = 4000;
const frames = [];
for (let i = 0; i < N; i++) {
  frames.push(req(i));
  frames.push(resp(i));
}
let dec = Infinity,
  par = Infinity;
for (let r = 0; r < 15; r++) {
  let t = performance.now();
  const vals = frames.map((f) => decode(f));
  dec = Math.min(dec, ((performance.now() - t) * 1000) / frames.length);
  t = performance.now();
  for (const v of vals) parseInbound(v);
  par = Math.min(par, ((performance.now() - t) * 1000) / frames.length);
}
console.log(`best of 15 per message: decode ${dec.toFixed(2)} us  parseInbound ${par.toFixed(2)} us`);
