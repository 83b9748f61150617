// Protects what `iron serve` prints: ready-to-paste attach lines with the endpoint an agent can
// really connect to (a wildcard bind shows the host's name), a warning when the join token would
// cross a network in clear text, one line per join / detach / refusal (never the token), and the
// agents table; and where it listens and keeps its token by default.
import { describe, expect, it } from "vitest";
import { attachInstructions, connectable } from "../../src/cli/serve/attach-instructions.js";
import { agentsTable, joinedLine } from "../../src/cli/serve/serve-notices.js";
import { checkListen, defaultSocketPath, isLoopback } from "../../src/cli/serve/serve-paths.js";
import type { EventInput, IronEvent } from "../../src/events/types.js";
import { emptyMetrics } from "../../src/supervisor/call-metrics.js";

const base = { tokenFile: "/home/u/.iron/join-token", created: false, pid: 77, host: "box", shimRoot: "/opt/iron/python" };

describe("attach instructions", () => {
  // A terminal's scrollback, a CI log or a screen share must not hold the join token: only its file.
  it("shows each endpoint and the token's file (never the token), and lines to paste for a shell and for code", () => {
    const lines = attachInstructions({ ...base, endpoints: ["ipc:///run/user/1000/iron/serve.sock"] });
    expect(lines).toContain("  endpoint    ipc:///run/user/1000/iron/serve.sock");
    expect(lines).toContain("  join token  in /home/u/.iron/join-token (readable only by you)");
    expect(lines).toContain(`    IRON_ENDPOINT=ipc:///run/user/1000/iron/serve.sock IRON_TOKEN="$(cat /home/u/.iron/join-token)" python -m iron_shim agent.py`);
    expect(lines).toContain(`    import iron_shim; iron_shim.install(endpoint="ipc:///run/user/1000/iron/serve.sock", token=open("/home/u/.iron/join-token").read().strip(), agent="my-agent")`);
    expect(lines.join("\n")).not.toMatch(/another host|warning/);
  });

  it("refuses plain TCP beyond loopback unless --insecure, naming the address and the ways out", () => {
    expect(() => checkListen(["ipc:///tmp/s.sock", "tcp://127.0.0.1:1", "tcp://[::1]:2"], false)).not.toThrow();
    expect(() => checkListen(["tcp://0.0.0.0:5555"], false)).toThrow(
      /IRON_ERR_USAGE: --listen tcp:\/\/0\.0\.0\.0:5555 is reachable from the network over plain TCP.*expected tls:\/\/HOST:PORT .*, a loopback address .* or --insecure/,
    );
    expect(() => checkListen(["tcp://0.0.0.0:5555"], true)).not.toThrow();
    expect(() => checkListen(["tls://0.0.0.0:5555", "tls://[::]:5556"], false)).not.toThrow();
    expect(() => checkListen(["tls://0.0.0.0:5555", "tcp://10.0.0.5:1"], false)).toThrow(/--listen tcp:\/\/10\.0\.0\.5:1 is reachable.*expected tls:\/\/HOST:PORT/);
  });

  it("for tls://, prints the certificate's fingerprint and puts IRON_TLS_FINGERPRINT in the line for other hosts, without a warning", () => {
    const fingerprint = "ab".repeat(32);
    const tls = { fingerprint, certFile: "/home/u/.config/iron/tls-cert.pem" };
    const lines = attachInstructions({ ...base, endpoints: ["ipc:///tmp/s.sock", "tcp://127.0.0.1:6000", "tls://0.0.0.0:5555"], tls });
    expect(lines).toContain(`  tls cert    sha256 ${fingerprint} (/home/u/.config/iron/tls-cert.pem); agents pin it: IRON_TLS_FINGERPRINT`);
    expect(lines).toContain(`    IRON_ENDPOINT=tls://box:5555 IRON_TLS_FINGERPRINT=${fingerprint} IRON_TOKEN="$(cat /home/u/.iron/join-token)" python -m iron_shim agent.py`);
    expect(lines.join("\n")).not.toContain("warning");
    expect(connectable("tls://0.0.0.0:5555", "box")).toBe("tls://box:5555");
  });

  it("names this host for a wildcard TCP bind, and warns when messages would cross a network", () => {
    const lines = attachInstructions({ ...base, created: true, endpoints: ["ipc:///tmp/s.sock", "tcp://0.0.0.0:5555", "tcp://127.0.0.1:6000"] });
    expect(lines).toContain("              tcp://box:5555");
    expect(lines).toContain("  join token  new, written to /home/u/.iron/join-token (readable only by you)");
    expect(lines).toContain(`    IRON_ENDPOINT=tcp://box:5555 IRON_TOKEN="$(cat /home/u/.iron/join-token)" python -m iron_shim agent.py`);
    expect(lines.at(-1)).toMatch(
      /warning: tcp:\/\/0\.0\.0\.0:5555 is reachable from the network \(--insecure\): messages, prompts included, travel unencrypted over TCP \(the token is proven, never sent\)/,
    );
    expect(connectable("tcp://[::]:7000", "box")).toBe("tcp://box:7000");
    expect(connectable("tcp://10.0.0.5:7000", "box")).toBe("tcp://10.0.0.5:7000");
    expect([isLoopback("tcp://127.0.0.1:1"), isLoopback("tcp://[::1]:1"), isLoopback("tcp://localhost:1"), isLoopback("tcp://0.0.0.0:1")]).toEqual([true, true, true, false]);
  });

  it("listens in XDG_RUNTIME_DIR when there is one, else in a per-user directory under the temp dir", () => {
    expect(defaultSocketPath({ XDG_RUNTIME_DIR: "/run/user/1000" })).toBe("/run/user/1000/iron/serve.sock");
    expect(defaultSocketPath({})).toMatch(/\/iron-\d+\/serve\.sock$/);
  });
});

