// The "Examples:" block at the end of a command's help: each command line, then what it does.

/** `\nExamples:\n  iron calls --since 1h   the ledger of the last hour…`, aligned. */
export function examples(rows: readonly (readonly [command: string, what: string])[]): string {
  const width = Math.max(...rows.map(([command]) => command.length));
  return `\nExamples:\n${rows.map(([command, what]) => `  ${command.padEnd(width)}  ${what}`.trimEnd()).join("\n")}`;
}
