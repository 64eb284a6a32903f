/**
 * GetProjectColumns and GetProjectNumericMetricsRange from LocalMaster's own data (shared/docs/search-filter.md
 * §5): the fixed columns, then metric columns from the summaries of the project's best trials (experiment table)
 * or of all its runs (run table), then hyperparameter and metadata columns.
 *
 * @internal
 */
import { forEachHp } from "../domain/expconf.js"
import { trialSearcherValue } from "../domain/reporting.js"
import type { Experiment, Trial, World } from "../domain/store.js"
import type { Json, JsonObject } from "../json.js"
import { isObject } from "../json.js"
import { isUnmanaged, runMetadataOf } from "../unmanaged.js"
import type { Relations } from "./rows.js"
import { metadataRows } from "./rows.js"

/** One `ProjectColumn`. @internal */
export interface Column {
  readonly column: string
  readonly location: string
  readonly type: string
  readonly displayName: string
}

const fixed = (location: string, rows: ReadonlyArray<readonly [string, string, string]>): Array<Column> =>
  rows.map(([column, type, displayName]) => ({
    column,
    location,
    type: `COLUMN_TYPE_${type}`,
    displayName
  }))

const experimentFixed = fixed("LOCATION_TYPE_EXPERIMENT", [
  ["id", "NUMBER", "ID"],
  ["name", "TEXT", "Name"],
  ["description", "TEXT", "Description"],
  ["tags", "TEXT", "Tags"],
  ["forkedFrom", "NUMBER", "Forked"],
  ["startTime", "DATE", "Start time"],
  ["duration", "NUMBER", "Duration"],
  ["numTrials", "NUMBER", "Trial count"],
  ["state", "TEXT", "State"],
  ["searcherType", "TEXT", "Searcher"],
  ["resourcePool", "TEXT", "Resource pool"],
  ["progress", "NUMBER", "Progress"],
  ["checkpointSize", "NUMBER", "Checkpoint size"],
  ["checkpointCount", "NUMBER", "Checkpoints"],
  ["user", "TEXT", "User"],
  ["searcherMetric", "TEXT", "Searcher Metric"],
  ["searcherMetricsVal", "NUMBER", "Searcher Metric Value"],
  ["externalExperimentId", "TEXT", "External Experiment ID"],
  ["externalTrialId", "TEXT", "External Trial ID"],
  ["archived", "UNSPECIFIED", "Archived"]
])

const runFixed = fixed("LOCATION_TYPE_RUN", [
  ["id", "NUMBER", "Global Run ID"],
  ["experimentDescription", "TEXT", "Search Description"],
  ["tags", "TEXT", "Tags"],
  ["forkedFrom", "NUMBER", "Forked"],
  ["startTime", "DATE", "Start Time"],
  ["endTime", "DATE", "End Time"],
  ["duration", "NUMBER", "Duration"],
  ["state", "TEXT", "State"],
  ["searcherType", "TEXT", "Searcher"],
  ["resourcePool", "TEXT", "Resource Pool"],
  ["checkpointSize", "NUMBER", "Checkpoint Size"],
  ["checkpointCount", "NUMBER", "Checkpoints"],
  ["user", "TEXT", "User"],
  ["searcherMetric", "TEXT", "Searcher Metric"],
  ["searcherMetricsVal", "NUMBER", "Searcher Metric Value"],
  ["externalExperimentId", "TEXT", "External Experiment ID"],
  ["projectId", "NUMBER", "Project ID"],
  ["externalRunId", "TEXT", "External Run ID"],
  ["experimentProgress", "NUMBER", "Search Progress"],
  ["experimentId", "NUMBER", "Search ID"],
  ["experimentName", "TEXT", "Search Name"],
  ["isExpMultitrial", "UNSPECIFIED", "Part of Search"],
  ["parentArchived", "UNSPECIFIED", "Parent Archived"],
  ["localId", "TEXT", "Run ID"],
  ["archived", "UNSPECIFIED", "Archived"]
])

