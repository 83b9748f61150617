// Protects the tls:// certificate (issue 16, item 3): made once by the real openssl as a
// self-signed ECDSA P-256 certificate, both files 0600 in a 0700 directory, reused unchanged
// afterwards (so the fingerprint agents pin survives restarts), group/world bits removed from
// existing files, and a clear IRON_ERR_CONFIG when it cannot be made.
import { X509Certificate, createHash } from "node:crypto";
import { chmodSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tlsCredentials } from "../../src/transport/tls-certificate.js";
import { tempDir } from "../helpers/iron.js";

describe("the tls:// certificate", () => {
  it("is made once (P-256, self-signed, 0600 in a 0700 directory) and reused with the same fingerprint", () => {
    const dir = join(tempDir("iron-cert-"), "config", "iron");
    const first = tlsCredentials(dir);
    const x509 = new X509Certificate(first.cert);
    expect(x509.publicKey.asymmetricKeyDetails).toMatchObject({ namedCurve: "prime256v1" });
    expect(x509.checkIssued(x509)).toBe(true);
    expect(first.fingerprint).toBe(createHash("sha256").update(x509.raw).digest("hex"));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of ["tls-cert.pem", "tls-key.pem"]) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    const key = readFileSync(join(dir, "tls-key.pem"), "utf8");
    chmodSync(join(dir, "tls-key.pem"), 0o644);
    const again = tlsCredentials(dir);
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(again.key).toBe(key);
    expect(statSync(join(dir, "tls-key.pem")).mode & 0o777).toBe(0o600);
  });

  it("says what it expected when openssl cannot make it", () => {
    const dir = join(tempDir("iron-cert-"), "iron");
    expect(() => tlsCredentials(dir, "/nonexistent/openssl")).toThrow(
      /IRON_ERR_CONFIG: cannot generate the TLS certificate .*tls-cert\.pem.*expected \/nonexistent\/openssl able to make an ECDSA P-256 certificate/,
    );
  });
});
