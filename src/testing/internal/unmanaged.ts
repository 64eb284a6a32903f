/**
 * Unmanaged experiments and trials in LocalMaster (shared/docs/core-api.md): what the master keeps beside the
 * experiment and trial rows (external ids, last activity, run metadata and its flattened index, registered
 * checkpoint storages), the state rules (PatchTrial without transition checks, the experiment state derived
 * from its trials, the lost-trial rule on the simulated clock) and metric ingestion as ReportTrialMetrics does
 * it for every trial, managed or not (run-id check, rollback, merge at the same step, summaries).
 *
 * Unmanaged experiments are never in `World.live`, so the training simulation never touches them: their trials
 * move only by the client's PatchTrial / StartTrial calls and the lost-trial sweep.
 *
 * @internal
 */
import { isDomainError } from "./domain/errors.js"
import {
  bestTrialAmong,
  hasValidation,
  recomputeTrialMetrics,
  reportMetrics,
  summaryKey,
  updateSummary
} from "./domain/reporting.js"
import type { Experiment, MetricRow, Trial, TrialState, World } from "./domain/store.js"
import type { Json, JsonObject } from "./json.js"
import { wireNumber } from "./json.js"
import { internal, invalidArgument, notFound, toWireError, WireError } from "./wire.js"

/** A running unmanaged trial without PatchTrial/StartTrial for this long becomes ERROR (core-api.md §5.2). */
export const LOST_TRIAL_AFTER_MS = 5 * 60 * 1000

/** Groups stored raw and never summarised. @internal */
export const PROFILING_GROUPS: ReadonlyArray<string> = ["gpu", "cpu", "memory", "disk", "network"]

/** One entry of the flattened run-metadata index (what `metadata.*` filters read). @internal */
export interface FlatMetadata {
  readonly key: string
  readonly kind: "integer_value" | "float_value" | "timestamp_value" | "string_value" | "boolean_value"
  readonly value: Json
}

interface TrialExtra {
  readonly externalId: string | undefined
  lastActivity: number
  metadata: JsonObject | undefined
  flat: ReadonlyArray<FlatMetadata>
}

interface State {
  /** unmanaged experiment id -> its external id (undefined for CreateExperiment-made ones) */
  readonly experiments: Map<number, string | undefined>
  /** external experiment id -> experiment id (globally unique) */
  readonly byExternalId: Map<string, number>
  /** run metadata and activity of trials (unmanaged ones, and managed ones that posted run metadata) */
  readonly trials: Map<number, TrialExtra>
  /** canonical JSON of a defaulted storage config -> storage id */
  readonly storages: Map<string, number>
  /** checkpoint uuid -> the storage id it was reported with */
  readonly checkpointStorage: Map<string, number>
}

const states = new WeakMap<World, State>()

/** The unmanaged bookkeeping of a world. @internal */
export const unmanagedOf = (world: World): State => {
  let s = states.get(world)
  if (s === undefined) {
    s = {
      experiments: new Map(),
      byExternalId: new Map(),
      trials: new Map(),
      storages: new Map(),
      checkpointStorage: new Map()
    }
    states.set(world, s)
  }
  return s
}

/** @internal */
export const isUnmanaged = (world: World, experimentId: number): boolean =>
  unmanagedOf(world).experiments.has(experimentId)

/** @internal */
export const isUnmanagedTrial = (world: World, trial: Trial): boolean => isUnmanaged(world, trial.experimentId)

/** The external experiment id (list rows only). @internal */
export const externalExperimentId = (world: World, experimentId: number): string | undefined =>
  unmanagedOf(world).experiments.get(experimentId)

/** The external trial id of a trial. @internal */
export const externalTrialId = (world: World, trialId: number): string | undefined =>
  unmanagedOf(world).trials.get(trialId)?.externalId

/** Run metadata of a trial, when some was posted. @internal */
export const runMetadataOf = (world: World, trialId: number): JsonObject | undefined =>
  unmanagedOf(world).trials.get(trialId)?.metadata

/** The storage id a checkpoint was reported with (managed checkpoints: 1). @internal */
export const storageIdOf = (world: World, uuid: string): number => unmanagedOf(world).checkpointStorage.get(uuid) ?? 1

