// Benchmark: iron's own BPE encoder (src/policy/bpe.ts) beside gpt-tokenizer, the package it
// replaced, measured in the same run (gpt-tokenizer stays a devDependency for this and for the
// exactness test). Three figures per encoding:
//   · counting typical prompts (a support conversation with code and JSON, all ASCII, and the same
//     with a turn in French, German and Japanese), per call: warm
//     (the same texts again, as agents resend a conversation) and fresh (every text new);
//   · time from asking for the encoding to the first count, in a fresh Node process;
//   · RSS of that process after the load (and the V8 heap), beside a Node process that loaded nothing.
//
//   npm run build && node bench/tokenizer.mjs
import { execFileSync } from "node:child_process";
import { SCALE } from "./lib/env.mjs";
import { progress, row, runBench } from "./lib/report.mjs";
import { median } from "./lib/stats.mjs";

const GROUP = "tokenizer";
const ENCODINGS = ["o200k_base", "cl100k_base"];

const SYSTEM = "You are a support assistant for an online shop. Answer briefly, cite order numbers, never invent data. ";
const TURNS = [
  "Hi, my order #418-222-3310 has not arrived. It was placed on 2026-11-20T09:14:00Z.",
  "Sorry to hear that. Could you confirm the email on the order?",
  "Sure, it is jane.doe@example.com and you can call me on +44 20 7946 0958.",
  "def total(items):\n    return sum(i.price * i.qty for i in items if i.qty > 0)\n",
  '{"tool": "lookup_order", "arguments": {"order_id": "418-222-3310", "fields": ["status", "eta"]}}',
];
// The same conversation with a turn in French, German and Japanese (the Unicode pre-tokenizer).
const MIXED = [...TURNS, "Bonjour, où est mon colis ? Il devait arriver hier. Danke schön! 東京への配送は何日かかりますか？"];
// A prompt of `turns` turns; `salt` makes every text new (so no cache of a whole piece helps).
const prompt = (turns, salt, from = TURNS) => [SYSTEM, ...Array.from({ length: turns }, (_, k) => `${from[k % from.length]} (turn ${k}${salt === null ? "" : `, ref ${salt * 7919 + k}`})`)].join("\n");
const CASES = [
  { turns: 1, from: TURNS, label: "ASCII" },
  { turns: 6, from: TURNS, label: "ASCII" },
  { turns: 40, from: TURNS, label: "ASCII" },
  { turns: 6, from: MIXED, label: "mixed" },
  { turns: 40, from: MIXED, label: "mixed" },
];

// One child process: load an encoding, count one text, report the time and memory.
const LOAD = `
const [which, name] = process.argv.slice(1);
const rssBefore = process.memoryUsage().rss;
const started = process.hrtime.bigint();
let count;
if (which === "iron") {
  const { loadBpe } = await import(process.env.IRON_DIST + "/policy/bpe.js");
  const enc = await loadBpe(name);
  count = (t) => enc.count(t);
} else if (which === "gpt-tokenizer") {
  const m = await import("gpt-tokenizer/encoding/" + name);
  const plain = { disallowedSpecial: new Set() };
  count = (t) => m.countTokens(t, plain);
} else {
  count = () => 0;
}
count("Hello, world! How are you today?");
const ms = Number(process.hrtime.bigint() - started) / 1e6;
globalThis.gc();
const m = process.memoryUsage();
console.log(JSON.stringify({ ms, rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20, rssBefore: rssBefore / 2 ** 20 }));
`;

function loadOnce(which, name) {
  const out = execFileSync("node", ["--expose-gc", "--input-type=module", "-e", LOAD, which, name], {
    encoding: "utf8",
    env: { ...process.env, IRON_DIST: new URL("../dist", import.meta.url).pathname },
  });
  return JSON.parse(out.trim().split("\n").pop());
}

function loads(which, name, reps) {
  const got = Array.from({ length: reps }, () => loadOnce(which, name));
  return { ms: median(got.map((g) => g.ms)), rss: median(got.map((g) => g.rss)), heap: median(got.map((g) => g.heap)) };
}

