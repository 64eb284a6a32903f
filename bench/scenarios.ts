/**
 * The seven scenarios of the suite. Each runs the SDK and the raw floor against the same bench server, in
 * interleaved rounds after a warm-up, and returns rows of the result table.
 */
import { Effect, Layer, ManagedRuntime, Schedule, Stream } from "effect"
import { Determined, Experiment, RetryPolicy, Trial } from "effect-determined"
import { spawnSync } from "node:child_process"
import type { BenchServer, Raw, Row, Samples } from "./lib.js"
import { interleaved, median, routeCount, spread, timed, tsxArgs } from "./lib.js"

export interface Context {
  readonly server: BenchServer
  readonly raw: Raw
  /** interleaved SDK/raw pairs per scenario (2 by default) */
  readonly rounds: number
  /** scale of the run (1, or 0.1 for --quick) */
  readonly scale: number
  /** results of earlier scenarios, by name */
  readonly results: Map<string, Row>
  readonly log: (message: string) => void
}

type Services = Determined.Services

/** A fresh SDK stack (its own cache and session), logged in before it is returned. */
const sdkRuntime = async (
  ctx: Context,
  options: { readonly cache: boolean; readonly retry?: boolean }
): Promise<ManagedRuntime.ManagedRuntime<Services, never>> => {
  const base = Determined.layer({
    master: ctx.server.url,
    username: "determined",
    password: "",
    ...(options.cache ? {} : { cache: false as const })
  }).pipe(Layer.orDie)
  const layer = options.retry === false ? Layer.merge(base, RetryPolicy.layerDisabled) : base
  const runtime = ManagedRuntime.make(layer)
  // the login request and layer construction happen here, outside any measure
  await runtime.runPromise(Effect.asVoid(Experiment.reload(ctx.server.manifest.getIds[0]!)))
  return runtime
}

const timeRow = (
  name: string,
  samples: Samples,
  extra: Omit<Row, "name" | "sdk" | "baseline" | "unit" | "ratio" | "sdkSpreadPct" | "baselineSpreadPct">
): Row => {
  const sdk = median(samples.sdk)
  const baseline = median(samples.raw)
  return {
    name,
    sdk,
    baseline,
    unit: "ms",
    ratio: sdk / baseline,
    sdkSpreadPct: spread(samples.sdk),
    baselineSpreadPct: spread(samples.raw),
    ...extra
  }
}

const withCount = async (ctx: Context, f: () => Promise<number>) => {
  await ctx.server.reset()
  const ms = await f()
  return { ms, counts: await ctx.server.count() }
}

// ---------------------------------------------------------------------------------------------------------------
// 1. get: sequential Experiment.get, cache disabled

export const get = async (ctx: Context): Promise<Array<Row>> => {
  const ids = ctx.server.manifest.getIds
  const runtime = await sdkRuntime(ctx, { cache: false })
  let requests = 0
  const sdk = async () => {
    const { ms, counts } = await withCount(
      ctx,
      async () => (await timed(() => runtime.runPromise(Effect.forEach(ids, Experiment.get, { discard: true })))).ms
    )
    requests = routeCount(counts, "GET /api/v1/experiments/{id}")
    return ms
  }
  const raw = async () =>
    (await timed(async () => {
      for (const id of ids) await ctx.raw.json(`/api/v1/experiments/${id}`)
    })).ms
  const samples = await interleaved(ctx.rounds, sdk, raw)
  await runtime.dispose()
  const row = timeRow(`1. get: ${ids.length.toLocaleString("en-US")} sequential Experiment.get, no cache`, samples, {
    requests,
    baselineRequests: ids.length,
    rssMb: null,
    goal: "ratio ≤ 1.25",
    goalMet: median(samples.sdk) / median(samples.raw) <= 1.25,
    note: `${(median(samples.sdk) / ids.length * 1000).toFixed(0)} µs vs ${
      (median(samples.raw) / ids.length * 1000).toFixed(0)
    } µs per request`
  })
  ctx.results.set("get", row)
  return [row]
}

// ---------------------------------------------------------------------------------------------------------------
// 2. list: stream every experiment of a project, pages of 100

