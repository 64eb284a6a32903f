/**
 * Renderers from store records to wire JSON (camelCase, int64 as strings, enum names, every default emitted,
 * `null` for unset messages). One function per proto message.
 *
 * @internal
 */
import type {
  Checkpoint,
  Experiment,
  LogRow,
  MetricRow,
  Model,
  ModelVersion,
  Project,
  Trial,
  User,
  Workspace,
  World
} from "./domain/store.js"
import { isTerminalExperiment } from "./domain/store.js"
import { experimentWireState, trialWireState, wallClockSeconds } from "./domain/trials.js"
import { agentUserGroupOf } from "./domain/users.js"
import type { JsonObject } from "./json.js"
import {
  externalExperimentId,
  externalTrialId,
  isUnmanaged,
  runMetadataOf,
  storageIdOf,
  unmanagedBestTrial
} from "./unmanaged.js"
import { timestamp, timestampMillis } from "./wire.js"

/** @internal */
export const userJson = (u: User): JsonObject => {
  const out: JsonObject = {
    id: u.id,
    username: u.username,
    admin: u.admin,
    active: u.active,
    agentUserGroup: agentUserGroupOf(u) ?? null,
    displayName: u.displayName,
    modifiedAt: timestamp(u.modifiedAt),
    remote: u.remote
  }
  if (u.lastAuthAt !== undefined) out.lastAuthAt = timestamp(u.lastAuthAt)
  return out
}

/** @internal */
export const paginationJson = (p: {
  offset: number
  limit: number
  startIndex: number
  endIndex: number
  total: number
}): JsonObject => ({
  offset: p.offset,
  limit: p.limit,
  startIndex: p.startIndex,
  endIndex: p.endIndex,
  total: p.total
})

const username = (world: World, id: number) => world.users.get(id)?.username ?? ""

/** @internal */
export const experimentJson = (world: World, e: Experiment, list: boolean, showTrialData = false): JsonObject => {
  const project = world.projects.get(e.projectId)
  const workspace = project === undefined ? undefined : world.workspaces.get(project.workspaceId)
  let ckptSize = 0
  let ckptCount = 0
  for (const id of e.trialIds) {
    const t = world.trials.get(id)
    if (t === undefined) continue
    for (const uuid of t.checkpoints) {
      const c = world.checkpoints.get(uuid)
      if (c === undefined || c.state === "STATE_DELETED") continue
      ckptCount++
      ckptSize += checkpointSize(c)
    }
  }
  const config = e.config
  const searcher = config.searcher as JsonObject
  const user = world.users.get(e.userId)
  const out: JsonObject = {
    id: e.id,
    description: typeof config.description === "string" ? config.description : "",
    labels: (config.labels as Array<string> | undefined) ?? [],
    startTime: timestamp(e.startTime),
    endTime: e.endTime === undefined ? null : timestamp(e.endTime),
    state: experimentWireState(world, e),
    archived: e.archived,
    numTrials: e.trialIds.length,
    trialIds: list ? [] : [...e.trialIds],
    displayName: list ? (user?.displayName || user?.username || "") : "",
    userId: e.userId,
    username: user?.username ?? "",
    resourcePool: String((config.resources as JsonObject | undefined)?.resource_pool ?? "default"),
    searcherType: String(searcher.name),
    searcherMetric: list ? String(searcher.metric) : "",
    hyperparameters: list ? config.hyperparameters ?? null : null,
    name: String(config.name),
    notes: list && e.notes !== "" ? "omitted" : e.notes,
    jobId: e.jobId,
    forkedFrom: e.parentId,
    progress: e.progress,
    projectId: e.projectId,
    projectName: project?.name ?? "",
    workspaceId: workspace?.id ?? 0,
    workspaceName: workspace?.name ?? "",
    parentArchived: (workspace?.archived ?? false) || (project?.archived ?? false),
    config,
    originalConfig: list ? "" : e.originalConfig,
    projectOwnerId: project?.userId ?? 0,
    checkpointSize: String(ckptSize),
    checkpointCount: ckptCount,
    unmanaged: isUnmanaged(world, e.id)
  }
  const bestTrial = unmanagedBestTrial(world, e)
  if (bestTrial !== undefined) out.bestTrialId = bestTrial
  if (list) {
    const externalId = externalExperimentId(world, e.id)
    if (externalId !== undefined) out.externalExperimentId = externalId
    const externalTrial = bestTrial === undefined ? undefined : externalTrialId(world, bestTrial)
    if (externalTrial !== undefined) out.externalTrialId = externalTrial
    const end = e.endTime ?? world.now
    out.duration = Math.max(0, Math.trunc((end - e.startTime) / 1000))
    if (showTrialData) {
      let best: number | undefined
      for (const id of e.trialIds) {
        const t = world.trials.get(id)
        const v = t?.bestValidation?.values[e.searcher.metric]
        if (typeof v === "number" && (best === undefined || e.searcher.sign * v < e.searcher.sign * best)) best = v
      }
      if (best !== undefined) out.bestTrialSearcherMetric = best
    }
  } else {
    out.modelDefinitionSize = e.modelDefinitionSize ?? 0
  }
  return out
}

