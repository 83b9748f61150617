// The same merge as tiktoken's _byte_pair_merge, in O(n log n) for long pieces. tiktoken scans
// every pair for the lowest rank after each merge, which is quadratic: a piece of 20,000 spaces
// took about a second and one of 256 Ki (a prompt is tokenized up to that size) minutes, long
// enough to stall every agent's decisions. Here the pairs wait in a binary heap ordered by rank,
// then by position, so the pair taken is the one tiktoken takes: the lowest rank, leftmost on
// ties. A heap entry whose pair has changed since (a neighbour merged) is skipped when it surfaces.
import { NO_RANK, type RankTable } from "./bpe-ranks.js";

// Heap keys: rank × 2^24 + the pair's first byte (pieces are far below 2^24 bytes).
const POSITION = 2 ** 24;

/** The token ids of `bytes[0, length)` merged by rank. */
export function mergeLong(table: RankTable, bytes: Uint8Array, length: number): number[] {
  // Parts as a linked list over their first byte; `rank[s]` is the rank of part s joined with
  // the part after it (NO_RANK when that is no token or s is the last part).
  const next = new Int32Array(length + 1);
  const prev = new Int32Array(length + 1);
  const rank = new Int32Array(length);
  const heap: number[] = [];
  const pairOf = (s: number): number => {
    const after = next[s] as number;
    return after >= length ? NO_RANK : table.rank(bytes, s, next[after] as number);
  };
  const push = (key: number): void => {
    let i = heap.length;
    heap.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as number) <= key) break;
      heap[i] = heap[parent] as number;
      i = parent;
    }
    heap[i] = key;
  };
  const pop = (): number => {
    const top = heap[0] as number;
    const last = heap.pop() as number;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const r = l + 1;
        const child = r < heap.length && (heap[r] as number) < (heap[l] as number) ? r : l;
        if ((heap[child] as number) >= last) break;
        heap[i] = heap[child] as number;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  };
  const enqueue = (s: number): void => {
    rank[s] = pairOf(s);
    if (rank[s] !== NO_RANK) push((rank[s] as number) * POSITION + s);
  };

  for (let s = 0; s <= length; s += 1) {
    next[s] = s + 1;
    prev[s] = s - 1;
  }
  for (let s = 0; s < length; s += 1) enqueue(s);
  while (heap.length > 0) {
    const key = pop();
    const s = key % POSITION;
    // Stale: part s was absorbed (its prev no longer links to it) or its pair has changed.
    if ((s > 0 && next[prev[s] as number] !== s) || rank[s] !== (key - s) / POSITION) continue;
    const absorbed = next[s] as number;
    const after = next[absorbed] as number;
    next[s] = after;
    prev[after] = s;
    rank[absorbed] = NO_RANK;
    enqueue(s);
    if (s > 0) enqueue(prev[s] as number);
  }
  const ids: number[] = [];
  for (let s = 0; s < length; s = next[s] as number) ids.push(table.rank(bytes, s, next[s] as number));
  return ids;
}
