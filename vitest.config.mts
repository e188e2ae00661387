import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/e2e/**"],
    // Pulumi keeps runtime state in globals: one process per test file.
    pool: "forks",
    testTimeout: 30_000,
    reporters: ["default"],
  },
});
