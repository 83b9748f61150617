// A real pino logger (iron's createLogger, redaction included) whose JSON lines are kept parsed,
// and the raw text too, so tests can assert on fields and search every byte that was logged.
import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/telemetry/logger.js";

export interface CapturedLogs {
  readonly logger: Logger;
  readonly lines: Record<string, unknown>[];
  /** Everything written, byte for byte. */
  text(): string;
  /** Lines whose msg contains `fragment`. */
  find(fragment: string): Record<string, unknown>[];
}

/** A logger at `level` writing into memory. */
export function captureLogs(level = "debug"): CapturedLogs {
  const lines: Record<string, unknown>[] = [];
  let raw = "";
  const destination = new Writable({
    write(chunk, _encoding, done) {
      const text = String(chunk);
      raw += text;
      for (const line of text.split("\n")) if (line.trim() !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return {
    logger: createLogger({ level, destination }),
    lines,
    text: () => raw,
    find: (fragment) => lines.filter((line) => String(line.msg).includes(fragment)),
  };
}