describe("join notices and the agents table", () => {
  const event = (e: EventInput): IronEvent => ({ seq: 1, ts: 0, ...e }) as IronEvent;
  const joined = (id: string) => id === "worker";

  it("tells joins, reconnects, detaches, resumed heartbeats and refusals apart, and ignores spawned agents", () => {
    const join = {
      type: "agent.joined",
      agentId: "worker-2",
      run: 1,
      session: "s-4",
      requested: "worker",
      pid: 12,
      previousPid: null,
      host: "box",
      python: "3.12.1",
      executable: "/usr/bin/python3",
      shim: "0.1.0",
    } as const;
    expect(joinedLine(event(join), joined)).toBe('iron ▸ worker-2 (asked for "worker") joined from box · pid 12 · Python 3.12.1 · /usr/bin/python3 · session s-4');
    expect(joinedLine(event({ ...join, agentId: "worker", run: 2, previousPid: 12 }), joined)).toMatch(/^iron ▸ worker reconnected from box/);
    expect(joinedLine(event({ ...join, agentId: "worker", run: 3, previousPid: 11 }), joined)).toMatch(/^iron ▸ worker joined \(taking over from pid 11\) from box/);
    const state = { type: "agent.state", agentId: "worker", run: 1, from: "running", to: "detached", reason: "said bye (exit)", pid: 12, exitCode: null, signal: null } as const;
    expect(joinedLine(event(state), joined)).toBe("iron ▸ worker detached: said bye (exit)");
    expect(joinedLine(event({ ...state, from: "detached", to: "running", reason: "heartbeats resumed" }), joined)).toBe("iron ▸ worker is back: heartbeats resumed");
    expect(joinedLine(event({ ...state, agentId: "spawned-one" }), joined)).toBeNull();
    const refused = { type: "agent.rejected", requested: "x", pid: 5, host: "h", code: "IRON_ERR_AUTH", reason: 'token not valid for agent "x"', count: 1 } as const;
    expect(joinedLine(event(refused), joined)).toBe('iron ▸ refused "x" from h (pid 5): IRON_ERR_AUTH: token not valid for agent "x"');
    expect(joinedLine(event({ ...refused, count: 39 }), joined)).toBe('iron ▸ refused "x" from h 39 times more (last pid 5): IRON_ERR_AUTH: token not valid for agent "x"');
  });

  it("escapes what a peer chose before it reaches the terminal: ANSI escapes, carriage returns, bidi overrides", () => {
    const refused = { type: "agent.rejected", requested: "x\u001b[2J", pid: 5, host: "h\u001b]0;pwned\u0007\r", code: "IRON_ERR_AUTH", reason: "no token given", count: 1 } as const;
    const line = joinedLine(event(refused), () => false) as string;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character may reach the terminal
    expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(line).toContain("from h\\x1b]0;pwned\\x07\\x0d (pid 5)");
    const join = {
      type: "agent.joined",
      agentId: "a",
      run: 1,
      session: "s-1",
      requested: "a",
      pid: 1,
      previousPid: null,
      host: "evil\u202egnp.exe",
      python: "3.11\u001b[31m",
      executable: "/p",
      shim: "0",
    } as const;
    expect(joinedLine(event(join), () => true)).toContain("from evil\\u202egnp.exe · pid 1 · Python 3.11\\x1b[31m");
    const table = agentsTable([{ id: "a\u001b[0m", kind: "joined", state: "running", pid: 1, host: "h", python: "3", metrics: emptyMetrics() }]);
    expect(table.join("\n")).not.toContain("\u001b");
  });

  it("lines every agent up in columns, with calls and cost", () => {
    const metrics = { ...emptyMetrics(), calls: 3, allowed: 1, modified: 1, denied: 1, costMicros: 20 };
    const table = agentsTable([
      { id: "notebook", kind: "joined", state: "running", pid: 4242, host: "laptop", python: "3.11.7", metrics },
      { id: "worker", kind: "spawned", state: "running", pid: 7, host: "box", python: "", metrics: emptyMetrics() },
    ]);
    expect(table).toEqual([
      "iron ▸ agents",
      "  agent     kind     state    pid   host    python  calls  allowed  denied  cost",
      "  notebook  joined   running  4242  laptop  3.11.7  3      2        1       $0.00002",
      "  worker    spawned  running  7     box     -       0      0        0       $0.00",
    ]);
    expect(agentsTable([])).toEqual(["iron ▸ no agent joined"]);
  });
});
