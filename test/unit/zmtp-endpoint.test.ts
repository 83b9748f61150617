// Protects the listener endpoint grammar: ipc://, tcp:// and tls:// (issue 16, item 3) with the
// same host and port rules, and a refusal naming the three forms for anything else.
import { describe, expect, it } from "vitest";
import { parseEndpoint } from "../../src/transport/zmtp-endpoint.js";

describe("parseEndpoint", () => {
  it("reads tls:// like tcp://: IPv4, names, [IPv6], * for any interface or port", () => {
    expect(parseEndpoint("tls://127.0.0.1:5555")).toEqual({ kind: "tls", host: "127.0.0.1", port: 5555 });
    expect(parseEndpoint("tls://*:*")).toEqual({ kind: "tls", host: "0.0.0.0", port: 0 });
    expect(parseEndpoint("tls://[::1]:0")).toEqual({ kind: "tls", host: "::1", port: 0 });
    expect(parseEndpoint("tls://box.local:7")).toEqual({ kind: "tls", host: "box.local", port: 7 });
    expect(parseEndpoint("tcp://127.0.0.1:5555")).toEqual({ kind: "tcp", host: "127.0.0.1", port: 5555 });
    expect(parseEndpoint("ipc:///tmp/s.sock")).toEqual({ kind: "ipc", path: "/tmp/s.sock" });
  });

  it("refuses other schemes, missing ports and ports beyond 65535, naming the accepted forms", () => {
    for (const bad of ["tls://127.0.0.1", "tls://127.0.0.1:65536", "ssl://127.0.0.1:1", "tls://:1", "tcps://h:1"]) {
      expect(() => parseEndpoint(bad)).toThrow(/IRON_ERR_TRANSPORT: cannot bind .*expected ipc:\/\/PATH, tcp:\/\/HOST:PORT or tls:\/\/HOST:PORT/);
    }
  });
});
