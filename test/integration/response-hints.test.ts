// Response hints end to end (protocol/SPEC.md 3.5): a real supervisor with the default config, a real
// Python agent through the shim, iron mock-llm. A reply in which no output detector could match is
// released without waiting for its response decision (its llm.response goes fire-and-forget, body and
// all, and is still decided and recorded); one with an email still waits and is redacted; a custom
// response policy without hints turns the shortcut off.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Supervisor, type IronEvent, type SupervisorOptions } from "../../src/index.js";
import { defaultReplyText, startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, FIXTURES } from "../helpers/iron.js";

interface Line {
  readonly content: string;
  readonly response: readonly string[];
}

let mock: MockLlm;

beforeAll(async () => {
  mock = await startMockLlm({});
});

afterAll(async () => {
  await mock?.close();
});

// Runs the fixture under a supervisor started with `options`; the lines it printed and every event.
async function run(options: SupervisorOptions, replies: readonly (string | null)[]): Promise<{ lines: Line[]; events: IronEvent[] }> {
  const sup = await Supervisor.start(options);
  const events: IronEvent[] = [];
  sup.on("event", (e) => events.push(e));
  try {
    const agent = await sup.spawn({ script: join(FIXTURES, "hinted_calls.py"), python: DEBIAN_PYTHON, env: { OPENAI_BASE_URL: mock.baseUrl, HINTED_REPLIES: JSON.stringify(replies) } });
    expect((await agent.exited).exitCode).toBe(0);
    await expect.poll(() => events.filter((e) => e.type === "agent.output" && e.stream === "stdout").length).toBe(replies.length);
    await expect.poll(() => responseDecisions(events).length).toBe(replies.length);
    const lines = events.flatMap((e) => (e.type === "agent.output" && e.stream === "stdout" ? [JSON.parse(e.line) as Line] : []));
    return { lines, events };
  } finally {
    await sup.close();
  }
}

const responseDecisions = (events: readonly IronEvent[]) => events.filter((e): e is Extract<IronEvent, { type: "llm.decision" }> => e.type === "llm.decision" && e.phase === "response");

describe("response hints", () => {
  it("release a clean reply at once and still record its decision; a reply with an email waits and is redacted", async () => {
    const { lines, events } = await run({}, [null, "Write to jane.doe@example.com today."]);
    const [clean, email] = lines;
    expect(clean?.content).toBe(defaultReplyText("hello"));
    expect(clean?.response).toEqual(["posted"]);
    expect(email?.response).toEqual(["asked"]);
    expect(email?.content).toMatch(/^Write to \[EMAIL_1\] today\.$/);
    expect(responseDecisions(events).map((e) => e.action)).toEqual(["allow", "redact"]);
    expect(events.filter((e) => e.type === "policy.error")).toEqual([]);
  });

  it("are off when a custom policy may act on the response", async () => {
    const policies = [{ name: "watcher", onResponse: () => undefined }];
    const { lines } = await run({ policies }, [null]);
    expect(lines.map((l) => l.response)).toEqual([["asked"]]);
    expect(lines[0]?.content).toBe(defaultReplyText("hello"));
  });
});
