import { defineConfig } from "vitest/config";
export default defineConfig({ test: { include: ["test/**/*.test.ts"], pool: "forks", maxWorkers: 2, globalSetup: ["test/postgres-setup.ts"], testTimeout: 30_000, hookTimeout: 30_000 } });
