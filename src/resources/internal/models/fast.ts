/**
 * The wire schemas of the hot shapes with their fast paths (src/internal/fastDecode.ts): single experiments,
 * trials and checkpoints, their list pages, and the fields of a log line. Each field decoder below mirrors the
 * field of the same name in `experiment.ts`, `trial.ts`, `checkpoint.ts` or `trialLogs.ts`; the property tests
 * (test/resources/fastDecode.test.ts) check that every decoder agrees with its Schema, failures included.
 *
 * @internal
 */
import * as F from "../../../internal/fastDecode.js"
import * as Wire from "../wire.js"
import * as CheckpointModels from "./checkpoint.js"
import * as ExperimentModels from "./experiment.js"
import * as TrialModels from "./trial.js"

// ---------------------------------------------------------------------------------------------------------------
// the master's JSON conventions (wire.ts)

/** `Wire.Int64`. @internal */
export const int64: F.Fast<number> = (u) => {
  if (typeof u !== "string" && typeof u !== "number") return F.reject
  const n = Wire.int64FromWire(u)
  return n === undefined ? F.reject : n
}

/** `Wire.Timestamp`. @internal */
export const timestamp: F.Fast<Date> = (u) => {
  if (typeof u !== "string") return F.reject
  const ms = Wire.timestampMillis(u)
  return Number.isNaN(ms) ? F.reject : new Date(ms)
}

/** `Wire.Double`. @internal */
export const double: F.Fast<number> = (u) => {
  if (typeof u !== "number" && typeof u !== "string") return F.reject
  const n = Wire.doubleFromWire(u)
  return n === undefined ? F.reject : n
}

/** `Wire.Enum(prefix, …)`. @internal */
export const enumOf = (prefix: string): F.Fast<string> => (u) =>
  typeof u === "string" || typeof u === "number" ? Wire.enumFromWire(prefix, u) : F.reject

/** `Schema.Record({ key: Schema.String, value: Wire.Int64 })`. @internal */
export const int64Record: F.Fast<Record<string, number>> = (u) => {
  if (!F.isPlainObject(u)) return F.reject
  const out: Record<string, number> = {}
  for (const key in u) {
    if (!Object.hasOwn(u, key)) continue
    const n = int64(u[key])
    if (n === F.reject) return F.reject
    out[key] = n
  }
  return out
}

const str = F.withDefault(F.string, () => "")
const num = F.withDefault(F.number, () => 0)
const bool = F.withDefault(F.boolean, () => false)
const state = F.withDefault(enumOf("STATE_"), () => "UNSPECIFIED")

/** `Pagination.Pagination`. @internal */
export const pagination = F.struct({
  offset: F.number,
  limit: F.number,
  startIndex: F.number,
  endIndex: F.number,
  total: F.number
})

const paginationField = F.optional(F.nullOr(pagination))

// ---------------------------------------------------------------------------------------------------------------
// checkpoints (checkpoint.ts)

const metricsRecord = F.klass(CheckpointModels.MetricsRecord, {
  avgMetrics: F.nullable(F.jsonObject),
  batchMetrics: F.withDefault(F.array(F.jsonObject), () => [])
})

const checkpointTraining = F.klass(CheckpointModels.CheckpointTraining, {
  trialId: F.nullable(F.number),
  experimentId: F.nullable(F.number),
  experimentConfig: F.nullable(F.jsonObject),
  hparams: F.nullable(F.jsonObject),
  trainingMetrics: F.nullable(metricsRecord),
  validationMetrics: F.nullable(metricsRecord),
  searcherMetric: F.nullable(double)
})

/** `Checkpoint`. @internal */
export const checkpoint = F.klass(CheckpointModels.Checkpoint, {
  uuid: F.string,
  taskId: str,
  allocationId: F.nullable(F.string),
  reportTime: F.nullable(timestamp),
  resources: F.withDefault(int64Record, () => ({})),
  metadata: F.withDefault(F.jsonObject, () => ({})),
  state,
  training: F.nullable(checkpointTraining),
  storageId: F.nullable(F.number)
})

/** `CheckpointResponse` with its fast path. @internal */
export const CheckpointResponse = F.withFastPath(
  CheckpointModels.CheckpointResponse,
  F.struct({ checkpoint })
)

