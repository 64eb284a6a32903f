import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

const root = path.resolve(import.meta.dirname, "../..")
const script = path.join(root, "test/utils/loadedPackages.mjs")
const url = (file: string) => pathToFileURL(path.join(root, file)).href

// Which packages each import resolves, in a fresh `node --import tsx` (a module already loaded resolves nothing).
const loadedBy = (...targets: ReadonlyArray<string>) =>
  Effect.async<Record<string, ReadonlyArray<string>>, Error>((resume) => {
    execFile(process.execPath, ["--import", "tsx", script, ...targets], { cwd: root }, (error, stdout, stderr) => {
      if (error !== null) return resume(Effect.fail(new Error(`${error.message}\n${stderr}`)))
      resume(Effect.succeed(JSON.parse(stdout.trim().split("\n").at(-1)!)))
    })
  })

describe("dependencies loaded at their first use (internal/lazy.ts)", () => {
  it.effect(
    "importing the package loads neither yaml, tar nor ignore; importing them afterwards does",
    () =>
      Effect.gen(function*() {
        const index = url("src/index.ts")
        const result = yield* loadedBy(index, "yaml", "tar", "ignore")
        const loaded = (target: string): Array<string> => [...(result[target] ?? [])]
        // the package's own dependencies are resolved (the hook sees them) ...
        assert.include(loaded(index), "effect")
        assert.include(loaded(index), "@effect/platform")
        // ... but not these three, which serve Experiment.create, downloadCode and checkpoint downloads
        for (const name of ["yaml", "tar", "ignore"]) {
          assert.notInclude(loaded(index), name)
          assert.include(loaded(name), name)
        }
      }),
    { timeout: 120_000 }
  )
})
