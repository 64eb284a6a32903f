/**
 * Trials, trial logs (with every filter and `follow`), log fields, trial checkpoints and the metric streams.
 *
 * Streams are produced lazily, one output chunk at a time (a chunk = one `GetMetricsResponse` line of at most 1000
 * reports, or up to 1000 log lines), so a consumer that stops reading stops the producer.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { stopTrial } from "../domain/lifecycle.js"
import type { LogRow, MetricRow, Trial, World } from "../domain/store.js"
import { isTerminalExperiment, isTerminalTrial } from "../domain/store.js"
import { advance } from "../drivers/advance.js"
import type { JsonObject } from "../json.js"
import type { Routes } from "../router.js"
import { logLine, metricRowJson, trialJson } from "../views.js"
import type { Query } from "../wire.js"
import { encode, internal, invalidArgument, json, notFound, parseTimestamp, stream, timestampMillis } from "../wire.js"
import { listCheckpoints } from "./experiments.js"

/** Lines per emitted chunk for logs, reports per line for metrics (as the real master). @internal */
export const BATCH = 1000

/** A lazy stream of byte chunks pulled from an iterator. @internal */
export const lazyStream = (make: () => Iterator<string>): Stream.Stream<Uint8Array> =>
  Stream.suspend(() => {
    const it = make()
    return Stream.repeatEffectOption(
      Effect.suspend(() => {
        const r = it.next()
        return r.done === true ? Effect.fail(Option.none()) : Effect.succeed(encode(r.value))
      })
    )
  })

const resultLine = (value: unknown): string => `${JSON.stringify({ result: value })}\n`

// ---------------------------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------------------------

/** One bulk report as JSON text, built directly (the million-report benchmark path). */
const bulkRowText = (trial: Trial, i: number, groupJson: string): string => {
  const b = trial.bulk!
  const totalBatches = b.firstBatches + i
  const loss = Math.round((2 / Math.sqrt(1 + totalBatches / 50)) * 1e6) / 1e6
  const body = b.group === "validation"
    ? `{"validation_metrics":{"validation_loss":${loss},"accuracy":${
      Math.round((1 - loss / 2.5) * 1e6) / 1e6
    },"batches":${totalBatches}}}`
    : `{"avg_metrics":{"loss":${loss},"batches":${totalBatches}},"batch_metrics":null}`
  return `{"trialId":${trial.id},"endTime":"${
    timestampMillis(b.endTime + i * b.every)
  }","metrics":${body},"totalBatches":${totalBatches},"archived":false,"id":${
    b.firstId + i
  },"trialRunId":1,"group":${groupJson}}`
}

const metricsLine = (reports: Array<string>): string => `{"result":{"metrics":[${reports.join(",")}]}}\n`

function* metricLines(world: World, trialIds: ReadonlyArray<number>, group: string): Generator<string> {
  const ids = [...trialIds].sort((a, b) => a - b)
  const groupJson = JSON.stringify(group)
  for (const id of ids) {
    const trial = world.trials.get(id)
    if (trial === undefined) continue
    const rows: Array<MetricRow> = trial.metrics.filter((r) => r.group === group)
    rows.sort((a, b) => a.trialRunId - b.trialRunId || a.totalBatches - b.totalBatches || a.id - b.id)
    let buf: Array<string> = []
    for (const r of rows) {
      buf.push(JSON.stringify(metricRowJson(r)))
      if (buf.length === BATCH) {
        yield metricsLine(buf)
        buf = []
      }
    }
    const bulk = trial.bulk
    if (bulk !== undefined && bulk.group === group) {
      for (let i = 0; i < bulk.count; i++) {
        buf.push(bulkRowText(trial, i, groupJson))
        if (buf.length === BATCH) {
          yield metricsLine(buf)
          buf = []
        }
      }
    }
    if (buf.length > 0) yield metricsLine(buf)
  }
}

