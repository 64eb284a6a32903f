import { defineConfig } from "vitest/config"

// All a project needs: effect-determined and effect-determined/testing resolve from node_modules like any package.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"]
  }
})
