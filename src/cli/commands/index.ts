// Every CLI command, registered in the order `iron --help` lists them.
import type { Command } from "commander";
import { registerAgents, registerCalls } from "./calls.js";
import { registerConfig } from "./config.js";
import { registerDashboard } from "./dashboard.js";
import { registerDemo } from "./demo.js";
import { registerMockLlm } from "./mock-llm.js";
import { registerRun } from "./run.js";
import { registerServe } from "./serve.js";
import { registerWatch } from "./watch.js";

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [registerRun, registerServe, registerDemo, registerMockLlm, registerConfig, registerWatch, registerDashboard, registerCalls, registerAgents];
