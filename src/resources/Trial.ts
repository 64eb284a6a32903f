/**
 * Trials: get, reload, kill, their checkpoints and their experiment.
 *
 * Every operation takes the trial id: `Effect.forEach(ids, Trial.kill)` is one POST per trial and no GET. `get`
 * reads through the `ResourceCache`, `reload` always fetches and stores; `kill` drops the cached entry, because
 * the state changes later on the server. A snapshot you hold never changes: `summaryMetrics` stays what it was
 * when it was fetched, `reload` gives the fresh one.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import type * as Errors from "../DeterminedError.js"
import { DeterminedHttp, path } from "../services/DeterminedHttp.js"
import * as Experiment from "./Experiment.js"
import * as CheckpointList from "./internal/checkpointList.js"
import * as Descriptors from "./internal/descriptors.js"
import type { Checkpoint } from "./internal/models/checkpoint.js"
import type * as Models from "./internal/models/trial.js"
import type * as Resource from "./internal/resource.js"

export {
  /**
   * A checkpoint as a trial's summary names it (`bestCheckpoint`): its uuid, end time, state and batch count.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Trial } from "effect-determined"
   *
   * const bestUuid = Trial.get(12).pipe(
   *   Effect.map((trial) => (trial.bestCheckpoint satisfies Trial.CheckpointRecord | null)?.uuid)
   * )
   */
  CheckpointRecord,
  /**
   * A trial as the master describes it (GetTrial): state, hyperparameters, restarts, batches processed, best and
   * latest validation, best checkpoint and summary metrics.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Trial } from "effect-determined"
   *
   * const progress = Trial.get(12).pipe(
   *   Effect.map((trial: Trial.Trial) => ({ state: trial.state, batches: trial.totalBatchesProcessed, restarts: trial.restarts }))
   * )
   */
  Trial,
  /**
   * The states a trial never leaves: CANCELED, COMPLETED and ERROR.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Trial } from "effect-determined"
   *
   * const ended = Trial.reload(12).pipe(Effect.map((trial) => Trial.terminalStates.has(trial.state)))
   */
  trialTerminalStates as terminalStates,
  /**
   * A validation as a trial's summary names it (`bestValidation`, `latestValidation`): when, its metrics, inputs and
   * batches.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Trial } from "effect-determined"
   *
   * const latestMetrics = Trial.get(12).pipe(
   *   Effect.map((trial) => (trial.latestValidation satisfies Trial.ValidationRecord | null)?.metrics ?? null)
   * )
   */
  ValidationRecord
} from "./internal/models/trial.js"

export type {
  /**
   * The orders of an experiment's trials (`sortBy`), as the master names them without the `SORT_BY_` prefix.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Experiment, Trial } from "effect-determined"
   *
   * const sortBy: Trial.TrialSortBy = "BEST_VALIDATION_METRIC"
   * const bestFirst = Experiment.listTrials(7, { sortBy, orderBy: "asc" })
   */
  TrialSortBy,
  /**
   * A trial's state, without the `STATE_` prefix (states added by a newer master arrive as their names).
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Trial } from "effect-determined"
   *
   * const isRunning = (state: Trial.TrialState): boolean => state === "ACTIVE" || state === "RUNNING"
   * const running = Trial.get(12).pipe(Effect.map((trial) => isRunning(trial.state)))
   */
  TrialState
} from "./internal/models/trial.js"

export type {
  /**
   * Options of {@link listCheckpoints}.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Trial } from "effect-determined"
   *
   * const options: Trial.ListCheckpointsOptions = { states: ["COMPLETED"], sortBy: "END_TIME", orderBy: "desc", limit: 1 }
   * const latest = Trial.listCheckpoints(12, options)
   */
  ListCheckpointsOptions,
  /**
   * Options of {@link topCheckpoint}: nothing (the searcher metric, in the searcher's direction), or a validation
   * metric with its direction.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Trial } from "effect-determined"
   *
   * const options: Trial.TopCheckpointOptions = { sortBy: "validation_loss", smallerIsBetter: true }
   * const best = Trial.topCheckpoint(12, options)
   */
  TopCheckpointOptions
} from "./internal/checkpointList.js"

