/**
 * One client process of the metrics scenario, so its peak RSS is its own: streams the training reports of
 * some trials from the bench server, with the SDK (`Metrics.stream`) or raw (`fetch` + `JSON.parse` per line),
 * optionally after a warm-up pass over other trials, and prints one JSON line
 * `{ "reports", "ms", "reportsPerSecond", "peakRssMb", "peakHeapUsedMb" }` (`peakRssMb` is the process's `maxRSS`,
 * `peakHeapUsedMb` the largest V8 heap in use sampled every 50,000 reports).
 *
 *   npx tsx bench/metrics-child.ts --url http://127.0.0.1:<p> --mode sdk|raw --ids 1,2,3 [--warm 4,5]
 */
import { Effect, Stream } from "effect"
import { Determined, Metrics } from "effect-determined"
import { parseArgs } from "node:util"
import { now, rawClient } from "./lib.js"

const args = parseArgs({
  options: {
    url: { type: "string" },
    mode: { type: "string" },
    ids: { type: "string" },
    warm: { type: "string" }
  },
  strict: true
}).values

const ids = (s: string | undefined) => (s ?? "").split(",").filter((x) => x !== "").map(Number)
const url = args.url!
const trialIds = ids(args.ids)
const warmIds = ids(args.warm)

// the largest V8 heap in use seen while streaming (sampled every 50,000 reports)
let peakHeap = 0
const sampleHeap = () => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)
}

const sdk = async () => {
  const layer = Determined.layer({ master: url, username: "determined", password: "", cache: false })
  const run = (list: ReadonlyArray<number>) =>
    Metrics.stream(list, { group: "training" }).pipe(
      Stream.runFold(0, (n) => {
        if (n % 50_000 === 0) sampleHeap()
        return n + 1
      }),
      Effect.provide(layer),
      Effect.runPromise
    )
  if (warmIds.length > 0) await run(warmIds)
  const start = now()
  const reports = await run(trialIds)
  return { reports, ms: now() - start }
}

const raw = async () => {
  const client = await rawClient(url)
  const run = async (list: ReadonlyArray<number>) => {
    let reports = 0
    await client.ndjson("/api/v1/trials/metrics/trial_metrics", { trialIds: list, group: "training" }, (line) => {
      if (reports % 50_000 < line.result.metrics.length) sampleHeap()
      reports += line.result.metrics.length
      return true
    })
    return reports
  }
  if (warmIds.length > 0) await run(warmIds)
  const start = now()
  const reports = await run(trialIds)
  return { reports, ms: now() - start }
}

const main = async () => {
  const { ms, reports } = args.mode === "raw" ? await raw() : await sdk()
  console.log(JSON.stringify({
    reports,
    ms,
    reportsPerSecond: reports / (ms / 1000),
    // maxRSS is in KiB
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    peakHeapUsedMb: peakHeap / 1024 / 1024
  }))
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
