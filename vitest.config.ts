import * as path from "node:path"
import { defineConfig } from "vitest/config"

export default defineConfig({
  resolve: {
    alias: {
      "effect-determined/testing": path.resolve(import.meta.dirname, "src/testing/index.ts"),
      "effect-determined/advanced": path.resolve(import.meta.dirname, "src/advanced.ts"),
      "effect-determined": path.resolve(import.meta.dirname, "src/index.ts")
    }
  },
  test: {
    include: ["test/**/*.test.ts"],
    // a separate project, run from the packed tarball by test/consumer/run.sh (npm run test:consumer)
    exclude: ["test/consumer/**", "**/node_modules/**"],
    setupFiles: ["./vitest.setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