const summaryPrefix = (group: string) =>
  group === "avg_metrics" ? "training" : group === "validation_metrics" ? "validation" : group

const summaryLocation = (group: string) =>
  group === "avg_metrics"
    ? "LOCATION_TYPE_TRAINING"
    : group === "validation_metrics"
    ? "LOCATION_TYPE_VALIDATIONS"
    : "LOCATION_TYPE_CUSTOM_METRIC"

const summaryColumnType = (t: Json | undefined) =>
  t === "string" || t === "boolean"
    ? "COLUMN_TYPE_TEXT"
    : t === "date"
    ? "COLUMN_TYPE_DATE"
    : t === "array"
    ? "COLUMN_TYPE_ARRAY"
    : "COLUMN_TYPE_UNSPECIFIED"

/** Metric columns from trial summaries: per group and name, four NUMBER columns or one `.last`. */
const metricColumns = (trials: ReadonlyArray<Trial>): Array<Column> => {
  const seen = new Map<string, Map<string, Json | undefined>>()
  for (const t of trials) {
    for (const [group, metrics] of Object.entries(t.summary)) {
      if (!isObject(metrics)) continue
      let names = seen.get(group)
      if (names === undefined) {
        names = new Map()
        seen.set(group, names)
      }
      for (const [name, entry] of Object.entries(metrics)) {
        const type = isObject(entry) ? entry.type : undefined
        if (!names.has(name)) names.set(name, type)
        else if (names.get(name) !== type) names.set(name, "mixed")
      }
    }
  }
  const out: Array<Column> = []
  for (const group of [...seen.keys()].sort()) {
    const names = seen.get(group)!
    for (const name of [...names.keys()].sort()) {
      const type = names.get(name)
      const base = `${summaryPrefix(group)}.${name}`
      const location = summaryLocation(group)
      if (type === "number") {
        for (const agg of ["last", "max", "mean", "min"]) {
          out.push({ column: `${base}.${agg}`, location, type: "COLUMN_TYPE_NUMBER", displayName: "" })
        }
      } else {
        out.push({ column: `${base}.last`, location, type: summaryColumnType(type), displayName: "" })
      }
    }
  }
  return out
}

const hpColumnType = (def: JsonObject): string => {
  if (def.type === "int" || def.type === "double" || def.type === "log") return "COLUMN_TYPE_NUMBER"
  if (def.type === "const") {
    return typeof def.val === "number"
      ? "COLUMN_TYPE_NUMBER"
      : typeof def.val === "string"
      ? "COLUMN_TYPE_TEXT"
      : "COLUMN_TYPE_UNSPECIFIED"
  }
  return "COLUMN_TYPE_UNSPECIFIED"
}

const projectExperiments = (world: World, projectId: number): Array<Experiment> =>
  [...world.experiments.values()].filter((e) => e.projectId === projectId).sort((a, b) => a.id - b.id)

/** GetProjectColumns for the experiment table. @internal */
export const experimentTableColumns = (world: World, rel: Relations, projectId: number): Array<Column> => {
  const exps = projectExperiments(world, projectId)
  const best: Array<Trial> = []
  for (const e of exps) {
    const t = rel.bestTrial(e)
    if (t !== undefined) best.push(t)
  }
  const hps = new Map<string, string>()
  for (const e of exps) {
    const defs = e.config.hyperparameters
    if (!isObject(defs as Json)) continue
    forEachHp(defs as JsonObject, (name, def) => {
      if (!hps.has(name)) hps.set(name, hpColumnType(def))
    })
  }
  const hpCols: Array<Column> = [...hps.entries()].map(([name, type]) => ({
    column: `hp.${name}`,
    location: "LOCATION_TYPE_HYPERPARAMETERS",
    type,
    displayName: ""
  }))
  return [...experimentFixed, ...metricColumns(best), ...hpCols]
}

const leafType = (v: Json): string =>
  typeof v === "number" ? "COLUMN_TYPE_NUMBER" : typeof v === "string" ? "COLUMN_TYPE_TEXT" : "COLUMN_TYPE_TEXT"

