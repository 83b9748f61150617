// `iron mock-llm` as a real process: the first stdout line is the base URL, one readable log
// line per request goes to stderr (JSON with --json-logs), SIGINT/SIGTERM stop it with exit 0, bad flags exit 64.
//
// The command is compiled with tsc into a temp folder (its imports only, so other commands'
// work in progress cannot break this test) and run through a tiny entry that mirrors
// src/cli/main.ts. When the whole CLI compiles and runs, the real bin is tested too.
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerMockLlm } from "../../src/cli/commands/mock-llm.js";
import { isIronError } from "../../src/errors.js";

const ROOT = resolve(import.meta.dirname, "../..");
let out: string;
let realBinWorks = false;

const ENTRY = `
import { Command, CommanderError } from "commander";
import { registerMockLlm } from "./cli/commands/mock-llm.js";
import { exitCodeFor } from "./cli/exit-codes.js";
const program = new Command("iron").exitOverride();
registerMockLlm(program);
try {
  await program.parseAsync(process.argv.slice(2), { from: "user" });
} catch (error) {
  if (error instanceof CommanderError) { process.stderr.write("iron: IRON_ERR_USAGE: " + error.message + "\\n"); process.exitCode = 64; }
  else { process.stderr.write("iron: " + error.message + "\\n"); process.exitCode = exitCodeFor(error.code ?? "IRON_ERR_INTERNAL"); }
}
`;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "iron-mock-llm-cli-"));
  await symlink(join(ROOT, "node_modules"), join(out, "node_modules"), "dir");
  const tsc = join(ROOT, "node_modules/.bin/tsc");
  const flags = [
    "--outDir",
    out,
    "--rootDir",
    join(ROOT, "src"),
    "--module",
    "nodenext",
    "--moduleResolution",
    "nodenext",
    "--target",
    "es2022",
    "--lib",
    "es2023",
    "--types",
    "node",
    "--skipLibCheck",
    "--strict",
  ];
  await execa(tsc, [...flags, join(ROOT, "src/cli/commands/mock-llm.ts"), join(ROOT, "src/cli/exit-codes.ts")], { cwd: ROOT });
  await writeFile(join(out, "entry.mjs"), ENTRY);
  // The whole CLI may not compile or run while other commands are in progress; then skip that part.
  const whole = join(out, "whole");
  await execa(tsc, [...flags.map((f) => (f === out ? whole : f)), join(ROOT, "src/cli/bin.ts")], { cwd: ROOT, reject: false });
  await symlink(join(ROOT, "node_modules"), join(whole, "node_modules"), "dir").catch(() => undefined);
  realBinWorks = (await execa("node", [join(whole, "cli/bin.js"), "--version"], { reject: false, timeout: 10_000 })).exitCode === 0;
}, 180_000);

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

// Resolves with the first stdout line of a running process.
function firstLine(child: ResultPromise): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let buffered = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf("\n");
      if (newline >= 0) resolveLine(buffered.slice(0, newline));
    });
    child.catch(reject);
  });
}

// Starts the server process, checks it serves, stops it with `signal`, returns its result.
async function serveOnce(command: string[], signal: "SIGINT" | "SIGTERM") {
  const child = execa("node", command, { reject: false });
  const baseUrl = await firstLine(child);
  expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  const res = await fetch(`${baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "secret-free hello" }] }),
  });
  expect(res.status).toBe(200);
  await new Promise((r) => setTimeout(r, 100)); // let the log line reach stderr
  child.kill(signal);
  return child;
}

describe("iron mock-llm (compiled command)", () => {
  it("prints the base URL first, logs one readable line per request, exits 0 on SIGTERM", async () => {
    const result = await serveOnce([join(out, "entry.mjs"), "mock-llm", "--port", "0"], "SIGTERM");
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split("\n")).toHaveLength(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^mock-llm: POST \/v1\/chat\/completions → 200 in \d+ ms \(model gpt-4o, request \S+\)$/);
  });

  it("--json-logs logs one JSON line per request", async () => {
    const result = await serveOnce([join(out, "entry.mjs"), "mock-llm", "--json-logs"], "SIGTERM");
    const lines = result.stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: "mock-llm request", method: "POST", path: "/v1/chat/completions", status: 200, model: "gpt-4o" });
  });

  it("--quiet logs nothing; SIGINT also exits 0", async () => {
    const result = await serveOnce([join(out, "entry.mjs"), "mock-llm", "--quiet"], "SIGINT");
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
  });

  it("a bad flag value exits 64 with IRON_ERR_USAGE naming the flag", async () => {
    const result = await execa("node", [join(out, "entry.mjs"), "mock-llm", "--fail-rate", "2"], { reject: false });
    expect(result.exitCode).toBe(64);
    expect(result.stderr).toMatch(/IRON_ERR_USAGE: invalid value for --fail-rate \(at --fail-rate\): expected a number from 0 to 1, got 2/);
    expect(result.stdout).toBe("");
  });

  it("the real bin (when the whole CLI builds) serves the same way", async (ctx) => {
    if (!realBinWorks) ctx.skip();
    const result = await serveOnce([join(out, "whole/cli/bin.js"), "mock-llm", "--quiet"], "SIGTERM");
    expect(result.exitCode).toBe(0);
  });
});

describe("iron mock-llm flag parsing (in process)", () => {
  // Parses argv with only this command registered; rejects instead of exiting.
  const parse = (...args: string[]) => {
    const program = new Command("iron").exitOverride();
    registerMockLlm(program);
    return program.parseAsync(["mock-llm", ...args], { from: "user" });
  };

  it.each([
    [["--port", "abc"], "--port", "an integer"],
    [["--latency-ms", "1.5"], "--latency-ms", "an integer"],
    [["--status", "200"], "--status", "an integer from 400 to 599"],
    [["--port", "99999"], "--port", "an integer from 0 to 65535"],
    [["--chunk-delay-ms", "-1"], "--chunk-delay-ms", "an integer from 0 to 600000"],
  ])("%j → IRON_ERR_USAGE at %s", async (args, flag, expected) => {
    const error = await parse(...args).catch((e: unknown) => e);
    expect(isIronError(error, "IRON_ERR_USAGE")).toBe(true);
    expect(error).toMatchObject({ path: flag, expected });
  });
});
