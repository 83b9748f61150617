// Protects where `iron run` keeps state and serves its stream: iron.yaml's `state:` (relative to
// the file) and `stream:` map onto the supervisor's options with errors that name the key, and
// the flags and IRON_STATE win over the file, which wins over the defaults.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runStateOptions } from "../../src/cli/state-options.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import { optionsFromConfig } from "../../src/config/to-options.js";
import { tempDir } from "../helpers/iron.js";

function config(text: string): string {
  const dir = tempDir("iron-config-");
  writeFileSync(join(dir, "iron.yaml"), text);
  return join(dir, "iron.yaml");
}

describe("iron.yaml state: and stream:", () => {
  it("map onto the supervisor's options, the state file resolved against the config's directory", async () => {
    const file = config("state: data/iron.db\nstream:\n  host: 0.0.0.0\n  port: 7700\n");
    const { supervisor } = await optionsFromConfig(loadConfigFile(file));
    expect(supervisor.state).toBe(join(file, "..", "data", "iron.db"));
    expect(supervisor.stream).toEqual({ host: "0.0.0.0", port: 7700 });
    expect((await optionsFromConfig(loadConfigFile(config("stream: false\n")))).supervisor.stream).toBe(false);
  });

  it("refuse a bad port or a bad stream value, naming the key", () => {
    expect(() => loadConfigFile(config("stream:\n  port: 70000\n"))).toThrow(/IRON_ERR_CONFIG.*\(at stream(\.port)?\): expected .*a port from 0 to 65535/);
    expect(() => loadConfigFile(config("stream: yes\n"))).toThrow(/IRON_ERR_CONFIG.*\(at stream\): expected false, or a map \{host, port, dashboard\}/);
  });
});

describe("runStateOptions", () => {
  const on = { stream: true };
  it("takes --state, then IRON_STATE, then the file's, then .iron/state.db", () => {
    expect(runStateOptions({ ...on, state: "a.db" }, { state: "c.db" }, { IRON_STATE: "b.db" }).state).toBe("a.db");
    expect(runStateOptions(on, { state: "c.db" }, { IRON_STATE: "b.db" }).state).toBe("b.db");
    expect(runStateOptions(on, { state: "c.db" }, {}).state).toBe("c.db");
    expect(runStateOptions(on, {}, {}).state).toBe(".iron/state.db");
  });

  it("serves the stream unless --no-stream or the file says false, the flags' host and port over the file's", () => {
    expect(runStateOptions(on, {}, {}).stream).toEqual({});
    expect(runStateOptions({ stream: false }, { stream: { port: 1 } }, {}).stream).toBe(false);
    expect(runStateOptions(on, { stream: false }, {}).stream).toBe(false);
    expect(runStateOptions({ ...on, streamPort: 9 }, { stream: false }, {}).stream).toEqual({ port: 9 });
    expect(runStateOptions({ ...on, streamPort: 9 }, { stream: { host: "0.0.0.0", port: 1 } }, {}).stream).toEqual({ host: "0.0.0.0", port: 9 });
  });
});
