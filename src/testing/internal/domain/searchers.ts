/**
 * Searchers (single, random, grid, adaptive ASHA): built from a completed config, they sample hyperparameters,
 * create trials, hear of closed trials and validations, and compute the experiment's progress
 * (master-behaviour.md §3.2, §4). They decide; lifecycle.ts acts.
 *
 * @internal
 */
import type { Json, JsonObject } from "../json.js"
import { isObject } from "../json.js"
import { forEachHp, lengthInBatches, periodInBatches } from "./expconf.js"
import type { Bracket, Experiment, Searcher, Trial, World } from "./store.js"
import { createTrial } from "./trials.js"

const sample = (hps: JsonObject, exp: Experiment): JsonObject => {
  const out: JsonObject = {}
  for (const name of Object.keys(hps).sort()) {
    const def = hps[name] as JsonObject
    switch (def.type) {
      case "const":
        out[name] = def.val!
        break
      case "int": {
        const min = def.minval as number
        const max = def.maxval as number
        out[name] = min + exp.rng.int(max - min + 1)
        break
      }
      case "double":
        out[name] = exp.rng.uniform(def.minval as number, def.maxval as number)
        break
      case "log":
        out[name] = pow(def.base as number, exp.rng.uniform(def.minval as number, def.maxval as number))
        break
      case "categorical": {
        const vals = def.vals as Array<Json>
        out[name] = vals[exp.rng.int(vals.length)]!
        break
      }
      default:
        out[name] = sample(def, exp)
    }
  }
  return out
}

const roundHalfAway = (x: number) => Math.sign(x) * Math.round(Math.abs(x))

/** `base ^ x`, exact for integer exponents (V8's Math.pow(10, -4) is 0.00009999999999999999, Go's is 1e-4). */
const pow = (base: number, x: number) => (Number.isInteger(x) && x < 0 ? 1 / Math.pow(base, -x) : Math.pow(base, x))

const axisValues = (def: JsonObject): Array<Json> => {
  switch (def.type) {
    case "const":
      return [def.val!]
    case "categorical":
      return [...(def.vals as Array<Json>)]
    case "int": {
      const min = def.minval as number
      const max = def.maxval as number
      const c = Math.min(def.count as number, max - min + 1)
      if (c === 1) return [roundHalfAway((min + max) / 2)]
      return Array.from({ length: c }, (_, i) => roundHalfAway(min + (i * (max - min)) / (c - 1)))
    }
    case "double":
    case "log": {
      const min = def.minval as number
      const max = def.maxval as number
      const c = def.count as number
      const xs = c === 1 ? [(min + max) / 2] : Array.from({ length: c }, (_, i) => min + (i * (max - min)) / (c - 1))
      return def.type === "log" ? xs.map((x) => pow(def.base as number, x)) : xs
    }
  }
  return []
}

/** All grid points in product order (first axis slowest). @internal */
export const gridPoints = (hps: JsonObject): Array<JsonObject> => {
  const axes: Array<{ path: Array<string>; values: Array<Json> }> = []
  forEachHp(hps, (name, def) => axes.push({ path: name.split("."), values: axisValues(def) }))
  let points: Array<Array<Json>> = [[]]
  for (const axis of axes) {
    const next: Array<Array<Json>> = []
    for (const p of points) for (const v of axis.values) next.push([...p, v])
    points = next
  }
  return points.map((vals) => {
    const out: JsonObject = {}
    axes.forEach((axis, i) => {
      let o = out
      for (const k of axis.path.slice(0, -1)) {
        if (!isObject(o[k])) o[k] = {}
        o = o[k] as JsonObject
      }
      o[axis.path[axis.path.length - 1]!] = vals[i]!
    })
    return out
  })
}

