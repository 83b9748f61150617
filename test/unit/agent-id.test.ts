// Protects agent ids as spawned and joined agents get them alike: only letters, digits, `.`,
// `-` and `_`, never empty, and never over 64 characters — a suffix that makes an id unique
// included, since a joined agent's name comes off the network.
import { describe, expect, it } from "vitest";
import { agentIdCandidate, freeAgentId, MAX_AGENT_ID, safeAgentId } from "../../src/supervisor/agent-id.js";

describe("agent ids", () => {
  it("replaces every character outside letters, digits, . - _ and never answers empty", () => {
    expect(safeAgentId("my agent/v2.py")).toBe("my-agent-v2.py");
    expect(safeAgentId("")).toBe("agent");
  });

  it("cuts a long name to 64 characters", () => {
    expect(safeAgentId("a".repeat(100))).toBe("a".repeat(MAX_AGENT_ID));
    expect(MAX_AGENT_ID).toBe(64);
  });

  it("numbers later agents of a name from 2, shortening the name so the suffix fits", () => {
    expect(agentIdCandidate("worker", 1)).toBe("worker");
    expect(agentIdCandidate("worker", 2)).toBe("worker-2");
    const long = agentIdCandidate("b".repeat(100), 12);
    expect(long).toBe(`${"b".repeat(61)}-12`);
    expect(long).toHaveLength(64);
  });

  it("gives a spawned agent the first of name, name-2, … that nothing claims", () => {
    expect(freeAgentId("worker", () => false)).toBe("worker");
    const taken = new Set(["worker", "worker-2"]);
    expect(freeAgentId("worker", (id) => taken.has(id))).toBe("worker-3");
  });
});
