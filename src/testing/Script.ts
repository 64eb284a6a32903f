/**
 * Scripted trials for LocalMaster: a typed builder for the `hyperparameters.actions` object that makes a
 * LocalMaster trial follow exact steps ("report these metrics, checkpoint, log this, sleep, fail") instead of
 * the simulated curve. The format is the one of Determined's own no-op test model
 * (`e2e_tests/tests/experiment/noop.py` upstream), so the same configs also describe runs of that model on a
 * real master. docs/LOCAL-MASTER.md ("Scripted trials") describes what each step does.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import type { JsonObject } from "../resources/internal/wire.js"

/**
 * A `report` step: one metric report of a group (`training`, `validation` or a custom group).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const step: Script.Report = Script.report("validation", { validation_loss: 0.25 })
 */
export interface Report {
  readonly action: "report"
  readonly group: string
  readonly metrics: Readonly<Record<string, unknown>>
}

/**
 * A `checkpoint` step: a COMPLETED checkpoint at the current step.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const step: Script.Checkpoint = Script.checkpoint()
 */
export interface Checkpoint {
  readonly action: "checkpoint"
}

/**
 * A `log` step: one log line, its text base64-encoded, at a Python logging level (10 DEBUG … 50 CRITICAL).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const step: Script.Log = Script.log("epoch 1 done", { level: "INFO" })
 */
export interface Log {
  readonly action: "log"
  readonly base64: string
  readonly level: number
}

/**
 * A `sleep` step: `time` seconds of clock time.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const step: Script.Sleep = Script.sleep("30 seconds")
 */
export interface Sleep {
  readonly action: "sleep"
  readonly time: number
}

/**
 * An `exit` step: the process exits with `code` (0 completes the trial, anything else fails it).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const step: Script.Exit = Script.exit(1) // the trial fails
 */
export interface Exit {
  readonly action: "exit"
  readonly code: number
}

/**
 * One step of a script.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const steps: ReadonlyArray<Script.Action> = [Script.report("training", { loss: 1 }), Script.checkpoint(), Script.exit(0)]
 */
export type Action = Report | Checkpoint | Log | Sleep | Exit

/**
 * The `actions` hyperparameter: steps keyed `"1"`, `"2"`, … in the order they run.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const actions: Script.Actions = Script.make(Script.report("validation", { validation_loss: 0.5 }), Script.exit(0))
 */
export type Actions = Readonly<Record<string, Action>>

/**
 * Python logging level names accepted by {@link log}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const level: Script.LogLevel = "WARNING"
 * const step = Script.log("disk almost full", { level })
 */
export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL"

const toBase64 = (text: string): string => {
  let binary = ""
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

const levels: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 }

/**
 * A metric report of `group`.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const step = Script.report("validation", { validation_loss: 0.5 })
 */
export const report = (group: string, metrics: Readonly<Record<string, unknown>>): Report => ({
  action: "report",
  group,
  metrics
})

/**
 * A checkpoint at the current step.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const step = Script.checkpoint()
 */
export const checkpoint = (): Checkpoint => ({ action: "checkpoint" })

/**
 * A log line (default level INFO). The text travels base64-encoded, as the no-op model's `Log` does.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const step = Script.log("something odd", { level: "WARNING" })
 */
export const log = (message: string, options?: { readonly level?: LogLevel | number | undefined }): Log => {
  const level = options?.level ?? "INFO"
  return {
    action: "log",
    base64: toBase64(message),
    level: typeof level === "number" ? level : levels[level]
  }
}

/**
 * A pause of the given duration (clock time; virtual under `TestClock`).
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const step = Script.sleep("1.5 seconds")
 */
export const sleep = (duration: Duration.DurationInput): Sleep => ({
  action: "sleep",
  time: Duration.toMillis(Duration.decode(duration)) / 1000
})

/**
 * The process exits with `code` (default 0). A non-zero code fails the trial's allocation.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const step = Script.exit(1)
 */
export const exit = (code = 0): Exit => ({ action: "exit", code })

/**
 * Numbers the steps: the `actions` object to put under `hyperparameters`.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const actions = Script.make(
 *   Script.report("validation", { validation_loss: 0.5 }),
 *   Script.checkpoint(),
 *   Script.log("hello", { level: "INFO" }),
 *   Script.sleep("1.5 seconds"),
 *   Script.exit(1)
 * )
 * // { "1": { action: "report", ... }, "2": { action: "checkpoint" }, ... }
 */
export const make = (...steps: ReadonlyArray<Action | ReadonlyArray<Action>>): Actions => {
  const out: Record<string, Action> = {}
  let i = 1
  for (const s of steps.flat()) out[String(i++)] = s
  return out
}

/**
 * `n` rounds of "report training, report validation, checkpoint" with metric `name` starting at 1 and multiplied
 * by `scale` each round, like the no-op model's `traininglike_steps`.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const actions = Script.make(Script.trainingLike(5, { scale: 0.9 }))
 */
export const trainingLike = (
  n: number,
  options?: { readonly metric?: string | undefined; readonly scale?: number | undefined }
): ReadonlyArray<Action> => {
  const name = options?.metric ?? "x"
  const scale = options?.scale ?? 1
  const out: Array<Action> = []
  let value = 1
  for (let i = 0; i < n; i++) {
    out.push(report("training", { [name]: value }), report("validation", { [name]: value }), checkpoint())
    value *= scale
  }
  return out
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v)

const merge = (base: unknown, over: unknown): unknown => {
  if (!isPlainObject(base) || !isPlainObject(over)) return over
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : v
  return out
}

/**
 * A whole experiment config for a script, as the no-op model's `generate_config`: name `noop`, entrypoint
 * `python3 train.py`, the actions, `max_restarts: 0` and a `single` searcher on metric `x`, with `overrides`
 * merged over it. Ready for `Experiment.create({ config })` (metric values must be JSON).
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const config = Script.config(
 *   Script.make(Script.report("validation", { x: 0.5 }), Script.exit(1)),
 *   { max_restarts: 1 }
 * )
 */
export const config = (actions: Actions, overrides?: Readonly<Record<string, unknown>>): JsonObject => {
  const base: Record<string, unknown> = {
    name: "noop",
    entrypoint: "python3 train.py",
    hyperparameters: { actions },
    max_restarts: 0,
    searcher: { name: "single", metric: "x" }
  }
  return (overrides === undefined ? base : merge(base, overrides)) as JsonObject
}
