/**
 * `npm run bench`: how fast and how lean the SDK is, as ratios against the raw HTTP floor (`fetch` +
 * `JSON.parse`, no decoding, no retry, no cache) on the same server in the same run. docs/BENCHMARKS.md
 * explains the scenarios and the numbers.
 *
 *   npm run bench                          # every scenario at full size
 *   npm run bench -- --quick               # a tenth of the size (CI)
 *   npm run bench -- --json out.json       # also write the rows as JSON
 *   npm run bench -- --only get,list       # some scenarios (get list metrics logs dedup watch overhead)
 *   npm run bench -- --rounds 3            # interleaved SDK/raw pairs per scenario (default 2)
 *
 * The server (bench/server.ts) runs in its own process; the metrics scenario runs its clients in child
 * processes (bench/metrics-child.ts) so each peak RSS is its own. Nothing is asserted: numbers are printed.
 */
import { writeFileSync } from "node:fs"
import { cpus } from "node:os"
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

const main = async () => {
  const scale = args.quick === true ? 0.1 : 1
  const rounds = Math.max(1, Number(args.rounds ?? "2"))
  const log = (message: string) => console.error(message)
  log(`bench: scale ${scale}, ${rounds} rounds, node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model})`)
  const server = await startServer(scale)
  const rows: Array<Row> = []
  try {
    const ctx: Context = { server, raw: await rawClient(server.url), rounds, scale, results: new Map(), log }
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
