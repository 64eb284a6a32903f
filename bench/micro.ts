/**
 * Where the client's time goes, without a network or a server: each SDK operation runs against an HttpClient
 * that answers from bodies recorded once from LocalMaster, so what is measured is the SDK alone (building the
 * request, the retry and cache layers, reading and decoding the body), next to `JSON.parse` of the same bytes.
 * Costs are CPU microseconds per item (process.cpuUsage), so a busy machine slows them less than wall time.
 *
 *   npx tsx bench/micro.ts
 *
 * Not part of `npm run bench`'s table; docs/BENCHMARKS.md quotes it to explain the ratios.
 */
import { HttpClient, HttpClientResponse } from "@effect/platform"
import { Duration, Effect, Layer, ManagedRuntime, ParseResult, Schema, Stream } from "effect"
import { Determined, Experiment, Metrics, ResourceCache, RetryPolicy, Trial } from "effect-determined"
import { DeterminedHttp } from "effect-determined/advanced"
import { LocalMaster } from "effect-determined/testing"
import { deadline } from "../src/internal/deadline.js"
import * as Http from "../src/internal/http.js"
import * as Kinds from "../src/resources/internal/kinds.js"
import * as ExperimentModels from "../src/resources/internal/models/experiment.js"
import * as Fast from "../src/resources/internal/models/fast.js"
import { TrialLogLine } from "../src/resources/internal/trialLogs.js"
import { measure } from "./cpu.js"

