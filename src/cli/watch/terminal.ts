// The few escape sequences `iron watch` needs to redraw a frame in place.

const ESC = "\u001b[";

export const terminal = {
  /** Hide the cursor and clear the screen, before the first frame. */
  enter: `${ESC}?25l${ESC}2J${ESC}H`,
  /** Show the cursor again, below the last frame. */
  leave: `${ESC}?25h`,
  /** A whole frame: from the top-left corner, every line cleared to its end, the rest of the screen cleared. */
  frame(lines: readonly string[]): string {
    return `${ESC}H${lines.map((line) => `${line}${ESC}K`).join("\n")}\n${ESC}J`;
  },
};
