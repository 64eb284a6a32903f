/**
 * A small early-stopping helper in the spirit of the seed's hyperparameter search: watch trials and kill those
 * whose validation metric stopped improving for `patience` validations.
 *
 * The decision is a pure function ({@link shouldStop} over a sequence of validation values, {@link observe} /
 * {@link isStalled} over what a trial's `summaryMetrics` say: the best value so far and the number of
 * validations), tested on its own. {@link killWhenStalled} applies it to a stream of snapshots
 * (`Trial.watch`, `Experiment.watchTrials`), kills the trials it condemns with `Trial.kill`, and passes every
 * snapshot through.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Errors from "../DeterminedError.js"
import * as Log from "../internal/log.js"
import type { DeterminedHttp } from "../services/DeterminedHttp.js"
import type * as ResourceCache from "../services/ResourceCache.js"
import type { Trial } from "./internal/models/trial.js"
import * as TrialModule from "./Trial.js"

/**
 * The rule: which validation metric, its direction, how many validations without improvement stop a trial, and by
 * how much a value must beat the best to count.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { EarlyStopping } from "effect-determined"
 *
 * const options: EarlyStopping.Options = { metric: "validation_loss", smallerIsBetter: true, patience: 3, minDelta: 0.001 }
 * const stop = EarlyStopping.shouldStop([0.9, 0.5, 0.5005, 0.501, 0.52], options) // true
 */
export interface Options {
  /** The validation metric, e.g. `validation_loss`. */
  readonly metric: string
  /** Direction of the metric. */
  readonly smallerIsBetter: boolean
  /** Validations without improvement after which the trial is stopped (at least 1). */
  readonly patience: number
  /** An improvement must beat the best value so far by more than this. Default 0. */
  readonly minDelta?: number | undefined
}

const improves = (value: number, best: number, options: Options) => {
  const delta = options.minDelta ?? 0
  return options.smallerIsBetter ? value < best - delta : value > best + delta
}

/**
 * Given every validation value of a trial in order, should it stop? True when the last improvement (the first
 * value, or a value beating the best before it by more than `minDelta`) is `patience` validations or more
 * behind the latest one. Non-finite values never improve. Pure.
 *
 * @since 0.1.0
 * @category decisions
 * @example
 * import { EarlyStopping } from "effect-determined"
 *
 * EarlyStopping.shouldStop([0.9, 0.5, 0.6, 0.55, 0.7], { metric: "loss", smallerIsBetter: true, patience: 3 }) // true
 * EarlyStopping.shouldStop([0.9, 0.5, 0.6, 0.4], { metric: "loss", smallerIsBetter: true, patience: 3 }) // false
 */
export const shouldStop = (history: ReadonlyArray<number>, options: Options): boolean => {
  let best: number | undefined
  let bestIndex = -1
  for (let i = 0; i < history.length; i++) {
    const value = history[i]!
    if (!Number.isFinite(value)) continue
    if (best === undefined || improves(value, best, options)) {
      best = value
      bestIndex = i
    }
  }
  return bestIndex >= 0 && history.length - 1 - bestIndex >= Math.max(1, options.patience)
}

/**
 * What is known of a trial's metric: the best value that counted as an improvement, how many validations there
 * were then, and how many there are now.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { EarlyStopping } from "effect-determined"
 *
 * // best 0.31 at the 4th validation, 9 validations now: 5 without improvement
 * const progress: EarlyStopping.Progress = { best: 0.31, countAtBest: 4, count: 9 }
 * const stalled = EarlyStopping.isStalled(progress, { metric: "validation_loss", smallerIsBetter: true, patience: 5 }) // true
 */
export interface Progress {
  readonly best: number
  readonly countAtBest: number
  readonly count: number
}

/**
 * One observation of a trial's metric: the best value so far (min or max of all validations) and the number of
 * validations, as in `summaryMetrics.validation_metrics[metric]`.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Option } from "effect"
 * import { EarlyStopping } from "effect-determined"
 *
 * const observation: EarlyStopping.Observation = { best: 0.42, count: 3 }
 * const progress = EarlyStopping.observe(Option.none(), observation, {
 *   metric: "validation_loss",
 *   smallerIsBetter: true,
 *   patience: 5
 * })
 */
export interface Observation {
  readonly best: number
  readonly count: number
}

/**
 * Fold an observation into the progress. Pure. Observing every validation gives the same decisions as
 * {@link shouldStop}; polling less often can only find an improvement later, never stop a trial earlier.
 *
 * @since 0.1.0
 * @category decisions
 * @example
 * import { Option } from "effect"
 * import { EarlyStopping } from "effect-determined"
 *
 * const options = { metric: "validation_loss", smallerIsBetter: true, patience: 2 }
 * // three polls: an improvement, then two validations without one
 * const progress = [{ best: 0.5, count: 1 }, { best: 0.4, count: 2 }, { best: 0.4, count: 4 }].reduce(
 *   (p: Option.Option<EarlyStopping.Progress>, o) => Option.some(EarlyStopping.observe(p, o, options)),
 *   Option.none()
 * )
 * const stalled = Option.exists(progress, (p) => EarlyStopping.isStalled(p, options)) // true
 */
export const observe = (
  progress: Option.Option<Progress>,
  observation: Observation,
  options: Options
): Progress => {
  if (Option.isNone(progress)) {
    return { best: observation.best, countAtBest: observation.count, count: observation.count }
  }
  const p = progress.value
  return improves(observation.best, p.best, options)
    ? { best: observation.best, countAtBest: observation.count, count: observation.count }
    : { ...p, count: Math.max(p.count, observation.count) }
}

