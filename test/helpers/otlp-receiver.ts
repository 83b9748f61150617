// A real OTLP/HTTP trace receiver for tests: takes what an exporter posts to /v1/traces and
// decodes it with the official OTLP protobuf definitions (the generated code the OpenTelemetry
// JS packages ship), or as OTLP/JSON; spans come out in one plain shape for both.
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";

const require = createRequire(import.meta.url);
interface Decoder {
  decode(buffer: Uint8Array): unknown;
  toObject(message: unknown, options: object): unknown;
}
const root = require("otlp-generated-proto/build/src/generated/root.js") as { opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: Decoder } } } } } };
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

export type AttrValue = string | number | boolean | AttrValue[];

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 3 client. */
  readonly kind: number;
  readonly attributes: Readonly<Record<string, AttrValue>>;
  readonly events: readonly { readonly name: string; readonly attributes: Readonly<Record<string, AttrValue>> }[];
  /** 2: error. */
  readonly statusCode: number;
  readonly resource: Readonly<Record<string, AttrValue>>;
}

export interface OtlpReceiver {
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** The content types of the requests received. */
  readonly contentTypes: string[];
  readonly headers: Record<string, string | string[] | undefined>[];
  close(): Promise<void>;
}

type Raw = Record<string, unknown>;

function hex(value: unknown): string {
  if (typeof value === "string") return value.toLowerCase();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  return "";
}

function attrValue(v: Raw | undefined): AttrValue {
  if (v === undefined) return "";
  if ("stringValue" in v) return String(v.stringValue);
  if ("intValue" in v) return Number(v.intValue);
  if ("doubleValue" in v) return Number(v.doubleValue);
  if ("boolValue" in v) return Boolean(v.boolValue);
  if ("arrayValue" in v) return (((v.arrayValue as Raw).values ?? []) as Raw[]).map(attrValue);
  return "";
}

function attrs(list: unknown): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const a of (list ?? []) as Raw[]) out[String(a.key)] = attrValue(a.value as Raw);
  return out;
}

// Both encodings share the OTLP message structure once protobuf's is turned into an object.
function spansOf(request: Raw): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const rs of (request.resourceSpans ?? []) as Raw[]) {
    const resource = attrs((rs.resource as Raw | undefined)?.attributes);
    for (const ss of (rs.scopeSpans ?? []) as Raw[]) {
      for (const s of (ss.spans ?? []) as Raw[]) {
        spans.push({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: String(s.name),
          kind: Number(s.kind),
          attributes: attrs(s.attributes),
          events: ((s.events ?? []) as Raw[]).map((e) => ({ name: String(e.name), attributes: attrs(e.attributes) })),
          statusCode: Number((s.status as Raw | undefined)?.code ?? 0),
          resource,
        });
      }
    }
  }
  return spans;
}

/** Listens on 127.0.0.1, any free port; answers every export with success. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const headers: Record<string, string | string[] | undefined>[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const type = String(req.headers["content-type"] ?? "");
      contentTypes.push(type);
      headers.push(req.headers);
      if (req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      const request = type.includes("json")
        ? (JSON.parse(body.toString("utf8")) as Raw)
        : (ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), { longs: String, enums: Number, defaults: false }) as Raw);
      spans.push(...spansOf(request));
      res.writeHead(200, { "content-type": type.includes("json") ? "application/json" : "application/x-protobuf" });
      res.end(type.includes("json") ? "{}" : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    contentTypes,
    headers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
