/**
 * LocalMaster's layers (docs/LOCAL-MASTER.md, "Layers"): every module of src/testing/internal imports only from
 * its own layer or the ones below it. Import circles are caught by `npm run lint` (madge); this catches a
 * back-arrow that is not (yet) a circle, e.g. a domain module importing the wire layer.
 */
import { assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"

const root = path.resolve(import.meta.dirname, "../../src/testing/internal")

/** Bottom to top. A file belongs to the first layer whose test accepts its path (relative to internal/). */
const layers: ReadonlyArray<{ readonly name: string; readonly has: (file: string) => boolean }> = [
  { name: "wire JSON types", has: (f) => f === "json.ts" || f === "contract.ts" },
  { name: "domain", has: (f) => f.startsWith("domain/") },
  { name: "trial drivers", has: (f) => f.startsWith("drivers/") },
  // unmanaged.ts (the Core API's experiments and trials) still throws wire errors, so it sits with the views
  { name: "wire views and error mapping", has: (f) => ["wire.ts", "views.ts", "tgz.ts", "unmanaged.ts"].includes(f) },
  { name: "search queries", has: (f) => f.startsWith("search/") },
  { name: "routes and the HTTP edge", has: (f) => f === "router.ts" || f.startsWith("routes/") },
  { name: "the HTTP edge", has: (f) => ["faults.ts", "node.ts", "inProcess.ts"].includes(f) }
]

const layerOf = (file: string): number => {
  const i = layers.findIndex((l) => l.has(file))
  assert.isAtLeast(i, 0, `${file} belongs to no layer: add it to test/testing/layers.test.ts and docs/LOCAL-MASTER.md`)
  return i
}

const filesUnder = (dir: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(path.join(dir, d.name)) : d.name.endsWith(".ts") ? [path.join(dir, d.name)] : []
  )

const importsOf = (file: string): Array<string> => {
  const text = fs.readFileSync(file, "utf8")
  const out: Array<string> = []
  for (const m of text.matchAll(/^(?:import|export)[^"']*?from\s+["'](\.[^"']+)["']/gm)) out.push(m[1]!)
  return out
}

/** Back-arrows among `imports` (file relative to internal/ → its relative import specifiers). */
const backArrowsOf = (imports: ReadonlyMap<string, ReadonlyArray<string>>): Array<string> => {
  const out: Array<string> = []
  for (const [file, specs] of imports) {
    const own = layerOf(file)
    for (const spec of specs) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, ".ts")
      if (target.startsWith("..")) {
        out.push(`${file} -> ${spec} (outside src/testing/internal)`)
        continue
      }
      const theirs = layerOf(target)
      if (theirs > own) out.push(`${file} (${layers[own]!.name}) -> ${target} (${layers[theirs]!.name})`)
    }
  }
  return out
}

describe("LocalMaster layers", () => {
  it("no module imports from a layer above its own", () => {
    const files = filesUnder(root)
    assert.isAbove(files.length, 20)
    const imports = new Map(files.map((abs) => [path.relative(root, abs).split(path.sep).join("/"), importsOf(abs)]))
    assert.deepStrictEqual(backArrowsOf(imports), [])
  })

  it("the check reports a domain module importing the wire layer, and a module outside internal/", () => {
    assert.deepStrictEqual(
      backArrowsOf(new Map([["domain/store.ts", ["./errors.js", "../wire.js", "../../LocalMaster.js"]]])),
      [
        "domain/store.ts (domain) -> wire.ts (wire views and error mapping)",
        "domain/store.ts -> ../../LocalMaster.js (outside src/testing/internal)"
      ]
    )
  })
})
