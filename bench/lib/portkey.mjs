// The proxy peer for the black-box row: Portkey's open-source gateway, installed on demand into a
// cache folder outside the repo (never a dependency of iron) and started on a free port.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";

export const PORTKEY_SPEC = process.env.BENCH_PORTKEY_SPEC ?? "@portkey-ai/gateway@1.15.2";
const CACHE = process.env.BENCH_CACHE ?? join(homedir(), ".cache", "iron-bench", "portkey");
const SERVER = join(CACHE, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js");

/** A port nobody listens on right now (the gateway takes --port, not 0). */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Installs the gateway into the cache folder once; returns null when it is there, else why not. */
export function ensurePortkey() {
  if (existsSync(SERVER)) return null;
  try {
    mkdirSync(CACHE, { recursive: true });
    execFileSync("npm", ["install", "--prefix", CACHE, "--no-audit", "--no-fund", "--no-save", PORTKEY_SPEC], { stdio: ["ignore", "ignore", "pipe"], timeout: 300_000 });
  } catch (error) {
    return `npm install ${PORTKEY_SPEC} failed: ${String(error.stderr ?? error.message)
      .trim()
      .split("\n")
      .slice(-2)
      .join(" ")}`;
  }
  return existsSync(SERVER) ? null : `${PORTKEY_SPEC} installed without build/start-server.js`;
}

/** The version in the cache folder (the row names what was measured, whatever was asked for). */
export function portkeyVersion() {
  return JSON.parse(readFileSync(join(CACHE, "node_modules", "@portkey-ai", "gateway", "package.json"), "utf8")).version;
}

/** Starts the gateway; resolves with its base URL (…/v1) and a stop function once it answers. */
export async function startPortkey() {
  const port = await freePort();
  const child = spawn("node", [SERVER, `--port=${port}`, "--headless"], { stdio: ["ignore", "ignore", "pipe"], cwd: CACHE });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null) throw new Error(`the gateway exited (${child.exitCode}): ${stderr.trim().slice(-300)}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return { baseUrl: `http://127.0.0.1:${port}/v1`, pid: child.pid, stop };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await stop();
  throw new Error(`the gateway did not answer on port ${port} within 10 s`);
}
