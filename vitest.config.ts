import { defineConfig } from "vitest/config";

// Two cores: run test files in parallel forks, but give process-heavy e2e tests room.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 2,
    globalSetup: ["test/global-setup.ts", "test/postgres-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
