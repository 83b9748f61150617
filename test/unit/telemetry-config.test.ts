// Protects how telemetry is switched on: iron.yaml's `telemetry:` keys map onto the supervisor's
// options with errors that name the key, and the standard OTEL_* variables fill what the file
// leaves out (the file wins); traces are off without an endpoint or with OTEL_SDK_DISABLED.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/config/load-config.js";
import { optionsFromConfig } from "../../src/config/to-options.js";
import { resolveTelemetry } from "../../src/observability/telemetry-options.js";
import { tempDir } from "../helpers/iron.js";

function config(text: string): string {
  const dir = tempDir("iron-config-");
  writeFileSync(join(dir, "iron.yaml"), text);
  return join(dir, "iron.yaml");
}

describe("iron.yaml telemetry:", () => {
  it("maps its snake_case keys onto SupervisorOptions.telemetry", async () => {
    const file = config(
      "telemetry:\n  endpoint: http://collector:4318\n  protocol: http/json\n  service_name: agents\n  sampling: 0.25\n  headers: { x-key: abc }\n  capture_content: true\n  metrics: false\n  metrics_token: m-token-0123456789abc\n",
    );
    const { supervisor } = await optionsFromConfig(loadConfigFile(file));
    expect(supervisor.telemetry).toEqual({
      endpoint: "http://collector:4318",
      protocol: "http/json",
      serviceName: "agents",
      sampling: 0.25,
      headers: { "x-key": "abc" },
      captureContent: true,
      metrics: false,
      metricsToken: "m-token-0123456789abc",
    });
    expect((await optionsFromConfig(loadConfigFile(config("telemetry: false\n")))).supervisor.telemetry).toBe(false);
  });

  it("refuses bad values, naming the key and what was expected", () => {
    expect(() => loadConfigFile(config("telemetry:\n  protocol: grpc\n"))).toThrow(/\(at telemetry\.protocol\): expected "http\/protobuf" or "http\/json"/);
    expect(() => loadConfigFile(config("telemetry:\n  sampling: 2\n"))).toThrow(/\(at telemetry\.sampling\): expected a number from 0 to 1/);
    expect(() => loadConfigFile(config("telemetry:\n  endpoint: collector:4318\n"))).toThrow(/\(at telemetry\.endpoint\): expected an http\(s\) URL/);
    expect(() => loadConfigFile(config("telemetry:\n  metrics_token: short\n"))).toThrow(/\(at telemetry\.metrics_token\): expected a string of at least 16 characters/);
    expect(() => loadConfigFile(config("telemetry:\n  exporter: zipkin\n"))).toThrow(/\(at telemetry\.exporter\): expected no key "exporter" here \(one of the keys traces, endpoint/);
  });
});

describe("resolveTelemetry", () => {
  it("exports no traces without an endpoint, and serves metrics by default", () => {
    expect(resolveTelemetry({}, {})).toEqual({ traces: null, metrics: true, metricsToken: null });
  });

  it("takes the standard OTEL_* variables: base endpoint + /v1/traces, headers URL-decoded, service name, protocol, ratio sampler", () => {
    const resolved = resolveTelemetry(
      {},
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/",
        OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Basic%20abc, x-team=search",
        OTEL_SERVICE_NAME: "agents",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0.5",
      },
    );
    expect(resolved.traces).toMatchObject({
      url: "http://collector:4318/v1/traces",
      headers: { authorization: "Basic abc", "x-team": "search" },
      serviceName: "agents",
      protocol: "http/json",
      sampling: 0.5,
    });
    expect(resolved.traces?.captureContent).toBe(false);
    expect(resolveTelemetry({}, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "true" }).traces?.captureContent).toBe(true);
    expect(resolveTelemetry({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/custom/path" }).traces?.url).toBe("http://c:4318/custom/path");
  });

  it("lets the file win over the environment, and turns traces off with traces: false or OTEL_SDK_DISABLED", () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://env:4318", OTEL_SERVICE_NAME: "from-env", OTEL_EXPORTER_OTLP_HEADERS: "x-a=env" };
    expect(resolveTelemetry({ endpoint: "http://file:4318", serviceName: "from-file", headers: { "X-A": "file" } }, env).traces).toMatchObject({
      url: "http://file:4318/v1/traces",
      serviceName: "from-file",
      headers: { "x-a": "file" },
      protocol: "http/protobuf",
    });
    expect(resolveTelemetry({ traces: false }, env).traces).toBeNull();
    expect(resolveTelemetry({}, { ...env, OTEL_SDK_DISABLED: "true" }).traces).toBeNull();
  });

  it("refuses what it cannot use, naming the variable", () => {
    expect(() => resolveTelemetry({}, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4317", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
    expect(() => resolveTelemetry({}, { OTEL_EXPORTER_OTLP_HEADERS: "novalue" })).toThrow(/OTEL_EXPORTER_OTLP_HEADERS/);
    expect(() => resolveTelemetry({ sampling: 3 }, {})).toThrow(/telemetry\.sampling/);
  });
});
