// Protects the supervisor's socket from other users: it lives in a fresh runtime directory of
// mode 0700 owned by the supervisor's user (removed at close), so another uid can neither connect
// to it nor use a stolen token through it — checked with a real other uid (setpriv, as root).
import { execa } from "execa";
import { chmodSync, cpSync, existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Supervisor } from "../../src/index.js";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, FIXTURES, REPO, tempDir } from "../helpers/iron.js";
import { spawnTokenHolder } from "../helpers/token-holder.js";

const canSwitchUser = process.getuid?.() === 0 && existsSync("/usr/bin/setpriv");
const NOBODY = ["--reuid=65534", "--regid=65534", "--clear-groups"];

let mock: MockLlm;
let sup: Supervisor;
let holder: { agent: string; token: string; endpoint: string };

beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
  sup = await Supervisor.start();
  holder = await spawnTokenHolder(sup);
});

afterAll(async () => {
  await sup?.close();
  await mock?.close();
});

describe("the supervisor's socket is private to its user", () => {
  it("sits in a fresh 0700 directory owned by this user, removed at close", async () => {
    const socketPath = sup.endpoint.replace(/^ipc:\/\//, "");
    const dir = statSync(dirname(socketPath));
    expect(dir.mode & 0o777).toBe(0o700);
    expect(dir.uid).toBe(process.getuid?.());
    expect(statSync(socketPath).isSocket()).toBe(true);
    const other = await Supervisor.start();
    const otherDir = dirname(other.endpoint.replace(/^ipc:\/\//, ""));
    expect(otherDir).not.toBe(dirname(socketPath));
    await other.close();
    expect(existsSync(otherDir)).toBe(false);
  });

  it.runIf(canSwitchUser)("refuses another user's connection outright", async () => {
    const socketPath = sup.endpoint.replace(/^ipc:\/\//, "");
    const probe = `import socket\ns = socket.socket(socket.AF_UNIX)\ntry:\n    s.connect(${JSON.stringify(socketPath)})\n    print("connected")\nexcept OSError as e:\n    print(type(e).__name__)`;
    const ran = await execa("setpriv", [...NOBODY, DEBIAN_PYTHON, "-c", probe], { reject: false });
    expect(ran.stdout.trim()).toBe("PermissionError");
  });

  it.runIf(canSwitchUser)("a shim run by another user with a stolen valid token still fails closed", async () => {
    mock.clearRequests();
    // The other user must be able to read the shim and the script wherever this checkout lives
    // (a clone under a 0700 temp dir is not readable by nobody, and then the shim fails closed
    // for the wrong reason: it cannot be imported).
    const readable = tempDir("iron-nobody-");
    chmodSync(readable, 0o755);
    cpSync(join(REPO, "python", "iron_shim"), join(readable, "iron_shim"), { recursive: true, filter: (src) => !src.includes("__pycache__") });
    cpSync(join(FIXTURES, "chat_urllib.py"), join(readable, "chat_urllib.py"));
    const ran = await execa("setpriv", [...NOBODY, DEBIAN_PYTHON, join(readable, "chat_urllib.py")], {
      env: {
        PATH: process.env.PATH,
        PYTHONPATH: `${join(readable, "iron_shim", "_boot")}:${readable}`,
        OPENAI_BASE_URL: mock.baseUrl,
        IRON_ENDPOINT: holder.endpoint,
        IRON_AGENT_ID: holder.agent,
        IRON_TOKEN: holder.token,
        IRON_TIMEOUT_MS: "2000",
      },
      extendEnv: false,
      reject: false,
    });
    expect(ran.exitCode, ran.stderr).toBe(0);
    const line = JSON.parse(ran.stdout.trim().split("\n")[0] as string) as { status: number; body: { error: { code: string } } };
    expect(line.status).toBe(503);
    expect(line.body.error.code).toBe("IRON_ERR_SUPERVISOR_UNAVAILABLE");
    expect(mock.requests).toHaveLength(0);
  });
});