// Median ns per count over interleaved rounds (neither counter always runs first).
function perCall(counters, texts, rounds) {
  const times = Object.fromEntries(Object.keys(counters).map((k) => [k, []]));
  const names = Object.keys(counters);
  for (let round = 0; round < rounds; round += 1) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const batch = typeof texts === "function" ? texts(round) : texts;
      const started = process.hrtime.bigint();
      for (const text of batch) counters[name](text);
      times[name].push(Number(process.hrtime.bigint() - started) / batch.length);
    }
  }
  return Object.fromEntries(names.map((k) => [k, median(times[k])]));
}

async function main() {
  const rows = [];
  const reps = SCALE < 0.5 ? 3 : 5;
  const rounds = Math.max(10, Math.round(30 * SCALE));
  const { loadBpe } = await import("../dist/policy/bpe.js");
  const bare = loads("none", "o200k_base", reps);
  for (const name of ENCODINGS) {
    progress(`${name}: load in fresh processes (${reps} each)`);
    const ours = loads("iron", name, reps);
    const theirs = loads("gpt-tokenizer", name, reps);
    rows.push(row({ group: GROUP, figure: `${name}: load + first count`, value: ours.ms, unit: "ms", baseline: "gpt-tokenizer", baselineValue: theirs.ms, target: "≤ 1×", met: ours.ms <= theirs.ms }));
    rows.push(
      row({
        group: GROUP,
        figure: `${name}: RSS after load`,
        value: ours.rss,
        unit: "MiB",
        baseline: "gpt-tokenizer",
        baselineValue: theirs.rss,
        target: "≤ 1×",
        met: ours.rss <= theirs.rss,
        note: `node alone: ${bare.rss.toFixed(1)} MiB`,
      }),
    );
    rows.push(
      row({
        group: GROUP,
        figure: `${name}: V8 heap after load`,
        value: ours.heap,
        unit: "MiB",
        baseline: "gpt-tokenizer",
        baselineValue: theirs.heap,
        note: `node alone: ${bare.heap.toFixed(1)} MiB`,
      }),
    );

    progress(`${name}: counting typical prompts (${rounds} interleaved rounds)`);
    const enc = await loadBpe(name);
    const gpt = await import(`gpt-tokenizer/encoding/${name}`);
    const plain = { disallowedSpecial: new Set() };
    const counters = { iron: (t) => enc.count(t), "gpt-tokenizer": (t) => gpt.countTokens(t, plain) };
    for (const { turns, from, label } of CASES) {
      const same = Array.from({ length: 20 }, (_, i) => prompt(turns + (i % 3), null, from));
      for (const t of same) if (enc.count(t) !== gpt.countTokens(t, plain)) throw new Error(`counts differ on ${JSON.stringify(t.slice(0, 60))}`);
      const warm = perCall(counters, same, rounds);
      const fresh = perCall(counters, (round) => Array.from({ length: 20 }, (_, i) => prompt(turns + (i % 3), round * 100 + i, from)), rounds);
      const what = `${name}: count ${same[0].length}-char ${label} prompt`;
      rows.push(
        row({
          group: GROUP,
          figure: `${what}, warm`,
          value: warm.iron / 1000,
          unit: "µs",
          baseline: "gpt-tokenizer",
          baselineValue: warm["gpt-tokenizer"] / 1000,
          target: "≤ 1×",
          met: warm.iron <= warm["gpt-tokenizer"],
        }),
      );
      rows.push(
        row({
          group: GROUP,
          figure: `${what}, fresh`,
          value: fresh.iron / 1000,
          unit: "µs",
          baseline: "gpt-tokenizer",
          baselineValue: fresh["gpt-tokenizer"] / 1000,
          target: "≤ 1×",
          met: fresh.iron <= fresh["gpt-tokenizer"],
        }),
      );
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench("tokenizer", main);
export { main };
