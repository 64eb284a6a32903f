/**
 * Waiting and watching: polling the master on a `Schedule` instead of sleep loops.
 *
 * - `Experiment.awaitFirstTrial` and `Experiment.wait` are upstream's `await_first_trial` and `wait`, with a
 *   timeout and typed endings (`ExperimentEnded`, `ExperimentPaused`, `WaitTimeout`).
 * - `Trial.watch` is a stream of the snapshots of one trial that changed, ending after a terminal state.
 * - `Experiment.watchTrials` is the same for every trial of an experiment from ONE paged list request per poll
 *   (not one GET per trial), ending once the experiment has ended.
 *
 * Every snapshot seen is stored in the `ResourceCache` (as `reload` does), so `Trial.get` afterwards serves it.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as Errors from "../../DeterminedError.js"
import { sameJson } from "../../internal/fastDecode.js"
import * as Http from "../../internal/http.js"
import * as PagedDecode from "../../internal/pagination.js"
import { DeterminedHttp, path } from "../../services/DeterminedHttp.js"
import type * as ResourceCache from "../../services/ResourceCache.js"
import * as Descriptors from "./descriptors.js"
import * as Kinds from "./kinds.js"
import * as ExperimentModels from "./models/experiment.js"
import * as Fast from "./models/fast.js"
import * as TrialModels from "./models/trial.js"
import * as Resource from "./resource.js"

type Trial = TrialModels.Trial

/**
 * How often to poll: a `Schedule` (its delays space the polls; when it ends, a wait fails with `WaitTimeout`
 * and a watch stream ends), or `every` as a shorthand for `Schedule.spaced(every)`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PollOptions {
  readonly schedule?: Schedule.Schedule<unknown, unknown> | undefined
  /** Shorthand for `schedule: Schedule.spaced(every)`. */
  readonly every?: Duration.DurationInput | undefined
}

/**
 * Options of the waits: the poll schedule and an overall timeout.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions extends PollOptions {
  /** Give up with `WaitTimeout` after this long. No timeout by default (as upstream). */
  readonly timeout?: Duration.DurationInput | undefined
}

/** The default poll period of `wait`, `watch` and `watchTrials`, as upstream's `wait(interval=5.0)`. @internal */
export const defaultEvery = Duration.seconds(5)

/** The default poll period of `awaitFirstTrial`. @internal */
export const defaultAwaitEvery = Duration.seconds(1)

const scheduleOf = (options: PollOptions, fallback: Duration.Duration): Schedule.Schedule<unknown, unknown> =>
  options.schedule ?? Schedule.spaced(options.every ?? fallback)

const reloadExperiment = Descriptors.experiment.reload

const reloadTrial = Descriptors.trial.reload

interface TrialsQuery {
  readonly sortBy: string
  readonly limit?: number | undefined
}

const trialsRequest = (id: number, query: TrialsQuery, offset: number) =>
  ({
    method: "GET",
    path: path`/api/v1/experiments/${id}/trials`,
    query: { offset, limit: query.limit, sortBy: query.sortBy, orderBy: "ORDER_BY_ASC" },
    notFound: { resource: "experiment", id }
  }) as const

const trialsPage = (id: number, query: TrialsQuery) => (offset: number) =>
  Effect.flatMap(DeterminedHttp, (http) => http.json(trialsRequest(id, query, offset), Fast.TrialsResponse)).pipe(
    Effect.map((r) => ({ items: r.trials, pagination: r.pagination }))
  )

/** A trial decoded from a row, and the row it was decoded from. */
interface Decoded {
  readonly row: unknown
  readonly trial: Trial
}

const storeTrials = (trials: ReadonlyArray<Trial>) => Resource.storeAll(Kinds.trial, trials)

/** A page of trials of a poll as it arrived: where it starts and its rows, raw. */
interface RawPage {
  readonly offset: number
  readonly rows: ReadonlyArray<unknown>
}

