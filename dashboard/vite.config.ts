// Builds the dashboard page into dist/dashboard (index.html + hashed assets/), served by the
// supervisor at `/`. Everything is bundled: no CDN, no external font, no inline script (the
// page's CSP allows only its own scripts).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "./",
  publicDir: false,
  logLevel: "warn",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: fileURLToPath(new URL("../dist/dashboard", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    // `IRON_DEV_STREAM=127.0.0.1:PORT npx vite dashboard`: develop against a running supervisor.
    proxy: process.env.IRON_DEV_STREAM
      ? {
          "/events": { target: `ws://${process.env.IRON_DEV_STREAM}`, ws: true },
          "/api": { target: `http://${process.env.IRON_DEV_STREAM}` },
        }
      : {},
  },
});