export {
  /**
   * One statistic of one metric of a trial's `summaryMetrics`, as a number: none when the metric is absent or not
   * numeric in that group, or the statistic is `null`. Groups by their SDK names (`training`, `validation`, or a
   * custom group); default group `validation`, default statistic `last`.
   *
   * @since 0.1.0
   * @category metrics
   * @example
   * import { Effect, Option } from "effect"
   * import { Trial } from "effect-determined"
   *
   * const bestLoss = Trial.get(12).pipe(
   *   Effect.map((trial) => Trial.summaryMetric(trial, "validation_loss", { group: "validation", stat: "min" })),
   *   Effect.map(Option.getOrElse(() => Number.POSITIVE_INFINITY))
   * )
   */
  summaryMetric,
  /**
   * Options of {@link summaryMetric}: the metric group and the statistic.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import type { Trial } from "effect-determined"
   *
   * const lowestTrainingLoss: Trial.SummaryMetricOptions = { group: "training", stat: "min" }
   */
  type SummaryMetricOptions,
  /**
   * A statistic of a summary entry: `last`, `min`, `max`, `mean`, `sum`, `count`.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import type { Trial } from "effect-determined"
   *
   * const stat: Trial.SummaryStat = "mean"
   */
  type SummaryStat
} from "./internal/models/metricValues.js"

type Trial = Models.Trial

const notFound = (id: number) => ({ resource: "trial", id })

const resource = Descriptors.trial

/**
 * What reading one trial can fail with: any request's errors, and `NotFound`.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Trial } from "effect-determined"
 *
 * const describe = (e: Trial.GetError): string => (e._tag === "NotFound" ? `no trial ${e.id}` : `${e._tag}: ${e.message}`)
 * const state = Trial.get(12).pipe(Effect.map((trial) => trial.state), Effect.mapError(describe))
 */
export type GetError = Errors.RequestError | Errors.NotFound

/**
 * What killing a trial can fail with: any request's errors, `NotFound`, and `InvalidRequest` (a state the
 * master refuses).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Trial } from "effect-determined"
 *
 * // a trial that has already ended cannot be killed: the master refuses it (InvalidRequest)
 * const describe = (e: Trial.KillError): string => (e._tag === "InvalidRequest" ? `not killed: ${e.message}` : e._tag)
 * const killed = Trial.kill(12).pipe(Effect.mapError(describe))
 */
export type KillError = Errors.RequestError | Errors.NotFound | Errors.InvalidRequest

/**
 * A trial by id, from the cache when it holds one.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Trial } from "effect-determined"
 *
 * const hparams = Trial.get(12).pipe(Effect.map((t) => t.hparams))
 */
export const get: (id: number) => Effect.Effect<Trial, GetError, Resource.Requires> = resource.get

/**
 * Fetch a trial again, store it in the cache and return it. Snapshots obtained earlier do not change.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Trial } from "effect-determined"
 *
 * const summary = Trial.reload(12).pipe(Effect.map((t) => t.summaryMetrics))
 */
export const reload: (id: number) => Effect.Effect<Trial, GetError, Resource.Requires> = resource.reload

/**
 * Kill a trial: it stops at once and ends `CANCELED`. Drops the cached entry; no GET is made, so killing 100
 * trials by id is 100 POSTs.
 *
 * @since 0.1.0
 * @category control
 * @example
 * import { Effect } from "effect"
 * import { Trial } from "effect-determined"
 *
 * const killAll = Effect.forEach([12, 13, 14], Trial.kill, { discard: true })
 */
export const kill = Effect.fn("Trial.kill")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.trial.id", id)
  const http = yield* DeterminedHttp
  yield* http.void({ method: "POST", path: path`/api/v1/trials/${id}/kill`, idempotent: true, notFound: notFound(id) })
  // its experiment and checkpoints go stale with it (kinds.ts)
  yield* resource.stale(id)
})

/**
 * The experiment the trial belongs to (upstream's `get_experiment`): the trial is read through the cache for
 * its `experimentId`, then the experiment through the cache.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Trial } from "effect-determined"
 *
 * const name = Trial.experiment(12).pipe(Effect.map((exp) => exp.name))
 */
export const experiment = Effect.fn("Trial.experiment")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.trial.id", id)
  const trial = yield* get(id)
  return yield* Experiment.get(trial.experimentId)
})

/**
 * Checkpoints of a trial, with the sort rules of `Experiment.listCheckpoints` (a `CheckpointSortBy` or a metric
 * name, `orderBy` required with `sortBy`, `maxResults` reads one page). Differences, as upstream: no state
 * filter unless `states` is given (so `DELETED` and `PARTIALLY_DELETED` checkpoints are listed too), and the
 * default searcher-metric sort is plain ascending (the trial endpoint does not apply `smaller_is_better`).
 *
 * @since 0.1.0
 * @category checkpoints
 * @example
 * import { Trial } from "effect-determined"
 *
 * const latest = Trial.listCheckpoints(12, { sortBy: "BATCH_NUMBER", orderBy: "desc", maxResults: 1 })
 * const usable = Trial.listCheckpoints(12, { states: ["COMPLETED"] })
 */
