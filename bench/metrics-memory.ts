/**
 * Memory of a long metrics stream: `Metrics.stream` over N reports of one trial served by LocalMaster, for
 * N = 100,000 and 1,000,000. Each size runs in its own child process and reports its peak RSS (and RSS sampled
 * while streaming), so the two peaks compare the same program at 10x the data: constant memory means about the
 * same peak.
 *
 *   npx tsx bench/metrics-memory.ts            # both sizes, in-process LocalMaster (no socket)
 *   npx tsx bench/metrics-memory.ts --http     # both sizes, over loopback HTTP (LocalMaster.serve + fetch)
 *   npx tsx bench/metrics-memory.ts 250000     # one size, this process
 *
 * Not a test: timings and memory are printed, never asserted. `npm run bench` (bench/run.ts, scenario 3) measures
 * the same over loopback against a server in its own process, next to the raw floor; this script remains for a
 * quick in-process check.
 */
import { Effect, Layer, Stream } from "effect"
import { Determined, Metrics } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const overHttp = process.argv.includes("--http")
const sizeArg = process.argv.slice(2).find((a) => /^\d+$/.test(a))

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)

const streamReports = (n: number) =>
  Effect.gen(function*() {
    const master = yield* LocalMaster.LocalMaster
    const [experimentId] = yield* master.seedExperiments(1)
    // seeded experiments have one trial each; its id is the experiment's first trial
    const trialId = experimentId!
    yield* master.seedMetrics(trialId, n, "training")
    const started = performance.now()
    let count = 0
    let sampledMax = 0
    yield* Metrics.stream([trialId], { group: "training" }).pipe(
      Stream.runForEach(() =>
        Effect.sync(() => {
          count++
          if (count % 50_000 === 0) sampledMax = Math.max(sampledMax, process.memoryUsage().rss)
        })
      )
    )
    return { count, seconds: (performance.now() - started) / 1000, sampledMax }
  })

const inProcess = (n: number) => streamReports(n).pipe(Effect.provide(LocalMaster.layer({ seed: 1 })))

const overLoopback = (n: number) =>
  Effect.gen(function*() {
    const served = yield* LocalMaster.serve({ seed: 1 })
    const sdk = Determined.layer({ master: served.url, username: "determined", password: "" })
    return yield* streamReports(n).pipe(
      Effect.provide(Layer.merge(sdk, Layer.succeed(LocalMaster.LocalMaster, served.master)))
    )
  }).pipe(Effect.scoped)

const runOne = async (n: number) => {
  const result = await Effect.runPromise(overHttp ? overLoopback(n) : inProcess(n))
  // maxRSS is in kilobytes
  const peak = process.resourceUsage().maxRSS * 1024
  const line = {
    reports: result.count,
    seconds: Number(result.seconds.toFixed(2)),
    reportsPerSecond: Math.round(result.count / result.seconds),
    peakRssMiB: Number(mib(peak)),
    sampledRssMiB: Number(mib(result.sampledMax))
  }
  console.log(JSON.stringify(line))
}

const main = async () => {
  if (sizeArg !== undefined) return runOne(Number(sizeArg))
  const self = fileURLToPath(import.meta.url)
  const rows: Array<Record<string, unknown>> = []
  for (const n of [100_000, 1_000_000]) {
    const child = spawnSync(process.execPath, [
      ...process.execArgv,
      self,
      String(n),
      ...(overHttp ? ["--http"] : [])
    ], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
    const last = child.stdout.trim().split("\n").at(-1) ?? "{}"
    rows.push({ transport: overHttp ? "loopback HTTP" : "in-process", ...JSON.parse(last) })
  }
  console.table(rows)
  const [small, large] = rows as Array<{ peakRssMiB: number }>
  if (small !== undefined && large !== undefined) {
    console.log(
      `peak RSS at 1,000,000 reports is ${(large.peakRssMiB / small.peakRssMiB).toFixed(2)}x the peak at 100,000`
    )
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
