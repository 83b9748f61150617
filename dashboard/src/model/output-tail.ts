// The last lines each agent printed (agent.output), stderr marked: a bounded ring per agent.

export interface OutputLine {
  readonly seq: number;
  readonly ts: number;
  readonly run: number;
  readonly stream: "stdout" | "stderr";
  readonly line: string;
}

export class OutputTail {
  readonly #lines = new Map<string, OutputLine[]>();
  readonly #max: number;

  constructor(maxLinesPerAgent = 500) {
    this.#max = maxLinesPerAgent;
  }

  add(agentId: string, line: OutputLine): void {
    let lines = this.#lines.get(agentId);
    if (lines === undefined) {
      lines = [];
      this.#lines.set(agentId, lines);
    }
    lines.push(line);
    // Drop in chunks so a chatty agent costs one splice per tenth of the bound, not one per line.
    if (lines.length > this.#max + Math.ceil(this.#max / 10)) lines.splice(0, lines.length - this.#max);
  }

  /** The agent's last lines, oldest first (at most the bound). */
  lines(agentId: string): readonly OutputLine[] {
    const lines = this.#lines.get(agentId) ?? [];
    return lines.length > this.#max ? lines.slice(lines.length - this.#max) : lines;
  }

  /** Agents that printed anything. */
  agents(): string[] {
    return [...this.#lines.keys()];
  }
}