export const listCheckpoints = Effect.fn("Trial.listCheckpoints")(function*(
  id: number,
  options: CheckpointList.ListCheckpointsOptions = {}
) {
  yield* Effect.annotateCurrentSpan("determined.trial.id", id)
  return yield* CheckpointList.list(path`/api/v1/trials/${id}/checkpoints`, notFound(id), options, [])
})

/**
 * The checkpoints of {@link listCheckpoints} as a lazy stream.
 *
 * @since 0.1.0
 * @category checkpoints
 * @example
 * import { Stream } from "effect"
 * import { Trial } from "effect-determined"
 *
 * const uuids = Trial.streamCheckpoints(12).pipe(Stream.map((c) => c.uuid), Stream.runCollect)
 */
export const streamCheckpoints = (
  id: number,
  options: CheckpointList.ListCheckpointsOptions = {}
): Stream.Stream<Checkpoint, CheckpointList.ListError, DeterminedHttp> =>
  CheckpointList.stream(path`/api/v1/trials/${id}/checkpoints`, notFound(id), options, [])

/**
 * What {@link topCheckpoint} can fail with: any request's errors, `NotFound` (the trial), and `InvalidRequest`
 * (options checked before sending, or refused by the master).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect, Option } from "effect"
 * import { Trial } from "effect-determined"
 *
 * const describe = (e: Trial.TopCheckpointError): string =>
 *   e._tag === "InvalidRequest" ? `bad sort: ${e.message}` : e._tag === "NotFound" ? `no trial ${e.id}` : e.message
 * const bestUuid = Trial.topCheckpoint(12, { sortBy: "validation_loss", smallerIsBetter: true }).pipe(
 *   Effect.map(Option.map((checkpoint) => checkpoint.uuid)),
 *   Effect.mapError(describe)
 * )
 */
export type TopCheckpointError = Errors.RequestError | Errors.NotFound | Errors.InvalidRequest

/**
 * The trial's best `COMPLETED` checkpoint, as upstream's `top_checkpoint(sort_by, smaller_is_better)`; none when
 * it has no completed checkpoint (upstream raises `ValueError`). One request: the trial's checkpoints, ranked here.
 *
 * - Without options: by the searcher metric, in the direction of the experiment's `smaller_is_better` (read from
 *   the checkpoints' training metadata). Upstream's trial endpoint sorts plain ascending whatever the searcher
 *   says; this honours it.
 * - With `{ sortBy, smallerIsBetter }`: by that validation metric, in that direction.
 *
 * Checkpoints without the metric rank last; `DELETED` and `PARTIALLY_DELETED` ones are never the top (upstream's
 * trial variant sends no state filter and could return one).
 *
 * @since 0.1.0
 * @category checkpoints
 * @example
 * import { Effect, Option } from "effect"
 * import { Trial } from "effect-determined"
 *
 * const best = Trial.topCheckpoint(12).pipe(Effect.map(Option.map((c) => c.uuid)))
 * const lowestLoss = Trial.topCheckpoint(12, { sortBy: "validation_loss", smallerIsBetter: true })
 */
export const topCheckpoint: (
  id: number,
  options?: CheckpointList.TopCheckpointOptions
) => Effect.Effect<Option.Option<Checkpoint>, TopCheckpointError, DeterminedHttp> = Effect.fn("Trial.topCheckpoint")(
  function*(id: number, options: CheckpointList.TopCheckpointOptions = {}) {
    yield* Effect.annotateCurrentSpan("determined.trial.id", id)
    return yield* CheckpointList.top(path`/api/v1/trials/${id}/checkpoints`, notFound(id), options, "trial")
  }
)

