// Debian's real Prometheus for tests: started on a free port with a temporary config and data
// directory, queried through its HTTP API, stopped by its own pid.
import { execa, type ResultPromise } from "execa";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { tempDir } from "./iron.js";

export interface RunningPrometheus {
  readonly url: string;
  /** Instant query: each series' labels and value. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  stop(): Promise<void>;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address !== null ? address.port : 0;
}

/** Starts `prometheus` scraping `target` (host:port) every second with a Bearer token. */
export async function startPrometheus(target: string, token: string): Promise<RunningPrometheus> {
  const dir = tempDir("iron-prometheus-");
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      "  - job_name: iron",
      "    metrics_path: /metrics",
      "    authorization:",
      "      type: Bearer",
      `      credentials: ${token}`,
      "    static_configs:",
      `      - targets: ["${target}"]`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const child: ResultPromise = execa("prometheus", [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`], {
    reject: false,
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async query(expr) {
      try {
        const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
        const body = (await res.json()) as { data?: { result?: { metric: Record<string, string>; value: [number, string] }[] } };
        return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
      } catch {
        return []; // not up yet
      }
    },
    async stop() {
      if (child.pid !== undefined) process.kill(child.pid, "SIGTERM");
      await child;
    },
  };
}
