/**
 * Every exported function, effect, stream and layer of the public modules has its error union pinned in
 * test/types/pins.ts (or is listed there as not an operation), so a new operation cannot ship without a pin.
 * errors.test.ts checks the pins against the types; this checks the list against what the modules export at
 * run time.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Public from "effect-determined"
import * as Advanced from "effect-determined/advanced"
import * as Testing from "effect-determined/testing"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { notOperations, pins } from "./pins.js"

const entryPoints = {
  "effect-determined": Public,
  "effect-determined/advanced": Advanced,
  "effect-determined/testing": Testing
}

const isClass = (v: unknown) => typeof v === "function" && /^class[\s{]/.test(Function.prototype.toString.call(v))

/** Could this export be an operation: a function (not a class, schema or tag), an effect, a stream or a layer? */
const mayBeOperation = (v: unknown): boolean => {
  if (Context.isTag(v) || Schema.isSchema(v) || isClass(v)) return false
  if (typeof v === "function") return true
  return Effect.isEffect(v) || Layer.isLayer(v) || (typeof v === "object" && v !== null && Stream.StreamTypeId in v)
}

const exported = Object.entries(entryPoints).flatMap(([entry, modules]) =>
  Object.entries(modules).flatMap(([module, namespace]) =>
    Object.entries(namespace as Record<string, unknown>)
      .filter(([, value]) => mayBeOperation(value))
      .map(([name]) => ({ entry, module, name }))
  )
)

const listed = (table: Readonly<Record<string, unknown>>, module: string, name: string): boolean => {
  const entry = table[module]
  return Array.isArray(entry) ? entry.includes(name) : typeof entry === "object" && entry !== null && name in entry
}

describe("the pins cover the public modules", () => {
  it("every exported function, effect, stream and layer is pinned or listed as not an operation", () => {
    const missing = exported
      .filter(({ module, name }) => !listed(pins, module, name) && !listed(notOperations, module, name))
      .map(({ entry, module, name }) => `${module}.${name} (${entry})`)
    assert.deepStrictEqual(missing, [], "add a pin to test/types/pins.ts for each of these")
    assert.isAbove(exported.length, 250)
  })

  it("every pin names an export", () => {
    const names = new Set(exported.map(({ module, name }) => `${module}.${name}`))
    const stale = [
      ...Object.entries(pins).flatMap(([module, ops]) => Object.keys(ops).map((name) => `${module}.${name}`)),
      ...Object.entries(notOperations).flatMap(([module, list]) => list.map((name) => `${module}.${name}`))
    ].filter((name) => !names.has(name))
    assert.deepStrictEqual(stale, [])
  })
})
