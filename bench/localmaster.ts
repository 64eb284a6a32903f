/**
 * LocalMaster's own costs, server side, without a socket: CPU µs (process.cpuUsage) per item for a get, a list page,
 * a trial, and the rendering of the bulk streams (metric reports, log lines), each through `master.handle` (web
 * Request → web Response, body read) and through `LocalMaster.httpClient` (the in-process client of
 * `LocalMaster.layer`). Best of 5 runs after a warm-up. It uses only the public testing API, so the same file runs
 * on an older commit for a before → after (docs/LOCAL-MASTER.md, "Costs").
 *
 *   npx tsx bench/localmaster.ts [--json]
 *
 * Not part of `npm run bench` (whose server replays the bulk streams: bench/server.ts).
 */
import { HttpClientRequest } from "@effect/platform"
import { Effect, Stream } from "effect"
import { LocalMaster } from "effect-determined/testing"
import { parseArgs } from "node:util"
import { measure } from "./cpu.js"

const args = parseArgs({ options: { json: { type: "boolean" } }, strict: true }).values

const sizes = { experiments: 20_000, gets: 2_000, pages: 50, reports: 100_000, logLines: 100_000 }

const main = Effect.gen(function*() {
  const master = yield* LocalMaster.make({ seed: 1, speed: 1 })
  const ids = yield* master.seedExperiments(sizes.experiments)
  const [bulkId] = yield* master.seedExperiments(1)
  const token = yield* master.token()
  const base = "http://127.0.0.1"
  const headers = { authorization: `Bearer ${token}` }
  const client = LocalMaster.httpClient(master)

  /** A web request through `handle`, its body read to the end. */
  const viaHandle = (path: string) =>
    Effect.flatMap(master.handle(new Request(base + path, { headers })), (response) =>
      Effect.promise(async () => {
        const reader = response.body?.getReader()
        let bytes = 0
        if (reader === undefined) return bytes
        while (true) {
          const { done, value } = await reader.read()
          if (done) return bytes
          bytes += value.length
        }
      }))
  /** The same through the in-process HttpClient, its body streamed to the end. */
  const viaClient = (path: string) =>
    client.execute(HttpClientRequest.get(base + path).pipe(HttpClientRequest.bearerToken(token))).pipe(
      Effect.flatMap((response) => Stream.runFold(response.stream, 0, (n, chunk) => n + chunk.length)),
      Effect.orDie
    )
  const trials = yield* client.execute(
    HttpClientRequest.get(`${base}/api/v1/experiments/${bulkId}/trials`).pipe(HttpClientRequest.bearerToken(token))
  ).pipe(Effect.flatMap((r) => r.json), Effect.orDie)
  const trialId = Number((trials as { trials: Array<{ id: string }> }).trials[0]!.id)
  yield* master.seedMetrics(trialId, sizes.reports, "training")
  yield* master.seedLogs(trialId, sizes.logLines)

  const getPaths = ids.slice(0, sizes.gets).map((id) => `/api/v1/experiments/${id}`)
  const pagePaths = Array.from(
    { length: sizes.pages },
    (_, i) => `/api/v1/experiments?limit=100&offset=${i * 100 * Math.floor(sizes.experiments / 100 / sizes.pages)}`
  )
  const trialPaths = Array.from({ length: 500 }, () => `/api/v1/trials/${trialId}`)
  const metricsPath = `/api/v1/trials/metrics/trial_metrics?trialIds=${trialId}&group=training`
  const logsPath = `/api/v1/trials/${trialId}/logs`

  const run = (send: (path: string) => Effect.Effect<number>) => (paths: ReadonlyArray<string>) => () =>
    Effect.runPromise(Effect.forEach(paths, send, { discard: true }))
  const rows: Record<string, { handle: number; client: number }> = {}
  for (
    const [name, paths, items] of [
      ["GetExperiment (µs/request)", getPaths, getPaths.length],
      ["GetExperiments page of 100 (µs/page)", pagePaths, pagePaths.length],
      ["GetTrial (µs/request)", trialPaths, trialPaths.length],
      ["metric reports streamed (µs/report)", [metricsPath], sizes.reports],
      ["log lines streamed (µs/line)", [logsPath], sizes.logLines]
    ] as const
  ) {
    rows[name] = {
      handle: yield* Effect.promise(() => measure(items, run(viaHandle)(paths))),
      client: yield* Effect.promise(() => measure(items, run(viaClient)(paths)))
    }
  }
  return rows
}).pipe(Effect.scoped)

Effect.runPromise(main).then((rows) => {
  if (args.json) console.log(JSON.stringify(rows, null, 2))
  else {
    console.log("LocalMaster, client CPU µs per item (best of 5), through handle / through LocalMaster.httpClient")
    for (const [name, row] of Object.entries(rows)) {
      console.log(`  ${name.padEnd(40)} ${row.handle.toFixed(2).padStart(9)} ${row.client.toFixed(2).padStart(9)}`)
    }
  }
}, (e) => {
  console.error(e)
  process.exit(1)
})