/** Registers an unmanaged experiment. @internal */
export const registerExperiment = (world: World, exp: Experiment, externalId: string | undefined): void => {
  const s = unmanagedOf(world)
  s.experiments.set(exp.id, externalId)
  if (externalId !== undefined) s.byExternalId.set(externalId, exp.id)
}

/** The experiment already put under an external id. @internal */
export const experimentByExternalId = (world: World, externalId: string): Experiment | undefined => {
  const id = unmanagedOf(world).byExternalId.get(externalId)
  return id === undefined ? undefined : world.experiments.get(id)
}

/** The trial of an experiment with an external trial id. @internal */
export const trialByExternalId = (world: World, exp: Experiment, externalId: string): Trial | undefined => {
  const s = unmanagedOf(world)
  for (const id of exp.trialIds) {
    if (s.trials.get(id)?.externalId === externalId) return world.trials.get(id)
  }
  return undefined
}

const extraOf = (world: World, trial: Trial): TrialExtra => {
  const s = unmanagedOf(world)
  let e = s.trials.get(trial.id)
  if (e === undefined) {
    e = { externalId: undefined, lastActivity: trial.startTime, metadata: undefined, flat: [] }
    s.trials.set(trial.id, e)
  }
  return e
}

/** Registers an unmanaged trial. @internal */
export const registerTrial = (world: World, trial: Trial, externalId: string | undefined): void => {
  unmanagedOf(world).trials.set(trial.id, {
    externalId,
    lastActivity: world.now,
    metadata: undefined,
    flat: []
  })
}

// ---------------------------------------------------------------------------------------------------------------
// States
// ---------------------------------------------------------------------------------------------------------------

const RANK: Partial<Record<TrialState, number>> = { PAUSED: 10, ERROR: 20, COMPLETED: 30, RUNNING: 40 }

/**
 * The experiment state follows its trials (core-api.md §5.3): the highest-ranked stored trial state, PAUSED when
 * none is ranked; on a change to COMPLETED or ERROR the end time is the latest trial end time (COMPLETED also sets
 * progress 1).
 *
 * @internal
 */
export const deriveExperimentState = (world: World, exp: Experiment): void => {
  const trials = world.trialsOf(exp)
  if (trials.length === 0) return
  let best: TrialState | undefined
  let rank = 0
  for (const t of trials) {
    const r = RANK[t.state] ?? 0
    if (r > rank) {
      rank = r
      best = t.state
    }
  }
  const next = best === "RUNNING"
    ? "RUNNING"
    : best === "COMPLETED"
    ? "COMPLETED"
    : best === "ERROR"
    ? "ERROR"
    : "PAUSED"
  if (next === exp.state) return
  exp.state = next
  if (next === "COMPLETED" || next === "ERROR") {
    let end: number | undefined
    for (const t of trials) if (t.endTime !== undefined && (end === undefined || t.endTime > end)) end = t.endTime
    exp.endTime = end ?? world.now
    if (next === "COMPLETED") exp.progress = 1
  }
}

/** Records activity (PatchTrial, StartTrial) and arms the lost-trial check for it. @internal */
export const touch = (world: World, trial: Trial): void => {
  const extra = extraOf(world, trial)
  const at = world.now
  extra.lastActivity = at
  world.schedule(at + LOST_TRIAL_AFTER_MS, (w) => {
    // a later PatchTrial re-armed its own check; only the latest activity counts
    if (extra.lastActivity !== at || trial.state !== "RUNNING") return
    trial.state = "ERROR"
    trial.endTime = at
    const exp = w.experiments.get(trial.experimentId)
    if (exp !== undefined) deriveExperimentState(w, exp)
  })
}

const STORED_STATES: ReadonlyArray<string> = [
  "ACTIVE",
  "PAUSED",
  "STOPPING_CANCELED",
  "STOPPING_KILLED",
  "STOPPING_COMPLETED",
  "STOPPING_ERROR",
  "CANCELED",
  "COMPLETED",
  "ERROR",
  "RUNNING"
]