export const list = async (ctx: Context): Promise<Array<Row>> => {
  const { listProjectId, listCount } = ctx.server.manifest
  const runtime = await sdkRuntime(ctx, { cache: false })
  let requests = 0
  let rawRequests = 0
  const sdk = async () => {
    const { ms, counts } = await withCount(ctx, async () => {
      const { ms, value } = await timed(() =>
        runtime.runPromise(Stream.runCount(Experiment.stream({ projectId: listProjectId, pageSize: 100 })))
      )
      if (value !== listCount) throw new Error(`list: the SDK streamed ${value} experiments, not ${listCount}`)
      return ms
    })
    requests = routeCount(counts, "GET /api/v1/experiments")
    return ms
  }
  const raw = async () =>
    (await timed(async () => {
      let offset = 0
      let seen = 0
      rawRequests = 0
      while (true) {
        const page = await ctx.raw.json("/api/v1/experiments", { projectId: listProjectId, offset, limit: 100 })
        rawRequests++
        seen += page.experiments.length
        const p = page.pagination
        if (page.experiments.length === 0 || p.endIndex >= p.total) break
        offset = p.endIndex
      }
      if (seen !== listCount) throw new Error(`list: the raw loop read ${seen} experiments, not ${listCount}`)
    })).ms
  const samples = await interleaved(ctx.rounds, sdk, raw)
  await runtime.dispose()
  const ratio = median(samples.sdk) / median(samples.raw)
  return [timeRow(`2. list: stream ${listCount.toLocaleString("en-US")} experiments, pages of 100`, samples, {
    requests,
    baselineRequests: rawRequests,
    rssMb: null,
    goal: "ratio ≤ 1.0",
    goalMet: ratio <= 1.0
  })]
}

// ---------------------------------------------------------------------------------------------------------------
// 3. metrics: Metrics.stream over 100 trials, each run in a child process (throughput and peak RSS)

interface ChildResult {
  readonly reports: number
  readonly ms: number
  readonly reportsPerSecond: number
  readonly peakRssMb: number
  readonly peakHeapUsedMb: number
}

const metricsChild = (
  ctx: Context,
  mode: "sdk" | "raw",
  ids: ReadonlyArray<number>,
  warm: ReadonlyArray<number>
): ChildResult => {
  const child = spawnSync(process.execPath, [
    ...tsxArgs("./metrics-child.ts"),
    "--url",
    ctx.server.url,
    "--mode",
    mode,
    "--ids",
    ids.join(","),
    ...(warm.length > 0 ? ["--warm", warm.join(",")] : [])
  ], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 20 })
  if (child.status !== 0) throw new Error(`metrics child (${mode}) exited with ${child.status}`)
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as ChildResult
}

export const metrics = async (ctx: Context): Promise<Array<Row>> => {
  const m = ctx.server.manifest
  const large = m.metricsLargeTrialIds
  const small = m.metricsSmallTrialIds
  // memory first: one child per size, nothing else done in it
  ctx.log("  metrics: peak RSS, small and large, one child each")
  const rssSmall = metricsChild(ctx, "sdk", small, [])
  const rssLarge = metricsChild(ctx, "sdk", large, [])
  // throughput: each child warms up on the small set, then streams the large one
  const runs: Array<{ sdk: ChildResult; raw: ChildResult }> = []
  for (let i = 0; i < ctx.rounds; i++) {
    ctx.log(`  metrics: round ${i + 1} of ${ctx.rounds}`)
    runs.push({ sdk: metricsChild(ctx, "sdk", large, small), raw: metricsChild(ctx, "raw", large, small) })
  }
  const sdkRates = runs.map((r) => r.sdk.reportsPerSecond)
  const rawRates = runs.map((r) => r.raw.reportsPerSecond)
  const reports = runs[0]!.sdk.reports
  const sdk = median(sdkRates)
  const baseline = median(rawRates)
  const rssRatio = rssLarge.peakRssMb / rssSmall.peakRssMb
  return [
    {
      name: `3. metrics: Metrics.stream of ${reports.toLocaleString("en-US")} reports, 100 trials`,
      sdk,
      baseline,
      unit: "reports/s",
      ratio: baseline / sdk,
      requests: 1,
      baselineRequests: 1,
      rssMb: rssLarge.peakRssMb,
      sdkSpreadPct: spread(sdkRates),
      baselineSpreadPct: spread(rawRates),
      goal: "≥ 200,000 reports/s",
      goalMet: sdk >= 200_000,
      note: `raw peak RSS ${median(runs.map((r) => r.raw.peakRssMb)).toFixed(1)} MiB (with warm-up)`
    },
    {
      name: `3. metrics: peak RSS, ${rssLarge.reports.toLocaleString("en-US")} vs ${
        rssSmall.reports.toLocaleString("en-US")
      } reports`,
      sdk: rssLarge.peakRssMb,
      baseline: rssSmall.peakRssMb,
      unit: "MiB",
      ratio: rssRatio,
      requests: null,
      baselineRequests: null,
      rssMb: rssLarge.peakRssMb,
      sdkSpreadPct: 0,
      baselineSpreadPct: 0,
      goal: "ratio ≤ 1.5",
      goalMet: rssRatio <= 1.5,
      note: `largest V8 heap in use while streaming: ${rssLarge.peakHeapUsedMb.toFixed(1)} MiB vs ${
        rssSmall.peakHeapUsedMb.toFixed(1)
      } MiB`
    }
  ]
}

