/**
 * Scripted trials. When a trial's `hparams.actions` is an object of numbered steps, the trial follows that script
 * instead of the simulated curve, in the convention of Determined's no-op test model
 * (`e2e_tests/tests/fixtures/noop/train.py` upstream):
 *
 * ```json
 * {"1": {"action": "report", "group": "training", "metrics": {"x": 1}},
 *  "2": {"action": "checkpoint"},
 *  "3": {"action": "log", "base64": "aGVsbG8=", "level": 20},
 *  "4": {"action": "sleep", "time": 1.5},
 *  "5": {"action": "exit", "code": 1}}
 * ```
 *
 * Steps run in numeric order once the trial's allocation is RUNNING. Every action but `sleep` takes no clock time.
 *
 * - `report`: one metric report of `group` (metric values read as the no-op model reads them: numbers, numeric
 *   strings, `"nan"`, lists and objects of those). `steps_completed` rules: a training report always starts a new
 *   step; any other report is recorded at the current step, unless the current step is 0 or already holds a
 *   report of that group in this run, in which case it starts a new step too. So a script of ten reports of one
 *   group shows steps 1..10, and `report training, report validation, checkpoint` puts all three at one step (as
 *   the no-op model's train-validate-checkpoint loop does), so the checkpoint carries both reports.
 * - `checkpoint`: a COMPLETED checkpoint at the current step, with the Core API's metadata
 *   `{"steps_completed": n}`; a restart resumes from the latest one (the step after it, at its step).
 * - `log`: one task log line at the Python level (10 DEBUG, 20 INFO, 30 WARNING, 40 ERROR, 50 CRITICAL; other
 *   levels carry no level, as `ship_logs.py` parses them), on stderr as Python's `logging` writes.
 * - `sleep`: `time` seconds of clock time (virtual under `TestClock`).
 * - `exit`: code 0 ends the trial COMPLETED; any other code fails the allocation: the trial restarts from its
 *   latest checkpoint while `max_restarts` allows, then ends ERROR.
 * - Running out of steps is exit 0.
 *
 * Before each step the no-op model logs `executing {…}` at INFO, as upstream does. A new run that reports a step
 * an older run already passed archives the older run's rows beyond it (master-behaviour.md §1.3).
 *
 * State lives here, in a WeakMap keyed by trial: the store's records are untouched. This is one of the two
 * {@link TrialDriver}s (the other is the simulated curve, curve.ts).
 *
 * @internal
 */
import { writeCheckpoint } from "../domain/checkpoints.js"
import { exitedZero, failTrial } from "../domain/lifecycle.js"
import { logTask, pid, pyRepr } from "../domain/logs.js"
import { recomputeTrialMetrics, reportMetrics } from "../domain/reporting.js"
import type { Experiment, Trial, World } from "../domain/store.js"
import type { Json, JsonObject } from "../json.js"
import { isObject } from "../json.js"
import type { TrialDriver } from "./driver.js"

/** One parsed step. @internal */
export type Action =
  | { readonly _tag: "report"; readonly raw: JsonObject; readonly group: string; readonly metrics: JsonObject }
  | { readonly _tag: "checkpoint"; readonly raw: JsonObject }
  | { readonly _tag: "log"; readonly raw: JsonObject; readonly message: string; readonly level: number }
  | { readonly _tag: "sleep"; readonly raw: JsonObject; readonly seconds: number }
  | { readonly _tag: "exit"; readonly raw: JsonObject; readonly code: number }
  /** an action the no-op model would raise on: the process dies with exit code 1 after logging `error` */
  | { readonly _tag: "invalid"; readonly raw: Json; readonly error: string }

interface ScriptState {
  readonly actions: ReadonlyArray<Action>
  /** the allocation (runId) and RUNNING start the position below belongs to */
  runId: number
  runT0: number
  /** index of the next action */
  cursor: number
  /** `steps_completed` of the running process */
  steps: number
  /** when the next action is due (clock millis) */
  dueAt: number
  /** checkpoint uuid → index of the checkpoint action that wrote it */
  readonly checkpointAction: Map<string, number>
}

const parsed = new WeakMap<Trial, ReadonlyArray<Action> | null>()
const states = new WeakMap<Trial, ScriptState>()

/** Python's `float(x)` on a string, as `read_metrics` applies it. */
const pyFloat = (s: string): number | undefined => {
  const t = s.trim().toLowerCase().replace(/_/g, "")
  if (t === "nan" || t === "+nan" || t === "-nan") return NaN
  if (t === "inf" || t === "+inf" || t === "infinity" || t === "+infinity") return Infinity
  if (t === "-inf" || t === "-infinity") return -Infinity
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return undefined
  return Number(t)
}

