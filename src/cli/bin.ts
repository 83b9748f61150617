#!/usr/bin/env node
// The executable behind `iron`: runs the CLI and exits with its code.
import { guardPipes } from "./closed-pipes.js";
import { main } from "./main.js";

guardPipes();

process.exitCode = await main(process.argv.slice(2));