// ---------------------------------------------------------------------------------------------------------------
// 4. logs: follow a trial's logs

export const logs = async (ctx: Context): Promise<Array<Row>> => {
  const { logsTrialId, logLines } = ctx.server.manifest
  const runtime = await sdkRuntime(ctx, { cache: false })
  const sdk = async () => {
    const { ms, value } = await timed(() =>
      runtime.runPromise(Stream.runCount(Stream.take(Trial.logs(logsTrialId, { follow: true }), logLines)))
    )
    if (value !== logLines) throw new Error(`logs: the SDK read ${value} lines, not ${logLines}`)
    return logLines / (ms / 1000)
  }
  const raw = async () => {
    const { ms } = await timed(async () => {
      let n = 0
      await ctx.raw.ndjson(`/api/v1/trials/${logsTrialId}/logs`, { follow: true }, (line) => {
        if (line.result !== undefined) n++
        return n < logLines
      })
      if (n !== logLines) throw new Error(`logs: the raw loop read ${n} lines, not ${logLines}`)
    })
    return logLines / (ms / 1000)
  }
  const samples = await interleaved(ctx.rounds, sdk, raw)
  await runtime.dispose()
  const rate = median(samples.sdk)
  return [{
    name: `4. logs: follow ${logLines.toLocaleString("en-US")} log lines`,
    sdk: rate,
    baseline: median(samples.raw),
    unit: "lines/s",
    ratio: median(samples.raw) / rate,
    requests: 1,
    baselineRequests: 1,
    rssMb: null,
    sdkSpreadPct: spread(samples.sdk),
    baselineSpreadPct: spread(samples.raw),
    goal: "≥ 100,000 lines/s",
    goalMet: rate >= 100_000
  }]
}

// ---------------------------------------------------------------------------------------------------------------
// 5. de-duplication and cache: concurrent Trial.get of one id, then cached gets

export const dedup = async (ctx: Context): Promise<Array<Row>> => {
  const id = ctx.server.manifest.dedupTrialId
  const n = Math.max(10, Math.round(1_000 * ctx.scale))
  const route = "GET /api/v1/trials/{id}"
  const concurrentRequests: Array<number> = []
  const cachedRequests: Array<number> = []
  const cachedMs: Array<number> = []
  const sdk = async () => {
    // a fresh cache each round, so the first get of the round misses
    const runtime = await sdkRuntime(ctx, { cache: true })
    const concurrent = await withCount(ctx, async () =>
      (await timed(() =>
        runtime.runPromise(
          Effect.forEach(Array.from({ length: n }, () => id), Trial.get, { concurrency: "unbounded", discard: true })
        )
      )).ms)
    concurrentRequests.push(routeCount(concurrent.counts, route))
    const cached = await withCount(
      ctx,
      async () =>
        (await timed(() =>
          runtime.runPromise(Effect.forEach(Array.from({ length: n }, () => id), Trial.get, { discard: true }))
        )).ms
    )
    cachedRequests.push(routeCount(cached.counts, route))
    cachedMs.push(cached.ms)
    await runtime.dispose()
    return concurrent.ms
  }
  const rawCachedMs: Array<number> = []
  const raw = async () => {
    const concurrent = await timed(() =>
      Promise.all(Array.from({ length: n }, () => ctx.raw.json(`/api/v1/trials/${id}`)))
    )
    const sequential = await timed(async () => {
      for (let i = 0; i < n; i++) await ctx.raw.json(`/api/v1/trials/${id}`)
    })
    rawCachedMs.push(sequential.ms)
    return concurrent.ms
  }
  const samples = await interleaved(ctx.rounds, sdk, raw)
  // the warm-up round is not kept
  const concurrentKept = concurrentRequests.slice(1)
  const cachedKept = cachedRequests.slice(1)
  const cachedKeptMs = cachedMs.slice(1)
  const rawCachedKept = rawCachedMs.slice(1)
  const nf = n.toLocaleString("en-US")
  return [
    timeRow(`5. dedup: ${nf} concurrent Trial.get of one id`, samples, {
      requests: Math.max(...concurrentKept),
      baselineRequests: n,
      rssMb: null,
      goal: "1 request",
      goalMet: concurrentKept.every((r) => r === 1)
    }),
    timeRow(
      `5. cache: ${nf} cached Trial.get (raw: ${nf} sequential GETs)`,
      { sdk: cachedKeptMs, raw: rawCachedKept },
      {
        requests: Math.max(...cachedKept),
        baselineRequests: n,
        rssMb: null,
        goal: "0 requests",
        goalMet: cachedKept.every((r) => r === 0)
      }
    )
  ]
}

