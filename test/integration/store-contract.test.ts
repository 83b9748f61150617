// The store contract (store-contract.ts) against a SQLite file and a PostgreSQL database.
import { join } from "node:path";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { tempDir } from "../helpers/iron.js";
import { testDatabase } from "../helpers/postgres.js";
import { storeContract, type ContractStore } from "./store-contract.js";

function sqlite(path: string): ContractStore {
  const store = SqliteStore.open(path);
  return {
    store,
    drain: async () => store.sink.flush(),
    reserve: async (callId, scopes, micros) => store.budgets.reserve(callId, scopes, micros),
    open: async () => sqlite(path),
  };
}

async function postgres(url: string): Promise<ContractStore> {
  const store = await PostgresStore.open(url, { leases: { waitMs: 300 } });
  return {
    store,
    drain: () => store.drain(),
    reserve: (callId, scopes, micros) => store.budgets.acquire(callId, scopes, micros),
    open: () => postgres(url),
  };
}

storeContract("sqlite", async () => sqlite(join(tempDir("iron-contract-"), "state.db")));
storeContract("postgres", async () => postgres(await testDatabase()));
