// `iron agents` fills HOST for agents iron started: the host of the supervisor that ran them
// last (issue 17 item 7); a joined agent keeps the host it reported.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/sqlite/database.js";
import { listAgents } from "../../src/store/sqlite/ledger-queries.js";
import { migrate } from "../../src/store/sqlite/migrations.js";
import { tempDir } from "../helpers/iron.js";

describe("listAgents", () => {
  it("gives a spawned agent its supervisor's host", () => {
    const db = openDatabase(join(tempDir("iron-agents-host-"), "state.db"));
    migrate(db);
    db.prepare("INSERT INTO supervisors (id, pid, host, version, started_at, ended_at) VALUES (1, 10, 'old-box', 'v', 1, 2), (2, 11, 'box', 'v', 3, 4)").run();
    db.prepare("INSERT INTO agents (agent_id, first_seen, last_seen, state, runs, kind) VALUES ('worker', 1, 4, 'exited', 2, 'spawned'), ('never_ran', 1, 1, 'starting', 0, 'spawned')").run();
    db.prepare("INSERT INTO runs (supervisor_id, agent_id, run, state, started_at, ended_at) VALUES (1, 'worker', 1, 'exited', 1, 2), (2, 'worker', 1, 'exited', 3, 4)").run();
    db.prepare("INSERT INTO agents (agent_id, first_seen, last_seen, state, runs, kind, host, python) VALUES ('nb', 1, 3, 'running', 1, 'joined', 'laptop', '3.11.7')").run();
    const hosts = Object.fromEntries(listAgents(db).map((a) => [a.agentId, a.host]));
    db.close();
    expect(hosts).toEqual({ worker: "box", never_ran: null, nb: "laptop" });
  });
});
