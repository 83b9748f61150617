// The supervisor's TLS certificate for tls:// listeners: self-signed ECDSA P-256, made on first use
// by /usr/bin/openssl in a child process (Node 20 can read X.509 but not write it), kept 0600 in
// the config directory beside the install secret and reused afterwards, so the fingerprint agents
// pin stays the same across restarts. Shims trust the fingerprint, not a CA: no name is checked.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { IronError } from "../errors.js";

/** A certificate, its private key (both PEM) and the SHA-256 fingerprint of its DER form. */
export interface TlsCredentials {
  readonly cert: string;
  readonly key: string;
  /** 64 lowercase hex digits, what IRON_TLS_FINGERPRINT holds. */
  readonly fingerprint: string;
  readonly certFile: string;
}

export const CERT_FILE = "tls-cert.pem";
export const KEY_FILE = "tls-key.pem";
const OPENSSL = "/usr/bin/openssl";

/** Reads `dir`/tls-cert.pem and tls-key.pem, generating both (0600) when the certificate is missing. */
export function tlsCredentials(dir: string, openssl: string = OPENSSL): TlsCredentials {
  const certFile = join(dir, CERT_FILE);
  const keyFile = join(dir, KEY_FILE);
  if (!existsSync(certFile)) generate(dir, certFile, keyFile, openssl);
  for (const file of [certFile, keyFile]) if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const cert = readFileSync(certFile, "utf8");
  const key = readFileSync(keyFile, "utf8");
  let fingerprint: string;
  try {
    fingerprint = fingerprintOf(cert);
  } catch (cause) {
    throw new IronError("IRON_ERR_CONFIG", `the TLS certificate ${certFile} is not usable`, {
      expected: "a PEM certificate (delete it and its key to make new ones)",
      got: `${cert.length} bytes`,
      cause,
    });
  }
  return { cert, key, fingerprint, certFile };
}

/** What a rotation replaced: the fingerprint agents pinned (null when there was no certificate) and the new credentials. */
export interface RotatedCertificate {
  readonly previous: string | null;
  readonly current: TlsCredentials;
}

/**
 * Replaces `dir`/tls-cert.pem and tls-key.pem with a new pair (`iron tls rotate`): made aside, then
 * renamed over the old files (key first), so a reader finds either the old pair or the new one's
 * complete files. A running supervisor keeps serving the certificate it loaded until it restarts.
 */
export function rotateTlsCertificate(dir: string, openssl: string = OPENSSL): RotatedCertificate {
  const certFile = join(dir, CERT_FILE);
  const keyFile = join(dir, KEY_FILE);
  let previous: string | null = null;
  try {
    previous = existsSync(certFile) ? fingerprintOf(readFileSync(certFile, "utf8")) : null;
  } catch {
    previous = null;
  }
  const staging = join(dir, `.rotate-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    generate(staging, join(staging, CERT_FILE), join(staging, KEY_FILE), openssl);
    renameSync(join(staging, KEY_FILE), keyFile);
    renameSync(join(staging, CERT_FILE), certFile);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { previous, current: tlsCredentials(dir, openssl) };
}

/** SHA-256 of a PEM certificate's DER bytes, as 64 lowercase hex digits. */
export function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replaceAll(":", "").toLowerCase();
}

// openssl writes into a private temporary name; link() publishes the key, then the certificate,
// without overwriting: of two supervisors starting at once, the first pair wins and both read it.
function generate(dir: string, certFile: string, keyFile: string, openssl: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.tls-${process.pid}-${Date.now()}`);
  const args = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-sha256", "-days", "3650"];
  try {
    execFileSync(openssl, [...args, "-subj", "/CN=iron supervisor", "-keyout", `${tmp}.key`, "-out", `${tmp}.pem`], { stdio: ["ignore", "ignore", "pipe"] });
    chmodSync(`${tmp}.key`, 0o600);
    chmodSync(`${tmp}.pem`, 0o600);
    if (!existsSync(certFile)) {
      rmSync(keyFile, { force: true });
      linkSync(`${tmp}.key`, keyFile);
      linkSync(`${tmp}.pem`, certFile);
    }
  } catch (cause) {
    if (existsSync(certFile) && existsSync(keyFile)) return;
    throw new IronError("IRON_ERR_CONFIG", `cannot generate the TLS certificate ${certFile}`, {
      expected: `${openssl} able to make an ECDSA P-256 certificate`,
      got: String((cause as Error).message).split("\n")[0],
      cause,
    });
  } finally {
    rmSync(`${tmp}.key`, { force: true });
    rmSync(`${tmp}.pem`, { force: true });
  }
}