/** The no-op model's `read_metrics`. Throws the Python error text on values it cannot read. */
const readMetrics = (v: Json): Json => {
  if (v === "nan") return NaN as unknown as Json
  if (typeof v === "number") return v
  if (typeof v === "boolean") return v ? 1 : 0
  if (typeof v === "string") {
    const f = pyFloat(v)
    if (f === undefined) throw new Error(`ValueError: could not convert string to float: ${pyRepr(v)}`)
    return f as unknown as Json
  }
  if (Array.isArray(v)) return v.map(readMetrics)
  if (isObject(v)) {
    const out: JsonObject = {}
    for (const [k, x] of Object.entries(v)) out[k] = readMetrics(x)
    return out
  }
  throw new Error(`ValueError: unexpected metrics: ${pyRepr(v)}`)
}

const parseAction = (raw: Json): Action => {
  const bad = (error: string): Action => ({ _tag: "invalid", raw, error })
  if (!isObject(raw)) return bad(`TypeError: ${pyRepr(raw)} is not an action`)
  switch (raw.action) {
    case "report": {
      if (typeof raw.group !== "string") return bad(`KeyError: 'group'`)
      if (!isObject(raw.metrics)) {
        return raw.metrics === undefined ? bad("KeyError: 'metrics'") : bad(`ValueError: unexpected metrics`)
      }
      try {
        return { _tag: "report", raw, group: raw.group, metrics: readMetrics(raw.metrics) as JsonObject }
      } catch (e) {
        return bad((e as Error).message)
      }
    }
    case "checkpoint":
      return { _tag: "checkpoint", raw }
    case "log": {
      if (typeof raw.base64 !== "string") return bad("KeyError: 'base64'")
      const level = typeof raw.level === "number" ? raw.level : 20
      return { _tag: "log", raw, message: Buffer.from(raw.base64, "base64").toString("utf8"), level }
    }
    case "sleep": {
      const t = typeof raw.time === "number" ? raw.time : typeof raw.time === "string" ? pyFloat(raw.time) : undefined
      if (t === undefined) return bad("KeyError: 'time'")
      return { _tag: "sleep", raw, seconds: Math.max(0, t) }
    }
    case "exit":
      return { _tag: "exit", raw, code: typeof raw.code === "number" ? Math.trunc(raw.code) : 0 }
    default:
      return bad(`ValueError: unexpected action type: ${pyRepr(raw)}`)
  }
}

/**
 * The script of a trial's hparams, or undefined when `actions` is not an object of numbered steps.
 *
 * @internal
 */
export const parseScript = (hparams: JsonObject): ReadonlyArray<Action> | undefined => {
  const actions = hparams.actions
  if (!isObject(actions)) return undefined
  const keys = Object.keys(actions)
  if (keys.length === 0 || !keys.every((k) => /^\d+$/.test(k))) return undefined
  return keys.sort((a, b) => Number(a) - Number(b)).map((k) => parseAction(actions[k]!))
}

/** The trial's script (parsed once). @internal */
export const scriptOf = (trial: Trial): ReadonlyArray<Action> | undefined => {
  let s = parsed.get(trial)
  if (s === undefined) {
    s = parseScript(trial.hparams) ?? null
    parsed.set(trial, s)
  }
  return s ?? undefined
}

/** True when the trial follows a script. @internal */
export const isScripted = (trial: Trial): boolean => scriptOf(trial) !== undefined

/** The latest COMPLETED checkpoint of the trial. */
const latestCheckpoint = (world: World, trial: Trial) => {
  for (let i = trial.checkpoints.length - 1; i >= 0; i--) {
    const c = world.checkpoints.get(trial.checkpoints[i]!)
    if (c !== undefined && c.state === "STATE_COMPLETED") return c
  }
  return undefined
}

