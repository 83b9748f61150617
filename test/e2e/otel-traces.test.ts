// A real governed call shows up at a real OTLP receiver as a GenAI span: `iron run` of a
// Python agent against iron's mock LLM, exporting over OTLP/HTTP protobuf (configured by the
// standard OTEL_* variables) and JSON (configured in iron.yaml); the receiver decodes with the
// official OTLP definitions.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, FIXTURES, iron, jsonLines, tempDir } from "../helpers/iron.js";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../helpers/otlp-receiver.js";

let mock: MockLlm;
let receiver: OtlpReceiver;

beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock.close();
});

const fixture = join(FIXTURES, "traced_calls.py");
const AGENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const AGENT_SPAN = "00f067aa0ba902b7";

function clientSpans(spans: readonly ReceivedSpan[]): ReceivedSpan[] {
  return spans.filter((s) => s.kind === 3).sort((a, b) => String(a.attributes["iron.call.id"]).localeCompare(String(b.attributes["iron.call.id"])));
}

describe("OpenTelemetry traces of iron run", () => {
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it("exports an allowed and a budget-denied call as GenAI client spans over OTLP/HTTP protobuf, the first inside the agent's trace", async () => {
    const ran = await iron(["run", "--budget", "0.000027", "--python", DEBIAN_PYTHON, fixture], {
      env: {
        OPENAI_BASE_URL: mock.baseUrl,
        FIXTURE_TRACEPARENT: `00-${AGENT_TRACE}-${AGENT_SPAN}-01`,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_HEADERS: "x-collector-key=abc%20123",
        OTEL_SERVICE_NAME: "iron-e2e",
      },
    });
    expect(ran.exitCode, ran.stderr).toBe(0);
    expect(jsonLines(ran.stdout).map((l) => l.status)).toEqual([200, 402]);
    expect(receiver.contentTypes.every((t) => t === "application/x-protobuf")).toBe(true);
    expect(receiver.headers[0]?.["x-collector-key"]).toBe("abc 123");

    const calls = receiver.spans.filter((s) => s.kind === 3);
    expect(calls.map((s) => s.name)).toEqual(["chat gpt-4o-mini", "chat gpt-4o-mini"]);
    const allowed = calls.find((s) => s.attributes["iron.decision"] === "allow") as ReceivedSpan;
    const denied = calls.find((s) => s.attributes["iron.decision"] === "deny") as ReceivedSpan;
    expect(allowed.resource["service.name"]).toBe("iron-e2e");
    // Joined the agent's own trace through the request's traceparent header.
    expect([allowed.traceId, allowed.parentSpanId]).toEqual([AGENT_TRACE, AGENT_SPAN]);
    expect(allowed.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.request.max_tokens": 40,
      "gen_ai.response.finish_reasons": ["stop"],
      "server.address": "127.0.0.1",
      "server.port": Number(new URL(mock.baseUrl).port),
      "iron.agent.id": "traced_calls",
      "http.response.status_code": 200,
    });
    expect(String(allowed.attributes["gen_ai.response.model"])).toMatch(/^gpt-4o-mini/);
    expect(allowed.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    expect(allowed.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    expect(allowed.attributes["iron.cost.usd"]).toBeGreaterThan(0);
    expect(allowed.attributes["error.type"]).toBeUndefined();
    expect(allowed.attributes["gen_ai.input.messages"]).toBeUndefined(); // content is opt-in
    expect(allowed.statusCode).not.toBe(2);

    expect(denied.traceId).not.toBe(AGENT_TRACE);
    expect(denied.parentSpanId).toBe("");
    expect(denied.attributes).toMatchObject({
      "iron.decision": "deny",
      "iron.policy": "budget",
      "iron.reason_code": "IRON_ERR_BUDGET",
      "error.type": "IRON_ERR_BUDGET",
      "iron.cost.usd": 0,
      "http.response.status_code": 402,
    });
    expect(denied.statusCode).toBe(2);
    const policy = receiver.spans.find((s) => s.parentSpanId === denied.spanId);
    expect(policy).toMatchObject({ name: "policy budget", kind: 1, traceId: denied.traceId, statusCode: 2 });
    expect(policy?.attributes).toMatchObject({ "iron.policy": "budget", "iron.phase": "request", "iron.decision": "deny", "iron.reason_code": "IRON_ERR_BUDGET" });

    const agent = receiver.spans.find((s) => s.name === "invoke_agent traced_calls");
    expect(agent?.attributes).toMatchObject({ "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "traced_calls", "iron.agent.run": 1 });
    expect(agent?.events.map((e) => e.name)).toEqual(expect.arrayContaining(["agent.starting", "agent.running", "agent.exited"]));
  });

  it("exports over OTLP/HTTP JSON as iron.yaml's telemetry section says, joining the agent's TRACEPARENT, with content after redaction", async () => {
    const json = await startOtlpReceiver();
    try {
      const dir = tempDir();
      const config = join(dir, "iron.yaml");
      writeFileSync(config, `telemetry:\n  endpoint: ${json.url}\n  protocol: http/json\n  service_name: iron-json\n  capture_content: true\n  headers:\n    authorization: Basic cGs6c2s=\n`);
      const ran = await iron(["run", "--config", config, "--python", DEBIAN_PYTHON, fixture], {
        env: { OPENAI_BASE_URL: mock.baseUrl, FIXTURE_CALLS: "1", FIXTURE_CONTENT: "write to alice@example.com about call {i}", TRACEPARENT: `00-${AGENT_TRACE}-${AGENT_SPAN}-01` },
      });
      expect(ran.exitCode, ran.stderr).toBe(0);
      expect(json.contentTypes.length).toBeGreaterThan(0);
      expect(json.contentTypes.every((t) => t.startsWith("application/json"))).toBe(true);
      expect(json.headers[0]?.authorization).toBe("Basic cGs6c2s=");
      const [call] = clientSpans(json.spans);
      expect(call?.name).toBe("chat gpt-4o-mini");
      expect(call?.resource["service.name"]).toBe("iron-json");
      expect([call?.traceId, call?.parentSpanId]).toEqual([AGENT_TRACE, AGENT_SPAN]);
      expect(call?.attributes).toMatchObject({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "iron.decision": "modify",
        "iron.policy": "safety",
      });
      const policy = json.spans.find((s) => s.parentSpanId === call?.spanId);
      expect(policy).toMatchObject({ name: "policy safety", attributes: { "iron.decision": "modify", "iron.phase": "request", "iron.findings": ["email:redact"] } });
      expect(call?.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
      // Content only as it left after the safety policy's redaction: the address never reaches the collector.
      const input = JSON.parse(String(call?.attributes["gen_ai.input.messages"])) as { role: string; content: string }[];
      expect(input).toHaveLength(1);
      expect(input[0]?.role).toBe("user");
      expect(input[0]?.content).toMatch(/^write to \S+ about call 0$/);
      expect(input[0]?.content).not.toContain("alice@example.com");
      expect(JSON.stringify(json.spans)).not.toContain("alice@example.com");
      const output = JSON.parse(String(call?.attributes["gen_ai.output.messages"])) as { role: string; parts: { type: string; content: string }[] }[];
      expect(output[0]?.role).toBe("assistant");
      expect(output[0]?.parts[0]?.content.length).toBeGreaterThan(0);
    } finally {
      await json.close();
    }
  });
});
