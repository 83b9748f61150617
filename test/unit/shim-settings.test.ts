// Protects what the shim is told in its welcome: an agent iron spawned keeps the shim installed
// unless the supervisor says allow_uninstall, and the key is sent only when it is true (the
// welcome vectors and older shims see no new key by default).
import { describe, expect, it } from "vitest";
import { resolveSupervisorOptions, shimSettings } from "../../src/supervisor/options.js";

describe("shim settings", () => {
  it("carry the supervisor's deadlines and fail mode, and no allow_uninstall by default", () => {
    const settings = shimSettings(resolveSupervisorOptions({ decisionTimeoutMs: 1234, failOpen: true }));
    expect(settings).toEqual({ timeout_ms: 1234, fail_open: true, on_deny: "response", heartbeat_ms: 1000, providers: [] });
  });

  it("say allow_uninstall when the supervisor allows it", () => {
    expect(shimSettings(resolveSupervisorOptions({ allowUninstall: true })).allow_uninstall).toBe(true);
  });
});
