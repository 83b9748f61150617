// Splits an agent's output stream into bounded lines for `agent.output` events.
import { StringDecoder } from "node:string_decoder";

/** Longest line kept in an event; longer lines are cut (the raw echo is unaffected). */
export const MAX_LINE_CHARS = 8192;

/** Buffers partial lines across chunks and emits each complete line once. */
export class LineSplitter {
  #partial = "";
  // Keeps a multi-byte character split across two chunks whole.
  readonly #decoder = new StringDecoder("utf8");
  readonly #emit: (line: string) => void;

  constructor(emit: (line: string) => void) {
    this.#emit = emit;
  }

  push(chunk: Buffer | string): void {
    const text = this.#partial + (typeof chunk === "string" ? chunk : this.#decoder.write(chunk));
    const parts = text.split("\n");
    this.#partial = parts.pop() ?? "";
    if (this.#partial.length > MAX_LINE_CHARS) {
      this.#emit(this.#partial.slice(0, MAX_LINE_CHARS));
      this.#partial = "";
    }
    for (const part of parts) this.#emit(trim(part));
  }

  /** Emits the last line when the stream ends without a newline. */
  flush(): void {
    this.#partial += this.#decoder.end();
    if (this.#partial !== "") this.#emit(trim(this.#partial));
    this.#partial = "";
  }
}

function trim(line: string): string {
  const withoutCr = line.endsWith("\r") ? line.slice(0, -1) : line;
  return withoutCr.length > MAX_LINE_CHARS ? withoutCr.slice(0, MAX_LINE_CHARS) : withoutCr;
}
