// Protects what `iron serve` keeps on disk: the join token file is created 0600 in a 0700
// directory, kept across restarts, replaced on request, and refused (like an ssh key) when
// others can read it; the fixed socket path is prepared privately, a stale socket left by a
// dead supervisor is replaced, and a live one, a non-socket or an unsafe directory is refused.
import { chmodSync, chownSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { loadJoinToken } from "../../src/cli/serve/token-file.js";
import { prepareFixedSocket } from "../../src/transport/fixed-socket.js";
import { createRuntimeDir } from "../../src/transport/runtime-dir.js";
import { DEBIAN_PYTHON, tempDir } from "../helpers/iron.js";

describe("the join token file", () => {
  it("is created private, read back unchanged, and replaced with --new-token", () => {
    const path = join(tempDir(), "nested", "join-token");
    const first = loadJoinToken(path, false);
    expect(first.created).toBe(true);
    expect(first.token).toMatch(/^iron_join_/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
    expect(readFileSync(path, "utf8")).toBe(`${first.token}\n`);
    expect(loadJoinToken(path, false)).toEqual({ token: first.token, path, created: false });
    const rotated = loadJoinToken(path, true);
    expect(rotated.created).toBe(true);
    expect(rotated.token).not.toBe(first.token);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("is refused when others can read it, when it is a link, or when it holds no usable token", () => {
    const dir = tempDir();
    const path = join(dir, "token");
    writeFileSync(path, "iron_join_a-token-someone-wrote\n", { mode: 0o644 });
    chmodSync(path, 0o644);
    expect(() => loadJoinToken(path, false)).toThrow(/IRON_ERR_CONFIG: the token file is readable by others; chmod 600 .* \(at .*token\): expected mode 0600, got "mode 0644"/);
    chmodSync(path, 0o600);
    expect(loadJoinToken(path, false).token).toBe("iron_join_a-token-someone-wrote");
    symlinkSync(path, join(dir, "link"));
    expect(() => loadJoinToken(join(dir, "link"), false)).toThrow(/not a regular file.*got "a symbolic link"/);
    writeFileSync(join(dir, "short"), "abc\n", { mode: 0o600 });
    expect(() => loadJoinToken(join(dir, "short"), false)).toThrow(/invalid join token/);
    expect(() => loadJoinToken(join(dir, "short"), false)).not.toThrow(/abc/);
  });
});

describe("the fixed socket path", () => {
  it("creates its directory private and replaces a stale socket, but not a live one", async () => {
    const dir = join(tempDir(), "run");
    const path = join(dir, "serve.sock");
    const fresh = await prepareFixedSocket(path);
    expect(fresh.socketPath).toBe(path);
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    await expect(prepareFixedSocket(path)).rejects.toThrow(/IRON_ERR_TRANSPORT: another supervisor is already listening on/);
    // A server that dies without unlinking its socket leaves a stale one behind.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    writeFileSync(join(dir, "plain"), "");
    await expect(prepareFixedSocket(join(dir, "plain"))).rejects.toThrow(/exists and is not a socket/);
  });

  it("replaces a socket nobody listens on", async () => {
    const dir = tempDir();
    const path = join(dir, "stale.sock");
    // A process killed while listening leaves its socket behind, with nobody on it.
    await execa(DEBIAN_PYTHON, ["-c", "import os, socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); os.kill(os.getpid(), 9)", path], { reject: false });
    expect(statSync(path).isSocket()).toBe(true);
    const prepared = await prepareFixedSocket(path);
    expect(() => statSync(path)).toThrow();
    prepared.remove();
  });

  it("refuses a directory others can write to", async () => {
    const dir = join(tempDir(), "open");
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    await expect(prepareFixedSocket(join(dir, "s.sock"))).rejects.toThrow(/IRON_ERR_RUNTIME_DIR: the socket directory .* is writable by others/);
  });

  // The default socket's parent is <tmp>/iron-<uid>: another user who made it first, sticky and
  // world-writable, could still replace our socket (a directory's owner may, sticky bit or not).
  it.skipIf(process.getuid?.() !== 0)("refuses a sticky world-writable directory another user owns", async () => {
    const dir = join(tempDir(), `iron-${process.getuid?.()}`);
    mkdirSync(dir);
    chmodSync(dir, 0o1777);
    chownSync(dir, 65534, 65534);
    await expect(prepareFixedSocket(join(dir, "serve.sock"))).rejects.toThrow(/IRON_ERR_RUNTIME_DIR: the socket directory .* belongs to another user/);
  });

  it.skipIf(process.getuid?.() !== 0)("refuses a runtime directory parent another user owns", () => {
    const dir = join(tempDir(), "their-runtime");
    mkdirSync(dir);
    chmodSync(dir, 0o1777);
    chownSync(dir, 65534, 65534);
    expect(() => createRuntimeDir(dir)).toThrow(/IRON_ERR_RUNTIME_DIR: the directory .* belongs to another user/);
  });

  it("accepts a sticky directory root owns, like /tmp", async () => {
    const root = statSync(tmpdir());
    expect(root.uid === 0 && (root.mode & 0o1000) !== 0).toBe(true);
    const prepared = await prepareFixedSocket(join(tmpdir(), `iron-test-${process.pid}.sock`));
    prepared.remove();
  });
});
