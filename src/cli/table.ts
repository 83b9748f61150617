// Plain-text tables for the look-back commands: columns padded to their widest cell.

export interface Column<T> {
  readonly title: string;
  readonly cell: (row: T) => string;
  /** Right-align (numbers, money). */
  readonly right?: boolean;
}

/** Renders rows under a header, two spaces between columns, no trailing spaces. */
export function table<T>(columns: readonly Column<T>[], rows: readonly T[]): string[] {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const widths = columns.map((column, i) => Math.max(column.title.length, ...cells.map((line) => (line[i] ?? "").length)));
  const line = (values: readonly string[]): string =>
    values
      .map((value, i) => (columns[i]?.right === true ? value.padStart(widths[i] ?? 0) : value.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...cells.map(line)];
}
