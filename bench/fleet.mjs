// The fleet's numbers, each beside its baseline in the same run, on a throwaway PostgreSQL
// server started the way the tests start theirs (test/helpers/postgres-server.ts, compiled
// here with esbuild; $IRON_TEST_POSTGRES_URL names an existing server instead):
// - the budget decision (reserve + settle of one call) on the PostgreSQL lease ledger against
//   the SQLite store's ledger: p50/p99 (goal: within 10 % when leases suffice);
// - budget decisions per second of a 3-supervisor fleet against one supervisor;
// - how far a fleet of three gets into its budget before its first denial (goal: >= 99 %);
// - whole supervisors (bench/fleet-supervisors.mjs): decisions/s and a call's round trip with three
//   `iron run` on PostgreSQL against one on SQLite.
// Skips with a reason when no PostgreSQL server can be had.
//
//   npm run build && node bench/fleet.mjs [calls]
import { build } from "esbuild";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PostgresStore } from "../dist/store/postgres/postgres-store.js";
import { benchSupervisors } from "./fleet-supervisors.mjs";
import { SCALE } from "./lib/env.mjs";
import { SqliteStore } from "../dist/store/sqlite/sqlite-store.js";

const CALLS = Number(process.argv[2] ?? 20_000);

// The tests' server helper, compiled beside node_modules so it finds `pg`.
async function serverHelper() {
  const outfile = join(process.cwd(), "node_modules", ".cache", "iron-bench", "postgres-server.mjs");
  await build({ entryPoints: ["test/helpers/postgres-server.ts"], outfile, format: "esm", platform: "node", bundle: false, logLevel: "silent" });
  return import(pathToFileURL(outfile).href);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// p50/p99 in µs of one call's reserve + settle, with a limit the calls never reach.
function decisionLatency(ledger, prefix) {
  const times = [];
  for (let i = 0; i < CALLS; i += 1) {
    const start = process.hrtime.bigint();
    const r = ledger.reserve(`${prefix}-${i}`, ["global"], 100);
    if (r.ok) ledger.settle(`${prefix}-${i}`, 100);
    times.push(Number(process.hrtime.bigint() - start) / 1000);
    if (!r.ok) throw new Error(`denied at call ${i}: the bench's limit was reached`);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

// Calls per second across `ledgers` (acquire + settle, all concurrent).
async function callsPerSecond(ledgers, prefix) {
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CALLS }, async (_, i) => {
      const ledger = ledgers[i % ledgers.length];
      const r = await ledger.acquire(`${prefix}-${i}`, ["global"], 100);
      if (r.ok) ledger.settle(`${prefix}-${i}`, 100);
    }),
  );
  return CALLS / ((performance.now() - start) / 1000);
}

async function main() {
  let helper;
  let server;
  try {
    helper = await serverHelper();
    server = await helper.startPostgresServer();
  } catch (error) {
    console.log(`fleet: skipped — no PostgreSQL server (${error.message.split("\n")[0]}); install Debian's postgresql or set IRON_TEST_POSTGRES_URL`);
    return;
  }
  try {
    const sqlite = SqliteStore.open(join(mkdtempSync(join(tmpdir(), "iron-bench-")), "state.db"));
    sqlite.budgets.setLimit("global", 1e15);
    decisionLatency(sqlite.budgets, "warm");
    const lite = decisionLatency(sqlite.budgets, "s");
    sqlite.close();

    const url = await helper.createTestDatabase(server.url, "iron_bench");
    const pgStore = await PostgresStore.open(url);
    pgStore.budgets.setLimit("global", 1e15);
    await pgStore.budgets.acquire("first", ["global"], 100);
    pgStore.budgets.release("first");
    decisionLatency(pgStore.budgets, "warm");
    const fleet1 = decisionLatency(pgStore.budgets, "p");
    await pgStore.close();
    const ratio = (a, b) => `${((a / b - 1) * 100).toFixed(1)} %`;
    console.log(
      `fleet: decision (reserve+settle) p50 ${fleet1.p50.toFixed(1)} µs PostgreSQL vs ${lite.p50.toFixed(1)} µs SQLite (${ratio(fleet1.p50, lite.p50)}); p99 ${fleet1.p99.toFixed(1)} vs ${lite.p99.toFixed(1)} µs (${ratio(fleet1.p99, lite.p99)})`,
    );

    const one = await PostgresStore.open(await helper.createTestDatabase(server.url, "iron_bench"));
    one.budgets.setLimit("global", 1e15);
    const solo = await callsPerSecond([one.budgets], "one");
    await one.close();
    const url3 = await helper.createTestDatabase(server.url, "iron_bench");
    const three = await Promise.all([1, 2, 3].map(() => PostgresStore.open(url3)));
    for (const s of three) s.budgets.setLimit("global", 1e15);
    const trio = await callsPerSecond(
      three.map((s) => s.budgets),
      "three",
    );
    await Promise.all(three.map((s) => s.close()));
    console.log(`fleet: ${Math.round(trio)} calls/s across 3 supervisors (one process) vs ${Math.round(solo)} with one (x${(trio / solo).toFixed(2)})`);

    const urlSpend = await helper.createTestDatabase(server.url, "iron_bench");
    const spenders = await Promise.all([1, 2, 3].map(() => PostgresStore.open(urlSpend)));
    const LIMIT = 1_000_000;
    for (const s of spenders) s.budgets.setLimit("global", LIMIT);
    let spent = 0;
    let firstDenialAt = null;
    await Promise.all(
      Array.from({ length: 12_000 }, async (_, i) => {
        const ledger = spenders[i % 3].budgets;
        const r = await ledger.acquire(`d-${i}`, ["global"], 100);
        if (!r.ok) {
          firstDenialAt ??= spent;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, i % 7));
        spent += 100;
        ledger.settle(`d-${i}`, 100);
      }),
    );
    await Promise.all(spenders.map((s) => s.close()));
    console.log(
      `fleet: 3 supervisors spent ${(((firstDenialAt ?? spent) / LIMIT) * 100).toFixed(2)} % of the limit before the first denial (${((spent / LIMIT) * 100).toFixed(2)} % in all; never over: ${spent <= LIMIT})`,
    );

    await benchSupervisors(helper, server, { seconds: Math.max(2, Math.round(5 * SCALE)) });
  } finally {
    await server.stop();
  }
}

await main();
