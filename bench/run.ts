/**
 * `npm run bench`: how fast and how lean the SDK is, as ratios against two raw HTTP floors (`fetch` +
 * `JSON.parse` and `undici.request` + `JSON.parse`: no decoding, no retry, no cache) on the same server in the
 * same run, with the goals of the issue checked (✓/✗). docs/BENCHMARKS.md explains the scenarios and the numbers.
 *
 *   npm run bench                          # every scenario at full size
 *   npm run bench -- --quick               # a tenth of the size (CI)
 *   npm run bench -- --json out.json       # also write the rows as JSON
 *   npm run bench -- --only get,list       # some scenarios (get list metrics logs dedup watch overhead latency)
 *   npm run bench -- --rounds 3            # interleaved SDK/floor rounds per scenario (default 2)
 *
 * The server (bench/server.ts) runs in its own process; the metrics scenario runs its clients in child
 * processes (bench/metrics-child.mjs, plain node on the built package: dist/ is built first when it is older
 * than src/) so each peak RSS is its own. Nothing is asserted: numbers are printed.
 */
import { spawnSync } from "node:child_process"
import { readdirSync, statSync, writeFileSync } from "node:fs"
import { cpus, loadavg } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import type { Row } from "./lib.js"
import { jsonRows, markdownTable, rawClient, startServer } from "./lib.js"
import { all, type Context } from "./scenarios.js"

const args = parseArgs({
  options: {
    quick: { type: "boolean" },
    json: { type: "string" },
    only: { type: "string" },
    rounds: { type: "string" }
  },
  strict: true
}).values

const names = Object.keys(all) as Array<keyof typeof all>
const only = args.only === undefined ? names : args.only.split(",").map((s) => s.trim())
for (const name of only) {
  if (!names.includes(name as keyof typeof all)) {
    console.error(`unknown scenario ${name}; known: ${names.join(", ")}`)
    process.exit(2)
  }
}

const root = fileURLToPath(new URL("..", import.meta.url))

const newest = (dir: string): number =>
  Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs
    )
  )

/** The metrics scenario runs the built package: build it when dist/ is missing or older than src/. */
const ensureBuilt = (log: (message: string) => void) => {
  let built = 0
  try {
    built = statSync(join(root, "dist", "index.js")).mtimeMs
  } catch {
    // not built yet
  }
  if (built >= newest(join(root, "src"))) return
  log("bench: building the package (npm run build) for the metrics scenario")
  const result = spawnSync("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] })
  if (result.status !== 0) throw new Error(`npm run build exited with ${result.status}`)
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(" ")

const main = async () => {
  const scale = args.quick === true ? 0.1 : 1
  const rounds = Math.max(1, Number(args.rounds ?? "2"))
  const log = (message: string) => console.error(message)
  log(`bench: scale ${scale}, ${rounds} rounds, node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model})`)
  if (only.includes("metrics")) ensureBuilt(log)
  const loadBefore = load()
  const server = await startServer(scale)
  const rows: Array<Row> = []
  try {
    const ctx: Context = {
      server,
      raw: await rawClient(server.url, "fetch"),
      undici: await rawClient(server.url, "undici"),
      rounds,
      scale,
      results: new Map(),
      log
    }
    for (const name of names) {
      if (!only.includes(name)) continue
      log(`bench: ${name}`)
      const started = performance.now()
      const produced = await all[name](ctx)
      rows.push(...produced)
      log(`bench: ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    }
  } finally {
    await server.close()
  }
  console.log(`load average (1, 5, 15 min): ${loadBefore} before, ${load()} after; ${cpus().length} CPUs\n`)
  console.log(markdownTable(rows))
  const notes = rows.filter((r) => r.note !== undefined).map((r) => `- ${r.name}: ${r.note}`)
  if (notes.length > 0) console.log(`\n${notes.join("\n")}`)
  if (args.json !== undefined) writeFileSync(args.json, `${JSON.stringify(jsonRows(rows), null, 2)}\n`)
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
