// One client process of the metrics scenario, so its peak RSS is its own. Plain JavaScript run by plain `node`
// against the BUILT package (`import "effect-determined"` resolves to dist/ through the package's own exports;
// `npm run build` first), so no TypeScript loader sits in the process. Streams the training reports of some
// trials from the bench server with the SDK (`Metrics.stream`) or a floor (`fetch` or `undici.request` +
// `JSON.parse` per line), optionally after a warm-up pass over other trials, and prints one JSON line
// `{ "reports", "ms", "reportsPerSecond", "peakRssMb", "importRssMb", "peakHeapUsedMb", "cpuMs" }` (`peakRssMb` is
// the process's `maxRSS`, `importRssMb` its RSS before the stream, its modules loaded (the SDK's Node HTTP client
// is loaded at its first request, so it is not in the SDK's figure),
// `peakHeapUsedMb` the largest V8 heap in use sampled every 50,000 reports).
//
// Each mode loads only what it runs: `effect` and the SDK in sdk mode, the floor's HTTP client (undici) in the
// floor modes. A floor child that also loaded `effect` and the SDK (as this file did before the third pass) paid
// their ~45 MiB without using them, which made the floor's RSS look like the SDK's (docs/BENCHMARKS.md).
//
//   node bench/metrics-child.mjs --url http://127.0.0.1:<p> --mode sdk|fetch|undici --ids 1,2,3 [--warm 4,5]
import { parseArgs } from "node:util"

const args = parseArgs({
  options: {
    url: { type: "string" },
    mode: { type: "string" },
    ids: { type: "string" },
    warm: { type: "string" }
  },
  strict: true
}).values

const ids = (s) => (s ?? "").split(",").filter((x) => x !== "").map(Number)
const url = args.url
const trialIds = ids(args.ids)
const warmIds = ids(args.warm)

// the largest V8 heap in use seen while streaming (sampled every 50,000 reports)
let peakHeap = 0
const sampleHeap = () => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)
}

const sdk = async () => {
  const { Effect, Stream } = await import("effect")
  const { Determined, Metrics } = await import("effect-determined")
  const layer = Determined.layer({ master: url, username: "determined", password: "", cache: false })
  return (list) =>
    Metrics.stream(list, { group: "training" }).pipe(
      Stream.runFold(0, (n) => {
        if (n % 50_000 === 0) sampleHeap()
        return n + 1
      }),
      Effect.provide(layer),
      Effect.runPromise
    )
}

const raw = async (transport) => {
  const { rawClient } = await import("./raw.mjs")
  const client = await rawClient(url, transport)
  return async (list) => {
    let reports = 0
    await client.ndjson("/api/v1/trials/metrics/trial_metrics", { trialIds: list, group: "training" }, (line) => {
      if (reports % 50_000 < line.result.metrics.length) sampleHeap()
      reports += line.result.metrics.length
      return true
    })
    return reports
  }
}

const main = async () => {
  const run = args.mode === "sdk" ? await sdk() : await raw(args.mode)
  const importRssMb = process.memoryUsage().rss / 1024 / 1024
  if (warmIds.length > 0) await run(warmIds)
  const cpu = process.cpuUsage()
  const start = performance.now()
  const reports = await run(trialIds)
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  console.log(JSON.stringify({
    reports,
    ms,
    reportsPerSecond: reports / (ms / 1000),
    // maxRSS is in KiB
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    importRssMb,
    peakHeapUsedMb: peakHeap / 1024 / 1024,
    cpuMs: (used.user + used.system) / 1000
  }))
}

main().then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
