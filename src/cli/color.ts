// Colour in what iron prints, by the usual conventions: on for a terminal, off when piped, off
// with NO_COLOR (https://no-color.org) or --no-color, on with FORCE_COLOR even when piped.

export type Style = "red" | "yellow" | "green" | "dim";

const CODES: Record<Style, string> = { red: "31", yellow: "33", green: "32", dim: "2" };

/** Whether to colour what goes to this stream: NO_COLOR, then FORCE_COLOR, then whether it is a terminal. */
export function colorEnabled(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "") return env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  return stream.isTTY === true;
}

/** The text in a style when colour is on, else unchanged. */
export function paint(text: string, style: Style | null, on: boolean): string {
  return on && style !== null ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
}

/**
 * `--no-color` anywhere before `--` (`iron --no-color run …` or `iron run --no-color …`): taken
 * out of argv and turned into NO_COLOR, so every command and the agents' own tools see it.
 */
export function takeNoColor(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const end = argv.indexOf("--");
  const before = end === -1 ? argv : argv.slice(0, end);
  if (!before.includes("--no-color")) return [...argv];
  env.NO_COLOR = "1";
  return [...before.filter((a) => a !== "--no-color"), ...(end === -1 ? [] : argv.slice(end))];
}