/**
 * PatchTrial's state write: any state the database enum knows, no transition check (core-api.md §5.1).
 *
 * @internal
 */
export const patchTrialState = (world: World, trial: Trial, wireState: string): void => {
  const name = wireState.replace(/^STATE_/, "")
  if (!STORED_STATES.includes(name)) {
    throw internal(
      `failed to update state: failed to update trial state: ERROR: invalid input value for enum trial_state: ` +
        `"${name}" (SQLSTATE 22P02)`
    )
  }
  trial.state = name as TrialState
  if (name === "CANCELED" || name === "COMPLETED" || name === "ERROR") trial.endTime = world.now
}

/** A trial that must be unmanaged, with StartTrial's or PatchTrial's error for a managed one. @internal */
export const unmanagedTrial = (world: World, trial: Trial): Trial => {
  if (!isUnmanagedTrial(world, trial)) throw internal("only unmanaged trials are supported")
  return trial
}

// ---------------------------------------------------------------------------------------------------------------
// Metric ingestion (core-api.md §6.1, master-behaviour.md §1)
// ---------------------------------------------------------------------------------------------------------------

/** What one ReportTrialMetrics call carries. @internal */
export interface MetricReport {
  readonly group: string
  readonly trialRunId: number
  readonly stepsCompleted: number | undefined
  readonly reportTime: number | undefined
  readonly avgMetrics: JsonObject
  readonly batchMetrics: ReadonlyArray<JsonObject> | undefined
}

const sameJson = (a: Json | undefined, b: Json | undefined): boolean => JSON.stringify(a) === JSON.stringify(b)

/**
 * ReportTrialMetrics on any trial: checks the group, `epoch`/`epochs`, the run id; archives rows of older runs
 * beyond the step; merges into the row at the same group and step (conflicting values fail) or inserts one; the
 * summary takes this report's values (an identical re-report counts again, as on the real master).
 *
 * @internal
 */
export const ingestMetrics = (world: World, trial: Trial, report: MetricReport): void => {
  const { group } = report
  if (group === "") throw invalidArgument("metric group cannot be empty")
  if (group.includes(".")) throw invalidArgument("metric group cannot contain '.'")
  for (const k of ["epoch", "epochs"]) {
    const v = report.avgMetrics[k]
    if (v !== undefined && v !== null && typeof v !== "number") {
      throw internal(`cannot add metric with non numeric '${k}' value got ${JSON.stringify(v)}`)
    }
  }
  const tx = (message: string) => internal(`failed to exec transaction (add trial metrics ${group}): ${message}`)
  if (report.trialRunId !== trial.runId) {
    throw tx(`invalid run id, ${report.trialRunId} (reported) != ${trial.runId} (expected): invalid arguments`)
  }
  if (report.stepsCompleted === undefined) {
    throw tx(`null value in column "total_batches" violates not-null constraint (SQLSTATE 23502)`)
  }
  const steps = report.stepsCompleted
  const at = report.reportTime ?? world.now

  // rollback: a newer run reports a step older runs already passed
  const before = trial.metrics.length
  const kept = trial.metrics.filter((r) =>
    !(r.trialRunId < trial.runId && (r.group === group ? r.totalBatches >= steps : r.totalBatches > steps))
  )
  if (kept.length !== before) {
    trial.metrics.splice(0, trial.metrics.length, ...kept)
    recomputeTrialMetrics(world, trial)
  }

  if (PROFILING_GROUPS.includes(group)) {
    trial.metrics.push(rawRow(world, trial, report, steps, at))
    return
  }
  const existing = trial.metrics.find((r) => r.group === group && r.totalBatches === steps)
  if (existing === undefined) {
    const row = reportMetrics(world, trial, group, report.avgMetrics, steps, at)
    if (report.batchMetrics !== undefined && group !== "validation") {
      ;(row.metrics as JsonObject).batch_metrics = report.batchMetrics as Array<Json>
    }
    return
  }
  const clean: JsonObject = {}
  for (const [k, v] of Object.entries(report.avgMetrics)) clean[k] = typeof v === "number" ? wireNumber(v) : v
  for (const [k, v] of Object.entries(clean)) {
    if (k in existing.values && !sameJson(existing.values[k], v)) {
      throw tx(`overwriting existing metric keys is not supported, conflicting key: ${k}`)
    }
  }
  const stored = existing.metrics as JsonObject
  if (report.batchMetrics !== undefined && Array.isArray(stored.batch_metrics)) {
    throw tx("overwriting batch metrics is not supported")
  }
  Object.assign(existing.values, clean)
  if (report.batchMetrics !== undefined && group !== "validation") {
    stored.batch_metrics = report.batchMetrics as Array<Json>
  }
  if (steps > trial.totalBatchesProcessed) trial.totalBatchesProcessed = steps
  updateSummary(trial.summary, summaryKey(group), clean)
  if (group === "validation") recomputeValidation(world, trial)
}

