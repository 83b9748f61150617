// Builds the dashboard page into dist/dashboard (index.html + hashed assets/), served by the
// supervisor at `/`. Everything is bundled: no CDN, no external font, no inline script (the
// page's CSP allows only its own scripts).
import { fileURLToPath } from "node:url";
import { defineConfig, type ProxyOptions } from "vite";

// `IRON_DEV_STREAM=127.0.0.1:PORT`: the dev server forwards the stream and the API to a running
// supervisor, as if the page came from it (its Origin checks refuse other sites).
const upstream = process.env.IRON_DEV_STREAM;
const sameOrigin = { changeOrigin: true, headers: { origin: `http://${upstream}` } };
const proxy: Record<string, ProxyOptions> =
  upstream === undefined ? {} : { "/events": { target: `ws://${upstream}`, ws: true, ...sameOrigin }, "/api": { target: `http://${upstream}`, ...sameOrigin } };

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig(({ command }) => ({
  root,
  base: "./",
  publicDir: false,
  // Quiet inside `npm run build`; the dev server prints its URL.
  logLevel: command === "build" ? "warn" : "info",
  // jsxDev off even when NODE_ENV is not "production" (vitest's global setup runs the build with
  // NODE_ENV=test): dev JSX would put this machine's source paths into the shipped bundle.
  esbuild: { jsx: "automatic", jsxImportSource: "preact", jsxDev: false },
  build: {
    outDir: fileURLToPath(new URL("../dist/dashboard", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: { proxy },
}));
