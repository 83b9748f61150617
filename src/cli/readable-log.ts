// `iron mock-llm`'s log for people: each pino record as one short line instead of raw JSON
// (issue 17 item 6); `--json-logs` keeps the JSON for tools.

/** One record as a line: a request as `METHOD path → status in N ms (model …, request …)`. */
export function readableLine(record: Record<string, unknown>): string {
  if (record.msg === "mock-llm request") {
    const status = record.status === null || record.status === undefined ? "no answer" : String(record.status);
    const details = [
      ...(typeof record.model === "string" ? [`model ${record.model}`] : []),
      ...(record.stream === true ? ["streamed"] : []),
      ...(record.completed === false ? ["cut short"] : []),
      ...(typeof record.requestId === "string" ? [`request ${record.requestId}`] : []),
    ];
    return `mock-llm: ${String(record.method)} ${String(record.path)} → ${status} in ${String(record.ms)} ms${details.length > 0 ? ` (${details.join(", ")})` : ""}`;
  }
  const err = record.err as { message?: unknown } | undefined;
  const where = typeof record.path === "string" ? ` (${record.path})` : "";
  return `mock-llm: ${String(record.msg ?? "")}${where}${err?.message === undefined ? "" : `: ${String(err.message)}`}`;
}

/** A pino destination that writes each JSON record to `out` as a readable line. */
export function readableLog(out: NodeJS.WritableStream): NodeJS.WritableStream {
  return {
    write(chunk: string): boolean {
      for (const line of String(chunk).split("\n")) {
        if (line.trim() === "") continue;
        let record: Record<string, unknown>;
        try {
          record = JSON.parse(line) as Record<string, unknown>;
        } catch {
          out.write(`${line}\n`);
          continue;
        }
        out.write(`${readableLine(record)}\n`);
      }
      return true;
    },
  } as NodeJS.WritableStream;
}
