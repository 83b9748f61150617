// Structured logging: one pino logger passed in (never global), secrets redacted by path.
import { pino, type Logger } from "pino";

export type { Logger };

/** Paths pino censors wherever a log line carries them. */
export const REDACT_PATHS: readonly string[] = [
  "token",
  "*.token",
  "headers.authorization",
  "headers['x-api-key']",
  "headers['api-key']",
  "*.headers.authorization",
  "*.headers['x-api-key']",
  "*.headers['api-key']",
  "apiKey",
  "*.apiKey",
];

export interface LoggerOptions {
  readonly level?: string;
  /** Where lines go; defaults to stderr so agent stdout stays clean. */
  readonly destination?: NodeJS.WritableStream;
}

/** Creates iron's logger: JSON lines, redacted, silent unless asked. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ fd: 2, sync: false });
  return pino(
    {
      name: "iron",
      level: options.level ?? process.env.IRON_LOG_LEVEL ?? "silent",
      redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
      base: undefined,
    },
    destination,
  );
}

/** A logger that drops everything, for library users who pass none. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
