// Drives test/fixtures/joined_agent.py: an agent started outside iron that joins a supervisor
// and answers JSON commands on stdin with JSON lines on stdout. Also runs `iron serve` and
// reads what it prints.
import { execa, type ResultPromise } from "execa";
import { createServer } from "node:net";
import { join } from "node:path";
import { FIXTURES, IRON_BIN, REPO } from "./iron.js";

export const JOINED_FIXTURE = join(FIXTURES, "joined_agent.py");
export const SHIM_ROOT = join(REPO, "python");

type Json = Record<string, unknown>;

/** Line-by-line reader of a child's stream, with a wait for the next line that matches. */
class Lines {
  readonly all: string[] = [];
  #waiters: { match: (line: string) => boolean; resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  #buffer = "";
  #ended = false;

  feed(chunk: string): void {
    this.#buffer += chunk;
    for (let at = this.#buffer.indexOf("\n"); at >= 0; at = this.#buffer.indexOf("\n")) {
      const line = this.#buffer.slice(0, at);
      this.#buffer = this.#buffer.slice(at + 1);
      this.all.push(line);
      const waiter = this.#waiters.find((w) => w.match(line));
      if (waiter !== undefined) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  }

  end(): void {
    this.#ended = true;
    for (const w of this.#waiters.splice(0)) w.reject(new Error(`the stream ended; lines so far:\n${this.all.join("\n")}`));
  }

  /** The first line from now on (or already seen after `from`) that matches; a hang guard of `ms`. */
  wait(match: (line: string) => boolean, from = 0, ms = 25_000): Promise<string> {
    const seen = this.all.slice(from).find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.#ended) return Promise.reject(new Error(`the stream ended; lines:\n${this.all.join("\n")}`));
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (l: string) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject,
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no matching line within ${ms} ms; lines:\n${this.all.join("\n")}`));
      }, ms);
      this.#waiters.push(waiter);
    });
  }
}

/** A running joined_agent.py. */
export class JoinedAgentProcess {
  readonly proc: ResultPromise;
  readonly out = new Lines();
  readonly err = new Lines();
  #cursor = 0;

  constructor(python: string, args: readonly string[], env: Record<string, string>) {
    this.proc = execa(python, [...args], { reject: false, stdin: "pipe", env: { PYTHONUNBUFFERED: "1", ...env }, extendEnv: false });
    this.proc.stdout?.setEncoding("utf8").on("data", (c: string) => this.out.feed(c));
    this.proc.stderr?.setEncoding("utf8").on("data", (c: string) => this.err.feed(c));
    this.proc.stdout?.on("end", () => this.out.end());
  }

  /** The next JSON line it prints with this op. */
  async next(op: string): Promise<Json> {
    const line = await this.out.wait((l) => l.startsWith("{") && (JSON.parse(l) as Json).op === op, this.#cursor);
    this.#cursor = this.out.all.indexOf(line) + 1;
    return JSON.parse(line) as Json;
  }

  /** Sends a command and waits for its answer. */
  async send(cmd: Json): Promise<Json> {
    this.proc.stdin?.write(`${JSON.stringify(cmd)}\n`);
    return this.next(String(cmd.op));
  }

  /** Asks it to exit and waits for the process to end. */
  async exit(): Promise<void> {
    this.proc.stdin?.write(`${JSON.stringify({ op: "exit" })}\n`);
    this.proc.stdin?.end();
    await this.proc;
  }
}

/** The environment of a plain `python` process: PATH and HOME only, plus what is given. */
export function plainEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...extra };
}

/** A running `iron serve`, with its stdout and stderr lines. */
export class ServeProcess {
  readonly proc: ResultPromise;
  readonly out = new Lines();
  readonly err = new Lines();

  constructor(args: readonly string[], cwd: string, env: Record<string, string> = {}) {
    this.proc = execa("node", [IRON_BIN, "serve", ...args], { reject: false, cwd, env: { IRON_LOG_LEVEL: "silent", ...env } });
    this.proc.stdout?.setEncoding("utf8").on("data", (c: string) => this.out.feed(c));
    this.proc.stderr?.setEncoding("utf8").on("data", (c: string) => this.err.feed(c));
    this.proc.stderr?.on("end", () => this.err.end());
    this.proc.stdout?.on("end", () => this.out.end());
  }

  /** The endpoints it printed, once it listens. */
  async endpoints(): Promise<string[]> {
    await this.out.wait((l) => l.startsWith("  join token"));
    return this.out.all.filter((l) => /^ {2}(endpoint| {8}) {4}(ipc|tcp|tls):\/\//.test(l)).map((l) => l.trim().replace(/^endpoint\s+/, ""));
  }

  /** Stops it with a signal and waits for it to exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number> {
    this.proc.kill(signal);
    const result = await this.proc;
    return result.exitCode ?? -1;
  }
}

/** A TCP port free right now on 127.0.0.1 (for a fixed --listen that a restart binds again). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}