/** `CheckpointsResponse` with its fast path. @internal */
export const CheckpointsResponse = F.withFastPath(
  CheckpointModels.CheckpointsResponse,
  F.struct({ checkpoints: F.withDefault(F.array(checkpoint), () => []), pagination: paginationField })
)

// ---------------------------------------------------------------------------------------------------------------
// trials (trial.ts)

const validationRecord = F.klass(TrialModels.ValidationRecord, {
  endTime: F.nullable(timestamp),
  metrics: F.nullable(metricsRecord),
  numInputs: num,
  totalBatches: num
})

const checkpointRecord = F.klass(TrialModels.CheckpointRecord, {
  uuid: str,
  endTime: F.nullable(timestamp),
  state: enumOf("STATE_"),
  resources: F.withDefault(int64Record, () => ({})),
  totalBatches: num,
  metadata: F.nullable(F.jsonObject)
})

/** `Trial`. @internal */
export const trial = F.klass(TrialModels.Trial, {
  id: F.number,
  experimentId: num,
  startTime: F.nullable(timestamp),
  endTime: F.nullable(timestamp),
  state,
  restarts: num,
  hparams: F.withDefault(F.jsonObject, () => ({})),
  totalBatchesProcessed: num,
  bestValidation: F.nullable(validationRecord),
  latestValidation: F.nullable(validationRecord),
  bestCheckpoint: F.nullable(checkpointRecord),
  runnerState: str,
  wallClockTime: F.withDefault(double, () => 0),
  warmStartCheckpointUuid: str,
  taskId: str,
  totalCheckpointSize: F.withDefault(int64, () => 0),
  checkpointCount: num,
  summaryMetrics: F.nullable(F.jsonObject),
  taskIds: F.withDefault(F.array(F.string), () => []),
  searcherMetricValue: F.withDefault(double, () => 0),
  logRetentionDays: F.nullable(F.number),
  metadata: F.nullable(F.jsonObject),
  logPolicyMatched: F.nullable(F.string)
})

/** `TrialResponse` with its fast path. @internal */
export const TrialResponse = F.withFastPath(TrialModels.TrialResponse, F.struct({ trial }))

/** One trial row (`Trial`) with its fast path. @internal */
export const Trial = F.withFastPath(TrialModels.Trial, trial)

/** `TrialsPageRaw` (a page of trials, rows left raw) with its fast path. @internal */
export const TrialsPageRaw = F.withFastPath(
  TrialModels.TrialsPageRaw,
  F.struct({ trials: F.withDefault(F.array((u) => u), () => []), pagination: paginationField })
)

/** `TrialsResponse` with its fast path. @internal */
export const TrialsResponse = F.withFastPath(
  TrialModels.TrialsResponse,
  F.struct({ trials: F.withDefault(F.array(trial), () => []), pagination: paginationField })
)

// ---------------------------------------------------------------------------------------------------------------
// experiments (experiment.ts)

/** `Experiment`. @internal */
export const experiment = F.klass(ExperimentModels.Experiment, {
  id: F.number,
  name: str,
  description: str,
  labels: F.withDefault(F.array(F.string), () => []),
  startTime: F.nullable(timestamp),
  endTime: F.nullable(timestamp),
  state,
  archived: bool,
  numTrials: num,
  trialIds: F.withDefault(F.array(F.number), () => []),
  displayName: str,
  userId: num,
  username: str,
  resourcePool: str,
  searcherType: str,
  searcherMetric: str,
  hyperparameters: F.nullable(F.jsonObject),
  notes: str,
  jobId: str,
  forkedFrom: F.nullable(F.number),
  progress: F.nullable(double),
  projectId: num,
  projectName: str,
  workspaceId: num,
  workspaceName: str,
  parentArchived: bool,
  config: F.nullable(F.jsonObject),
  originalConfig: str,
  projectOwnerId: num,
  checkpointSize: F.withDefault(int64, () => 0),
  checkpointCount: num,
  bestTrialSearcherMetric: F.nullable(double),
  bestTrialId: F.nullable(F.number),
  unmanaged: bool,
  duration: F.nullable(F.number),
  externalExperimentId: F.nullable(F.string),
  externalTrialId: F.nullable(F.string),
  modelDefinitionSize: F.nullable(F.number),
  pachydermIntegration: F.nullable(F.jsonObject)
})

const jobSummary = F.klass(ExperimentModels.JobSummary, {
  state: enumOf("STATE_"),
  jobsAhead: num
})

