// Protects the plain-TCP refusal for the programmatic API (issue 16, item 3): SupervisorOptions.listen
// with tcp:// beyond loopback is refused with IRON_ERR_CONFIG naming the endpoint unless `insecure: true`
// is given, exactly as `iron serve --listen` needs --insecure; loopback tcp:// and tls:// need nothing.
// With `insecure: true` a real TCP connection reaches the listener.
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Supervisor } from "../../src/index.js";
import { tempDir } from "../helpers/iron.js";

const started: Supervisor[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.close();
});

describe("SupervisorOptions.listen and insecure", () => {
  it("refuses tcp:// on a non-loopback address without insecure: true", async () => {
    const refused = Supervisor.start({ listen: ["tcp://127.0.0.1:0", "tcp://0.0.0.0:0"], joinToken: true, stream: false });
    await expect(refused).rejects.toMatchObject({ code: "IRON_ERR_CONFIG", path: "listen", got: "tcp://0.0.0.0:0" });
    await expect(Supervisor.start({ listen: ["tcp://[::]:0"], stream: false })).rejects.toThrow(/insecure: true/);
  });

  it("accepts it with insecure: true, and a real connection reaches the listener", async () => {
    const sup = await Supervisor.start({ listen: ["tcp://0.0.0.0:0"], insecure: true, joinToken: true, stream: false });
    started.push(sup);
    const endpoint = sup.endpoints.find((e) => e.startsWith("tcp://")) as string;
    const port = Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve();
      });
      socket.on("error", reject);
    });
  });

  it("needs nothing for loopback tcp:// or for tls://", async () => {
    const sup = await Supervisor.start({ listen: ["tcp://127.0.0.1:0", "tls://0.0.0.0:0"], tlsDir: tempDir("iron-insecure-tls-"), joinToken: true, stream: false });
    started.push(sup);
    expect(sup.endpoints.filter((e) => !e.startsWith("ipc://"))).toHaveLength(2);
  });
});
