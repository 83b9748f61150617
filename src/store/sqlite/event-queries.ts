// Reads of the event log the dashboard needs, shared by the live store and the read-only
// `iron dashboard --state`: events after a seq, and every event of one call.
import type { IronEvent } from "../../events/types.js";
import type { Db } from "./database.js";
import { schemaVersion } from "./migrations.js";

/** Committed events with seq > `after`, oldest first, at most `limit`. */
export function eventsAfter(db: Db, after: number, limit: number): IronEvent[] {
  const rows = db.prepare<[number, number], { data: string }>("SELECT data FROM events WHERE seq > ? ORDER BY seq LIMIT ?").all(after, limit);
  return rows.map((row) => JSON.parse(row.data) as IronEvent);
}

/** The seq of the last event in the file (0 when none). */
export function lastSeq(db: Db): number {
  return db.prepare<[], { seq: number | null }>("SELECT MAX(seq) AS seq FROM events").get()?.seq ?? 0;
}

/** Every event of a call, in seq order (read from the seq range the call ledger keeps of it); [] for an unknown call. */
export function callEvents(db: Db, callId: string): IronEvent[] {
  if (schemaVersion(db) < 5) return callEventsByAgent(db, callId);
  const call = db.prepare<[string], { agent_id: string; first_seq: number | null; last_seq: number | null }>("SELECT agent_id, first_seq, last_seq FROM calls WHERE call_id = ?").get(callId);
  if (call === undefined || call.first_seq === null) return [];
  const rows = db
    .prepare<[number, number, string, string], { data: string }>("SELECT data FROM events WHERE seq BETWEEN ? AND ? AND agent_id = ? AND json_extract(data, '$.callId') = ? ORDER BY seq")
    .all(call.first_seq, call.last_seq ?? call.first_seq, call.agent_id, callId);
  return rows.map((row) => JSON.parse(row.data) as IronEvent);
}

// A file older than schema 5 (opened read-only, not migrated): its events are indexed by agent.
function callEventsByAgent(db: Db, callId: string): IronEvent[] {
  const call = db.prepare<[string], { agent_id: string }>("SELECT agent_id FROM calls WHERE call_id = ?").get(callId);
  if (call === undefined) return [];
  const rows = db.prepare<[string, string], { data: string }>("SELECT data FROM events WHERE agent_id = ? AND json_extract(data, '$.callId') = ? ORDER BY seq").all(call.agent_id, callId);
  return rows.map((row) => JSON.parse(row.data) as IronEvent);
}
