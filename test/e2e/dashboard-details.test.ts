// Protects the dashboard's call detail: what the provider got (after the policies) and what
// the agent got, from a real agent's real calls — never a secret or a personal datum, whatever
// the safety policy allowed — with every event of the call in seq order.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import type { Supervisor } from "../../src/supervisor/supervisor.js";
import { apiGet } from "../helpers/dashboard.js";
import { agentRig, type Rig } from "../helpers/dashboard-agent.js";
import { patiently } from "../helpers/patiently.js";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0, echo: true }); // answers with the prompt: output redaction has something to do
});
afterAll(async () => {
  await mock.close();
});

const open: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const EMAIL = "jane.doe@example.com";
const KEY = "sk-proj-Zq3vL9xT2mN8bR4kW7yP1cD6";

// The call id of the n-th llm.request of the worker.
async function detailOf(r: Rig, index: number): Promise<any> {
  await patiently(() => r.of("llm.response").length + r.of("llm.decision").filter((d) => d.action === "deny").length).toBeGreaterThan(index);
  const callId = r.of("llm.request")[index]?.callId ?? "";
  const answer = await apiGet(r.base, r.token, `/api/calls/${callId}`);
  expect(answer.status).toBe(200);
  return answer.json;
}

describe("call detail", () => {
  it("shows the request as the provider got it after redaction, and the response as the agent got it", async () => {
    const r = await agentRig(mock.baseUrl, open); // safety on: input and output redacted
    const result = await r.call(1, `Please email ${EMAIL} the report`);
    expect(result.status).toBe(200);
    expect(result.text).toContain("[EMAIL_1]");
    const detail = await detailOf(r, 0);
    expect(detail.callId).toBe(r.of("llm.request")[0]?.callId);
    expect(detail.agentId).toBe("worker");
    expect(detail.bodies).toBe("kept");
    expect(detail.request.model).toBe("gpt-4o-mini");
    expect(detail.request.messages[0].content).toBe("Please email [EMAIL_1] the report");
    expect(detail.requestMeta).toMatchObject({ provider: "openai", method: "POST", sent: true });
    expect(detail.requestMeta.url).toMatch(/\/v1\/chat\/completions$/);
    expect(detail.response).toEqual({ status: 200, text: "Please email [EMAIL_1] the report", action: "allow" });
    const types = detail.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(["llm.request", "llm.decision", "llm.decision", "llm.response"]);
    const seqs = detail.events.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(detail.events[1]).toMatchObject({ phase: "request", action: "modify", policy: "safety" });
    expect(JSON.stringify(detail)).not.toContain(EMAIL);
  });

  it("scrubs what the safety policy let through: no key, no email in the request or the response", async () => {
    const r = await agentRig(mock.baseUrl, open, { safety: { input: { default: "allow", secret: "allow" }, output: { default: "allow" } } });
    const result = await r.call(1, `my key is ${KEY} and I am ${EMAIL}`);
    expect(result.status).toBe(200);
    // The provider really got them (and echoed them back to the agent).
    expect(JSON.stringify(mock.requests.at(-1)?.body)).toContain(KEY);
    expect(JSON.stringify(mock.requests.at(-1)?.body)).toContain(EMAIL);
    const detail = await detailOf(r, 0);
    const text = JSON.stringify(detail);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(KEY.slice(8));
    expect(text).not.toContain(EMAIL);
    expect(detail.request.messages[0].content).toMatch(/^my key is \[redacted:secret:[0-9a-f]{12}\] and I am \[redacted:email:[0-9a-f]{12}\]$/);
    expect(detail.response.text).toBe(detail.request.messages[0].content); // the same values hash the same
  });

  it("shows a denied call's refused request (not sent) and no response", async () => {
    const r = await agentRig(mock.baseUrl, open, { budgetUsd: 0 });
    expect((await r.call(1, "no budget")).status).toBe(402);
    const detail = await detailOf(r, 0);
    expect(detail.requestMeta.sent).toBe(false);
    expect(detail.request.messages[0].content).toBe("no budget");
    expect(detail.response).toBeNull();
    expect(detail.events.map((e: { type: string }) => e.type)).toEqual(["llm.request", "llm.decision", "budget.exhausted"]);
  });
});