const metricsStream = (world: World, q: Query, group: string) => {
  const ids = q.ints("trialIds")
  if (ids.length === 0) throw invalidArgument("must specify at least one trialId")
  // as upstream's streamMetrics: the ids are checked ascending, the first unknown one is the 404
  for (const id of [...ids].sort((a, b) => a - b)) world.trial(id)
  return stream(lazyStream(() => metricLines(world, ids, group)))
}

// ---------------------------------------------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------------------------------------------

interface LogFilter {
  readonly agentIds: ReadonlyArray<string>
  readonly containerIds: ReadonlyArray<string>
  readonly rankIds: ReadonlyArray<number>
  readonly levels: ReadonlyArray<string>
  readonly stdtypes: ReadonlyArray<string>
  readonly sources: ReadonlyArray<string>
  readonly before: number | undefined
  readonly after: number | undefined
  readonly searchText: string
}

const logFilterOf = (q: Query): LogFilter => {
  const before = q.get("timestampBefore")
  const after = q.get("timestampAfter")
  return {
    agentIds: q.all("agentIds"),
    containerIds: q.all("containerIds"),
    rankIds: q.ints("rankIds"),
    levels: q.enumValues("levels", "determined.log.v1.LogLevel"),
    stdtypes: q.all("stdtypes"),
    sources: q.all("sources"),
    before: before === undefined || before === "" ? undefined : parseTimestamp(before, "timestamp_before"),
    after: after === undefined || after === "" ? undefined : parseTimestamp(after, "timestamp_after"),
    searchText: q.string("searchText")
  }
}

const matches = (f: LogFilter, r: LogRow): boolean => {
  if (f.agentIds.length > 0 && (r.agentId === undefined || !f.agentIds.includes(r.agentId))) return false
  if (f.containerIds.length > 0 && (r.containerId === undefined || !f.containerIds.includes(r.containerId))) {
    return false
  }
  if (f.rankIds.length > 0) {
    const nullOk = f.rankIds.includes(-1)
    if (r.rankId === undefined ? !nullOk : !f.rankIds.includes(r.rankId)) return false
  }
  if (f.levels.length > 0 && !f.levels.includes(r.level)) return false
  if (f.stdtypes.length > 0 && !f.stdtypes.includes(r.stdtype)) return false
  if (f.sources.length > 0 && !f.sources.includes(r.source)) return false
  if (f.before !== undefined && !(Math.floor(r.timestamp) <= f.before)) return false
  if (f.after !== undefined && !(Math.floor(r.timestamp) > f.after)) return false
  if (f.searchText !== "" && !r.log.includes(f.searchText)) return false
  return true
}

function* logLines(
  logs: ReadonlyArray<LogRow>,
  end: number,
  filter: LogFilter,
  desc: boolean,
  limit: number
): Generator<string> {
  let sent = 0
  let buf = ""
  let n = 0
  const max = limit > 0 ? limit : Infinity
  for (let k = 0; k < end && sent < max; k++) {
    const r = logs[desc ? end - 1 - k : k]!
    if (!matches(filter, r)) continue
    buf += logLine(r)
    sent++
    if (++n === BATCH) {
      yield buf
      buf = ""
      n = 0
    }
  }
  if (buf !== "") yield buf
}

const FOLLOW_POLL = Duration.seconds(1)
const TERMINATION_DELAY_MS = 5000

const followLogs = (world: World, trial: Trial, filter: LogFilter): Stream.Stream<Uint8Array> => {
  let index = 0
  const poll = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    advance(world, now)
    const logs = trial.logs
    let buf = ""
    for (; index < logs.length; index++) {
      const r = logs[index]!
      if (matches(filter, r)) buf += logLine(r)
    }
    const done = isTerminalTrial(trial.state) && trial.endTime !== undefined &&
      world.now - trial.endTime > TERMINATION_DELAY_MS && buf === ""
    return { buf, done }
  })
  return Stream.paginateChunkEffect(true, (first: boolean) =>
    Effect.gen(function*() {
      if (!first) yield* Effect.sleep(FOLLOW_POLL)
      const { buf, done } = yield* poll
      const chunk = buf === "" ? Chunk.empty<Uint8Array>() : Chunk.of(encode(buf))
      return [chunk, done ? Option.none<boolean>() : Option.some(false)] as const
    }))
}

