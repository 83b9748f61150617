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
