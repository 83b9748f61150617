// Protects `iron tls rotate` (issue 16, item 3): it replaces the tls:// certificate and key in place
// (0600) with a new pair, prints the new fingerprint and the one it replaces, and a supervisor started
// afterwards presents the new certificate to a real TLS client, so a shim pinned to the old one is
// refused; with no certificate yet it makes the first one. Default directory: $XDG_CONFIG_HOME/iron.
import { X509Certificate } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:tls";
import { describe, expect, it } from "vitest";
import { Supervisor } from "../../src/index.js";
import { tlsCredentials } from "../../src/transport/tls-certificate.js";
import { iron, tempDir } from "../helpers/iron.js";

/** The SHA-256 of the certificate a real TLS server at `endpoint` presents. */
async function presented(endpoint: string): Promise<string> {
  const port = Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerX509Certificate()?.raw;
      socket.destroy();
      if (raw === undefined) reject(new Error("no certificate"));
      else resolve(new X509Certificate(raw).fingerprint256.replaceAll(":", "").toLowerCase());
    });
    socket.on("error", reject);
  });
}

describe("iron tls rotate", () => {
  it("replaces the certificate, prints the new fingerprint, and a restarted supervisor presents it", async () => {
    const dir = join(tempDir("iron-rotate-"), "iron");
    const old = tlsCredentials(dir);
    const before = await Supervisor.start({ listen: ["tls://127.0.0.1:0"], tlsDir: dir, joinToken: true, stream: false });
    expect(await presented(before.endpoints[1] as string)).toBe(old.fingerprint);
    await before.close();

    const run = await iron(["tls", "rotate", "--dir", dir, "--json"]);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const out = JSON.parse(run.stdout) as { cert_file: string; fingerprint: string; previous_fingerprint: string };
    expect(out.previous_fingerprint).toBe(old.fingerprint);
    expect(out.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(out.fingerprint).not.toBe(old.fingerprint);
    expect(out.cert_file).toBe(join(dir, "tls-cert.pem"));
    for (const file of ["tls-cert.pem", "tls-key.pem"]) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, "tls-key.pem"), "utf8")).not.toBe(old.key);
    expect(readdirSync(dir).sort()).toEqual(["tls-cert.pem", "tls-key.pem"]);

    const after = await Supervisor.start({ listen: ["tls://127.0.0.1:0"], tlsDir: dir, joinToken: true, stream: false });
    try {
      expect(after.tlsFingerprint).toBe(out.fingerprint);
      expect(await presented(after.endpoints[1] as string)).toBe(out.fingerprint);
    } finally {
      await after.close();
    }
  }, 60_000);

  it("makes the first certificate in $XDG_CONFIG_HOME/iron and says so in words", async () => {
    const config = tempDir("iron-rotate-xdg-");
    const run = await iron(["tls", "rotate"], { env: { XDG_CONFIG_HOME: config } });
    expect(run.exitCode).toBe(0);
    const fingerprint = tlsCredentials(join(config, "iron")).fingerprint;
    expect(run.stdout).toContain(`new certificate ${join(config, "iron", "tls-cert.pem")}\n  sha256 ${fingerprint}\n`);
    expect(run.stdout).not.toContain("replaces");
    expect(run.stdout).toMatch(/restart iron serve/);
    expect(existsSync(join(config, "iron", "tls-key.pem"))).toBe(true);
  }, 60_000);
});
