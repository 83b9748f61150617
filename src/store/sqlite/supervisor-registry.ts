// One supervisor owns a state file at a time. At start it registers itself, refuses a file a
// live supervisor still holds, and settles what dead ones left behind: their budget holds are
// charged in full (the calls may have gone out), their open runs are reported as orphans.
import { hostname } from "node:os";
import { IronError } from "../../errors.js";
import { VERSION } from "../../version.js";
import { isSameProcessAlive, processStartTicks } from "../process-identity.js";
import type { Db } from "./database.js";
import { HoldJournal, readMark, unappliedHolds } from "./hold-journal.js";

interface SupervisorRow {
  id: number;
  pid: number;
  proc_start: number | null;
}

/** What a start found and settled of supervisors that died without closing. */
export interface Recovery {
  /** Supervisors found dead (killed, crashed) since the last clean stop. */
  readonly lostSupervisors: number;
  /** Budget holds they left, now charged at their reserved (worst-case) amount. */
  readonly chargedHolds: number;
  readonly chargedMicros: number;
}

/**
 * Registers this process as the file's supervisor; returns its id, what was recovered, and how to
 * open its hold journal (the file is started over only once the registration is committed).
 */
export function registerSupervisor(db: Db, path: string, now: number): { id: number; recovery: Recovery; openJournal: () => HoldJournal } {
  return db
    .transaction(() => {
      const mark = readMark(db);
      const open = db.prepare<[], SupervisorRow>("SELECT id, pid, proc_start FROM supervisors WHERE ended_at IS NULL").all();
      let lostSupervisors = 0;
      let chargedHolds = 0;
      let chargedMicros = 0;
      for (const row of open) {
        if (isSameProcessAlive(row.pid, row.proc_start)) {
          throw new IronError("IRON_ERR_STORE", `the state file ${path} is in use by another supervisor (pid ${row.pid}); stop it or choose another file with --state`);
        }
        const lines = mark?.supervisor === row.id ? unappliedHolds(path, mark) : [];
        // A grant's pool hold a call was carved out of is replaced by that call's hold and the pool's rest: never charged too.
        const replaced = new Set(lines.flatMap((h) => (h.replaces === undefined ? [] : [h.replaces])));
        const charged = chargeHolds(db, row.id, now, replaced);
        const journaled = chargeJournal(
          db,
          lines.filter((h) => !replaced.has(h.callId)),
          now,
        );
        chargedHolds += charged.holds + journaled.holds;
        chargedMicros += charged.micros + journaled.micros;
        db.prepare("UPDATE supervisors SET ended_at = ?, end_reason = 'lost' WHERE id = ?").run(now, row.id);
        lostSupervisors += 1;
      }
      const info = db.prepare("INSERT INTO supervisors (pid, proc_start, host, version, started_at) VALUES (?, ?, ?, ?, ?)").run(process.pid, processStartTicks(process.pid), hostname(), VERSION, now);
      const id = Number(info.lastInsertRowid);
      return { id, recovery: { lostSupervisors, chargedHolds, chargedMicros }, openJournal: HoldJournal.claim(db, path, id) };
    })
    .immediate();
}

// A dead supervisor's holds become spend: fail closed, the budget never forgets possible spend.
function chargeHolds(db: Db, supervisorId: number, now: number, replaced: ReadonlySet<string> = new Set()): { holds: number; micros: number } {
  const holds = db.prepare<[number], { call_id: string; scopes: string; micros: number }>("SELECT call_id, scopes, micros FROM holds WHERE supervisor_id = ?").all(supervisorId);
  const charge = db.prepare("UPDATE budgets SET spent_micros = spent_micros + ?, reserved_micros = MAX(0, reserved_micros - ?), updated_at = ? WHERE scope = ?");
  const markCall = db.prepare(
    "UPDATE calls SET cost_micros = ?, error = COALESCE(error, 'supervisor lost before the call settled; charged its reservation') WHERE call_id = ? AND responded_at IS NULL",
  );
  let micros = 0;
  let count = 0;
  const unhold = db.prepare("UPDATE budgets SET reserved_micros = MAX(0, reserved_micros - ?), updated_at = ? WHERE scope = ?");
  for (const hold of holds) {
    if (replaced.has(hold.call_id)) {
      for (const scope of JSON.parse(hold.scopes) as string[]) unhold.run(hold.micros, now, scope);
      continue;
    }
    for (const scope of JSON.parse(hold.scopes) as string[]) charge.run(hold.micros, hold.micros, now, scope);
    markCall.run(hold.micros, hold.call_id);
    micros += hold.micros;
    count += 1;
  }
  db.prepare("DELETE FROM holds WHERE supervisor_id = ?").run(supervisorId);
  return { holds: count, micros };
}

// A dead supervisor's journaled holds the file never got: charged in full too (their reservation
// never reached `reserved_micros`, so only the spend moves).
function chargeJournal(db: Db, holds: readonly { callId: string; keys: readonly string[]; micros: number }[], now: number): { holds: number; micros: number } {
  const ensure = db.prepare("INSERT INTO budgets (scope, updated_at) VALUES (?, ?) ON CONFLICT (scope) DO NOTHING");
  const charge = db.prepare("UPDATE budgets SET spent_micros = spent_micros + ?, updated_at = ? WHERE scope = ?");
  const markCall = db.prepare(
    "UPDATE calls SET cost_micros = ?, error = COALESCE(error, 'supervisor lost before the call settled; charged its reservation') WHERE call_id = ? AND responded_at IS NULL",
  );
  let micros = 0;
  for (const hold of holds) {
    for (const key of hold.keys) {
      ensure.run(key, now);
      charge.run(hold.micros, now, key);
    }
    markCall.run(hold.micros, hold.callId);
    micros += hold.micros;
  }
  return { holds: holds.length, micros };
}

/** Records a clean stop (so the next start does not treat this supervisor as lost); holds still open are charged. */
export function endSupervisor(db: Db, id: number, now: number, reason: string): void {
  db.transaction(() => {
    chargeHolds(db, id, now);
    db.prepare("UPDATE supervisors SET ended_at = ?, end_reason = ? WHERE id = ?").run(now, reason, id);
  }).immediate();
}