const main = async () => {
  const recorded = new Map<string, string>()
  const setup = Effect.gen(function*() {
    const master = yield* LocalMaster.make({ seed: 1 })
    const [experimentId] = yield* master.seedExperiments(1)
    const trialId = experimentId!
    yield* master.seedMetrics(trialId, 10_000, "training")
    yield* master.seedLogs(trialId, 10_000)
    return { master, experimentId: experimentId!, trialId }
  })
  const { experimentId, master, trialId } = await Effect.runPromise(Effect.scoped(setup).pipe(Effect.map((x) => x)))
  const live = LocalMaster.httpClient(master)
  // answers from a recorded body when it has one, else asks LocalMaster once and records the body
  const canned = HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const key = `${request.method} ${url.pathname}${url.search}`
      let text = recorded.get(key)
      if (text === undefined) {
        const response = yield* live.execute(request)
        text = yield* response.text
        if (response.status === 200) recorded.set(key, text)
        else return HttpClientResponse.fromWeb(request, new Response(text, { status: response.status }))
      }
      return HttpClientResponse.fromWeb(
        request,
        new Response(text, { status: 200, headers: { "content-type": "application/json" } })
      )
    }).pipe(Effect.orDie)
  )
  const stack = (cache: boolean) =>
    Determined.layerWithoutHttpClient({
      master: "http://127.0.0.1:9",
      username: "determined",
      password: "",
      ...(cache ? {} : { cache: false as const })
    }).pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, canned)), Layer.orDie)
  const noCache = ManagedRuntime.make(stack(false))
  const bare = ManagedRuntime.make(Layer.merge(stack(false), RetryPolicy.layerDisabled))
  const cached = ManagedRuntime.make(stack(true))

  const rows: Array<{ what: string; micros: number }> = []
  const add = (what: string, micros: number) => {
    rows.push({ what, micros })
    console.error(`${what}: ${micros.toFixed(2)} µs`)
  }

  // the per-attempt timeout (src/internal/deadline.ts) around an effect that waits one event-loop turn
  const n = 2_000
  const turn = Effect.async<number>((resume) => {
    setImmediate(() => resume(Effect.succeed(1)))
  })
  const thirty = Duration.seconds(30)
  const late = () => new Error("late")
  add(
    "an async step alone",
    await measure(n, () => Effect.runPromise(Effect.forEach(Array.from({ length: n }), () => turn, { discard: true })))
  )
  add(
    "the same in Effect.timeoutFail",
    await measure(n, () =>
      Effect.runPromise(
        Effect.forEach(
          Array.from({ length: n }),
          () => Effect.timeoutFail(turn, { duration: thirty, onTimeout: late }),
          { discard: true }
        )
      ))
  )
  add(
    "the same in deadline (the attempt's timeout)",
    await measure(n, () =>
      Effect.runPromise(
        Effect.forEach(Array.from({ length: n }), () => deadline(turn, thirty, late), { discard: true })
      ))
  )

  // single gets
  await noCache.runPromise(Experiment.get(experimentId))
  const experimentText = recorded.get(`GET /api/v1/experiments/${experimentId}`)!
  add(
    "JSON.parse of GET /experiments/{id}",
    await measure(n, () => {
      for (let i = 0; i < n; i++) JSON.parse(experimentText)
    })
  )
  const request = { method: "GET" as const, path: `/api/v1/experiments/${experimentId}` }
  const httpJson = <A, I>(schema: Schema.Schema<A, I, never>) =>
    Effect.flatMap(DeterminedHttp.DeterminedHttp, (http) => http.json(request, schema))
  add(
    "DeterminedHttp.json, no decoding (Schema.Unknown)",
    await measure(n, () => noCache.runPromise(Effect.repeatN(httpJson(Schema.Unknown), n - 1)))
  )
  add(
    "DeterminedHttp.json, ExperimentResponse",
    await measure(n, () => noCache.runPromise(Effect.repeatN(httpJson(ExperimentModels.ExperimentResponse), n - 1)))
  )
  const decodeExperiment = ParseResult.decodeUnknownSync(ExperimentModels.ExperimentResponse, {
    onExcessProperty: "ignore"
  })
  const experimentJson = JSON.parse(experimentText)
  add(
    "ExperimentResponse decoding alone",
    await measure(n, () => {
      for (let i = 0; i < n; i++) decodeExperiment(experimentJson)
    })
  )
  // the fast paths of decoding (src/internal/fastDecode.ts) against their Schema, as DeterminedHttp runs them
  const spec = { method: "GET" as const, path: "/micro" }
  const fastVsSchema = async <A, I>(what: string, schema: Schema.Schema<A, I, never>, json: unknown) => {
    add(
      `${what} by Schema`,
      await measure(n, () => {
        for (let i = 0; i < n; i++) Http.decodeValueBySchema(spec, 200, schema, json)
      })
    )
    add(
      `${what} by its fast path`,
      await measure(n, () => {
        for (let i = 0; i < n; i++) Http.decodeValue(spec, 200, schema, json)
      })
    )
  }
  await fastVsSchema("ExperimentResponse decoding", Fast.ExperimentResponse, experimentJson)
  const rowsText = await noCache.runPromise(Effect.flatMap(
    DeterminedHttp.DeterminedHttp,
    (http) => http.json({ method: "GET", path: "/api/v1/experiments", query: { limit: 1 } }, Schema.Unknown)
  ))
  await fastVsSchema("an experiment list row", Fast.ExperimentRows, (rowsText as any).experiments)
  const trialJson = await noCache.runPromise(Effect.flatMap(
    DeterminedHttp.DeterminedHttp,
    (http) => http.json({ method: "GET", path: `/api/v1/trials/${trialId}` }, Schema.Unknown)
  ))
  await fastVsSchema("TrialResponse decoding", Fast.TrialResponse, trialJson)
  add(
    "Experiment.get, no cache (canned HTTP)",
    await measure(n, () => noCache.runPromise(Effect.repeatN(Experiment.get(experimentId), n - 1)))
  )
  add(
    "Experiment.get, no cache, no retry (canned HTTP)",
    await measure(n, () => bare.runPromise(Effect.repeatN(Experiment.get(experimentId), n - 1)))
  )
  await cached.runPromise(Trial.get(trialId))
  add(
    "Experiment.get, memory cache, every get a miss (canned HTTP)",
    await measure(n, () =>
      cached.runPromise(
        Effect.repeatN(
          Effect.zipRight(
            Effect.flatMap(ResourceCache.ResourceCache, (c) => c.invalidate(Kinds.experiment.key(experimentId))),
            Experiment.get(experimentId)
          ),
          n - 1
        )
      ))
  )
  // the memory cache's miss path alone: distinct keys, a fetch that is already there, a fresh cache per run
  const missValues = Array.from({ length: n }, (_, i) => ({ id: 1_000_000 + i, trialIds: [] as Array<number> }))
  const missFetches = missValues.map((v) => Effect.succeed(v as unknown as ExperimentModels.Experiment))
  add(
    "ResourceCache miss alone (getOrFetch of a new key, fetch already there)",
    await measure(n, () =>
      Effect.runPromise(Effect.flatMap(ResourceCache.makeMemory(), (cache) =>
        Effect.forEach(
          missValues,
          (v, i) => cache.getOrFetch(Kinds.experiment.key(v.id), missFetches[i]!, Kinds.experiment.identify),
          { discard: true }
        ))))
  )
  add("Trial.get, cache hit", await measure(n, () => cached.runPromise(Effect.repeatN(Trial.get(trialId), n - 1))))

  // streams
  const reports = await noCache.runPromise(Stream.runCount(Metrics.stream([trialId], { group: "training" })))
  const metricsText = [...recorded.entries()].find(([k]) => k.includes("trial_metrics"))![1]
  add(
    "JSON.parse of the metrics stream, per report",
    await measure(reports, () => {
      for (const line of metricsText.split("\n")) if (line !== "") JSON.parse(line)
    })
  )
  add(
    "Metrics.stream, per report (canned HTTP)",
    await measure(reports, () => noCache.runPromise(Stream.runDrain(Metrics.stream([trialId], { group: "training" }))))
  )
  const lines = await noCache.runPromise(Stream.runCount(Trial.logs(trialId)))
  const logsText = [...recorded.entries()].find(([k]) => k.includes("/logs"))![1]
  add(
    "JSON.parse of the logs stream, per line",
    await measure(lines, () => {
      for (const line of logsText.split("\n")) if (line !== "") JSON.parse(line)
    })
  )
  const logLine = JSON.parse(logsText.split("\n")[0]!).result
  await fastVsSchema("a log line (TrialLog) decoding", TrialLogLine, logLine)
  add(
    "Trial.logs, per line (canned HTTP)",
    await measure(lines, () => noCache.runPromise(Stream.runDrain(Trial.logs(trialId))))
  )

  console.log("| operation | CPU µs per item |\n|---|---:|")
  for (const r of rows) console.log(`| ${r.what} | ${r.micros.toFixed(2)} |`)
  await Promise.all([noCache.dispose(), bare.dispose(), cached.dispose()])
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