/** `ExperimentResponse` with its fast path. @internal */
export const ExperimentResponse = F.withFastPath(
  ExperimentModels.ExperimentResponse,
  F.struct({ experiment, jobSummary: F.nullable(jobSummary), config: F.nullable(F.jsonObject) })
)

/** `ExperimentRows` (list rows) with its fast path. @internal */
export const ExperimentRows = F.withFastPath(ExperimentModels.ExperimentRows, F.array(experiment))

/** `ExperimentsPageRaw` (a list page, rows left raw) with its fast path. @internal */
export const ExperimentsPageRaw = F.withFastPath(
  ExperimentModels.ExperimentsPageRaw,
  F.struct({ experiments: F.withDefault(F.array((u) => u), () => []), pagination: paginationField })
)

// ---------------------------------------------------------------------------------------------------------------
// log lines (trialLogs.ts, where `TrialLog` is defined and given this fast path)

/** The decoded fields of a `TrialLog` (trialLogs.ts), in the class's order. @internal */
export interface TrialLogFields {
  readonly id: number
  readonly trialId: number
  readonly timestamp: Date | null
  readonly level: string
  readonly message: string
  readonly log?: string | undefined
  readonly agentId?: string | undefined
  readonly containerId?: string | undefined
  readonly rankId?: number | undefined
  readonly source?: string | undefined
  readonly stdtype?: string | undefined
}

const logLevel = enumOf("LOG_LEVEL_")

// `Schema.optional(schema)` of the field `key` whose value is `v`: absent → undefined (no key); a key present with
// undefined is left to the Schema (the variable key is read only then)
const optional = <A>(u: object, key: string, v: unknown, f: F.Fast<A>): A | undefined | F.Reject =>
  v === undefined ? (key in u ? F.reject : undefined) : f(v)

/**
 * The fast path of `TrialLog`, written out field by field: what `F.klass(TrialLog, { id: int64, trialId: F.number,
 * timestamp: F.nullOr(timestamp), level: enumOf("LOG_LEVEL_"), message: F.string, log: F.optional(F.string),
 * agentId, containerId: F.optional(F.string), rankId: F.optional(F.number), source, stdtype:
 * F.optional(F.string) })` decodes, into an instance of `proto` with the properties in that order.
 *
 * Why not `F.klass`: its loop reads and writes every field through a key held in a variable, property accesses
 * that see every key of every shape (megamorphic), ≈ 1.1 µs a line against ≈ 0.3 µs for these accesses by
 * constant keys (one per log line, 200,000 in the bench's follow; docs/BENCHMARKS.md "Third pass"). The property
 * test (test/resources/fastDecode.test.ts) holds it to the Schema, as every fast path.
 * @internal
 */
export const trialLog = <A extends TrialLogFields>(proto: object): F.Fast<A> => (u) => {
  if (!F.isPlainObject(u)) return F.reject
  const { agentId, containerId, id: wireId, level: wireLevel, message, rankId, source, stdtype, trialId } = u
  const wireTime = u.timestamp
  const id = int64(wireId)
  const time = wireTime === null ? null : timestamp(wireTime)
  const level = logLevel(wireLevel)
  if (id === F.reject || typeof trialId !== "number" || time === F.reject || level === F.reject) return F.reject
  if (typeof message !== "string") return F.reject
  const out = Object.create(proto) as Record<string, unknown>
  out.id = id
  out.trialId = trialId
  out.timestamp = time
  out.level = level
  out.message = message
  const log = optional(u, "log", u.log, F.string)
  const agent = optional(u, "agentId", agentId, F.string)
  const container = optional(u, "containerId", containerId, F.string)
  const rank = optional(u, "rankId", rankId, F.number)
  const from = optional(u, "source", source, F.string)
  const std = optional(u, "stdtype", stdtype, F.string)
  if (log === F.reject || agent === F.reject || container === F.reject || rank === F.reject) return F.reject
  if (from === F.reject || std === F.reject) return F.reject
  if (log !== undefined) out.log = log
  if (agent !== undefined) out.agentId = agent
  if (container !== undefined) out.containerId = container
  if (rank !== undefined) out.rankId = rank
  if (from !== undefined) out.source = from
  if (std !== undefined) out.stdtype = std
  return out as unknown as A
}
