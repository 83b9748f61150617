// Child process of bench/throughput.mjs: follows the live event stream (URL with token in argv[2])
// in a process of its own, so reading it costs the supervisor nothing it would not pay for a real
// dashboard. Prints "ready" once the snapshot is in; when its stdin closes it prints what it saw:
// the snapshot's seq, the events after it, and whether their seqs rose by exactly one each time.
import WebSocket from "ws";

const ws = new WebSocket(process.argv[2]);
let snapshotSeq = null;
let count = 0;
let first = null;
let last = null;
let gaps = 0;
let disorder = 0;
const types = {};
let closed = null;
ws.on("message", (data) => {
  const message = JSON.parse(String(data));
  if (snapshotSeq === null) {
    snapshotSeq = message.seq ?? 0;
    process.stdout.write("ready\n");
    return;
  }
  if (typeof message.seq !== "number") return;
  if (last !== null && message.seq <= last) disorder += 1;
  else if (last !== null && message.seq !== last + 1) gaps += 1;
  first ??= message.seq;
  last = message.seq;
  count += 1;
  types[message.type] = (types[message.type] ?? 0) + 1;
});
ws.on("close", (code) => (closed = code));
ws.on("error", (error) => process.stderr.write(`stream follower: ${error.message}\n`));
process.stdin.resume();
process.stdin.on("end", () => {
  process.stdout.write(`${JSON.stringify({ snapshotSeq, count, first, last, gaps, disorder, types, closed })}\n`);
  ws.close();
  process.exit(0);
});