/** @internal */
export const jobSummaryJson = (world: World, e: Experiment): JsonObject | null => {
  if (e.state !== "ACTIVE") return null
  const running = experimentWireState(world, e) === "STATE_RUNNING"
  return { state: running ? "STATE_SCHEDULED" : "STATE_QUEUED", jobsAhead: 0 }
}

/** Bytes of a checkpoint (the sum of its resources). @internal */
export const checkpointSize = (c: Checkpoint) => {
  let n = 0
  for (const v of Object.values(c.resources)) n += v
  return n
}

const resourcesJson = (r: Record<string, number>): JsonObject => {
  const out: JsonObject = {}
  for (const k of Object.keys(r).sort()) out[k] = String(r[k])
  return out
}

/** `MetricsWorkload`. @internal */
export const workloadJson = (row: MetricRow | undefined): JsonObject | null =>
  row === undefined ? null : {
    endTime: timestamp(row.endTime),
    metrics: { avgMetrics: row.values, batchMetrics: [] },
    numInputs: 0,
    totalBatches: row.totalBatches
  }

/** @internal */
export const trialJson = (world: World, t: Trial): JsonObject => {
  const metadata = runMetadataOf(world, t.id)
  let size = 0
  let count = 0
  for (const uuid of t.checkpoints) {
    const c = world.checkpoints.get(uuid)
    if (c === undefined || c.state === "STATE_DELETED") continue
    count++
    size += checkpointSize(c)
  }
  return {
    id: t.id,
    experimentId: t.experimentId,
    startTime: timestamp(t.startTime),
    endTime: t.endTime === undefined ? null : timestamp(t.endTime),
    state: trialWireState(world, t),
    restarts: Math.min(t.restarts, maxRestartsOf(world, t)),
    hparams: t.hparams,
    totalBatchesProcessed: t.totalBatchesProcessed,
    bestValidation: workloadJson(t.bestValidation),
    latestValidation: workloadJson(t.latestValidation),
    bestCheckpoint: bestCheckpointJson(world, t),
    runnerState: t.runnerState,
    wallClockTime: wallClockSeconds(world, t),
    warmStartCheckpointUuid: "",
    taskId: t.taskId,
    totalCheckpointSize: String(size),
    checkpointCount: count,
    summaryMetrics: t.summary,
    taskIds: [t.taskId],
    searcherMetricValue: 0,
    ...(metadata === undefined ? {} : { metadata })
  }
}

const maxRestartsOf = (world: World, t: Trial): number => {
  const v = world.experiments.get(t.experimentId)?.config.max_restarts
  return typeof v === "number" ? v : 5
}

const bestCheckpointJson = (world: World, t: Trial): JsonObject | null => {
  const exp = world.experiments.get(t.experimentId)
  if (exp === undefined) return null
  const s = exp.searcher
  let best: { c: Checkpoint; v: number } | undefined
  for (const uuid of t.checkpoints) {
    const c = world.checkpoints.get(uuid)
    if (c === undefined || c.state !== "STATE_COMPLETED") continue
    const row = t.metrics.find((r) => r.group === "validation" && r.totalBatches === c.stepsCompleted)
    const v = row?.values[s.metric]
    if (typeof v !== "number") continue
    if (best === undefined || s.sign * v < s.sign * best.v) best = { c, v }
  }
  if (best === undefined) return null
  return {
    uuid: best.c.uuid,
    endTime: timestamp(best.c.reportTime),
    state: best.c.state,
    resources: resourcesJson(best.c.resources),
    totalBatches: best.c.stepsCompleted,
    metadata: null
  }
}