/** Builds a searcher from a completed config. @internal */
export const makeSearcher = (config: JsonObject, batchesPerEpoch: number, gbs: number): Searcher => {
  const sc = config.searcher as JsonObject
  const kind = sc.name as Searcher["kind"]
  const sign = sc.smaller_is_better === false ? -1 : 1
  const base = {
    kind,
    metric: String(sc.metric),
    sign,
    created: 0,
    gridPoints: [] as Array<JsonObject>,
    brackets: [] as Array<Bracket>,
    trialBracket: new Map<number, number>(),
    trialRung: new Map<number, number>(),
    maxTime: 0,
    timeMetric: "",
    divisor: 4
  }
  const conc = (n: number, max: number) => (n === 0 ? max : Math.min(n, max))
  switch (kind) {
    case "single":
      return { ...base, maxTrials: 1, concurrency: 1 }
    case "random": {
      const max = sc.max_trials as number
      return { ...base, maxTrials: max, concurrency: conc(sc.max_concurrent_trials as number, max) }
    }
    case "grid": {
      const points = gridPoints(config.hyperparameters as JsonObject)
      return {
        ...base,
        maxTrials: points.length,
        concurrency: conc(sc.max_concurrent_trials as number, points.length),
        gridPoints: points
      }
    }
    case "adaptive_asha": {
      const divisor = sc.divisor as number
      const maxTrials = sc.max_trials as number
      const timeMetric = String(sc.time_metric)
      const maxTimeUnits = sc.max_time as number
      const maxTime = timeMetric === "epochs"
        ? maxTimeUnits * batchesPerEpoch
        : timeMetric === "records"
        ? Math.ceil(maxTimeUnits / gbs)
        : maxTimeUnits
      const R = Math.max(
        1,
        Math.min(
          sc.max_rungs as number,
          Math.floor(Math.log(maxTimeUnits) / Math.log(divisor)) + 1,
          Math.floor(Math.log(maxTrials) / Math.log(divisor)) + 1
        )
      )
      let rungCounts: Array<number>
      const given = (sc.bracket_rungs as Array<Json>).filter((x): x is number => typeof x === "number")
      if (given.length > 0) rungCounts = given
      else if (sc.mode === "aggressive") rungCounts = [R]
      else if (sc.mode === "conservative") rungCounts = Array.from({ length: R }, (_, i) => i + 1)
      else {
        const lo = Math.floor((R - 1) / 2) + 1
        rungCounts = Array.from({ length: R - lo + 1 }, (_, i) => lo + i)
      }
      rungCounts.sort((a, b) => b - a)
      const weights = rungCounts.map((r) => Math.pow(divisor, r - 1) / r)
      const wsum = weights.reduce((a, b) => a + b, 0)
      const perBracket = weights.map((w) => Math.max(Math.trunc((w / wsum) * maxTrials), 1))
      const left = maxTrials - perBracket.reduce((a, b) => a + b, 0)
      if (left > 0) perBracket[0]! += left
      const nb = rungCounts.length
      const mct = sc.max_concurrent_trials as number
      let concs: Array<number>
      if (mct === 0) {
        concs = rungCounts.map(() => Math.max(perBracket[nb - 1]!, Math.trunc(divisor)))
      } else {
        const total = Math.max(mct, nb)
        concs = rungCounts.map((_, i) => Math.floor(total / nb) + (i < total % nb ? 1 : 0))
      }
      const brackets: Array<Bracket> = rungCounts.map((r, i) => ({
        thresholds: Array.from(
          { length: r },
          (_, k) => Math.max(Math.floor(maxTimeUnits / Math.pow(divisor, r - k - 1)), 1)
        ).map((units) =>
          timeMetric === "epochs"
            ? units * batchesPerEpoch
            : timeMetric === "records"
            ? Math.ceil(units / gbs)
            : units
        ),
        maxTrials: perBracket[i]!,
        concurrency: concs[i]!,
        created: 0,
        rungs: Array.from({ length: r }, () => []),
        completed: 0
      }))
      return {
        ...base,
        maxTrials: perBracket.reduce((a, b) => a + b, 0),
        concurrency: concs.reduce((a, b) => a + b, 0),
        brackets,
        maxTime,
        timeMetric,
        divisor
      }
    }
  }
}

/** Creates the searcher's initial trials. @internal */
export const startSearch = (world: World, exp: Experiment, at: number): void => {
  const s = exp.searcher
  if (s.kind === "adaptive_asha") {
    s.brackets.forEach((b, i) => {
      const n = Math.min(b.concurrency, b.maxTrials)
      for (let k = 0; k < n; k++) createSearchTrial(world, exp, at, i)
    })
  } else {
    const n = Math.min(s.concurrency, s.maxTrials)
    for (let k = 0; k < n; k++) createSearchTrial(world, exp, at, undefined)
  }
}

const createSearchTrial = (world: World, exp: Experiment, at: number, bracket: number | undefined): void => {
  const s = exp.searcher
  let hparams: JsonObject
  if (s.kind === "grid") {
    const p = s.gridPoints.pop()
    if (p === undefined) return
    hparams = p
  } else {
    hparams = sample(exp.config.hyperparameters as JsonObject, exp)
  }
  s.created += 1
  if (bracket !== undefined) s.brackets[bracket]!.created += 1
  const trial = createTrial(world, exp, hparams, at)
  if (bracket !== undefined) {
    s.trialBracket.set(trial.id, bracket)
    s.trialRung.set(trial.id, 0)
  }
}

