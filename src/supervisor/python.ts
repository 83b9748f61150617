// Finds the interpreter an agent runs on and checks the script exists, with clear errors.
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
