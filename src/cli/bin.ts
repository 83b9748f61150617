#!/usr/bin/env node
// The executable behind `iron`: runs the CLI and exits with its code. `iron --version` is
// answered before the command tree (and SQLite, pino, xstate beneath it) is loaded.
import { guardPipes } from "./closed-pipes.js";

guardPipes();
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  const { VERSION } = await import("../version.js");
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import("./main.js");
  process.exitCode = await main(argv);
}