/**
 * Has the metric not improved for `patience` validations? Pure.
 *
 * @since 0.1.0
 * @category decisions
 * @example
 * import { EarlyStopping } from "effect-determined"
 *
 * const options = { metric: "accuracy", smallerIsBetter: false, patience: 4 }
 * const stalled = EarlyStopping.isStalled({ best: 0.93, countAtBest: 6, count: 8 }, options) // false: 2 < 4
 */
export const isStalled = (progress: Progress, options: Options): boolean =>
  progress.count - progress.countAtBest >= Math.max(1, options.patience)

/**
 * The observation a trial snapshot carries for `metric`: `summaryMetrics.validation_metrics[metric]` `min` (or
 * `max` when bigger is better) and `count`; none before the first validation or when the value is not a number.
 *
 * @since 0.1.0
 * @category decisions
 * @example
 * import { Effect, Option } from "effect"
 * import { EarlyStopping, Trial } from "effect-determined"
 *
 * const options = { metric: "validation_loss", smallerIsBetter: true, patience: 5 }
 * const best = Trial.get(12).pipe(
 *   Effect.map((trial) => Option.map(EarlyStopping.observationOf(trial, options), (o) => `${o.best} after ${o.count} validations`))
 * )
 */
export const observationOf = (trial: Trial, options: Options): Option.Option<Observation> => {
  const validation = trial.summaryMetrics?.validation_metrics
  if (typeof validation !== "object" || validation === null || Array.isArray(validation)) return Option.none()
  const summary = (validation as Record<string, unknown>)[options.metric]
  if (typeof summary !== "object" || summary === null) return Option.none()
  const { count, max, min } = summary as Record<string, unknown>
  const best = options.smallerIsBetter ? min : max
  return typeof best === "number" && Number.isFinite(best) && typeof count === "number"
    ? Option.some({ best, count })
    : Option.none()
}

const live = new Set(["ACTIVE", "QUEUED", "PULLING", "STARTING", "RUNNING", "PAUSED"])

/**
 * A stream combinator for `Trial.watch` and `Experiment.watchTrials`: follows each trial's progress on
 * `metric` from its snapshots and kills (`Trial.kill`, once per trial) every live trial whose metric has not
 * improved for `patience` validations. Every snapshot is passed through unchanged, so the stream still ends
 * when the watch does (the killed trial's watch ends once it is `CANCELED`). `onKill` is called for each trial
 * it kills, e.g. to record or log it. A kill that fails (typically because the trial has just stopped) is
 * logged and ignored, except authentication failures; after a transient failure it is tried again on the next
 * snapshot.
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * import { Stream } from "effect"
 * import { EarlyStopping, Trial } from "effect-determined"
 *
 * const last = Trial.watch(12).pipe(
 *   EarlyStopping.killWhenStalled({ metric: "validation_loss", smallerIsBetter: true, patience: 5 }),
 *   Stream.runLast
 * )
 */
export const killWhenStalled = <R2 = never>(
  options: Options & {
    /** Called for each trial the helper kills, after the kill, e.g. to record that it was early-stopped. */
    readonly onKill?: ((trial: Trial, progress: Progress) => Effect.Effect<void, never, R2>) | undefined
  }
) =>
<E, R>(
  self: Stream.Stream<Trial, E, R>
): Stream.Stream<
  Trial,
  E | Errors.Unauthenticated | Errors.Forbidden | Errors.DecodeError,
  R | R2 | DeterminedHttp | ResourceCache.ResourceCache
> =>
  Stream.suspend(() => {
    const progress = new Map<number, Progress>()
    const stopped = new Set<number>()
    return Stream.tap(self, (trial) => {
      const observation = observationOf(trial, options)
      if (Option.isNone(observation)) return Effect.void
      const next = observe(Option.fromNullable(progress.get(trial.id)), observation.value, options)
      progress.set(trial.id, next)
      if (stopped.has(trial.id) || !live.has(trial.state) || !isStalled(next, options)) return Effect.void
      stopped.add(trial.id)
      const notKilled = (e: Errors.HttpError) => {
        // a transient failure (retries exhausted): try again on a later snapshot
        if (Errors.isTransient(e)) stopped.delete(trial.id)
        return Log.warning(
          "EarlyStopping.killWhenStalled",
          `trial ${trial.id} could not be killed: ${e._tag}: ${e.message}`
        )
      }
      return Log.debug(
        "EarlyStopping.killWhenStalled",
        `early stopping trial ${trial.id}: ${options.metric} has not improved for ${
          next.count - next.countAtBest
        } validations (best ${next.best} at validation ${next.countAtBest})`
      ).pipe(
        Effect.zipRight(
          TrialModule.kill(trial.id).pipe(
            // the trial went away or ended (NotFound, InvalidRequest) or the master is unwell: logged, the stream
            // goes on; a session or a body that is wrong (Unauthenticated, Forbidden, DecodeError) fails it
            Effect.catchTags({
              NotFound: notKilled,
              InvalidRequest: notKilled,
              RateLimited: notKilled,
              ServerError: notKilled,
              TransportError: notKilled,
              Timeout: notKilled
            })
          )
        ),
        Effect.zipRight(options.onKill === undefined ? Effect.void : options.onKill(trial, next)),
        Effect.annotateLogs({ "determined.trial.id": trial.id })
      )
    })
  })