/** @internal */
export const checkpointJson = (world: World, c: Checkpoint): JsonObject => {
  const exp = world.experiments.get(c.experimentId)
  const trial = world.trials.get(c.trialId)
  const training: JsonObject = {
    trialId: c.trialId,
    experimentId: c.experimentId,
    experimentConfig: exp?.config ?? null,
    hparams: trial?.hparams ?? null,
    trainingMetrics: { avgMetrics: null, batchMetrics: [] },
    validationMetrics: { avgMetrics: null, batchMetrics: [] }
  }
  if (trial !== undefined && exp !== undefined) {
    const tr = trial.metrics.find((r) => r.group === "training" && r.totalBatches === c.stepsCompleted)
    if (tr !== undefined) training.trainingMetrics = { avgMetrics: tr.values, batchMetrics: [] }
    const vr = trial.metrics.find((r) => r.group === "validation" && r.totalBatches === c.stepsCompleted)
    if (vr !== undefined) {
      training.validationMetrics = { avgMetrics: vr.values, batchMetrics: [] }
      const sm = vr.values[exp.searcher.metric]
      if (typeof sm === "number") training.searcherMetric = sm
    }
  }
  return {
    taskId: c.taskId,
    allocationId: c.allocationId,
    uuid: c.uuid,
    reportTime: timestamp(c.reportTime),
    resources: resourcesJson(c.resources),
    metadata: c.metadata,
    state: c.state,
    training,
    storageId: storageIdOf(world, c.uuid)
  }
}

/** @internal */
export const metricRowJson = (row: MetricRow): JsonObject => ({
  trialId: row.trialId,
  endTime: timestampMillis(row.endTime),
  metrics: row.metrics,
  totalBatches: row.totalBatches,
  archived: false,
  id: row.id,
  trialRunId: row.trialRunId,
  group: row.group
})

/** `TrialLogsResponse`. @internal */
export const logJson = (row: LogRow): JsonObject => {
  const ts = timestamp(row.timestamp)
  const container = row.containerId === undefined ? "        " : row.containerId.slice(0, 8).padEnd(8, " ")
  const parts = [`[${ts}]`, container]
  if (row.rankId !== undefined) parts.push(`[rank=${row.rankId}]`)
  parts.push("||")
  if (row.level !== "LOG_LEVEL_UNSPECIFIED") parts.push(`${row.level.slice("LOG_LEVEL_".length)}:`)
  parts.push(row.log)
  const out: JsonObject = {
    id: String(row.id),
    timestamp: ts,
    message: parts.join(" "),
    level: row.level,
    trialId: row.trialId
  }
  if (row.agentId !== undefined) out.agentId = row.agentId
  if (row.containerId !== undefined) out.containerId = row.containerId
  if (row.rankId !== undefined) out.rankId = row.rankId
  out.log = row.log
  out.source = row.source
  out.stdtype = row.stdtype
  return out
}

/** One `{"result": TrialLogsResponse}` stream line as text, built directly (same output as `logJson`). @internal */
export const logLine = (row: LogRow): string => {
  const ts = timestamp(row.timestamp)
  const container = row.containerId === undefined ? "        " : row.containerId.slice(0, 8).padEnd(8, " ")
  const level = row.level === "LOG_LEVEL_UNSPECIFIED" ? "" : ` ${row.level.slice(10)}:`
  const rank = row.rankId === undefined ? "" : ` [rank=${row.rankId}]`
  const message = `[${ts}] ${container}${rank} ||${level} ${row.log}`
  return `{"result":{"id":"${row.id}","timestamp":"${ts}","message":${
    JSON.stringify(message)
  },"level":"${row.level}","trialId":${row.trialId}${
    row.agentId === undefined ? "" : `,"agentId":${JSON.stringify(row.agentId)}`
  }${row.containerId === undefined ? "" : `,"containerId":${JSON.stringify(row.containerId)}`}${
    row.rankId === undefined ? "" : `,"rankId":${row.rankId}`
  },"log":${JSON.stringify(row.log)},"source":${JSON.stringify(row.source)},"stdtype":${
    JSON.stringify(row.stdtype)
  }}}\n`
}

/** @internal */
export const modelJson = (world: World, m: Model): JsonObject => ({
  name: m.name,
  description: m.description,
  metadata: m.metadata,
  creationTime: timestamp(m.creationTime),
  lastUpdatedTime: timestamp(m.lastUpdatedTime),
  id: m.id,
  numVersions: world.versionsOf(m.id).length,
  labels: m.labels,
  username: username(world, m.userId),
  workspaceId: m.workspaceId,
  userId: m.userId,
  archived: m.archived,
  notes: m.notes
})

