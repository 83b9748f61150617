// `iron watch [URL]`: follow a running supervisor live — a view redrawn in place on a terminal,
// plain lines when piped, or the raw events as JSON lines.
import type { Command } from "commander";
import { dirname, resolve } from "node:path";
import { IronError } from "../../errors.js";
import { StateProjection } from "../../events/projection.js";
import { DISCOVERY_FILE, readDiscovery } from "../../stream/discovery.js";
import { EVENTS_PATH } from "../../stream/protocol.js";
import { collectList } from "../parse-options.js";
import { examples } from "../examples.js";
import { statePath } from "../state-path.js";
import { isPostgresUrl } from "../../store/postgres/postgres-url.js";
import { followStream, type WatchHandlers, type WatchTarget } from "../watch/watch-client.js";
import { renderFrame } from "../watch/watch-frame.js";
import { eventLine, finalLines, snapshotLines } from "../watch/watch-lines.js";
import { terminal } from "../watch/terminal.js";

interface WatchFlags {
  readonly token?: string;
  readonly state?: string;
  readonly agent?: string[];
  readonly type?: string[];
  readonly since?: number;
  readonly json?: boolean;
  readonly plain?: boolean;
  readonly wait?: boolean;
}

/** Registers `iron watch`. */
export function registerWatch(program: Command): void {
  program
    .command("watch")
    .description("follow a running supervisor live: agents, spend against budgets, breakers, decisions")
    .argument("[url]", "the stream URL iron run printed (default $IRON_STREAM_URL, else the supervisor running in this directory)")
    .option("--token <token>", "the stream's access token, when the URL does not carry it")
    .option("--state <path>", "find the running supervisor beside this state file (default $IRON_STATE, else .iron/state.db); a postgres:// URL follows the whole fleet")
    .option("--agent <id>", "only this agent's events (repeatable, or comma-separated)", collectList)
    .option("--type <type>", "only these event types, e.g. llm.decision or llm.* (repeatable)", collectList)
    .option("--since <seq>", "replay from after this seq instead of starting from a snapshot", (v: string) => seqOf(v))
    .option("--json", "print every message (the snapshot, then each event) as one JSON line")
    .option("--plain", "print plain lines even on a terminal")
    .option("--wait", "wait for a supervisor to start in this directory")
    .addHelpText(
      "after",
      examples([
        ["iron watch", "follow the supervisor iron run started in this directory"],
        ["iron watch --wait", "wait for one to start, then follow it"],
        ["iron watch --type llm.decision --plain", "one plain line per decision"],
        ["iron watch --json > events.jsonl", "every message as a JSON line"],
      ]),
    )
    .action(async (url: string | undefined, flags: WatchFlags) => {
      const abort = new AbortController();
      // A fleet's database: every supervisor's events, each line naming its supervisor.
      const state = statePath(flags);
      if (url === undefined && isPostgresUrl(state)) return await watchFleet(state, flags, abort);
      const target = await resolveTarget(url, flags);
      const stop = (): void => abort.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      try {
        if (flags.json === true) return await followStream(target, jsonHandlers(), abort.signal);
        if (process.stdout.isTTY === true && flags.plain !== true) return await followOnTerminal(target, abort.signal);
        return await followAsLines(target, abort.signal);
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    });
}

async function watchFleet(url: string, flags: WatchFlags, abort: AbortController): Promise<void> {
  const stop = (): void => abort.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    const options = { json: flags.json === true, agents: flags.agent ?? [], types: flags.type ?? [], since: flags.since ?? null };
    const { followFleet } = await import("../watch/fleet-watch.js"); // pg loads only for a fleet
    await followFleet(url, options, abort.signal, (line) => process.stdout.write(`${line}\n`));
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

function seqOf(value: string): number {
  const seq = Number(value);
  if (!Number.isInteger(seq) || seq < 0) throw new IronError("IRON_ERR_USAGE", "invalid --since", { expected: "a seq (an integer >= 0)", got: value });
  return seq;
}

// The URL and token: the argument, else $IRON_STREAM_URL, else the discovery file here.
async function resolveTarget(arg: string | undefined, flags: WatchFlags): Promise<WatchTarget> {
  const given = arg ?? (process.env.IRON_STREAM_URL !== undefined && process.env.IRON_STREAM_URL !== "" ? process.env.IRON_STREAM_URL : undefined);
  let url: URL;
  let token: string | null = flags.token ?? null;
  if (given !== undefined) {
    url = normalizeUrl(given);
    token ??= url.searchParams.get("token");
    url.searchParams.delete("token");
  } else {
    const dir = dirname(resolve(statePath(flags)));
    let found = readDiscovery(dir);
    if (found === null && flags.wait === true) process.stderr.write(`iron: waiting for a supervisor to start in ${dir} (run iron run there; Ctrl-C to give up)\n`);
    while (found === null && flags.wait === true) {
      await new Promise((r) => setTimeout(r, 100));
      found = readDiscovery(dir);
    }
    if (found === null) throw new IronError("IRON_ERR_NOT_FOUND", `no running supervisor announced in ${dir}/${DISCOVERY_FILE}; start one with iron run, pass the URL it printed, or add --wait`);
    url = new URL(found.url);
    token ??= found.token;
  }
  if (token === null || token === "") throw new IronError("IRON_ERR_USAGE", "the stream needs its access token", { expected: "a URL with ?token=… or --token", got: url.toString() });
  return { url: url.toString(), token, agents: flags.agent ?? [], types: flags.type ?? [], since: flags.since ?? null };
}

/** Accepts ws:// and http:// URLs and a bare host:port; the path defaults to /events. */
export function normalizeUrl(text: string): URL {
  const withScheme = /^[a-z]+:\/\//i.test(text) ? text : `ws://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new IronError("IRON_ERR_USAGE", "invalid stream URL", { expected: "ws://HOST:PORT/events?token=…", got: text });
  }
  if (url.protocol === "http:") url.protocol = "ws:";
  if (url.protocol === "https:") url.protocol = "wss:";
  if (url.protocol !== "ws:" && url.protocol !== "wss:") throw new IronError("IRON_ERR_USAGE", "invalid stream URL", { expected: "a ws:// or http:// URL", got: text });
  if (url.pathname === "/" || url.pathname === "") url.pathname = EVENTS_PATH;
  return url;
}

function jsonHandlers(): WatchHandlers {
  return {
    onSnapshot: (_snapshot, raw) => process.stdout.write(`${raw}\n`),
    onEvent: (_event, raw) => process.stdout.write(`${raw}\n`),
  };
}

// Piped: plain lines as things happen, the budgets' final spend at the end.
async function followAsLines(target: WatchTarget, signal: AbortSignal): Promise<void> {
  let state = new StateProjection();
  const write = (line: string | null): void => {
    if (line !== null) process.stdout.write(`${line}\n`);
  };
  await followStream(
    target,
    {
      onSnapshot: (snapshot) => {
        state = StateProjection.fromSnapshot(snapshot);
        for (const line of snapshotLines(snapshot, target.url)) write(line);
      },
      onEvent: (event) => {
        state.apply(event);
        write(eventLine(event, state));
      },
      onReconnecting: (why) => write(`iron watch: ${why}`),
    },
    signal,
  );
  for (const line of finalLines(state)) write(line);
}

// A terminal: one frame redrawn in place (at most every 100 ms), left on screen at the end.
async function followOnTerminal(target: WatchTarget, signal: AbortSignal): Promise<void> {
  const out = process.stdout;
  let state = new StateProjection();
  let status = "connecting";
  let timer: NodeJS.Timeout | null = null;
  const draw = (): void => {
    timer = null;
    const frame = renderFrame(state, { cols: out.columns ?? 80, rows: (out.rows ?? 24) - 1, now: Date.now(), url: target.url, status });
    out.write(terminal.frame(frame));
  };
  const dirty = (): void => {
    timer ??= setTimeout(draw, 100);
  };
  out.write(terminal.enter);
  out.on("resize", draw);
  try {
    await followStream(
      target,
      {
        onSnapshot: (snapshot) => {
          state = StateProjection.fromSnapshot(snapshot);
          status = "live";
          dirty();
        },
        onEvent: (event) => {
          state.apply(event);
          dirty();
        },
        onReconnecting: (why) => {
          status = why;
          dirty();
        },
      },
      signal,
    );
    status = signal.aborted ? "stopped watching" : "supervisor stopped";
  } catch (error) {
    status = "stream lost";
    throw error;
  } finally {
    if (timer !== null) clearTimeout(timer);
    draw();
    out.off("resize", draw);
    out.write(terminal.leave);
  }
}