// logs, metrics and watching (src/resources/internal/{trialLogs,metrics,watch}.ts)
export {
  /**
   * The metric reports of one trial and group (`training`, `validation` or a custom one) as a constant-memory
   * stream.
   *
   * @since 0.1.0
   * @category metrics
   * @example
   * import { Stream } from "effect"
   * import { Trial } from "effect-determined"
   *
   * const losses = Trial.metrics(12, { group: "training" }).pipe(
   *   Stream.map((report) => ({ step: report.stepsCompleted, loss: report.metrics["loss"] })),
   *   Stream.runCollect
   * )
   */
  metrics,
  /**
   * One metric report of a trial: its step, when it was stored, the values and the group.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect, Option, Stream } from "effect"
   * import { Trial } from "effect-determined"
   *
   * const lastValidation = Trial.metrics(12, { group: "validation" }).pipe(
   *   Stream.runLast,
   *   Effect.map(Option.match({ onNone: () => ({}), onSome: (report: Trial.TrialMetrics) => report.metrics }))
   * )
   */
  TrialMetrics
} from "./internal/metrics.js"
export {
  /**
   * The values the log filters of a trial can take: agent, container and rank ids, stream types and sources.
   *
   * @since 0.1.0
   * @category logs
   * @example
   * import { Effect } from "effect"
   * import { Trial } from "effect-determined"
   *
   * const ranks = Trial.logFields(12).pipe(Effect.map((fields) => fields.rankIds))
   */
  logFields,
  /**
   * A log level, without the `LOG_LEVEL_` prefix.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Stream } from "effect"
   * import { Trial } from "effect-determined"
   *
   * const level: Trial.LogLevel = "WARNING"
   * const problems = Trial.logs(12, { minLevel: "WARNING" }).pipe(Stream.filter((line) => line.level === level))
   */
  type LogLevel,
  /**
   * A trial's log entries as a stream: all of them, the first `head` or last `tail`, filtered, or followed until
   * the trial ends (a dropped connection resumes after the last entry delivered).
   *
   * @since 0.1.0
   * @category logs
   * @example
   * import { Effect, Stream } from "effect"
   * import { Trial } from "effect-determined"
   *
   * const followed = Trial.logs(12, { follow: true, minLevel: "INFO" }).pipe(
   *   Stream.runForEach((entry) => Effect.log(entry.message))
   * )
   */
  logs,
  /**
   * Options of `logs`: follow, head or tail, the filters (agents, containers, ranks, stream types, sources,
   * minimum level, times, text) and the resume window.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Trial } from "effect-determined"
   *
   * const options: Trial.LogsOptions = { tail: 100, rankIds: [0], stdtypes: ["stderr"], searchText: "Traceback" }
   * const lastErrors = Trial.logs(12, options)
   */
  type LogsOptions,
  /**
   * One log entry of a trial: id, time, level, the pre-formatted line and the raw text with where it came from.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Stream } from "effect"
   * import { Trial } from "effect-determined"
   *
   * const text = Trial.logs(12, { head: 50 }).pipe(
   *   Stream.map((entry: Trial.TrialLog) => `${entry.timestamp?.toISOString() ?? "-"} ${entry.level} ${entry.log ?? entry.message}`),
   *   Stream.runCollect
   * )
   */
  TrialLog,
  /**
   * What `logFields` returns: the values the log filters of a trial can take.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Trial } from "effect-determined"
   *
   * const stderrOnly = Trial.logFields(12).pipe(
   *   Effect.map((fields: Trial.TrialLogFields) => fields.stdtypes.includes("stderr"))
   * )
   */
  TrialLogFields
} from "./internal/trialLogs.js"
export {
  /**
   * What `watch` compares to decide whether a trial changed: its state, batches, restarts, end time, summary
   * metrics, validations and checkpoints, as one string.
   *
   * @since 0.1.0
   * @category watching
   * @example
   * import { Effect } from "effect"
   * import { Trial } from "effect-determined"
   *
   * // did trial 12 change since this snapshot?
   * const changed = (before: Trial.Trial) =>
   *   Trial.reload(before.id).pipe(Effect.map((now) => Trial.fingerprint(now) !== Trial.fingerprint(before)))
   */
  fingerprint,
  /**
   * How often a watch or wait polls: a `Schedule`, or `every` as a shorthand for `Schedule.spaced(every)`.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Schedule } from "effect"
   * import { Trial } from "effect-determined"
   *
   * const options: Trial.PollOptions = { schedule: Schedule.spaced("2 seconds").pipe(Schedule.upTo("1 hour")) }
   * const snapshots = Trial.watch(12, options)
   */
  type PollOptions,
  /**
   * The snapshots of a trial that changed, polled every 5 seconds by default; the stream ends after the first
   * snapshot in a terminal state, or when the schedule ends.
   *
   * @since 0.1.0
   * @category watching
   * @example
   * import { Effect, Stream } from "effect"
   * import { Trial } from "effect-determined"
   *
   * const logged = Trial.watch(12, { every: "10 seconds" }).pipe(
   *   Stream.runForEach((trial) => Effect.log(`trial ${trial.id}: ${trial.state}, ${trial.totalBatchesProcessed} batches`))
   * )
   */
  watch
} from "./internal/watch.js"