/** @internal */
export const modelVersionJson = (world: World, v: ModelVersion): JsonObject => {
  const model = world.models.get(v.modelId)!
  const ckpt = world.checkpoints.get(v.checkpointUuid)
  return {
    model: modelJson(world, model),
    checkpoint: ckpt === undefined ? null : checkpointJson(world, ckpt),
    version: v.version,
    creationTime: timestamp(v.creationTime),
    id: v.id,
    name: v.name,
    metadata: v.metadata,
    lastUpdatedTime: timestamp(v.lastUpdatedTime),
    comment: v.comment,
    username: username(world, v.userId),
    userId: v.userId,
    labels: v.labels,
    notes: v.notes
  }
}

/** @internal */
export const workspaceJson = (world: World, w: Workspace, viewerId: number): JsonObject => {
  let numProjects = 0
  let numExperiments = 0
  const projectIds = new Set<number>()
  for (const p of world.projects.values()) {
    if (p.workspaceId === w.id) {
      numProjects++
      projectIds.add(p.id)
    }
  }
  for (const e of world.experiments.values()) if (projectIds.has(e.projectId)) numExperiments++
  const pinnedAt = w.pins.get(viewerId)
  const out: JsonObject = {
    id: w.id,
    name: w.name,
    archived: w.archived,
    username: username(world, w.userId),
    immutable: w.immutable,
    numProjects,
    pinned: pinnedAt !== undefined,
    userId: w.userId,
    numExperiments,
    state: w.state,
    errorMessage: w.errorMessage
  }
  if (w.agentUserGroup !== undefined) out.agentUserGroup = w.agentUserGroup
  if (w.checkpointStorageConfig !== undefined) out.checkpointStorageConfig = w.checkpointStorageConfig
  if (pinnedAt !== undefined) out.pinnedAt = timestamp(pinnedAt)
  out.defaultComputePool = w.defaultComputePool
  out.defaultAuxPool = w.defaultAuxPool
  return out
}

/** @internal */
export const projectJson = (world: World, p: Project): JsonObject => {
  let numExperiments = 0
  let numActive = 0
  let numRuns = 0
  let last: number | undefined
  for (const e of world.experiments.values()) {
    if (e.projectId !== p.id) continue
    numExperiments++
    if (e.state === "ACTIVE") numActive++
    numRuns += e.trialIds.length
    if (last === undefined || e.startTime > last) last = e.startTime
  }
  return {
    id: p.id,
    name: p.name,
    workspaceId: p.workspaceId,
    description: p.description,
    lastExperimentStartedAt: last === undefined ? null : timestamp(last),
    notes: p.notes.map((n) => ({ name: n.name, contents: n.contents })),
    numExperiments,
    numActiveExperiments: numActive,
    archived: p.archived,
    username: username(world, p.userId),
    immutable: p.immutable,
    userId: p.userId,
    workspaceName: world.workspaces.get(p.workspaceId)?.name ?? "",
    state: p.state,
    errorMessage: p.errorMessage,
    key: p.key,
    numRuns
  }
}

/** @internal */
export const resourcePoolJson = (world: World): JsonObject => {
  let slotsUsed = 0
  for (const id of world.live) {
    const e = world.experiments.get(id)
    if (e === undefined) continue
    for (const tid of e.trialIds) {
      const t = world.trials.get(tid)
      if (t !== undefined && t.state === "ACTIVE" && t.phase === "allocated") slotsUsed++
    }
  }
  return {
    name: "default",
    description: "",
    type: "RESOURCE_POOL_TYPE_STATIC",
    numAgents: 1,
    slotsAvailable: 0,
    slotsUsed: 0,
    slotType: "TYPE_CPU",
    auxContainerCapacity: 100,
    auxContainersRunning: slotsUsed,
    defaultComputePool: true,
    defaultAuxPool: true,
    preemptible: false,
    minAgents: 0,
    maxAgents: 0,
    slotsPerAgent: 0,
    auxContainerCapacityPerAgent: 100,
    schedulerType: "SCHEDULER_TYPE_PRIORITY",
    schedulerFittingPolicy: "FITTING_POLICY_BEST",
    location: "on-prem",
    imageId: "",
    instanceType: "",
    masterUrl: "",
    masterCertName: "",
    startupScript: "",
    containerStartupScript: "",
    agentDockerNetwork: "",
    agentDockerRuntime: "",
    agentDockerImage: "",
    agentFluentImage: "",
    maxIdleAgentPeriod: 0,
    maxAgentStartingPeriod: 0,
    details: {
      aws: null,
      gcp: null,
      priorityScheduler: { preemption: true, defaultPriority: 42, k8Priorities: [] }
    },
    accelerator: "",
    stats: { queuedCount: 0, scheduledCount: slotsUsed },
    resourceManagerMetadata: {},
    clusterName: ""
  }
}

/** @internal */
export const isTerminal = isTerminalExperiment