/** The script position of the current allocation; a new allocation resumes from the latest checkpoint. */
const stateOf = (world: World, trial: Trial): ScriptState => {
  const actions = scriptOf(trial)!
  let s = states.get(trial)
  if (s === undefined) {
    s = {
      actions,
      runId: -1,
      runT0: -1,
      cursor: 0,
      steps: 0,
      dueAt: 0,
      checkpointAction: new Map()
    }
    states.set(trial, s)
  }
  if (s.runId !== trial.runId || s.runT0 !== trial.runT0) {
    const ckpt = latestCheckpoint(world, trial)
    if (ckpt === undefined) {
      s.cursor = 0
      s.steps = 0
    } else {
      const at = s.checkpointAction.get(ckpt.uuid)
      // a checkpoint LocalMaster wrote on pause/cancel sits at the position the process stopped at
      if (at !== undefined) s.cursor = at + 1
      else if (ckpt.stepsCompleted !== s.steps) s.cursor = 0
      s.steps = ckpt.stepsCompleted
    }
    s.runId = trial.runId
    s.runT0 = trial.runT0
    s.dueAt = trial.runT0
    // a Core API script posts no runner state
    trial.runnerState = ""
    trial.batches = s.steps
  }
  return s
}

/** When the running script's next step is due. */
const nextScriptEvent = (world: World, trial: Trial): number => stateOf(world, trial).dueAt

/** Archives older runs' rows beyond a new report (rollback, master-behaviour.md §1.3). */
const rollback = (world: World, trial: Trial, group: string, steps: number): void => {
  const run = Math.max(1, trial.runId)
  let changed = false
  for (let i = trial.metrics.length - 1; i >= 0; i--) {
    const r = trial.metrics[i]!
    if (r.trialRunId >= run) continue
    if ((r.group === group && r.totalBatches >= steps) || (r.group !== group && r.totalBatches > steps)) {
      trial.metrics.splice(i, 1)
      changed = true
    }
  }
  if (changed) recomputeTrialMetrics(world, trial)
}

const LEVELS: Record<number, string> = { 10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL" }

/** A line written by the script's Python `logging` (det.LOG_FORMAT) as ship_logs.py stores it. */
const logPython = (world: World, trial: Trial, at: number, level: number, text: string): void => {
  const name = LEVELS[level]
  for (const line of text.split("\n")) {
    if (name !== undefined) logTask(world, trial, at, name, `[${pid(trial)}] root: ${line}`, "stderr", undefined)
    else logTask(world, trial, at, undefined, `Level ${level}: [${pid(trial)}] root: ${line}`, "stderr", undefined)
  }
}

const exitProcess = (world: World, exp: Experiment, trial: Trial, code: number, at: number): void => {
  if (code === 0) {
    exitedZero(world, exp, trial, at)
    return
  }
  failTrial(
    world,
    trial.id,
    at,
    `resources failed with non-zero exit code: container failed with non-zero exit code: ${code} (exit code ${code})`
  )
}

/** Runs the next step of a RUNNING scripted trial. */
const stepScript = (world: World, exp: Experiment, trial: Trial, at: number): void => {
  const s = stateOf(world, trial)
  const action = s.actions[s.cursor]
  if (action === undefined) {
    exitProcess(world, exp, trial, 0, at)
    return
  }
  const index = s.cursor
  s.cursor += 1
  s.dueAt = at
  logPython(world, trial, at, 20, `executing ${pyRepr(action.raw)}`)
  switch (action._tag) {
    case "report": {
      const run = Math.max(1, trial.runId)
      const hasRow = trial.metrics.some((r) =>
        r.group === action.group && r.totalBatches === s.steps && r.trialRunId === run
      )
      if (action.group === "training" || s.steps === 0 || hasRow) s.steps += 1
      rollback(world, trial, action.group, s.steps)
      trial.batches = s.steps
      reportMetrics(world, trial, action.group, action.metrics, s.steps, at)
      return
    }
    case "checkpoint": {
      trial.batches = s.steps
      const ckpt = writeCheckpoint(world, exp, trial, at)
      trial.runnerState = ""
      const metadata: JsonObject = { steps_completed: s.steps }
      ckpt.metadata = metadata
      ckpt.resources = {
        "metadata.json": JSON.stringify(metadata).length,
        state: `${index},${s.steps},${trial.id}`.length
      }
      s.checkpointAction.set(ckpt.uuid, index)
      return
    }
    case "log":
      logPython(world, trial, at, action.level, action.message)
      return
    case "sleep":
      s.dueAt = at + action.seconds * 1000
      return
    case "exit":
      exitProcess(world, exp, trial, action.code, at)
      return
    case "invalid":
      logTask(world, trial, at, undefined, "Traceback (most recent call last):", "stderr", undefined)
      logTask(world, trial, at, undefined, action.error, "stderr", undefined)
      exitProcess(world, exp, trial, 1, at)
      return
  }
}

/** The driver of a scripted trial. @internal */
export const scriptDriver: TrialDriver = {
  nextEventAt: (world, _exp, trial) => nextScriptEvent(world, trial),
  step: stepScript
}
