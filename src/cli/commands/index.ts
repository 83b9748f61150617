// Every CLI command, in the order `iron --help` lists them, each loaded only when it is needed:
// `iron run` never pays for the watch client, the dashboard server or the config checker.
import type { Command } from "commander";

export type RegisterCommand = (program: Command) => void;

/** A command's name and how to load the function that registers it. */
export interface CommandEntry {
  readonly name: string;
  readonly load: () => Promise<RegisterCommand>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: "run", load: async () => (await import("./run.js")).registerRun },
  { name: "serve", load: async () => (await import("./serve.js")).registerServe },
  { name: "demo", load: async () => (await import("./demo.js")).registerDemo },
  { name: "mock-llm", load: async () => (await import("./mock-llm.js")).registerMockLlm },
  { name: "config", load: async () => (await import("./config.js")).registerConfig },
  { name: "watch", load: async () => (await import("./watch.js")).registerWatch },
  { name: "dashboard", load: async () => (await import("./dashboard.js")).registerDashboard },
  { name: "calls", load: async () => (await import("./calls.js")).registerCalls },
  { name: "agents", load: async () => (await import("./calls.js")).registerAgents },
  { name: "budget", load: async () => (await import("./budget.js")).registerBudget },
  { name: "tls", load: async () => (await import("./tls.js")).registerTls },
];

/** The commands argv can reach: the one it names, else every one (help, usage errors, "did you mean"). */
export function commandsFor(argv: readonly string[]): readonly CommandEntry[] {
  const named = COMMANDS.find((entry) => entry.name === argv[0]);
  return named === undefined ? COMMANDS : [named];
}