/** @internal */
export const searcherTrialClosed = (world: World, exp: Experiment, trial: Trial, at: number): void => {
  const s = exp.searcher
  const creating = exp.state === "ACTIVE" || exp.state === "PAUSED"
  if (s.kind === "adaptive_asha") {
    const bi = s.trialBracket.get(trial.id)
    if (bi === undefined) return
    const b = s.brackets[bi]!
    if (trial.exit === "completed") {
      b.completed += 1
    } else {
      const r = s.trialRung.get(trial.id) ?? 0
      b.rungs[r]!.push(Infinity)
      if (creating && b.created < b.maxTrials) createSearchTrial(world, exp, at, bi)
    }
    updateProgress(world, exp)
    return
  }
  updateProgress(world, exp)
  if (creating && s.created < s.maxTrials) createSearchTrial(world, exp, at, undefined)
}

/** @internal */
export const updateProgress = (world: World, exp: Experiment): void => {
  const s = exp.searcher
  if (s.kind === "adaptive_asha") {
    let total = 0
    for (const b of s.brackets) {
      const n = b.rungs[0]!.length
      let p = n / (1.2 * b.maxTrials)
      if (n >= b.maxTrials) p = Math.max(p, b.completed / b.maxTrials)
      total += p
    }
    exp.progress = s.brackets.length === 0 ? 0 : total / s.brackets.length
    return
  }
  const trials = world.trialsOf(exp)
  if (trials.length === 0) return
  let sum = 0
  for (const t of trials) sum += t.closed ? 1 : t.progress
  const p = sum / trials.length
  exp.progress = Number.isFinite(p) ? p : 0
}

/**
 * What ASHA decides on a validation: train on, stop the trial (its rung is full of better ones, or it reached the
 * top rung), or a searcher error (the validation lacks the metric or the time metric). The caller acts on it.
 *
 * @internal
 */
export type AshaDecision = "continue" | "stop" | "searcher-error"

/** Feeds a validation to ASHA (creating the next trial of the bracket when one stops). @internal */
export const ashaValidation = (
  world: World,
  exp: Experiment,
  trial: Trial,
  values: JsonObject,
  at: number
): AshaDecision => {
  const s = exp.searcher
  const bi = s.trialBracket.get(trial.id)
  if (bi === undefined) return "continue"
  const metric = values[s.metric]
  const time = values[s.timeMetric]
  if (typeof metric !== "number" || typeof time !== "number") {
    // a searcher error: the experiment goes STOPPING_ERROR → ERROR
    return "searcher-error"
  }
  const b = s.brackets[bi]!
  const thresholdsInUnits = b.thresholds.map((th) => s.timeMetric === "epochs" ? th / exp.batchesPerEpoch : th)
  const v = s.sign * metric
  let r = s.trialRung.get(trial.id) ?? 0
  let stop = false
  while (r < b.rungs.length) {
    if (time < thresholdsInUnits[r]!) break
    const rung = b.rungs[r]!
    let idx = 0
    while (idx < rung.length && rung[idx]! < v) idx++
    rung.splice(idx, 0, v)
    if (r === b.rungs.length - 1) {
      stop = true
      break
    }
    const keep = Math.max(Math.floor(rung.length / s.divisor), 1)
    if (idx >= keep) {
      stop = true
      break
    }
    r += 1
    s.trialRung.set(trial.id, r)
  }
  updateProgress(world, exp)
  if (!stop) return "continue"
  if (b.created < b.maxTrials && exp.state === "ACTIVE") createSearchTrial(world, exp, at, bi)
  return trial.batches >= trial.length ? "continue" : "stop"
}

/** Experiment timing parameters from its config. @internal */
export const timingOf = (config: JsonObject) => {
  const hps = config.hyperparameters as JsonObject
  const gbsDef = hps.global_batch_size as JsonObject | undefined
  const gbs = gbsDef?.type === "const" && typeof gbsDef.val === "number" && gbsDef.val > 0 ? gbsDef.val : 32
  const rpe = typeof config.records_per_epoch === "number" ? config.records_per_epoch : 0
  const batchesPerEpoch = rpe > 0 ? Math.max(1, Math.round(rpe / gbs)) : 100
  const sc = config.searcher as JsonObject
  return {
    gbs,
    batchesPerEpoch,
    length: lengthInBatches(sc.max_length, batchesPerEpoch, gbs),
    schedulingUnit: typeof config.scheduling_unit === "number" && config.scheduling_unit > 0
      ? config.scheduling_unit
      : 100,
    validationPeriod: periodInBatches(config.min_validation_period, batchesPerEpoch, gbs),
    checkpointPeriod: periodInBatches(config.min_checkpoint_period, batchesPerEpoch, gbs)
  }
}
