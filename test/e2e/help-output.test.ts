// Protects where help goes: `iron` and `iron config` alone print their help on stdout and exit 0,
// so `iron | less` shows it.
import { describe, expect, it } from "vitest";
import { iron } from "../helpers/iron.js";

describe("bare commands", () => {
  it("print help on stdout with exit 0", async () => {
    const bare = await iron([]);
    expect([bare.exitCode, bare.stderr]).toEqual([0, ""]);
    expect(bare.stdout).toMatch(/^Usage: iron \[options\] \[command\][\s\S]*Examples:\n {2}iron demo/);
    const config = await iron(["config"]);
    expect([config.exitCode, config.stderr]).toEqual([0, ""]);
    expect(config.stdout).toMatch(/^Usage: iron config \[options\] \[command\][\s\S]*check \[options\] \[file\]/);
  });
});

describe("command help", () => {
  const commands = [["run"], ["serve"], ["demo"], ["mock-llm"], ["config"], ["config", "check"], ["watch"], ["dashboard"], ["calls"], ["agents"], ["budget"], ["budget", "reset"]];

  it("ends with examples for every command, and writes defaults one way: (default …)", async () => {
    for (const command of commands) {
      const help = await iron([...command, "--help"]);
      expect(help.exitCode, command.join(" ")).toBe(0);
      expect(help.stdout, command.join(" ")).toMatch(new RegExp(`\\nExamples:\\n {2}iron ${command[0]}`));
      const flat = help.stdout.replace(/\s+/g, " ");
      expect(flat, command.join(" ")).not.toMatch(/by default|default: |the default whenever/);
    }
  });
});