/** The pages of trials of a poll, rows raw; each page is also recorded in `pages` (to name a row that fails). */
const trialsPageRaw = (id: number, query: TrialsQuery, pages: Array<RawPage>) => (offset: number) =>
  Effect.flatMap(DeterminedHttp, (http) => http.json(trialsRequest(id, query, offset), Fast.TrialsPageRaw)).pipe(
    Effect.map((page) => {
      pages.push({ offset, rows: page.trials })
      return { items: page.trials, pagination: page.pagination }
    })
  )

/**
 * The rows of a chunk of a poll, each decoded unless the previous poll decoded the same JSON for that trial (then
 * its snapshot is that one), and stored in the cache: a watch of many trials that mostly do not change decodes
 * only the ones that did. This runs as the stage after the request (`PagedDecode`), so a page is compared,
 * decoded and stored while the next page's request is in flight. A row that fails to decode is the same
 * `DecodeError` as when decoding the whole page (field `trials.<index in its page>.<field>`).
 */
const decodeReusing = (
  id: number,
  query: TrialsQuery,
  pages: ReadonlyArray<RawPage>,
  previous: ReadonlyMap<number, Decoded>
) =>
(rows: ReadonlyArray<unknown>) => {
  const items: Array<Decoded> = new Array(rows.length)
  const trials: Array<Trial> = new Array(rows.length)
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]
    const rowId = typeof row === "object" && row !== null ? (row as { readonly id?: unknown }).id : undefined
    const before = typeof rowId === "number" ? previous.get(rowId) : undefined
    if (before !== undefined && sameJson(before.row, row)) {
      items[i] = before
      trials[i] = before.trial
      continue
    }
    // a chunk may be part of a page (the first page comes in two): the failing row is named by its page
    const page = pages.find((p) => p.rows.includes(row))
    const decoded = Http.decodeValue(
      trialsRequest(id, query, page?.offset ?? 0),
      200,
      Fast.Trial,
      row,
      `trials.${page === undefined ? i : page.rows.indexOf(row)}`
    )
    if (Either.isLeft(decoded)) return Effect.fail(decoded.left)
    items[i] = { row, trial: decoded.right }
    trials[i] = decoded.right
  }
  return Effect.as(storeTrials(trials), items)
}

/**
 * Poll `step` on `schedule` until it yields a value; the schedule ending, or `timeout`, is a `WaitTimeout`.
 */
const pollUntil = <A, E, R>(
  step: Effect.Effect<Option.Option<A>, E, R>,
  schedule: Schedule.Schedule<unknown, unknown>,
  timeout: Duration.DurationInput | undefined,
  onGiveUp: (timeoutMillis: number | undefined) => Errors.WaitTimeout
): Effect.Effect<A, E | Errors.WaitTimeout, R> => {
  const loop = Effect.gen(function*() {
    const driver = yield* Schedule.driver(schedule)
    while (true) {
      const result = yield* step
      if (Option.isSome(result)) return result.value
      const more = yield* Effect.option(driver.next(undefined))
      if (Option.isNone(more)) return yield* onGiveUp(undefined)
    }
  })
  if (timeout === undefined) return loop
  const millis = Duration.toMillis(timeout)
  return Effect.timeoutFail(loop, { duration: timeout, onTimeout: () => onGiveUp(millis) })
}

const isExperimentEnded = (state: string) => ExperimentModels.experimentTerminalStates.has(state)

/**
 * Wait until the experiment has a trial and return the first one (by start time), as upstream's
 * `await_first_trial`: each poll lists one trial, and reads the experiment only while there is none. Fails with
 * `ExperimentEnded` when the experiment reaches a terminal state without a trial, and `WaitTimeout` after
 * `timeout`. Polls every second by default.
 *
 * @since 0.1.0
 * @category waiting
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const trial = Experiment.awaitFirstTrial(7, { timeout: "10 minutes" }).pipe(
 *   Effect.catchTag("ExperimentEnded", (e) => Effect.dieMessage(`experiment ended ${e.state} without a trial`))
 * )
 */
