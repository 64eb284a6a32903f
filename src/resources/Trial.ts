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
   * @since 0.1.0
   * @category models
   */
  CheckpointRecord,
  /**
   * @since 0.1.0
   * @category models
   */
  Trial,
  /**
   * @since 0.1.0
   * @category models
   */
  trialTerminalStates as terminalStates,
  /**
   * @since 0.1.0
   * @category models
   */
  ValidationRecord
} from "./internal/models/trial.js"

export type {
  /**
   * @since 0.1.0
   * @category models
   */
  TrialSortBy,
  /**
   * @since 0.1.0
   * @category models
   */
  TrialState
} from "./internal/models/trial.js"

export type {
  /**
   * Options of {@link listCheckpoints}.
   *
   * @since 0.1.0
   * @category models
   */
  ListCheckpointsOptions
} from "./internal/checkpointList.js"

type Trial = Models.Trial

const notFound = (id: number) => ({ resource: "trial", id })

const resource = Descriptors.trial

/**
 * What reading one trial can fail with: any request's errors, and `NotFound`.
 *
 * @since 0.1.0
 * @category errors
 */
export type GetError = Errors.RequestError | Errors.NotFound

/**
 * What killing a trial can fail with: any request's errors, `NotFound`, and `InvalidRequest` (a state the
 * master refuses).
 *
 * @since 0.1.0
 * @category errors
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

// logs, metrics and watching (src/resources/internal/{trialLogs,metrics,watch}.ts)
export {
  /** @since 0.1.0 */
  metrics,
  /** @since 0.1.0 */
  TrialMetrics
} from "./internal/metrics.js"
export {
  /** @since 0.1.0 */
  logFields,
  /** @since 0.1.0 */
  type LogLevel,
  /** @since 0.1.0 */
  logs,
  /** @since 0.1.0 */
  type LogsOptions,
  /** @since 0.1.0 */
  TrialLog,
  /** @since 0.1.0 */
  TrialLogFields
} from "./internal/trialLogs.js"
export {
  /** @since 0.1.0 */
  fingerprint,
  /** @since 0.1.0 */
  type PollOptions,
  /** @since 0.1.0 */
  watch
} from "./internal/watch.js"
