// Every hash iron stores is keyed with a per-install secret kept outside the state file: a copy of
// the state file alone holds no key, and a finding's hash is not the value's plain SHA-256, which
// brute-forces an SSN in minutes (issue 16, item 8).
import Database from "better-sqlite3";
import { createHash, createHmac } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Supervisor } from "../../src/index.js";
import { installSecret } from "../../src/store/install-secret.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { tempDir } from "../helpers/iron.js";
import { dealer, message } from "../helpers/zmtp-peer.js";
import { authenticate } from "../helpers/auth-peer.js";
import { wireRequest } from "../helpers/wire-request.js";

describe("the install secret", () => {
  it("is made once, 0600, and read back the same", () => {
    const path = join(tempDir("iron-secret-"), "conf", "iron", "secret");
    const key = installSecret(path);
    expect(key.length).toBe(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
    expect(installSecret(path).equals(key)).toBe(true);
  });

  it("is not in the state file", () => {
    const path = join(tempDir("iron-secret-"), "state.db");
    SqliteStore.open(path).close();
    const db = new Database(path, { readonly: true });
    const rows = db.prepare("SELECT key FROM meta").all() as { key: string }[];
    db.close();
    expect(rows.map((r) => r.key)).not.toContain("hash_key");
  });

  it("keys the hash of a PII finding, so the stored hash is not the value's plain SHA-256", async () => {
    const state = join(tempDir("iron-secret-"), "state.db");
    const sup = await Supervisor.start({ state, joinToken: true, stream: false });
    const findings: { sha256: string }[] = [];
    sup.on("event", (e) => {
      if (e.type === "llm.decision" && e.findings !== undefined) findings.push(...e.findings.map((f) => ({ sha256: f.sha256 })));
    });
    const peer = await dealer(sup.endpoint);
    try {
      await authenticate(peer, 1, "pii", sup.joinToken as string);
      const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "my SSN is 123-45-6789" }], max_tokens: 5 };
      await peer.write(message(wireRequest(2, { call: "c-pii", body, est_tokens: { input: 9, output: 5 } })));
      await peer.waitFor((m) => m.id === 2);
    } finally {
      peer.destroy();
      await sup.close();
    }
    expect(findings.length).toBeGreaterThan(0);
    const plain = createHash("sha256").update("123456789").digest("hex");
    const plainDashed = createHash("sha256").update("123-45-6789").digest("hex");
    expect(findings.map((f) => f.sha256)).not.toContain(plain);
    expect(findings.map((f) => f.sha256)).not.toContain(plainDashed);
    const keyed = findings.map((f) => f.sha256);
    expect(keyed.some((h) => h === createHmac("sha256", installSecret()).update("123456789").digest("hex") || h === createHmac("sha256", installSecret()).update("123-45-6789").digest("hex"))).toBe(
      true,
    );
  });
});
