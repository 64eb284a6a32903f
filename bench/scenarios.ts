/**
 * The scenarios of the suite. Each runs the SDK and the two floors (`fetch` + `JSON.parse` and
 * `undici.request` + `JSON.parse`) against the same bench server, in interleaved rounds after a warm-up, and
 * returns rows of the result table with the goals checked on this run.
 */
import { Effect, Layer, ManagedRuntime, Schedule, Stream } from "effect"
import { Determined, Experiment, RetryPolicy, Trial } from "effect-determined"
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { cpuMicros } from "./cpu.js"
import type { BenchServer, Goal, Raw, Row, Samples } from "./lib.js"
import { interleaved, median, routeCount, spread, timed } from "./lib.js"
import { search } from "./search.js"

export interface Context {
  readonly server: BenchServer
  /** the fetch floor */
  readonly raw: Raw
  /** the undici floor */
  readonly undici: Raw
  /** interleaved SDK/floor rounds per scenario (2 by default) */
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

const goal = (text: string, met: boolean | null): Goal => ({ goal: text, met })

/**
 * A row of a timed (`ms`) or rate scenario from its samples: the fetch floor as `baseline`, the undici floor
 * beside it, and the goals computed from the medians.
 */
const floorRow = (
  name: string,
  samples: Samples,
  extra: {
    readonly unit?: "ms" | "reports/s" | "lines/s"
    readonly requests: number | null
    readonly baselineRequests: number | null
    readonly undiciRequests?: number | null
    readonly rssMb?: number | null
    readonly goals: (m: { readonly sdk: number; readonly ratio: number; readonly undiciRatio: number }) => Array<Goal>
    readonly note?: string | undefined
  }
): Row => {
  const unit = extra.unit ?? "ms"
  const rate = unit !== "ms"
  const sdk = median(samples.values.sdk)
  const fetch = median(samples.values.fetch)
  const undici = median(samples.values.undici)
  const ratio = rate ? fetch / sdk : sdk / fetch
  const undiciRatio = rate ? undici / sdk : sdk / undici
  return {
    name,
    sdk,
    baseline: fetch,
    unit,
    ratio,
    undici: {
      value: undici,
      spreadPct: spread(samples.values.undici),
      ratio: undiciRatio,
      requests: extra.undiciRequests ?? extra.baselineRequests
    },
    requests: extra.requests,
    baselineRequests: extra.baselineRequests,
    rssMb: extra.rssMb ?? null,
    sdkSpreadPct: spread(samples.values.sdk),
    baselineSpreadPct: spread(samples.values.fetch),
    goals: extra.goals({ sdk, ratio, undiciRatio }),
    note: extra.note
  }
}

/** "client CPU per item: SDK a µs, fetch b µs, undici c µs" from the CPU of each run. */
const cpuNote = (samples: Samples, items: number, what: string) => {
  const per = (xs: ReadonlyArray<number>) => (median(xs) / items).toFixed(1)
  return `client CPU per ${what}: SDK ${per(samples.cpu.sdk)} µs, fetch ${per(samples.cpu.fetch)}, undici ${
    per(samples.cpu.undici)
  }`
}

const withCount = async (ctx: Context, f: () => Promise<number>) => {
  await ctx.server.reset()
  const ms = await f()
  return { ms, counts: await ctx.server.count() }
}

const sequentialGets = (ids: ReadonlyArray<number>, raw: Raw) => async () =>
  (await timed(async () => {
    for (const id of ids) await raw.json(`/api/v1/experiments/${id}`)
  })).ms

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
  const samples = await interleaved(ctx.rounds, {
    sdk,
    fetch: sequentialGets(ids, ctx.raw),
    undici: sequentialGets(ids, ctx.undici)
  })
  await runtime.dispose()
  const perRequest = (xs: ReadonlyArray<number>) => ((median(xs) / ids.length) * 1000).toFixed(0)
  const row = floorRow(`1. get: ${ids.length.toLocaleString("en-US")} sequential Experiment.get, no cache`, samples, {
    requests,
    baselineRequests: ids.length,
    goals: (m) => [goal("≤ 1.3 × undici", m.undiciRatio <= 1.3)],
    note: `wall per request: SDK ${perRequest(samples.values.sdk)} µs, fetch ${
      perRequest(samples.values.fetch)
    }, undici ${perRequest(samples.values.undici)}; ${cpuNote(samples, ids.length, "get")}`
  })
  ctx.results.set("get", row)
  return [row]
}

// ---------------------------------------------------------------------------------------------------------------
// 2. list: stream every experiment of a project, pages of 100

