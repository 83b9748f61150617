// The state file holds spend and history, stream.json holds the stream's token: an existing file
// others can read (copied in, restored from a backup, made under another umask) is made private
// again when iron opens it (issue 16, item 11); so is the budget holds' journal beside the state file.
import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeDiscovery } from "../../src/stream/discovery.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { tempDir } from "../helpers/iron.js";

const modeOf = (path: string): number => statSync(path).mode & 0o777;

describe("files iron keeps private", () => {
  it("makes an existing state file others can read private again on open, its WAL too", () => {
    const path = join(tempDir("iron-perm-"), "state.db");
    SqliteStore.open(path).close();
    chmodSync(path, 0o644);
    const store = SqliteStore.open(path);
    try {
      expect(modeOf(path)).toBe(0o600);
      expect(modeOf(`${path}-wal`)).toBe(0o600);
    } finally {
      store.close();
    }
  });

  it("keeps the hold journal private, also one left readable beside the state file", () => {
    const path = join(tempDir("iron-perm-"), "state.db");
    writeFileSync(`${path}-holds`, "", { mode: 0o644 });
    chmodSync(`${path}-holds`, 0o644);
    const store = SqliteStore.open(path);
    try {
      store.budgets.reserve("c1", ["global"], 10);
      expect(modeOf(`${path}-holds`)).toBe(0o600);
    } finally {
      store.close();
    }
  });

  it("makes an existing stream.json others can read private again when it is rewritten", () => {
    const dir = join(tempDir("iron-perm-"), ".iron");
    mkdirSync(dir);
    writeFileSync(join(dir, "stream.json"), "{}\n", { mode: 0o644 });
    chmodSync(join(dir, "stream.json"), 0o644);
    writeDiscovery(dir, "ws://127.0.0.1:1/events", "watch-token-0123456789");
    expect(modeOf(join(dir, "stream.json"))).toBe(0o600);
  });
});
