// The response hints run in the shim, in Python's `re`: the same sources must match the same texts
// there as in JavaScript (on ASCII texts exactly; on others Python may match more, never less), and
// the shim's clean() must release only bodies in which no hint matches a text the safety policy scans.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILTIN_DETECTORS } from "../../src/policy/pii/detectors.js";
import { SKIPPED_KEYS } from "../../src/policy/pii/body-texts.js";
import type { ResponseHint } from "../../src/policy/types.js";
import { corpusTexts, generatedText, random } from "../helpers/hint-corpus.js";
import { DEBIAN_PYTHON, REPO } from "../helpers/iron.js";

const hints: ResponseHint[] = [];
for (const d of BUILTIN_DETECTORS) if (d.portable !== undefined && !hints.some((h) => h.source === d.portable?.source)) hints.push(d.portable);

// Runs `code` in a real Python with the shim importable; `input` goes in as JSON, the answer comes back as JSON.
function python<T>(code: string, input: unknown): T {
  const run = spawnSync(DEBIAN_PYTHON, ["-c", code], { input: JSON.stringify(input), encoding: "utf8", env: { ...process.env, PYTHONPATH: join(REPO, "python") }, maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`python failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

const MATCH = `
import json, sys
from iron_shim import response_hints
data = json.load(sys.stdin)
patterns = response_hints.compiled(tuple((h["source"], h["ignoreCase"]) for h in data["hints"]))
print(json.dumps([[p.search(t) is not None for p in patterns] for t in data["texts"]]))
`;

describe("the hints in Python", () => {
  it("match exactly the ASCII texts they match in JavaScript, and at least the others", () => {
    const rnd = random(3);
    const generated = Array.from({ length: 5000 }, () => generatedText(rnd));
    const unicode = ["Tel ١٢٣٤٥٦٧٨٩٠", "mail ſecret_key", "é::1", "K\u212Aey SECRET_aCCESS", "caf\u00e9@ex\u00e4mple.com", "x\uFEFF192.168.0.1", "𝟙𝟚𝟛.𝟜.𝟝.𝟞"];
    const texts = [...corpusTexts(), ...generated, ...unicode];
    const py = python<boolean[][]>(MATCH, { hints, texts });
    expect(py).toHaveLength(texts.length);
    let differ = 0;
    texts.forEach((text, t) => {
      hints.forEach((h, i) => {
        const js = new RegExp(h.source, h.ignoreCase ? "i" : "").test(text);
        const inPython = py[t]?.[i];
        if ([...text].every((c) => c.charCodeAt(0) < 128)) expect(inPython, `${h.source} on ${JSON.stringify(text)}`).toBe(js);
        else if (js) expect(inPython, `${h.source} on ${JSON.stringify(text)}`).toBe(true);
        if (inPython !== js) differ += 1;
      });
    });
    // Python's \d is Unicode, ours is [0-9]: the hints hold no \d, so even those agree.
    expect(differ).toBe(0);
    // The corpus does exercise both answers.
    expect(py.filter((row) => row.some(Boolean)).length).toBeGreaterThan(1000);
    expect(py.filter((row) => !row.some(Boolean)).length).toBeGreaterThan(500);
  });

  it("skip only keys the safety policy skips too", () => {
    const skipped = python<string[]>("import json; from iron_shim import response_hints; print(json.dumps(sorted(response_hints.SKIPPED_KEYS)))", null);
    expect(skipped.length).toBeGreaterThan(10);
    for (const key of skipped) expect(SKIPPED_KEYS.has(key), key).toBe(true);
  });

  it("release a body only when no hint matches its output or a scanned string", () => {
    const reply = "Mock reply 50dd46bf: this is a deterministic answer from iron mock-llm.";
    const chat = (content: string, extra: Record<string, unknown> = {}) => ({
      id: "chatcmpl-AB12cd34EF56gh78IJ90kl12MN345",
      object: "chat.completion",
      model: "gpt-4o-mini",
      choices: [{ index: 0, message: { role: "assistant", content, ...extra }, finish_reason: "stop" }],
      usage: { prompt_tokens: 10, completion_tokens: 5 },
      system_fingerprint: "fp_4111111111111111",
    });
    const cases: Array<[unknown, string, boolean]> = [
      [chat(reply), reply, true],
      [chat("mail bob@example.com"), "mail bob@example.com", false],
      [chat(reply), "mail bob@example.com", false], // the output text counts on its own
      [chat(reply, { tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: '{"card":"4111 1111 1111 1111"}' } }] }), reply, false],
      [chat(reply, { annotations: [{ note: "+44 20 7946 0958" }] }), reply, false],
      [["not", "a", "chat", "10.0.0.1"], "", false],
      [chat(reply), "x".repeat(3900), true],
      [chat(reply), "x".repeat(4100), false], // too long to search: ask
    ];
    const code = `
import json, sys
from iron_shim import response_hints
data = json.load(sys.stdin)
hints = tuple((h["source"], h["ignoreCase"]) for h in data["hints"])
print(json.dumps([response_hints.clean(hints, body, output) for body, output in data["cases"]]))
`;
    expect(python<boolean[]>(code, { hints, cases: cases.map(([body, output]) => [body, output]) })).toEqual(cases.map(([, , clean]) => clean));
  });

  it("release nothing when a hint does not compile", () => {
    const code = `
import json, sys
from iron_shim import response_hints
print(json.dumps([response_hints.clean((("(unclosed", False),), {"a": "b"}, ""), response_hints.clean((), {"a": "b"}, "")]))
`;
    expect(python<boolean[]>(code, null)).toEqual([false, true]);
  });
});