const rawList = (ctx: Context, raw: Raw, onRequest: () => void) => async () =>
  (await timed(async () => {
    const { listProjectId, listCount } = ctx.server.manifest
    let offset = 0
    let seen = 0
    while (true) {
      const page = await raw.json("/api/v1/experiments", { projectId: listProjectId, offset, limit: 100 })
      onRequest()
      seen += page.experiments.length
      const p = page.pagination
      if (page.experiments.length === 0 || p.endIndex >= p.total) break
      offset = p.endIndex
    }
    if (seen !== listCount) {
      throw new Error(`list: the ${raw.transport} loop read ${seen} experiments, not ${listCount}`)
    }
  })).ms

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
  const counting = (f: () => Promise<number>) => () => {
    rawRequests = 0
    return f()
  }
  const samples = await interleaved(ctx.rounds, {
    sdk,
    fetch: counting(rawList(ctx, ctx.raw, () => rawRequests++)),
    undici: rawList(ctx, ctx.undici, () => {})
  })
  await runtime.dispose()
  return [floorRow(`2. list: stream ${listCount.toLocaleString("en-US")} experiments, pages of 100`, samples, {
    requests,
    baselineRequests: rawRequests,
    goals: (m) => [goal("≤ 1.2 × undici", m.undiciRatio <= 1.2)],
    note: cpuNote(samples, listCount, "row")
  })]
}

// ---------------------------------------------------------------------------------------------------------------
// 3. metrics: Metrics.stream over 100 trials, each run in a child process (throughput and peak RSS)

interface ChildResult {
  readonly reports: number
  readonly ms: number
  readonly reportsPerSecond: number
  readonly peakRssMb: number
  readonly importRssMb: number
  readonly peakHeapUsedMb: number
  readonly cpuMs: number
}

const metricsChildFile = fileURLToPath(new URL("./metrics-child.mjs", import.meta.url))