export const awaitFirstTrial = Effect.fn("Experiment.awaitFirstTrial")(
  function*(id: number, options: WaitOptions = {}) {
    yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
    const step = Effect.gen(function*() {
      const page = yield* trialsPage(id, { sortBy: "SORT_BY_START_TIME", limit: 1 })(0)
      const first = page.items[0]
      if (first !== undefined) {
        yield* storeTrials([first])
        return Option.some(first)
      }
      const experiment = yield* reloadExperiment(id)
      if (isExperimentEnded(experiment.state)) {
        return yield* new Errors.ExperimentEnded({
          experimentId: id,
          state: experiment.state,
          message: `experiment ${id} ended (${experiment.state}) before it had a trial`
        })
      }
      return Option.none<Trial>()
    })
    return yield* pollUntil(
      step,
      scheduleOf(options, defaultAwaitEvery),
      options.timeout,
      (timeoutMillis) =>
        new Errors.WaitTimeout({
          resource: "experiment",
          id: String(id),
          waitingFor: "first trial",
          ...(timeoutMillis === undefined ? {} : { timeoutMillis }),
          message: timeoutMillis === undefined
            ? `experiment ${id} had no trial when the poll schedule ended`
            : `experiment ${id} had no trial within ${Duration.format(timeoutMillis)}`
        })
    )
  }
)

/**
 * The states `Experiment.wait` returns.
 *
 * @since 0.1.0
 * @category models
 */
export type EndState = "COMPLETED" | "CANCELED" | "ERROR" | "DELETED"

/**
 * Wait until the experiment reaches a terminal state (`COMPLETED`, `CANCELED`, `ERROR`, `DELETED`) and return
 * it, as upstream's `wait`: one GET per poll, every 5 seconds by default, each stored in the cache. A `PAUSED`
 * experiment would never end by itself: `wait` fails with `ExperimentPaused` instead of waiting forever
 * (upstream raises `ValueError`). Stopping, deleting and queued states keep waiting. `WaitTimeout` after
 * `timeout`.
 *
 * @since 0.1.0
 * @category waiting
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const done = Experiment.wait(7, { every: "30 seconds", timeout: "2 hours" }).pipe(
 *   Effect.map((state) => state === "COMPLETED")
 * )
 */
export const wait = Effect.fn("Experiment.wait")(function*(id: number, options: WaitOptions = {}) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  const step = Effect.gen(function*() {
    const experiment = yield* reloadExperiment(id)
    if (isExperimentEnded(experiment.state)) return Option.some(experiment.state as EndState)
    if (experiment.state === "PAUSED") {
      return yield* new Errors.ExperimentPaused({
        experimentId: id,
        message: `experiment ${id} is paused: activate it to let it end`
      })
    }
    return Option.none<EndState>()
  })
  return yield* pollUntil(
    step,
    scheduleOf(options, defaultEvery),
    options.timeout,
    (timeoutMillis) =>
      new Errors.WaitTimeout({
        resource: "experiment",
        id: String(id),
        waitingFor: "terminal state",
        ...(timeoutMillis === undefined ? {} : { timeoutMillis }),
        message: timeoutMillis === undefined
          ? `experiment ${id} had not ended when the poll schedule ended`
          : `experiment ${id} did not end within ${Duration.format(timeoutMillis)}`
      })
  )
})

/**
 * What `watch` compares to decide that a snapshot changed: state, progress, restarts, end time, summary
 * metrics, best and latest validation, best checkpoint, checkpoint count and runner state.
 *
 * @since 0.1.0
 * @category watching
 */
export const fingerprint = (trial: Trial): string =>
  JSON.stringify([
    trial.state,
    trial.totalBatchesProcessed,
    trial.restarts,
    trial.endTime?.getTime() ?? null,
    trial.summaryMetrics,
    trial.bestValidation,
    trial.latestValidation,
    trial.bestCheckpoint?.uuid ?? null,
    trial.checkpointCount,
    trial.runnerState
  ])

const isTrialEnded = (trial: Trial) => TrialModels.trialTerminalStates.has(trial.state)

