// Benchmark: the hello token check takes the same time whatever is wrong with the token (it hashes
// both sides and compares digests with timingSafeEqual). Time per check for a right token beside
// tokens wrong in the first byte, in the last byte, of another length, and an unknown agent.
import { TokenRegistry } from "../dist/transport/tokens.js";
import { SCALE } from "./lib/env.mjs";
import { progress, row, runBench } from "./lib/report.mjs";
import { median } from "./lib/stats.mjs";

const GROUP = "security";

async function main() {
  const registry = new TokenRegistry();
  const token = registry.issue("agent");
  const flip = (s, at) => s.slice(0, at) + (s[at] === "A" ? "B" : "A") + s.slice(at + 1);
  const cases = {
    right: ["agent", token],
    "wrong first byte": ["agent", flip(token, 0)],
    "wrong last byte": ["agent", flip(token, token.length - 1)],
    "another length": ["agent", token.slice(0, 8)],
    "unknown agent": ["nobody", token],
  };
  const per = Math.max(20_000, Math.round(200_000 * SCALE));
  progress(`${per} checks per case, in 20 interleaved rounds`);
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const names = Object.keys(cases);
  for (let round = 0; round < 20; round += 1) {
    const order = names.map((_, i) => names[(i + round) % names.length]); // rotate: no case always runs first
    for (const name of order) {
      const [agent, candidate] = cases[name];
      const started = process.hrtime.bigint();
      for (let i = 0; i < per / 20; i += 1) registry.verify(agent, candidate);
      times[name].push(Number(process.hrtime.bigint() - started) / (per / 20));
    }
  }
  const right = median(times.right);
  return Object.keys(cases)
    .filter((name) => name !== "right")
    .map((name) => row({ group: GROUP, figure: `token check, ${name}`, value: median(times[name]), unit: "ns", baseline: "token check, right token", baselineValue: right, target: "≈ 1×" }));
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench("tokens", main);
export { main };
