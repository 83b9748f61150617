// `iron mock-llm`: serves the mock OpenAI + Anthropic API until SIGINT/SIGTERM. The first
// stdout line is the OpenAI base URL (…/v1); one log line per request goes to stderr (JSON with --json-logs).
import type { Command } from "commander";
import { IronError, isIronError } from "../../errors.js";
import { createLogger } from "../../telemetry/logger.js";
import { readableLog } from "../readable-log.js";
import { examples } from "../examples.js";
import { resolveMockLlmOptions, startMockLlm, type MockLlmOptions } from "../../mock-llm/index.js";

/** The flags as commander hands them over (strings until parsed here). */
interface MockLlmFlags {
  readonly port: string;
  readonly host: string;
  readonly echo?: boolean;
  readonly reply?: string;
  readonly latencyMs?: string;
  readonly chunkDelayMs?: string;
  readonly status?: string;
  readonly failRate?: string;
  readonly seed?: string;
  readonly retryAfter?: string;
  readonly requireAuth?: boolean;
  readonly maxRecorded?: string;
  readonly quiet?: boolean;
  readonly jsonLogs?: boolean;
}

/** The flag each option key comes from, so a bad value is reported under the flag's name. */
const FLAG_OF: Readonly<Record<string, string>> = {
  host: "--host",
  port: "--port",
  latencyMs: "--latency-ms",
  chunkDelayMs: "--chunk-delay-ms",
  status: "--status",
  failRate: "--fail-rate",
  seed: "--seed",
  retryAfter: "--retry-after",
  maxRecorded: "--max-recorded",
  reply: "--reply",
};

/** Registers `iron mock-llm`. */
export function registerMockLlm(program: Command): void {
  program
    .command("mock-llm")
    .description("serve a mock OpenAI + Anthropic API for offline tests; prints the base URL (…/v1) first")
    .option("--port <n>", "TCP port; 0 picks a free one", "0")
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--echo", "reply with the last user message verbatim (x-mock-echo: 1 per request)")
    .option("--reply <text>", "reply with this fixed text instead of the default sentence")
    .option("--latency-ms <n>", "wait this long before each answer")
    .option("--chunk-delay-ms <n>", "wait this long between stream events")
    .option("--status <code>", "answer with this HTTP error status (every request, or --fail-rate of them)")
    .option("--fail-rate <rate>", "fraction 0..1 of requests that fail, with --status (default status 500)")
    .option("--seed <n>", "seed for choosing which requests --fail-rate fails")
    .option("--retry-after <seconds>", "retry-after sent with 429/503/529 errors (default 1)")
    .option("--require-auth", "answer 401 when a request has no API key")
    .option("--max-recorded <n>", "how many requests GET /_mock/requests keeps (default 1000)")
    .option("--quiet", "no per-request log lines on stderr")
    .option("--json-logs", "log each request as one JSON line instead of one readable line")
    .addHelpText(
      "after",
      examples([
        ["iron mock-llm --port 8080", "OPENAI_BASE_URL=http://127.0.0.1:8080/v1 for your agent"],
        ["iron mock-llm --echo --quiet", "answer with the prompt, log nothing"],
        ["iron mock-llm --status 429 --fail-rate 0.5", "rate-limit half the requests"],
      ]),
    )
    .action(async (flags: MockLlmFlags) => runMockLlm(flags));
}

/** Starts the server, prints the base URL, serves until a stop signal, then closes cleanly. */
export async function runMockLlm(flags: MockLlmFlags): Promise<void> {
  const options = toOptions(flags);
  const destination = flags.jsonLogs === true ? process.stderr : readableLog(process.stderr);
  const logger = createLogger({ level: flags.quiet ? "silent" : "info", destination });
  const mock = await startMockLlm(validated({ ...options, logger }));
  process.stdout.write(`${mock.baseUrl}\n`);
  await untilSignal();
  await mock.close();
}

// Resolves on the first SIGINT or SIGTERM (and stops listening for both).
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** Turns flag strings into MockLlmOptions; a value that is not a number is a usage error. */
export function toOptions(flags: MockLlmFlags): MockLlmOptions {
  const num = (flag: string, value: string | undefined, integer: boolean): number | undefined => {
    if (value === undefined) return undefined;
    const n = value.trim() === "" ? Number.NaN : Number(value);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      throw new IronError("IRON_ERR_USAGE", `invalid value for ${flag}`, { path: flag, expected: integer ? "an integer" : "a number", got: value });
    }
    return n;
  };
  return {
    host: flags.host,
    port: num("--port", flags.port, true),
    echo: flags.echo === true,
    reply: flags.reply,
    latencyMs: num("--latency-ms", flags.latencyMs, true),
    chunkDelayMs: num("--chunk-delay-ms", flags.chunkDelayMs, true),
    status: num("--status", flags.status, true),
    failRate: num("--fail-rate", flags.failRate, false),
    seed: num("--seed", flags.seed, true),
    retryAfter: num("--retry-after", flags.retryAfter, false),
    requireAuth: flags.requireAuth === true,
    maxRecorded: num("--max-recorded", flags.maxRecorded, true),
  };
}

// Range checks live in resolveMockLlmOptions; its config error becomes a usage error naming the flag.
function validated(options: MockLlmOptions): MockLlmOptions {
  try {
    resolveMockLlmOptions(options);
  } catch (error) {
    if (!isIronError(error, "IRON_ERR_CONFIG")) throw error;
    const flag = FLAG_OF[error.path ?? ""] ?? `--${error.path ?? "?"}`;
    throw new IronError("IRON_ERR_USAGE", `invalid value for ${flag}`, { path: flag, expected: error.expected, got: error.got, cause: error });
  }
  return options;
}
