// Protects iron mock-llm's readable log (issue 17 item 6): a request record reads as one line
// with what a person looks for, and an error record keeps its message.
import { describe, expect, it } from "vitest";
import { readableLine } from "../../src/cli/readable-log.js";

describe("a readable log line", () => {
  it("says method, path, status, time, model and request id", () => {
    const record = { msg: "mock-llm request", method: "POST", path: "/v1/messages", status: 529, ms: 12, requestId: "req_1", model: "claude-x", stream: true, completed: false };
    expect(readableLine(record)).toBe("mock-llm: POST /v1/messages → 529 in 12 ms (model claude-x, streamed, cut short, request req_1)");
  });

  it("keeps an error's message and path", () => {
    expect(readableLine({ msg: "mock-llm handler failed", path: "/v1/x", err: { message: "boom" } })).toBe("mock-llm: mock-llm handler failed (/v1/x): boom");
  });
});
