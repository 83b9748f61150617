// A throwaway PostgreSQL server for the test run: Debian's binaries, a private data and socket
// directory, a free port on 127.0.0.1, password auth. initdb refuses root, so as root the
// server runs as the `postgres` user. $IRON_TEST_POSTGRES_URL names an existing server instead.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

const BIN = "/usr/lib/postgresql/15/bin";
const USER = "iron_test";
const PASSWORD = "iron-test-password";

export interface PostgresServer {
  /** An administrator's URL (to the `postgres` database). */
  readonly url: string;
  stop(): Promise<void>;
}

/** A server of the test's own, which it may stop and start again (same data, same port). */
export interface OwnPostgresServer extends PostgresServer {
  pause(): Promise<void>;
  resume(): Promise<void>;
}

/** The server named by $IRON_TEST_POSTGRES_URL, or a fresh one started here. */
export async function startPostgresServer(): Promise<PostgresServer> {
  const given = process.env.IRON_TEST_POSTGRES_URL;
  if (given !== undefined && given !== "") return { url: given, stop: async () => undefined };
  return startOwnPostgresServer();
}

/** A fresh server started here, whatever $IRON_TEST_POSTGRES_URL says (for tests that stop it). */
export async function startOwnPostgresServer(): Promise<OwnPostgresServer> {
  if (!existsSync(join(BIN, "initdb"))) {
    execFileSync("bash", [new URL("../../scripts/ensure-debian-packages.sh", import.meta.url).pathname, "postgresql"], { stdio: "inherit" });
  }
  const dir = mkdtempSync(join(tmpdir(), "iron-pg-"));
  const owner = serverOwner();
  const pwfile = join(dir, "pw");
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (owner !== null) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  const asOwner = owner === null ? {} : { uid: owner.uid, gid: owner.gid, env: { ...process.env, HOME: dir } };
  execFileSync(join(BIN, "initdb"), ["-D", join(dir, "data"), "-U", USER, "-A", "scram-sha-256", `--pwfile=${pwfile}`, "--no-sync", "-E", "UTF8", "--no-locale"], { ...asOwner, stdio: "pipe" });
  const port = await freePort();
  const settings = ["fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=200"].flatMap((s) => ["-c", s]);
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(join(BIN, "postgres"), ["-D", join(dir, "data"), "-k", dir, "-p", String(port), "-h", "127.0.0.1", ...settings], { ...asOwner, stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
    try {
      await waitUntilReady(url, child, () => log);
      return child;
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }
  };
  let child: ChildProcess;
  try {
    child = await launch();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    stop: async () => {
      await stopServer(child);
      rmSync(dir, { recursive: true, force: true });
    },
    pause: () => stopServer(child),
    resume: async () => {
      child = await launch();
    },
  };
}

// Root cannot run initdb: hand the server to the `postgres` user Debian's package creates.
function serverOwner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  return { uid, gid };
}

// A port the kernel just gave out and took back: free unless something grabs it meanwhile.
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

// Polls with a real connection until the server accepts one (or has died).
async function waitUntilReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`postgres exited (${child.exitCode}):\n${log()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`postgres did not accept connections:\n${log()}`);
}

// Fast shutdown (SIGINT), waited for, so no server outlives the run.
function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGINT");
  });
}

/** A new, empty database on the server at `adminUrl`; returns its URL. */
export async function createTestDatabase(adminUrl: string, prefix = "iron_test"): Promise<string> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