const flatHps = (hparams: JsonObject, prefix: string, out: Map<string, string>) => {
  for (const [k, v] of Object.entries(hparams)) {
    const key = prefix === "" ? k : `${prefix}.${k}`
    if (isObject(v)) flatHps(v, key, out)
    else if (!out.has(key)) out.set(key, leafType(v))
  }
}

/** GetProjectColumns for the run table. @internal */
export const runTableColumns = (world: World, projectId: number): Array<Column> => {
  const runs: Array<Trial> = []
  for (const e of projectExperiments(world, projectId)) runs.push(...world.trialsOf(e))
  const hps = new Map<string, string>()
  // unmanaged runs have no run_hparams rows
  for (const t of runs) if (!isUnmanaged(world, t.experimentId)) flatHps(t.hparams, "", hps)
  const md = new Map<string, string>()
  for (const t of runs) {
    const m = runMetadataOf(world, t.id)
    if (m === undefined) continue
    for (const row of metadataRows(m)) {
      const type = row.integerValue !== null || row.floatValue !== null
        ? "COLUMN_TYPE_NUMBER"
        : row.timestampValue !== null
        ? "COLUMN_TYPE_DATE"
        : "COLUMN_TYPE_TEXT"
      const isArray = Array.isArray(walkKey(m, row.key))
      const k = `${row.key}\u0000${isArray ? "COLUMN_TYPE_ARRAY" : type}`
      if (!md.has(k)) md.set(k, isArray ? "COLUMN_TYPE_ARRAY" : type)
    }
  }
  return [
    ...runFixed,
    ...metricColumns(runs),
    ...[...hps.entries()].map(([name, type]) => ({
      column: `hp.${name}`,
      location: "LOCATION_TYPE_RUN_HYPERPARAMETERS",
      type,
      displayName: ""
    })),
    ...[...md.entries()].map(([k, type]) => ({
      column: `metadata.${k.split("\u0000")[0]}`,
      location: "LOCATION_TYPE_RUN_METADATA",
      type,
      displayName: ""
    }))
  ]
}

const walkKey = (md: JsonObject, key: string): Json | undefined => {
  let v: Json | undefined = md
  for (const p of key.split(".")) v = isObject(v as Json) ? (v as JsonObject)[p] : undefined
  return v
}

/** GetProjectNumericMetricsRange. @internal */
export const metricRanges = (
  world: World,
  rel: Relations,
  projectId: number
): Array<{ metricsName: string; min: number; max: number }> => {
  const ranges = new Map<string, { min: number; max: number }>()
  let searcher: { min: number; max: number } | undefined
  const note = (m: Map<string, { min: number; max: number }>, name: string, v: number) => {
    const r = m.get(name)
    if (r === undefined) m.set(name, { min: v, max: v })
    else {
      r.min = Math.min(r.min, v)
      r.max = Math.max(r.max, v)
    }
  }
  for (const e of projectExperiments(world, projectId)) {
    const t = rel.bestTrial(e)
    if (t === undefined || Object.keys(t.summary).length === 0) continue
    for (const [group, metrics] of Object.entries(t.summary)) {
      if (!isObject(metrics)) continue
      for (const [name, entry] of Object.entries(metrics)) {
        if (!isObject(entry) || entry.type !== "number") continue
        for (const agg of ["last", "max", "mean", "min"]) {
          const v = entry[agg]
          if (typeof v === "number") note(ranges, `${summaryPrefix(group)}.${name}.${agg}`, v)
        }
      }
    }
    const sv = trialSearcherValue(e, t)
    if (sv !== null && Number.isFinite(sv)) {
      searcher = searcher === undefined
        ? { min: sv, max: sv }
        : { min: Math.min(searcher.min, sv), max: Math.max(searcher.max, sv) }
    }
  }
  const out = [...ranges.entries()].map(([metricsName, r]) => ({ metricsName, ...r }))
  if (searcher !== undefined) out.push({ metricsName: "searcherMetricsVal", ...searcher })
  return out
}
