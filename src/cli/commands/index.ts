// Every CLI command, registered in the order `iron --help` lists them.
import type { Command } from "commander";
import { registerConfig } from "./config.js";
import { registerDemo } from "./demo.js";
import { registerMockLlm } from "./mock-llm.js";
import { registerRun } from "./run.js";

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [registerRun, registerDemo, registerMockLlm, registerConfig];