const fieldsOf = (trial: Trial): JsonObject => {
  const agentIds = new Set<string>()
  const containerIds = new Set<string>()
  const rankIds = new Set<number>()
  const stdtypes = new Set<string>()
  const sources = new Set<string>()
  for (const r of trial.logs) {
    if (r.agentId !== undefined) agentIds.add(r.agentId)
    if (r.containerId !== undefined) containerIds.add(r.containerId)
    if (r.rankId !== undefined) rankIds.add(r.rankId)
    stdtypes.add(r.stdtype)
    sources.add(r.source)
  }
  return {
    agentIds: [...agentIds].sort(),
    containerIds: [...containerIds].sort(),
    rankIds: [...rankIds].sort((a, b) => a - b),
    stdtypes: [...stdtypes].sort(),
    sources: [...sources].sort()
  }
}

/** @internal */
export const routes: Routes = {
  GetTrial: (ctx) => json({ trial: trialJson(ctx.world, ctx.world.trial(ctx.int("trial_id"))) }),
  KillTrial: (ctx) => {
    const world = ctx.world
    const trial = world.trial(ctx.int("id"))
    const exp = world.experiments.get(trial.experimentId)
    if (exp === undefined || isTerminalExperiment(exp.state) || exp.state.startsWith("DELET")) {
      throw notFound("experiment", trial.experimentId)
    }
    if (isTerminalTrial(trial.state)) throw internal("trial not found: not found")
    stopTrial(world, exp, trial, "STOPPING_KILLED", world.now)
    return json({})
  },
  PatchTrial: (ctx) => {
    ctx.world.trial(ctx.int("trial_id"))
    throw internal("only unmanaged trials are supported")
  },
  TrialLogs: (ctx) => {
    const world = ctx.world
    const trial = world.trial(ctx.int("trial_id"))
    const q = ctx.query
    const filter = logFilterOf(q)
    const desc = q.enumValue("orderBy", "determined.api.v1.OrderBy") === "ORDER_BY_DESC"
    if (q.bool("follow") === true) return stream(followLogs(world, trial, filter))
    const end = trial.logs.length
    const limit = q.int("limit")
    return stream(lazyStream(() => logLines(trial.logs, end, filter, desc, limit)))
  },
  TrialLogsFields: (ctx) => {
    const world = ctx.world
    const trial = world.trial(ctx.int("trial_id"))
    if (ctx.query.bool("follow") !== true) {
      return stream(Stream.succeed(encode(resultLine(fieldsOf(trial)))))
    }
    return stream(
      Stream.paginateChunkEffect(true, (first: boolean) =>
        Effect.gen(function*() {
          if (!first) yield* Effect.sleep(Duration.seconds(5))
          advance(world, yield* Clock.currentTimeMillis)
          const done = isTerminalTrial(trial.state)
          return [Chunk.of(encode(resultLine(fieldsOf(trial)))), done ? Option.none() : Option.some(false)] as const
        }))
    )
  },
  GetTrialCheckpoints: (ctx) => {
    const world = ctx.world
    const trial = world.trial(ctx.int("id"))
    const ckpts = trial.checkpoints.map((u) => world.checkpoints.get(u)).filter((c) => c !== undefined)
    return listCheckpoints(world, ctx, ckpts)
  },
  GetMetrics: (ctx) => metricsStream(ctx.world, ctx.query, ctx.query.string("group")),
  GetTrainingMetrics: (ctx) => metricsStream(ctx.world, ctx.query, "training"),
  GetValidationMetrics: (ctx) => metricsStream(ctx.world, ctx.query, "validation")
}
