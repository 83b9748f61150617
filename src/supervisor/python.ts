// Finds the interpreter an agent runs on and checks the script exists, with clear errors.
import { execFile, execFileSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { IronError } from "../errors.js";

/** The interpreter to use: the explicit one, else the active virtualenv's, else python3 on PATH. */
export function resolvePython(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined && explicit !== "") return findExecutable(explicit, env, "--python");
  if (env.VIRTUAL_ENV) {
    const venvPython = join(env.VIRTUAL_ENV, "bin", "python");
    if (isExecutable(venvPython)) return venvPython;
  }
  return findExecutable("python3", env, "python3 on PATH");
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

// A name with a slash is a path; a bare name is looked up on PATH, like a shell does.
function findExecutable(name: string, env: NodeJS.ProcessEnv, source: string): string {
  if (name.includes("/")) {
    const path = resolve(name);
    if (isExecutable(path)) return path;
    throw new IronError("IRON_ERR_PYTHON_NOT_FOUND", `no Python interpreter at ${path} (from ${source})`, {
      expected: "an executable file",
      got: path,
    });
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  throw new IronError("IRON_ERR_PYTHON_NOT_FOUND", `no ${name} on PATH (from ${source}); pass --python PATH`, {
    expected: `an executable named ${name} on PATH`,
    got: env.PATH ?? "",
  });
}

/** The Python versions the shim supports, oldest and newest (DESIGN.md). */
export const SUPPORTED_PYTHON = { min: [3, 9], max: [3, 13] } as const;

const checked = new Map<string, string>();
/** Why an interpreter could not say its version, for `requirePythonVersion`. */
const unanswered = new Map<string, string>();

// Written so Python 2 can run it too.
const VERSION_SCRIPT = "import sys; sys.stdout.write('%d.%d.%d' % tuple(sys.version_info[:3]))";
const asVersion = (out: string): string | null => (/^\d+\.\d+\.\d+$/.test(out) ? out : null);

// Asks the interpreter its version. Null when it cannot say.
function versionOf(python: string): string | null {
  try {
    const version = asVersion(execFileSync(python, ["-c", VERSION_SCRIPT], { encoding: "utf8", timeout: 15_000, stdio: ["ignore", "pipe", "ignore"] }));
    if (version === null) unanswered.set(python, "it printed no version");
    return version;
  } catch (error) {
    unanswered.set(python, whyUnanswered(error));
    return null;
  }
}

// What went wrong asking: it could not be run, it failed, or it took too long.
function whyUnanswered(error: unknown): string {
  const e = error as { code?: unknown; status?: unknown; signal?: unknown; killed?: unknown };
  if (typeof e.code === "string") return `it could not be run (${e.code})`;
  if (e.killed === true || typeof e.signal === "string") return `it did not answer (${typeof e.signal === "string" ? e.signal : "killed"})`;
  const status = typeof e.status === "number" ? e.status : typeof e.code === "number" ? e.code : null;
  return status === null ? "it did not answer" : `it exited with code ${status}`;
}

/**
 * Asks interpreters their versions without blocking the event loop (`iron run` does it while the
 * supervisor starts), so checkPythonVersion finds them known. Never rejects.
 */
export async function askPythonVersions(pythons: Iterable<string>): Promise<void> {
  const ask = (python: string) =>
    new Promise<void>((done) => {
      execFile(python, ["-c", VERSION_SCRIPT], { encoding: "utf8", timeout: 15_000 }, (error, out) => {
        const version = error === null ? asVersion(out) : null;
        if (version !== null) checked.set(python, version);
        else unanswered.set(python, error === null ? "it printed no version" : whyUnanswered(error));
        done();
      });
    });
  await Promise.all([...new Set(pythons)].filter((python) => !checked.has(python)).map(ask));
}

/** The version (`3.11.7`) an interpreter answered when it was checked, or null when it was not asked or could not say. */
export function knownPythonVersion(python: string): string | null {
  return checked.get(python) ?? null;
}

/**
 * Refuses an interpreter outside 3.9–3.13 before an agent starts on it, with IRON_ERR_PYTHON_VERSION
 * (the shim would fail inside it as if iron had a bug). One that cannot be asked is left to the
 * spawn, which reports IRON_ERR_SPAWN. Each interpreter is asked once per process.
 */
export function checkPythonVersion(python: string): void {
  const version = checked.get(python) ?? versionOf(python);
  if (version === null) return;
  checked.set(python, version);
  const [major, minor] = version.split(".").map(Number) as [number, number];
  const { min, max } = SUPPORTED_PYTHON;
  const tooOld = major < min[0] || (major === min[0] && minor < min[1]);
  const tooNew = major > max[0] || (major === max[0] && minor > max[1]);
  if (!tooOld && !tooNew) return;
  throw new IronError("IRON_ERR_PYTHON_VERSION", `${python} is Python ${version}; iron supports Python ${min.join(".")} to ${max.join(".")} (pass --python PATH or set python: in iron.yaml)`, {
    expected: `Python ${min.join(".")}–${max.join(".")}`,
    got: version,
  });
}

/**
 * Like checkPythonVersion, but also refuses an interpreter that cannot say its version (not a
 * Python, or a broken one), so `iron run` fails before it prints anything rather than after.
 */
export function requirePythonVersion(python: string): void {
  checkPythonVersion(python);
  if (checked.has(python)) return;
  throw new IronError(
    "IRON_ERR_PYTHON_VERSION",
    `${python} did not answer as a Python interpreter: asked its version, ${unanswered.get(python) ?? "it did not answer"} (pass --python PATH or set python: in iron.yaml)`,
    {
      expected: "a Python 3.9–3.13 interpreter",
      got: python,
    },
  );
}

/** The absolute path of an existing script file, or IRON_ERR_SCRIPT_NOT_FOUND. */
export function resolveScript(script: string, cwd: string = process.cwd()): string {
  const path = isAbsolute(script) ? script : resolve(cwd, script);
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) {
    throw new IronError("IRON_ERR_SCRIPT_NOT_FOUND", `agent script ${script} not found`, {
      expected: "an existing Python file",
      got: path,
    });
  }
  return path;
}
