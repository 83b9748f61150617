// `iron dashboard --state FILE`: the web dashboard over a state file, read-only — finished runs,
// or the file of a supervisor running in another process (its new events appear live). Over a
// postgres:// URL it shows the whole fleet: every supervisor's agents and calls, each agent named
// with the supervisor that ran it.
import type { Command } from "commander";
import { resolve } from "node:path";
import { callEvents, eventsAfter } from "../../store/sqlite/event-queries.js";
import { openForReading } from "../../store/sqlite/open-for-reading.js";
import { startStateDashboard } from "../../stream/state-dashboard.js";
import { resolveStreamOptions } from "../../stream/stream-options.js";
import { createLogger } from "../../telemetry/logger.js";
import { oneOf, parsePort } from "../parse-options.js";
import { examples } from "../examples.js";
import { PREFIX } from "../render.js";
import { statePath } from "../state-path.js";
import { isPostgresUrl } from "../../store/postgres/postgres-url.js";
import type { StoredEvents } from "../../stream/state-dashboard.js";

interface DashboardFlags {
  readonly state?: string;
  readonly host?: string;
  readonly port?: number;
  readonly logLevel?: string;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Registers `iron dashboard`. */
export function registerDashboard(program: Command): void {
  program
    .command("dashboard")
    .description("open the web dashboard over a state file, read-only: finished runs, or a running supervisor's file (followed live)")
    .option("--state <path>", "state file to show (default $IRON_STATE, else iron.yaml's state:, else .iron/state.db); a postgres:// URL shows the whole fleet")
    .option("--host <addr>", "address to serve on (default 127.0.0.1)")
    .option("--port <port>", "port to serve on (default any free port)", parsePort)
    .option("--log-level <level>", "log level on stderr (debug, info, warn, error)", oneOf(["trace", "debug", "info", "warn", "error", "silent"] as const))
    .addHelpText(
      "after",
      examples([
        ["iron dashboard", "the runs recorded in .iron/state.db, at the URL it prints"],
        ["iron dashboard --state .iron/demo.db --port 8080", "the demo's runs, on a fixed port"],
      ]),
    )
    .action(async (flags: DashboardFlags) => {
      const source = await openSource(statePath(flags));
      const path = source.path;
      const out = process.stderr;
      let dashboard: Awaited<ReturnType<typeof startStateDashboard>> | null = null;
      let wake: (signal: NodeJS.Signals) => void = () => undefined;
      const stopped = new Promise<NodeJS.Signals>((done) => (wake = done));
      for (const signal of SIGNALS) process.once(signal, wake);
      try {
        const options = resolveStreamOptions({ ...(flags.host !== undefined && { host: flags.host }), ...(flags.port !== undefined && { port: flags.port }) });
        dashboard = await startStateDashboard(source.events, path, options, createLogger(flags.logLevel === undefined ? {} : { level: flags.logLevel }));
        out.write(`${PREFIX} dashboard (read-only) of ${path}\n`);
        out.write(`${PREFIX} dashboard: ${dashboard.server.dashboardUrl ?? ""}\n`);
        out.write(`${PREFIX} stream: ${dashboard.server.urlWithToken}\n`);
        out.write(`${PREFIX} press Ctrl-C to stop\n`);
        const signal = await stopped;
        out.write(`\n${PREFIX} ${signal}: stopping\n`);
      } finally {
        for (const signal of SIGNALS) process.off(signal, wake);
        await dashboard?.close();
        await source.close();
      }
    });
}

/** What the dashboard shows: a state file, or a fleet's database (the URL with its password hidden). */
async function openSource(state: string): Promise<{ path: string; events: StoredEvents; close: () => Promise<void> | void }> {
  if (isPostgresUrl(state)) {
    const { FleetEvents } = await import("../../store/postgres/fleet-events.js"); // pg loads only for a fleet
    const fleet = await FleetEvents.open(state);
    return { path: fleet.url, events: fleet, close: () => fleet.close() };
  }
  const path = resolve(state);
  const db = openForReading(path);
  return { path, events: { eventsAfter: (after, limit) => eventsAfter(db, after, limit), callEvents: (callId) => callEvents(db, callId) }, close: () => void db.close() };
}
