/**
 * Metric reports and the summaries they update (master-behaviour.md §1, §2.1): `summaryMetrics`,
 * `latestValidation`, `bestValidation`, `totalBatchesProcessed`.
 *
 * @internal
 */
import type { Json, JsonObject } from "../json.js"
import { wireNumber } from "../json.js"
import type { Experiment, MetricRow, Trial, World } from "./store.js"

const DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/

const typeOf = (v: Json | undefined): string => {
  if (v === null || v === undefined) return "null"
  if (typeof v === "number") return "number"
  if (typeof v === "string") {
    if (v === "NaN" || v === "Infinity" || v === "-Infinity") return "number"
    return DATE_RE.test(v) ? "date" : "string"
  }
  if (typeof v === "boolean") return "boolean"
  return Array.isArray(v) ? "array" : "object"
}

const num = (v: Json | undefined): number =>
  typeof v === "number" ? v : v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : 0

/** Applies one report to a group's summary (master-behaviour.md §1.2). @internal */
export const updateSummary = (summary: JsonObject, key: string, values: JsonObject): void => {
  const group = (summary[key] ?? {}) as JsonObject
  summary[key] = group
  for (const [name, v] of Object.entries(values)) {
    const type = typeOf(v)
    let entry = group[name] as JsonObject | undefined
    if (entry === undefined) {
      entry = { type }
      group[name] = entry
    } else if (entry.type !== type) {
      entry = { type: "string" }
      group[name] = entry
    }
    if (entry.type === "number" && type === "number") {
      const x = num(v)
      if (entry.count === undefined) {
        entry.count = 1
        entry.min = wireNumber(x)
        entry.max = wireNumber(x)
        entry.sum = wireNumber(x)
        entry.mean = wireNumber(x)
      } else {
        const count = (entry.count as number) + 1
        const sum = num(entry.sum) + x
        entry.count = count
        entry.min = wireNumber(Math.min(num(entry.min), x))
        entry.max = wireNumber(Math.max(num(entry.max), x))
        entry.sum = wireNumber(sum)
        entry.mean = wireNumber(sum / count)
      }
    }
  }
  for (const [name, entry] of Object.entries(group)) {
    const v = values[name]
    ;(entry as JsonObject).last = v === undefined ? null : v
  }
  // keep keys sorted the way the master's jsonb does for readability
  for (const name of Object.keys(group)) {
    const e = group[name] as JsonObject
    const sorted: JsonObject = {}
    for (const k of Object.keys(e).sort()) sorted[k] = e[k]!
    group[name] = sorted
  }
}

/** The summaryMetrics key of a metric group. @internal */
export const summaryKey = (group: string) =>
  group === "training" ? "avg_metrics" : group === "validation" ? "validation_metrics" : group

/** Records one metric report on a trial, as ReportTrialMetrics does. @internal */
export const reportMetrics = (
  world: World,
  trial: Trial,
  group: string,
  values: JsonObject,
  steps: number,
  at: number
): MetricRow => {
  const clean: JsonObject = {}
  for (const [k, v] of Object.entries(values)) clean[k] = typeof v === "number" ? wireNumber(v) : v
  const row: MetricRow = {
    id: world.nextId("metric"),
    trialId: trial.id,
    group,
    totalBatches: steps,
    endTime: at,
    trialRunId: Math.max(1, trial.runId),
    metrics: group === "validation"
      ? { validation_metrics: clean }
      : { avg_metrics: clean, batch_metrics: null },
    values: clean
  }
  trial.metrics.push(row)
  if (steps > trial.totalBatchesProcessed) trial.totalBatchesProcessed = steps
  updateSummary(trial.summary, summaryKey(group), clean)
  if (group === "validation") noteValidation(world, trial, row)
  return row
}

const noteValidation = (world: World, trial: Trial, row: MetricRow): void => {
  const exp = world.experiments.get(trial.experimentId)
  if (exp === undefined) return
  const s = exp.searcher
  const v = row.values[s.metric]
  if (typeof v !== "number") return
  trial.latestValidation = row
  const signed = s.sign * v
  const best = trial.bestValidation?.values[s.metric]
  if (trial.bestValidation === undefined || typeof best !== "number" || signed < s.sign * best) {
    trial.bestValidation = row
  }
  if (exp.bestSigned === undefined || signed < exp.bestSigned) exp.bestSigned = signed
}

/** Recomputes summary, best/latest validation and batches from the trial's remaining rows. @internal */
export const recomputeTrialMetrics = (world: World, trial: Trial): void => {
  trial.summary = {}
  trial.latestValidation = undefined
  trial.bestValidation = undefined
  trial.totalBatchesProcessed = 0
  for (const row of trial.metrics) {
    if (row.totalBatches > trial.totalBatchesProcessed) trial.totalBatchesProcessed = row.totalBatches
    updateSummary(trial.summary, summaryKey(row.group), row.values)
    if (row.group === "validation") noteValidation(world, trial, row)
  }
}

/** A finite number as stored in a jsonb number, or the JSON strings "NaN" / "Infinity" as float8. @internal */
export const storedNumber = (v: Json | undefined): number | null =>
  typeof v === "number"
    ? v
    : v === "NaN"
    ? NaN
    : v === "Infinity"
    ? Infinity
    : v === "-Infinity"
    ? -Infinity
    : null

/** A trial's `searcher_metric_value`: the searcher metric of its best validation. @internal */
export const trialSearcherValue = (exp: Experiment, t: Trial): number | null =>
  t.bestValidation === undefined ? null : storedNumber(t.bestValidation.values[exp.searcher.metric])

/**
 * The master's best-trial rule (the one place it is written): among `trials`, the lowest signed searcher value,
 * NULLs last, the first of equals. Callers choose the candidates (SearchExperiments' `best_trial_id`, the Core API's
 * list rows).
 *
 * @internal
 */
export const bestTrialAmong = (exp: Experiment, trials: ReadonlyArray<Trial>): Trial | undefined => {
  let best: Trial | undefined
  let bestValue: number | null = null
  for (const t of trials) {
    const v = trialSearcherValue(exp, t)
    const signed = v === null ? null : exp.searcher.sign * v
    if (best === undefined) {
      best = t
      bestValue = signed
    } else if (signed !== null && (bestValue === null || signed < bestValue)) {
      best = t
      bestValue = signed
    }
  }
  return best
}

/** Has the trial reported a validation? @internal */
export const hasValidation = (t: Trial): boolean => t.metrics.some((m) => m.group === "validation")