// ---------------------------------------------------------------------------------------------------------------
// 6. watch: Experiment.watchTrials on many trials for 10 polls

export const watch = async (ctx: Context): Promise<Array<Row>> => {
  const { watchExperimentId, watchTrials } = ctx.server.manifest
  const polls = 10
  const pages = Math.ceil(watchTrials / 100)
  let requests = 0
  let rawRequests = 0
  const runtime = await sdkRuntime(ctx, { cache: true })
  const sdk = async () => {
    const { ms, counts } = await withCount(ctx, async () =>
      (await timed(() =>
        runtime.runPromise(
          Stream.runDrain(Experiment.watchTrials(watchExperimentId, { schedule: Schedule.recurs(polls - 1) }))
        )
      )).ms)
    requests = counts.total
    return ms
  }
  const raw = async () =>
    (await timed(async () => {
      rawRequests = 0
      for (let poll = 0; poll < polls; poll++) {
        let offset = 0
        while (true) {
          const page = await ctx.raw.json(`/api/v1/experiments/${watchExperimentId}/trials`, {
            offset,
            sortBy: "SORT_BY_ID",
            orderBy: "ORDER_BY_ASC"
          })
          rawRequests++
          const p = page.pagination
          if (page.trials.length === 0 || p.endIndex >= p.total) break
          offset = p.endIndex
        }
      }
    })).ms
  const samples = await interleaved(ctx.rounds, sdk, raw)
  await runtime.dispose()
  return [timeRow(`6. watch: watchTrials, ${watchTrials} trials, ${polls} polls`, samples, {
    requests,
    baselineRequests: rawRequests,
    rssMb: null,
    goal: `≤ ${polls * pages} requests (one GET per trial: ${(polls * watchTrials).toLocaleString("en-US")})`,
    goalMet: requests <= polls * pages
  })]
}

// ---------------------------------------------------------------------------------------------------------------
// 7. the retry and cache layers when nothing fails

export const overhead = async (ctx: Context): Promise<Array<Row>> => {
  const ids = ctx.server.manifest.getIds
  // with layers: the default RetryPolicy and a fresh memory cache each run, so every get misses and stores
  // client CPU per request too: less disturbed than wall time by what else the machine runs
  const cpu = { with: [] as Array<number>, without: [] as Array<number> }
  const cpuMicros = () => {
    const u = process.cpuUsage()
    return u.user + u.system
  }
  const withLayers = async () => {
    const runtime = await sdkRuntime(ctx, { cache: true })
    const start = cpuMicros()
    const { ms } = await timed(() => runtime.runPromise(Effect.forEach(ids, Experiment.get, { discard: true })))
    cpu.with.push((cpuMicros() - start) / ids.length)
    await runtime.dispose()
    return (ms / ids.length) * 1000
  }
  // without: RetryPolicy.layerDisabled and the cache disabled
  const bare = await sdkRuntime(ctx, { cache: false, retry: false })
  const without = async () => {
    const start = cpuMicros()
    const { ms } = await timed(() => bare.runPromise(Effect.forEach(ids, Experiment.get, { discard: true })))
    cpu.without.push((cpuMicros() - start) / ids.length)
    return (ms / ids.length) * 1000
  }
  // more rounds than the others: the difference is small against the noise of a request
  const samples = await interleaved(Math.max(ctx.rounds, 6), withLayers, without)
  await bare.dispose()
  const sdk = median(samples.sdk)
  const baseline = median(samples.raw)
  const get = ctx.results.get("get")
  const perRequestOfGet = get === undefined ? sdk : (get.sdk / ids.length) * 1000
  const share = ((sdk - baseline) / perRequestOfGet) * 100
  return [{
    name: `7. overhead: retry + cache layers per Experiment.get (miss) vs both disabled`,
    sdk,
    baseline,
    unit: "µs",
    ratio: sdk / baseline,
    requests: null,
    baselineRequests: null,
    rssMb: null,
    sdkSpreadPct: spread(samples.sdk),
    baselineSpreadPct: spread(samples.raw),
    goal: `< 5 % of a get (measured ${share.toFixed(1)} %)`,
    goalMet: share < 5,
    note: `client CPU per get: ${median(cpu.with.slice(1)).toFixed(0)} µs with the layers, ${
      median(cpu.without.slice(1)).toFixed(0)
    } µs without`
  }]
}

export const all = { get, list, metrics, logs, dedup, watch, overhead }