const rawRow = (world: World, trial: Trial, report: MetricReport, steps: number, at: number): MetricRow => ({
  id: world.nextId("metric"),
  trialId: trial.id,
  group: report.group,
  totalBatches: steps,
  endTime: at,
  trialRunId: trial.runId,
  metrics: { avg_metrics: report.avgMetrics, batch_metrics: (report.batchMetrics as Array<Json> | undefined) ?? null },
  values: report.avgMetrics
})

// a merge into a validation row may add the searcher metric: best and latest validation are taken again
const recomputeValidation = (world: World, trial: Trial): void => {
  const summary = trial.summary
  const batches = trial.totalBatchesProcessed
  recomputeTrialMetrics(world, trial)
  trial.summary = summary
  trial.totalBatchesProcessed = batches
}

// ---------------------------------------------------------------------------------------------------------------
// Run metadata (core-api.md §7)
// ---------------------------------------------------------------------------------------------------------------

const TIMESTAMP_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})|\d{4}-\d{2}-\d{2}|\d{4}-\d{2})$/

/**
 * Flattens run metadata for the search index, with the master's limits. Throws the 400 of PostRunMetadata.
 *
 * @internal
 */
export const flattenMetadata = (metadata: JsonObject): Array<FlatMetadata> => {
  const out: Array<FlatMetadata> = []
  const fail = (message: string): never => {
    throw invalidArgument(`error flattening metadata: ${message}`)
  }
  const leaf = (key: string, v: Json) => {
    if (typeof v === "string") {
      if (v.length > 5000) fail(`metadata value for key ${key} exceeds maximum length of 5000 characters`)
      out.push({ key, kind: TIMESTAMP_RE.test(v) ? "timestamp_value" : "string_value", value: v })
    } else if (typeof v === "number") {
      out.push({ key, kind: Number.isInteger(v) ? "integer_value" : "float_value", value: v })
    } else if (typeof v === "boolean") {
      out.push({ key, kind: "boolean_value", value: v })
    }
  }
  const walk = (prefix: string, value: JsonObject, depth: number) => {
    if (depth > 10) fail(`metadata exceeds maximum nesting depth of 10`)
    for (const [k, v] of Object.entries(value)) {
      if (k.length > 50) fail(`metadata key ${k} exceeds maximum length of 50 characters`)
      if (/[$.[\]]/.test(k)) {
        fail(`metadata key ${k} contains invalid characters: '$', '.', '[' and ']' are not allowed`)
      }
      const key = prefix === "" ? k : `${prefix}.${k}`
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        walk(key, v, depth + 1)
      } else if (Array.isArray(v)) {
        if (v.length > 100) fail(`metadata array for key ${key} exceeds maximum length of 100 elements`)
        for (const item of v) {
          if (item !== null && typeof item === "object") {
            if (Array.isArray(item)) fail(`metadata array for key ${key} contains a nested array`)
            else walk(key, item, depth + 1)
          } else leaf(key, item)
        }
      } else if (v !== null) {
        leaf(key, v)
      }
      if (out.length > 1000) fail("metadata exceeds maximum of 1000 keys")
    }
  }
  walk("", metadata, 1)
  return out
}

/** PostRunMetadata: replaces the stored object wholesale. @internal */
export const setRunMetadata = (world: World, trial: Trial, metadata: JsonObject): JsonObject => {
  const flat = flattenMetadata(metadata)
  const extra = extraOf(world, trial)
  extra.metadata = structuredClone(metadata)
  extra.flat = flat
  return extra.metadata
}