// plain node on the built package (dist/), as users run it: no TypeScript loader in the measured process
const metricsChild = (
  ctx: Context,
  mode: "sdk" | "fetch" | "undici",
  ids: ReadonlyArray<number>,
  warm: ReadonlyArray<number>
): ChildResult => {
  const child = spawnSync(process.execPath, [
    metricsChildFile,
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
  // memory first: one child per size and client, nothing else done in it and nothing else loaded in it (the
  // floor's child loads undici, not effect nor the SDK), so the floor's peak is measured as the SDK's is
  ctx.log("  metrics: peak RSS, small and large, SDK and undici floor, one child each")
  const rssSmall = metricsChild(ctx, "sdk", small, [])
  const rssLarge = metricsChild(ctx, "sdk", large, [])
  const floorSmall = metricsChild(ctx, "undici", small, [])
  const floorLarge = metricsChild(ctx, "undici", large, [])
  // throughput: each child warms up on the small set, then streams the large one
  const runs: Array<Record<"sdk" | "fetch" | "undici", ChildResult>> = []
  for (let i = 0; i < ctx.rounds; i++) {
    ctx.log(`  metrics: round ${i + 1} of ${ctx.rounds}`)
    runs.push({
      sdk: metricsChild(ctx, "sdk", large, small),
      fetch: metricsChild(ctx, "fetch", large, small),
      undici: metricsChild(ctx, "undici", large, small)
    })
  }
  const pick = (f: (r: ChildResult) => number) => ({
    sdk: runs.map((r) => f(r.sdk)),
    fetch: runs.map((r) => f(r.fetch)),
    undici: runs.map((r) => f(r.undici))
  })
  const samples: Samples = { values: pick((r) => r.reportsPerSecond), cpu: pick((r) => r.cpuMs * 1000) }
  const reports = runs[0]!.sdk.reports
  const rssRatio = rssLarge.peakRssMb / rssSmall.peakRssMb
  const cpuPer = (xs: ReadonlyArray<number>) => (median(xs) / reports).toFixed(2)
  return [
    floorRow(`3. metrics: Metrics.stream of ${reports.toLocaleString("en-US")} reports, 100 trials`, samples, {
      unit: "reports/s",
      requests: 1,
      baselineRequests: 1,
      rssMb: rssLarge.peakRssMb,
      goals: (x) => [goal("≥ 350,000 reports/s", x.sdk >= 350_000), goal("≥ 0.5 × undici's rate", x.undiciRatio <= 2)],
      note: `client CPU per report: SDK ${cpuPer(samples.cpu.sdk)} µs, fetch ${cpuPer(samples.cpu.fetch)}, undici ${
        cpuPer(samples.cpu.undici)
      }; peak RSS with the warm-up: fetch ${median(runs.map((r) => r.fetch.peakRssMb)).toFixed(1)} MiB, undici ${
        median(runs.map((r) => r.undici.peakRssMb)).toFixed(1)
      } MiB`
    }),
    {
      name: `3. metrics: peak RSS of the built package, ${rssLarge.reports.toLocaleString("en-US")} vs ${
        rssSmall.reports.toLocaleString("en-US")
      } reports`,
      sdk: rssLarge.peakRssMb,
      baseline: rssSmall.peakRssMb,
      unit: "MiB",
      ratio: rssRatio,
      // the undici floor's peak on the same stream, in a child of its own as the SDK's: the column the 120 MiB goal
      // reads against (÷ undici: SDK peak / floor peak)
      undici: {
        value: floorLarge.peakRssMb,
        ratio: rssLarge.peakRssMb / floorLarge.peakRssMb,
        spreadPct: 0,
        requests: null
      },
      requests: null,
      baselineRequests: null,
      rssMb: rssLarge.peakRssMb,
      sdkSpreadPct: 0,
      baselineSpreadPct: 0,
      goals: [
        goal("≤ 120 MiB (at 1,000,000; quick runs read 100,000)", rssLarge.peakRssMb <= 120),
        goal("≤ 1.2 × the RSS at a tenth", rssRatio <= 1.2)
      ],
      note: `largest V8 heap in use while streaming: ${rssLarge.peakHeapUsedMb.toFixed(1)} MiB vs ${
        rssSmall.peakHeapUsedMb.toFixed(1)
      } MiB; RSS before the stream (modules loaded): SDK ${rssLarge.importRssMb.toFixed(1)} MiB, undici floor ${
        floorLarge.importRssMb.toFixed(1)
      } MiB; undici floor's peak ${floorLarge.peakRssMb.toFixed(1)} MiB vs ${floorSmall.peakRssMb.toFixed(1)} MiB (${
        (floorLarge.peakRssMb / floorSmall.peakRssMb).toFixed(2)
      } ×)`
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
  const raw = (client: Raw) => async () => {
    const { ms } = await timed(async () => {
      let n = 0
      await client.ndjson(`/api/v1/trials/${logsTrialId}/logs`, { follow: true }, (line) => {
        if (line.result !== undefined) n++
        return n < logLines
      })
      if (n !== logLines) throw new Error(`logs: the ${client.transport} loop read ${n} lines, not ${logLines}`)
    })
    return logLines / (ms / 1000)
  }
  const samples = await interleaved(ctx.rounds, { sdk, fetch: raw(ctx.raw), undici: raw(ctx.undici) })
  await runtime.dispose()
  return [floorRow(`4. logs: follow ${logLines.toLocaleString("en-US")} log lines`, samples, {
    unit: "lines/s",
    requests: 1,
    baselineRequests: 1,
    goals: (
      x
    ) => [goal("≥ 350,000 lines/s", x.sdk >= 350_000), goal("≥ 0.6 × undici's rate", x.undiciRatio <= 1 / 0.6)],
    note: cpuNote(samples, logLines, "line")
  })]
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
  const sequentialMs: Record<"fetch" | "undici", Array<number>> = { fetch: [], undici: [] }
  const raw = (client: Raw, key: "fetch" | "undici") => async () => {
    const concurrent = await timed(() =>
      Promise.all(Array.from({ length: n }, () => client.json(`/api/v1/trials/${id}`)))
    )
    const sequential = await timed(async () => {
      for (let i = 0; i < n; i++) await client.json(`/api/v1/trials/${id}`)
    })
    sequentialMs[key].push(sequential.ms)
    return concurrent.ms
  }
  const samples = await interleaved(ctx.rounds, {
    sdk,
    fetch: raw(ctx.raw, "fetch"),
    undici: raw(ctx.undici, "undici")
  })
  // the warm-up round is not kept
  const concurrentKept = concurrentRequests.slice(1)
  const cachedKept = cachedRequests.slice(1)
  const nf = n.toLocaleString("en-US")
  const cachedSamples: Samples = {
    values: { sdk: cachedMs.slice(1), fetch: sequentialMs.fetch.slice(1), undici: sequentialMs.undici.slice(1) },
    cpu: samples.cpu
  }
  return [
    floorRow(`5. dedup: ${nf} concurrent Trial.get of one id`, samples, {
      requests: Math.max(...concurrentKept),
      baselineRequests: n,
      goals: () => [goal("1 request", concurrentKept.every((r) => r === 1))]
    }),
    floorRow(`5. cache: ${nf} cached Trial.get (floors: ${nf} sequential GETs)`, cachedSamples, {
      requests: Math.max(...cachedKept),
      baselineRequests: n,
      goals: () => [goal("0 requests", cachedKept.every((r) => r === 0))]
    })
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
  const raw = (client: Raw) => async () =>
    (await timed(async () => {
      rawRequests = 0
      for (let poll = 0; poll < polls; poll++) {
        let offset = 0
        while (true) {
          const page = await client.json(`/api/v1/experiments/${watchExperimentId}/trials`, {
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
  const samples = await interleaved(ctx.rounds, { sdk, fetch: raw(ctx.raw), undici: raw(ctx.undici) })
  await runtime.dispose()
  return [floorRow(`6. watch: watchTrials, ${watchTrials} trials, ${polls} polls`, samples, {
    requests,
    baselineRequests: rawRequests,
    goals: (m) => [
      goal("≤ 1.3 × undici's paged loop", m.undiciRatio <= 1.3),
      goal(
        `≤ ${polls * pages} requests (one GET per trial: ${(polls * watchTrials).toLocaleString("en-US")})`,
        requests <= polls * pages
      )
    ],
    note: cpuNote(samples, polls * watchTrials, "trial row")
  })]
}

// ---------------------------------------------------------------------------------------------------------------
// 7. the retry and cache layers when nothing fails

export const overhead = async (ctx: Context): Promise<Array<Row>> => {
  const ids = ctx.server.manifest.getIds
  // Both sides a fresh stack each run (a fresh stack is a few % cheaper than one that ran before, which alone
  // was the size of the effect): with the default RetryPolicy and a fresh memory cache, so every get misses and
  // stores; without, RetryPolicy.layerDisabled and the cache disabled.
  // client CPU of the gets alone (set-up and disposal outside), per run
  const cpu = { with: [] as Array<number>, without: [] as Array<number> }
  const run = (side: keyof typeof cpu, options: { readonly cache: boolean; readonly retry?: boolean }) => async () => {
    const runtime = await sdkRuntime(ctx, options)
    const start = cpuMicros()
    const { ms } = await timed(() => runtime.runPromise(Effect.forEach(ids, Experiment.get, { discard: true })))
    cpu[side].push(cpuMicros() - start)
    await runtime.dispose()
    return (ms / ids.length) * 1000
  }
  // many paired rounds: the difference is small against the noise of a request, so the goal is read on the
  // median of the per-pair shares, which a slow moment of the machine moves in both runs of a pair alike
  const samples = await interleaved(Math.max(ctx.rounds, 12), {
    with: run("with", { cache: true }),
    without: run("without", { cache: false, retry: false })
  })
  // the goal is on client CPU, which the rest of the machine disturbs far less than wall time (the warm-up
  // run of each side is left out)
  const kept = { with: cpu.with.slice(1), without: cpu.without.slice(1) }
  const cpuWith = median(kept.with) / ids.length
  const cpuWithout = median(kept.without) / ids.length
  const share = median(kept.with.map((w, i) => ((w - kept.without[i]!) / w) * 100))
  return [{
    name: `7. overhead: client CPU of Experiment.get with retry + cache layers (miss) vs both disabled`,
    sdk: cpuWith,
    baseline: cpuWithout,
    unit: "µs",
    ratio: cpuWith / cpuWithout,
    undici: null,
    requests: null,
    baselineRequests: null,
    rssMb: null,
    sdkSpreadPct: spread(kept.with),
    baselineSpreadPct: spread(kept.without),
    goals: [
      goal(`≤ 5 % of a get's CPU (median of ${kept.with.length} paired runs: ${share.toFixed(1)} %)`, share <= 5)
    ],
    note: `wall per get: ${median(samples.values.with).toFixed(0)} µs with the layers, ${
      median(samples.values.without).toFixed(0)
    } µs without`
  }]
}

// ---------------------------------------------------------------------------------------------------------------
// 8. latency: the gets of scenario 1 against a server 2 ms away (the fault plan's latency on every request)

export const latency = async (ctx: Context): Promise<Array<Row>> => {
  const ids = ctx.server.manifest.getIds.slice(0, Math.max(20, Math.round(500 * ctx.scale)))
  const runtime = await sdkRuntime(ctx, { cache: false })
  await ctx.server.setLatency(true)
  try {
    const sdk = async () =>
      (await timed(() => runtime.runPromise(Effect.forEach(ids, Experiment.get, { discard: true })))).ms
    const samples = await interleaved(ctx.rounds, {
      sdk,
      fetch: sequentialGets(ids, ctx.raw),
      undici: sequentialGets(ids, ctx.undici)
    })
    const share = (1 - median(samples.values.undici) / median(samples.values.sdk)) * 100
    return [floorRow(
      `8. latency: ${ids.length.toLocaleString("en-US")} sequential Experiment.get, server 2 ms away`,
      samples,
      {
        requests: ids.length,
        baselineRequests: ids.length,
        goals: () => [goal(`no goal, shown: ${share.toFixed(1)} % of the SDK time is beyond the undici floor`, null)],
        note: cpuNote(samples, ids.length, "get")
      }
    )]
  } finally {
    await ctx.server.setLatency(false)
    await runtime.dispose()
  }
}

export const all = { get, list, metrics, logs, dedup, watch, overhead, latency, search }
