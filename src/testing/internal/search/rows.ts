/**
 * The relations the master's search queries join, built from LocalMaster's records: `e` (experiments), `r` (runs:
 * the best trial in SearchExperiments, the run itself in SearchRuns), `p`/`w` (project, workspace), and the two
 * index tables `run_hparams` and `run_metadata` (shared/docs/search-filter.md §3). Values are SQL values: NULL
 * where the column is NULL, timestamps as epoch millis.
 *
 * @internal
 */
import { bestTrialAmong, hasValidation, trialSearcherValue } from "../domain/reporting.js"
import type { Experiment, Trial, World } from "../domain/store.js"
import type { Json, JsonObject } from "../json.js"
import { isObject } from "../json.js"
import { externalExperimentId, externalTrialId, isUnmanaged, runMetadataOf } from "../unmanaged.js"
import { checkpointSize } from "../views.js"

/** One `run_hparams` row. @internal */
export interface HparamRow {
  readonly key: string
  readonly numberVal: number | null
  readonly textVal: string | null
  readonly boolVal: boolean | null
}

/** One `run_metadata` index row. @internal */
export interface MetadataRow {
  readonly key: string
  readonly integerValue: number | null
  readonly floatValue: number | null
  readonly stringValue: string | null
  readonly timestampValue: number | null
  readonly booleanValue: boolean | null
}

/** The `r` side of a joined row. @internal */
export interface RunRelation {
  readonly trial: Trial
  readonly id: number
  readonly state: string
  readonly startTime: number
  readonly endTime: number | null
  readonly checkpointSize: number
  readonly checkpointCount: number
  readonly searcherMetricValue: number | null
  readonly summary: JsonObject | null
  readonly hparams: JsonObject
  readonly hparamRows: ReadonlyArray<HparamRow>
  readonly metadata: JsonObject | undefined
  readonly metadataRows: ReadonlyArray<MetadataRow>
  readonly localId: string
  readonly archived: boolean
  readonly externalRunId: string | null
}

/** One row of the joined query. @internal */
export interface JoinedRow {
  readonly exp: Experiment
  readonly run: RunRelation | null
  readonly projectKey: string
  readonly parentArchived: boolean
  readonly expCheckpointSize: number
  readonly expCheckpointCount: number
  /** the best searcher value among the experiment's trials (by smaller_is_better), or NULL */
  readonly expBestSearcherValue: number | null
  readonly externalExperimentId: string | null
  readonly unmanaged: boolean
  /** `now()` of the query */
  readonly now: number
}

/**
 * `best_trial_id`: the trial with the lowest signed searcher value, NULLs last (domain/reporting.ts). A `single`
 * experiment has it as soon as its trial exists; any other experiment only after its first validation report.
 *
 * @internal
 */
export const bestTrialOf = (world: World, exp: Experiment): Trial | undefined => {
  const trials = world.trialsOf(exp)
  if (trials.length === 0) return undefined
  if (exp.searcher.kind !== "single" && !trials.some(hasValidation)) return undefined
  return bestTrialAmong(exp, trials)
}