/** The flattened metadata index of a trial (for `metadata.*` filters). @internal */
export const flatMetadataOf = (world: World, trialId: number): ReadonlyArray<FlatMetadata> =>
  unmanagedOf(world).trials.get(trialId)?.flat ?? []

// ---------------------------------------------------------------------------------------------------------------
// Checkpoint storage registration (core-api.md §7 RunPrepareForReporting)
// ---------------------------------------------------------------------------------------------------------------

const canonical = (v: Json): string => {
  if (v === null || typeof v !== "object") return JSON.stringify(v)
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`
  return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k]!)}`).join(",")}}`
}

const STORAGE_DEFAULTS: Readonly<Record<string, JsonObject>> = {
  shared_fs: { storage_path: null, propagation: "rprivate", container_path: null, checkpoint_path: null },
  directory: {},
  s3: { access_key: null, secret_key: null, endpoint_url: null, prefix: null },
  gcs: { prefix: null },
  azure: { account_url: null, connection_string: null, credential: null }
}

const STORAGE_REQUIRED: Readonly<Record<string, ReadonlyArray<string>>> = {
  shared_fs: ["host_path"],
  directory: ["container_path"],
  s3: ["bucket"],
  gcs: ["bucket"],
  azure: ["container"]
}

/**
 * Registers a checkpoint storage config for a run, deduplicated by its defaulted canonical form.
 *
 * @internal
 */
export const registerStorage = (world: World, trialId: number, config: JsonObject): number => {
  const fail = (why: string): never => {
    throw internal(`adding storage ID for runID ${trialId}: schema is not complete: ${why}`)
  }
  const type = config.type
  if (typeof type !== "string" || !(type in STORAGE_REQUIRED)) {
    fail(`checkpoint_storage.type: must be one of shared_fs, directory, s3, gcs, azure`)
  }
  const t = type as string
  const defaulted: JsonObject = {
    save_experiment_best: 0,
    save_trial_best: 1,
    save_trial_latest: 1,
    ...STORAGE_DEFAULTS[t],
    ...config
  }
  for (const k of STORAGE_REQUIRED[t]!) {
    if (defaulted[k] === undefined || defaulted[k] === null || defaulted[k] === "") {
      fail(`checkpoint_storage.${k}: ${k} is required`)
    }
  }
  if (t === "azure" && defaulted.account_url === null && defaulted.connection_string === null) {
    fail("checkpoint_storage: one of account_url or connection_string is required")
  }
  const s = unmanagedOf(world)
  const key = canonical(defaulted)
  let id = s.storages.get(key)
  if (id === undefined) {
    // storage id 1 is the master's own (the one managed checkpoints report)
    id = s.storages.size + 2
    s.storages.set(key, id)
  }
  return id
}

/** Records the storage id of a reported checkpoint. @internal */
export const noteCheckpointStorage = (world: World, uuid: string, storageId: number): void => {
  unmanagedOf(world).checkpointStorage.set(uuid, storageId)
}

/** The trial owning a task id, or the 404 of ReportCheckpoint. @internal */
export const trialByTaskId = (world: World, taskId: string): Trial => {
  for (const t of world.trials.values()) if (t.taskId === taskId) return t
  throw notFound("task", taskId)
}

/** @internal */
export const rethrowAs = (prefix: string, f: () => void): void => {
  try {
    f()
  } catch (e) {
    const w = e instanceof WireError ? e : isDomainError(e) ? toWireError(e) : undefined
    if (w !== undefined) throw new WireError(w.code, `${prefix}${w.message}`, w.gateway)
    throw e
  }
}

/**
 * The experiment's best trial as the master's trigger picks it: the lowest signed searcher value, NULLs last, among
 * trials with a validation report (list rows carry its external id).
 *
 * @internal
 */
export const unmanagedBestTrial = (world: World, exp: Experiment): number | undefined =>
  isUnmanaged(world, exp.id) ? bestTrialAmong(exp, world.trialsOf(exp).filter(hasValidation))?.id : undefined