/**
 * The snapshots of a trial that changed, polled every 5 seconds by default (one GET per poll, stored in the
 * cache). The first poll is always emitted; the stream ends after the first snapshot in a terminal state
 * (`COMPLETED`, `CANCELED`, `ERROR`), or when the schedule ends.
 *
 * @since 0.1.0
 * @category watching
 * @example
 * import { Effect, Stream } from "effect"
 * import { Trial } from "effect-determined"
 *
 * const final = Trial.watch(12, { every: "10 seconds" }).pipe(
 *   Stream.tap((t) => Effect.log(`trial ${t.id}: ${t.state} at batch ${t.totalBatchesProcessed}`)),
 *   Stream.runLast
 * )
 */
export const watch = (
  id: number,
  options: PollOptions = {}
): Stream.Stream<Trial, Errors.RequestError | Errors.NotFound, DeterminedHttp | ResourceCache.ResourceCache> =>
  Stream.repeatEffectWithSchedule(
    reloadTrial(id),
    scheduleOf(options, defaultEvery)
  ).pipe(
    Stream.changesWith((a, b) => fingerprint(a) === fingerprint(b)),
    Stream.takeUntil(isTrialEnded),
    Stream.withSpan("Trial.watch", { attributes: { "determined.trial.id": id } })
  )

/**
 * Options of {@link watchTrials}.
 *
 * @since 0.1.0
 * @category models
 */
export interface WatchTrialsOptions extends PollOptions {
  /** Trials per list request; the master's default page is 100. */
  readonly pageSize?: number | undefined
}

/**
 * The snapshots of all trials of an experiment that changed, from one paged `GET /experiments/{id}/trials`
 * per poll (every 5 seconds by default), never one GET per trial. Each poll emits, in id order, the trials that
 * are new or changed since the previous poll and stores every row in the cache. While some trial is still
 * running nothing else is requested; once all are ended the experiment is read too, and the stream ends after
 * the first poll that sees it in a terminal state (`COMPLETED`, `CANCELED`, `ERROR`, `DELETED`).
 *
 * @since 0.1.0
 * @category watching
 * @example
 * import { Effect, Stream } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const progress = Experiment.watchTrials(7).pipe(
 *   Stream.runForEach((t) => Effect.log(`trial ${t.id}: ${t.state}, batch ${t.totalBatchesProcessed}`))
 * )
 */
export const watchTrials = (
  id: number,
  options: WatchTrialsOptions = {}
): Stream.Stream<
  Trial,
  Errors.RequestError | Errors.NotFound | Errors.InvalidRequest,
  DeterminedHttp | ResourceCache.ResourceCache
> =>
  Stream.suspend(() => {
    const seen = new Map<number, string>()
    // the rows of the last poll and what they decoded to, by trial id
    let previous = new Map<number, Decoded>()
    let allEnded = false
    let experimentEnded = false
    const query = { sortBy: "SORT_BY_ID", limit: options.pageSize }
    const poll = Effect.gen(function*() {
      // Only when nothing runs any more is the experiment read: it ends after this poll if it has ended.
      if (allEnded) experimentEnded = isExperimentEnded((yield* reloadExperiment(id)).state)
      const pages: Array<RawPage> = []
      // every row is stored as its chunk is decoded (every snapshot seen, as `reload` does)
      const rows = yield* PagedDecode.collectDecoded(
        trialsPageRaw(id, query, pages),
        decodeReusing(id, query, pages, previous)
      )
      const changed: Array<Trial> = []
      const next = new Map<number, Decoded>()
      for (const decoded of rows) {
        const trial = decoded.trial
        next.set(trial.id, decoded)
        // a snapshot reused from the last poll is the same value: its fingerprint is the one seen then
        if (previous.get(trial.id) === decoded && seen.has(trial.id)) continue
        const print = fingerprint(trial)
        if (seen.get(trial.id) !== print) {
          seen.set(trial.id, print)
          changed.push(trial)
        }
      }
      previous = next
      allEnded = rows.every((r) => isTrialEnded(r.trial))
      return Chunk.unsafeFromArray(changed)
    })
    return Stream.repeatEffectWithSchedule(poll, scheduleOf(options, defaultEvery)).pipe(
      Stream.takeUntil(() => experimentEnded),
      Stream.flattenChunks
    )
  }).pipe(Stream.withSpan("Experiment.watchTrials", { attributes: { "determined.experiment.id": id } }))
