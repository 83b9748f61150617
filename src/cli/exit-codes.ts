// Maps error codes to process exit codes in one place (sysexits.h where one fits).
import type { IronErrorCode } from "../errors.js";

const EXIT_CODES: Partial<Record<IronErrorCode, number>> = {
  IRON_ERR_USAGE: 64, // EX_USAGE
  IRON_ERR_CONFIG: 78, // EX_CONFIG
  IRON_ERR_SCRIPT_NOT_FOUND: 66, // EX_NOINPUT
  IRON_ERR_PYTHON_NOT_FOUND: 127, // like a shell's "command not found"
  IRON_ERR_PYTHON_VERSION: 126, // like a shell's "found but cannot run"
  IRON_ERR_SPAWN: 71, // EX_OSERR
  IRON_ERR_AGENT_STARTUP: 70, // EX_SOFTWARE
  IRON_ERR_RUNTIME_DIR: 73, // EX_CANTCREAT
  IRON_ERR_TRANSPORT: 69, // EX_UNAVAILABLE
  IRON_ERR_STREAM: 69,
  IRON_ERR_DASHBOARD: 69,
  IRON_ERR_STORE: 74, // EX_IOERR
  IRON_ERR_NOT_FOUND: 66,
  IRON_ERR_BUDGET: 75, // EX_TEMPFAIL: `iron run` whose agent exited 0 but had every call denied by a budget
};

/** The exit code iron uses when a command fails with the given error code. */
export function exitCodeFor(code: IronErrorCode): number {
  return EXIT_CODES[code] ?? 1;
}
