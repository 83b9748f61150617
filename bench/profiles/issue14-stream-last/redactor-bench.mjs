const tree = process.argv[2];
const { BUILTIN_DETECTORS } = await import(`${tree}/dist/policy/pii/detectors.js`);
const { safetyPolicy } = await import(`${tree}/dist/policy/policies/safety.js`);
const policy = safetyPolicy({ detectors: BUILTIN_DETECTORS, input: { default: "redact", overrides: {} }, output: { default: "redact", overrides: {} }, hashSalt: "", allowValues: [] });
const pieces = ["Mock", " reply", " 91f6845d:", " this", " is", " a", " deterministic", " answer", " from", " iron", " mock", "-llm", ".", "", ""].slice(0, 13);
const call = { id: "c1", agentId: "a", provider: "openai", model: "gpt-4o-mini", stream: true, attrs: {} };
const run = () => {
  const f = policy.onStreamOpen(call, {});
  let out = "";
  if (process.env.MANY && f.pushMany) for (const v of f.pushMany(pieces)) out += v.text;
  else for (const p of pieces) out += f.push(p).text;
  out += f.end().text;
  return out;
};
for (let i = 0; i < 2000; i++) run();
const N = 5000;
const t0 = performance.now();
for (let i = 0; i < N; i++) run();
console.log(run(), `${(((performance.now() - t0) / N) * 1000).toFixed(1)} us per stream`);