/** `run_hparams`: one row per leaf of the sampled hparams, nested keys joined with `.`. @internal */
export const hparamRows = (hparams: JsonObject, prefix = "", out: Array<HparamRow> = []): Array<HparamRow> => {
  for (const [k, v] of Object.entries(hparams)) {
    const key = prefix === "" ? k : `${prefix}.${k}`
    if (isObject(v)) {
      hparamRows(v, key, out)
    } else if (typeof v === "number") {
      out.push({ key, numberVal: v, textVal: null, boolVal: null })
    } else if (typeof v === "string") {
      out.push({ key, numberVal: null, textVal: v, boolVal: null })
    } else if (typeof v === "boolean") {
      out.push({ key, numberVal: null, textVal: null, boolVal: v })
    } else {
      out.push({ key, numberVal: null, textVal: JSON.stringify(v), boolVal: null })
    }
  }
  return out
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/
const isoDate = /^\d{4}-\d{2}-\d{2}$/
const isoMonth = /^\d{4}-\d{2}$/

/** A metadata string that the index stores as a timestamp (RFC 3339, `YYYY-MM-DD`, `YYYY-MM`), else NaN. */
const metadataTimestamp = (v: string): number =>
  rfc3339.test(v) || isoDate.test(v) ? Date.parse(v) : isoMonth.test(v) ? Date.parse(`${v}-01`) : NaN

const metadataLeaf = (key: string, v: Json, out: Array<MetadataRow>) => {
  const row = {
    key,
    integerValue: null,
    floatValue: null,
    stringValue: null,
    timestampValue: null,
    booleanValue: null
  }
  if (typeof v === "number") {
    out.push(Number.isInteger(v) ? { ...row, integerValue: v } : { ...row, floatValue: v })
  } else if (typeof v === "string") {
    const t = metadataTimestamp(v)
    out.push(Number.isNaN(t) ? { ...row, stringValue: v } : { ...row, timestampValue: t })
  } else if (typeof v === "boolean") {
    out.push({ ...row, booleanValue: v })
  } else {
    out.push(row)
  }
}

/**
 * The flattened `run_metadata` index of PostRunMetadata (core-api.md §7) as the search reads it. Unlike
 * unmanaged.ts' `flattenMetadata` (which checks the limits when metadata is posted), an empty object or array and
 * a null give a row with every value NULL (search-filter.md §3.6), which `notEmpty` finds.
 *
 * @internal
 */
export const metadataRows = (md: JsonObject, prefix = "", out: Array<MetadataRow> = []): Array<MetadataRow> => {
  for (const [k, v] of Object.entries(md)) {
    const key = prefix === "" ? k : `${prefix}.${k}`
    if (isObject(v)) {
      if (Object.keys(v).length === 0) metadataLeaf(key, null, out)
      else metadataRows(v, key, out)
    } else if (Array.isArray(v)) {
      if (v.length === 0) metadataLeaf(key, null, out)
      for (const el of v) {
        if (isObject(el)) metadataRows(el, key, out)
        else if (!Array.isArray(el)) metadataLeaf(key, el, out)
      }
    } else {
      metadataLeaf(key, v, out)
    }
  }
  return out
}

/** Per-request lookups shared by every row: project keys and local run ids. @internal */
export class Relations {
  private readonly localIds = new Map<number, number>()
  private readonly bestCache = new Map<number, Trial | undefined>()

  constructor(readonly world: World, readonly now: number) {
    // a run's local id is its 1-based position among its project's runs
    const counters = new Map<number, number>()
    const trials = [...world.trials.values()].sort((a, b) => a.id - b.id)
    for (const t of trials) {
      const e = world.experiments.get(t.experimentId)
      if (e === undefined) continue
      const n = (counters.get(e.projectId) ?? 0) + 1
      counters.set(e.projectId, n)
      this.localIds.set(t.id, n)
    }
  }

  bestTrial(exp: Experiment): Trial | undefined {
    if (!this.bestCache.has(exp.id)) this.bestCache.set(exp.id, bestTrialOf(this.world, exp))
    return this.bestCache.get(exp.id)
  }

  run(exp: Experiment, t: Trial): RunRelation {
    let size = 0
    let count = 0
    for (const uuid of t.checkpoints) {
      const c = this.world.checkpoints.get(uuid)
      if (c === undefined || c.state === "STATE_DELETED") continue
      count++
      size += checkpointSize(c)
    }
    const project = this.world.projects.get(exp.projectId)
    const metadata = runMetadataOf(this.world, t.id)
    const summary = Object.keys(t.summary).length === 0 ? null : t.summary
    return {
      trial: t,
      id: t.id,
      state: t.state,
      startTime: t.startTime,
      endTime: t.endTime ?? null,
      checkpointSize: size,
      checkpointCount: count,
      searcherMetricValue: trialSearcherValue(exp, t),
      summary,
      hparams: t.hparams,
      // the index is written when a managed trial is created: unmanaged trials have no rows
      hparamRows: isUnmanaged(this.world, exp.id) ? [] : hparamRows(t.hparams),
      metadata,
      metadataRows: metadata === undefined ? [] : metadataRows(metadata),
      localId: `${project?.key ?? ""}-${this.localIds.get(t.id) ?? 0}`,
      archived: false,
      externalRunId: externalTrialId(this.world, t.id) ?? null
    }
  }

  joined(exp: Experiment, run: RunRelation | null): JoinedRow {
    const project = this.world.projects.get(exp.projectId)
    const workspace = project === undefined ? undefined : this.world.workspaces.get(project.workspaceId)
    let size = 0
    let count = 0
    let best: number | null = null
    for (const t of this.world.trialsOf(exp)) {
      for (const uuid of t.checkpoints) {
        const c = this.world.checkpoints.get(uuid)
        if (c === undefined || c.state === "STATE_DELETED") continue
        count++
        size += checkpointSize(c)
      }
      const v = trialSearcherValue(exp, t)
      if (v !== null && (best === null || exp.searcher.sign * v < exp.searcher.sign * best)) best = v
    }
    return {
      exp,
      run,
      projectKey: project?.key ?? "",
      parentArchived: (workspace?.archived ?? false) || (project?.archived ?? false),
      expCheckpointSize: size,
      expCheckpointCount: count,
      expBestSearcherValue: best,
      externalExperimentId: externalExperimentId(this.world, exp.id) ?? null,
      unmanaged: isUnmanaged(this.world, exp.id),
      now: this.now
    }
  }
}
