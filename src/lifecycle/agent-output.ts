// An agent's stdout/stderr: each line becomes a bounded `agent.output` event, and the raw
// output is echoed to iron's own streams — as is for a single agent, line by line behind a
// `[id] ` prefix when several agents share the terminal (so their lines never interleave).
import { StringDecoder } from "node:string_decoder";
import { LineSplitter } from "./line-splitter.js";

export type OutputStream = "stdout" | "stderr";

/** Where echoed output goes (process.stdout / process.stderr, or a test's collector). */
export interface EchoTargets {
  readonly stdout: { write(chunk: string | Uint8Array): unknown };
  readonly stderr: { write(chunk: string | Uint8Array): unknown };
}

export interface AgentOutputOptions {
  /** Called with every complete line (cut at MAX_LINE_CHARS). */
  readonly line: (run: number, stream: OutputStream, line: string) => void;
  /** No echo, the raw bytes, or whole lines behind a prefix. */
  readonly echo: false | { readonly prefix: string };
  readonly targets: EchoTargets;
}

/** One incarnation's two streams. */
export interface RunOutput {
  push(stream: OutputStream, chunk: Buffer): void;
  /** Flushes partial lines at the end of the incarnation. */
  end(): void;
}

/** A prefixed line longer than this is echoed in pieces rather than held back. */
const MAX_ECHO_LINE = 64 * 1024;

/** Opens the output of incarnation `run`. */
export function openRunOutput(run: number, options: AgentOutputOptions): RunOutput {
  const splitters = {
    stdout: new LineSplitter((line) => options.line(run, "stdout", line)),
    stderr: new LineSplitter((line) => options.line(run, "stderr", line)),
  };
  const echo = options.echo;
  const prefixed = echo !== false && echo.prefix !== "" ? { stdout: new PrefixedEcho(echo.prefix, options.targets.stdout), stderr: new PrefixedEcho(echo.prefix, options.targets.stderr) } : null;
  return {
    push(stream, chunk) {
      if (prefixed !== null) prefixed[stream].push(chunk);
      else if (echo !== false) options.targets[stream].write(chunk);
      splitters[stream].push(chunk);
    },
    end() {
      for (const stream of ["stdout", "stderr"] as const) {
        splitters[stream].flush();
        prefixed?.[stream].flush();
      }
    },
  };
}

/** Writes whole lines behind a prefix; keeps a partial line until its newline (or the end). */
class PrefixedEcho {
  readonly #prefix: string;
  readonly #target: { write(chunk: string): unknown };
  readonly #decoder = new StringDecoder("utf8");
  #partial = "";

  constructor(prefix: string, target: { write(chunk: string): unknown }) {
    this.#prefix = prefix;
    this.#target = target;
  }

  push(chunk: Buffer): void {
    const text = this.#partial + this.#decoder.write(chunk);
    const end = text.lastIndexOf("\n");
    this.#partial = text.slice(end + 1);
    if (end >= 0)
      this.#target.write(
        text
          .slice(0, end)
          .split("\n")
          .map((line) => `${this.#prefix}${line}\n`)
          .join(""),
      );
    if (this.#partial.length > MAX_ECHO_LINE) this.flush(false);
  }

  /** Writes the partial line; at the end of the stream also what the decoder still holds. */
  flush(final = true): void {
    const rest = this.#partial + (final ? this.#decoder.end() : "");
    this.#partial = "";
    if (rest !== "") this.#target.write(`${this.#prefix}${rest}\n`);
  }
}
