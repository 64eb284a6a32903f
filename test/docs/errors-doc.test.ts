/**
 * docs/ERRORS.md stays true: its table of operations lists exactly the pinned unions (test/types/pins.ts, which
 * the type checker holds to the operations' types), and its handling examples are test/docs/errorHandling.ts
 * (type-checked by npm test) word for word, run here against LocalMaster.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { Experiment } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import * as fs from "node:fs"
import * as path from "node:path"
import { pins } from "../types/pins.js"
import * as Handling from "./errorHandling.js"

const root = path.resolve(import.meta.dirname, "..", "..")
const doc = fs.readFileSync(path.join(root, "docs", "ERRORS.md"), "utf8")

const documented = new Map(
  Array.from(doc.matchAll(/^\| `(\w+\.\w+)` \| ([^|]*) \|/gm), (m) => [
    m[1]!,
    m[2]!.split(",").map((t) => t.trim().replace(/`/g, "")).map((t) => (t === "—" ? "never" : t)).join(" | ")
  ])
)
const pinned = new Map<string, string>(
  Object.entries(pins).flatMap(([module, ops]) =>
    Object.entries(ops as Record<string, string>).map(([op, pin]) => [`${module}.${op}`, pin] as const)
  )
)

describe("docs/ERRORS.md", () => {
  it("lists every pinned operation with its pinned union, and nothing else", () => {
    const missing = [...pinned.keys()].filter((op) => !documented.has(op))
    const extra = [...documented.keys()].filter((op) => !pinned.has(op))
    const differ = [...pinned].filter(([op, pin]) => documented.has(op) && documented.get(op) !== pin)
      .map(([op, pin]) => `${op}: pinned ${pin}, documented ${documented.get(op)}`)
    assert.deepStrictEqual({ missing, extra, differ }, { missing: [], extra: [], differ: [] })
  })

  it("shows the handling examples of test/docs/errorHandling.ts as they are", () => {
    const source = fs.readFileSync(path.join(root, "test", "docs", "errorHandling.ts"), "utf8").trimEnd()
    assert.include(doc, "```ts\n" + source + "\n```")
  })

  it.effect("the handling examples do what they say", () =>
    Effect.gen(function*() {
      assert.isTrue(Option.isNone(yield* Handling.maybeExperiment(999)))
      yield* Handling.killQuietly(999)
      assert.match(
        yield* Handling.createOrExplain("explained"),
        /^created experiment \d+$/
      )
      const experiment = (yield* Experiment.list())[0]!
      assert.strictEqual(yield* Handling.describeFailure(999), "NotFound")
      assert.strictEqual((yield* Handling.patient(experiment.id)).id, experiment.id)
      assert.strictEqual((yield* Handling.once(experiment.id)).id, experiment.id)
    }).pipe(Effect.provide(LocalMaster.layer())))
})
