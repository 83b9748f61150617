// Protects the interpreter check: a Python the shim cannot run in (2.7, 3.6, 3.8) is refused
// before anything starts or prints, with IRON_ERR_PYTHON_VERSION and exit status 126, instead
// of a shim import error reported as a bug in iron and restarted over and over.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { askPythonVersions, checkPythonVersion } from "../../src/supervisor/python.js";
import { FIXTURES, iron, pyenvInterpreters } from "../helpers/iron.js";

const versions = join(process.env.PYENV_ROOT ?? join(process.env.HOME ?? "/root", ".pyenv"), "versions");
const old = ["2.7.18", "3.6.15", "3.8.18"].map((v) => ({ version: v, python: join(versions, v, "bin", "python") })).filter((o) => existsSync(o.python));

describe("the Python version check", () => {
  it.skipIf(old.length === 0).each(old)("refuses Python $version before starting anything, exit 126", async ({ version, python }) => {
    const ran = await iron(["run", "--python", python, join(FIXTURES, "exit_with.py")]);
    expect(ran.exitCode, ran.stderr).toBe(126);
    expect(ran.stderr).toBe(
      `iron: IRON_ERR_PYTHON_VERSION: ${python} is Python ${version}; iron supports Python 3.9 to 3.13 (pass --python PATH or set python: in iron.yaml): expected Python 3.9–3.13, got "${version}"`,
    );
  });

  it("refuses in iron run an interpreter that cannot say its version, before printing the stream or dashboard", async () => {
    const ran = await iron(["run", "--python", "/bin/false", join(FIXTURES, "exit_with.py")]);
    expect(ran.exitCode, ran.stderr).toBe(126);
    expect(ran.stderr).toBe(
      'iron: IRON_ERR_PYTHON_VERSION: /bin/false did not answer as a Python interpreter: asked its version, it exited with code 1 (pass --python PATH or set python: in iron.yaml): expected a Python 3.9–3.13 interpreter, got "/bin/false"',
    );
    const missing = await iron(["run", "--python", join(FIXTURES, "bad_interpreter.sh"), join(FIXTURES, "exit_with.py")]);
    expect([missing.exitCode, missing.stderr]).toEqual([126, expect.stringMatching(/did not answer as a Python interpreter: asked its version, it could not be run \(ENOENT\)/)]);
    expect(missing.stderr).not.toMatch(/stream:|dashboard/);
  });

  it("accepts every supported interpreter present, and leaves one it cannot ask to the spawn", () => {
    for (const python of pyenvInterpreters()) expect(() => checkPythonVersion(python)).not.toThrow();
    expect(() => checkPythonVersion(join(FIXTURES, "bad_interpreter.sh"))).not.toThrow();
  });

  it.skipIf(old.length === 0)("knows an interpreter asked in the background (iron run asks while the supervisor starts)", async () => {
    const { python } = old[0] as { python: string };
    await askPythonVersions([python, join(FIXTURES, "bad_interpreter.sh")]);
    expect(() => checkPythonVersion(python)).toThrow(/IRON_ERR_PYTHON_VERSION/);
  });
});
