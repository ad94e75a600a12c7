import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "tests/**/*.test.ts",
      "intents/**/*.test.ts",
      "knowledge/**/*.test.ts",
      "handoff/**/*.test.ts",
      "campaigns/**/*.test.ts",
      "bot/**/*.test.ts",
      "core/**/*.test.ts",
      "store/**/*.test.ts",
    ],
    // nodejieba keeps one dictionary per process; forks isolate it per test file.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
