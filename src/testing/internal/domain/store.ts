/**
 * LocalMaster's in-memory database. Plain mutable records keyed by id; every mutation happens synchronously
 * inside one request (the Effect fiber running `handle`), so no locking is needed.
 *
 * To add a new kind of record: add its interface here, a `Map` on {@link World}, an id counter if it has serial
 * ids, and a renderer in views.ts. Lookups throw the domain's {@link NotFound}, never a wire error.
 *
 * @internal
 */
import type { Json, JsonObject } from "../json.js"
import { NotFound, notFound } from "./errors.js"
import { Rng } from "./rng.js"

/** @internal */
export interface User {
  readonly id: number
  username: string
  password: string
  admin: boolean
  active: boolean
  displayName: string
  remote: boolean
  modifiedAt: number
  lastAuthAt: number | undefined
}

/** @internal */
export interface Workspace {
  readonly id: number
  name: string
  archived: boolean
  userId: number
  immutable: boolean
  state: string
  errorMessage: string
  checkpointStorageConfig: JsonObject | undefined
  agentUserGroup: JsonObject | undefined
  defaultComputePool: string
  defaultAuxPool: string
  /** userId -> pinnedAt */
  readonly pins: Map<number, number>
}

/** @internal */
export interface Note {
  readonly name: string
  readonly contents: string
}

/** @internal */
export interface Project {
  readonly id: number
  name: string
  workspaceId: number
  description: string
  notes: Array<Note>
  archived: boolean
  userId: number
  immutable: boolean
  state: string
  errorMessage: string
  key: string
}

/** A model-definition file as sent in CreateExperiment (`util.v1.File`). @internal */
export interface ModelFile {
  readonly path: string
  readonly type: number
  readonly content: Uint8Array
  readonly mtime: number
  readonly mode: number
  readonly uid: number
  readonly gid: number
}

/** Stored experiment states (without the `STATE_` prefix). @internal */
export type ExperimentState =
  | "ACTIVE"
  /** stored only for unmanaged experiments (core-api.md §5.3) */
  | "RUNNING"
  | "PAUSED"
  | "STOPPING_COMPLETED"
  | "STOPPING_CANCELED"
  | "STOPPING_KILLED"
  | "STOPPING_ERROR"
  | "COMPLETED"
  | "CANCELED"
  | "ERROR"
  | "DELETING"
  | "DELETE_FAILED"

/** @internal */
export type TrialState =
  | "ACTIVE"
  /** stored only for unmanaged trials, set by PatchTrial / StartTrial */
  | "RUNNING"
  | "PAUSED"
  | "STOPPING_COMPLETED"
  | "STOPPING_CANCELED"
  | "STOPPING_KILLED"
  | "STOPPING_ERROR"
  | "COMPLETED"
  | "CANCELED"
  | "ERROR"

/** @internal */
export const isTerminalExperiment = (s: ExperimentState) => s === "COMPLETED" || s === "CANCELED" || s === "ERROR"
/** @internal */
export const isTerminalTrial = (s: TrialState) => s === "COMPLETED" || s === "CANCELED" || s === "ERROR"

/** @internal */
export interface Searcher {
  readonly kind: "single" | "random" | "grid" | "adaptive_asha"
  readonly metric: string
  /** +1 when smaller is better, -1 otherwise */
  readonly sign: number
  /** total trials this searcher may create */
  readonly maxTrials: number
  readonly concurrency: number
  created: number
  /** grid points not yet used (taken from the end) */
  readonly gridPoints: Array<JsonObject>
  readonly brackets: Array<Bracket>
  readonly trialBracket: Map<number, number>
  readonly trialRung: Map<number, number>
  /** ASHA: max_time in batches and the metric name holding time */
  readonly maxTime: number
  readonly timeMetric: string
  readonly divisor: number
}

/** @internal */
export interface Bracket {
  readonly thresholds: ReadonlyArray<number>
  readonly maxTrials: number
  readonly concurrency: number
  created: number
  /** per rung: signed metric values, best (smallest) first */
  readonly rungs: Array<Array<number>>
  completed: number
}

/** @internal */
export interface Experiment {
  readonly id: number
  projectId: number
  readonly userId: number
  config: JsonObject
  readonly originalConfig: string
  readonly modelDefinition: ReadonlyArray<ModelFile>
  modelDefinitionSize: number | undefined
  notes: string
  archived: boolean
  state: ExperimentState
  readonly startTime: number
  endTime: number | undefined
  progress: number | null
  readonly jobId: string
  readonly parentId: number | null
  readonly trialIds: Array<number>
  readonly searcher: Searcher
  readonly rng: Rng
  /** the search has no more trials to create */
  searchDone: boolean
  /** training length of each trial, in batches */
  readonly length: number
  readonly batchesPerEpoch: number
  readonly schedulingUnit: number
  readonly validationPeriod: number
  readonly checkpointPeriod: number
  /** the experiment-wide best signed searcher metric (for checkpoint_policy best) */
  bestSigned: number | undefined
  /** true for rows made by seedExperiments: no simulation */
  readonly seeded: boolean
}

/** A metric report row (`MetricsReport`). @internal */
export interface MetricRow {
  readonly id: number
  readonly trialId: number
  readonly group: string
  readonly totalBatches: number
  readonly endTime: number
  readonly trialRunId: number
  /** the raw stored body: `{avg_metrics, batch_metrics}` or `{validation_metrics}` */
  readonly metrics: JsonObject
  /** the aggregate metrics of this report */
  readonly values: JsonObject
}

/** A bulk metric series made by `seedMetrics`: rows computed on demand. @internal */
export interface BulkMetrics {
  readonly group: string
  readonly count: number
  readonly firstId: number
  readonly firstBatches: number
  /** end time of the first report (clock millis) */
  readonly endTime: number
  /** millis between two reports' end times */
  readonly every: number
}

/** @internal */
export interface LogRow {
  readonly id: number
  readonly trialId: number
  readonly timestamp: number
  readonly level: string
  readonly log: string
  readonly source: string
  readonly stdtype: string
  readonly agentId: string | undefined
  readonly containerId: string | undefined
  readonly rankId: number | undefined
}

/** Allocation phase of an ACTIVE trial. @internal */
export type Phase = "none" | "allocated"

/** @internal */
export interface Trial {
  readonly id: number
  readonly experimentId: number
  readonly requestId: string
  readonly taskId: string
  readonly seed: number
  readonly hparams: JsonObject
  state: TrialState
  readonly startTime: number
  endTime: number | undefined
  restarts: number
  /** allocation counter (`trialRunId`): 0 before the first allocation */
  runId: number
  phase: Phase
  /** lifecycle logs written for the current allocation: 0 scheduled, 1 assigned (pulling), 2 running */
  stage: number
  /** when the current allocation was requested */
  allocAt: number
  /** batch count and time from which the current RUNNING stretch is measured */
  runB0: number
  runT0: number
  /** batches trained (the simulated trainer's position) */
  batches: number
  totalBatchesProcessed: number
  readonly length: number
  /** when a STOPPING_* trial finishes stopping */
  stopAt: number | undefined
  runnerState: string
  wallClockMs: number
  progress: number
  summary: JsonObject
  readonly metrics: Array<MetricRow>
  bulk: BulkMetrics | undefined
  readonly logs: Array<LogRow>
  latestValidation: MetricRow | undefined
  bestValidation: MetricRow | undefined
  readonly checkpoints: Array<string>
  lastCheckpointBatches: number
  /** seen by the searcher as closed */
  closed: boolean
  /** how the trial ended, for the experiment's final state */
  exit: "completed" | "canceled" | "errored" | undefined
  readonly agentId: string
  readonly containerId: string
}

/** @internal */
export interface Checkpoint {
  readonly uuid: string
  readonly trialId: number
  readonly experimentId: number
  readonly taskId: string
  readonly allocationId: string
  readonly reportTime: number
  resources: Record<string, number>
  metadata: JsonObject
  state: "STATE_COMPLETED" | "STATE_DELETED" | "STATE_PARTIALLY_DELETED" | "STATE_ERROR" | "STATE_ACTIVE"
  readonly stepsCompleted: number
}

/** @internal */
export interface Model {
  readonly id: number
  name: string
  description: string
  metadata: JsonObject
  readonly creationTime: number
  lastUpdatedTime: number
  labels: Array<string>
  readonly userId: number
  workspaceId: number
  archived: boolean
  notes: string
}

/** @internal */
export interface ModelVersion {
  readonly id: number
  readonly modelId: number
  readonly version: number
  readonly checkpointUuid: string
  readonly creationTime: number
  lastUpdatedTime: number
  name: string
  comment: string
  metadata: JsonObject
  labels: Array<string>
  notes: string
  readonly userId: number
}

/** A pending world change, run when the simulated clock passes `at`. @internal */
export interface Timer {
  readonly at: number
  readonly seq: number
  readonly run: (world: World, at: number) => void
}

/** @internal */
export interface WorldOptions {
  readonly seed: number
  readonly speed: number
  readonly users: ReadonlyArray<{ username: string; password?: string; admin?: boolean; active?: boolean }>
}

/**
 * The whole state of one LocalMaster.
 *
 * @internal
 */
export class World {
  readonly seed: number
  readonly speed: number
  readonly rng: Rng
  /** simulated time (clock millis) the world has been advanced to */
  now = 0
  readonly masterId: string
  readonly clusterId: string

  readonly users = new Map<number, User>()
  readonly sessions = new Map<string, number>()
  readonly workspaces = new Map<number, Workspace>()
  readonly projects = new Map<number, Project>()
  readonly experiments = new Map<number, Experiment>()
  readonly trials = new Map<number, Trial>()
  readonly checkpoints = new Map<string, Checkpoint>()
  readonly models = new Map<number, Model>()
  readonly modelVersions = new Map<number, ModelVersion>()
  /** experiments whose trials may still change: the simulation only looks at these */
  readonly live = new Set<number>()
  timers: Array<Timer> = []
  private timerSeq = 0

  private ids = {
    user: 0,
    workspace: 0,
    project: 0,
    experiment: 0,
    trial: 0,
    metric: 0,
    log: 0,
    model: 0,
    modelVersion: 0
  }

  constructor(options: WorldOptions, now: number) {
    this.seed = options.seed
    this.speed = options.speed > 0 ? options.speed : 100
    this.rng = new Rng(`world:${options.seed}`)
    this.now = now
    this.masterId = this.rng.uuid()
    this.clusterId = this.rng.uuid()
    for (const u of options.users) {
      const id = this.nextId("user")
      this.users.set(id, {
        id,
        username: u.username,
        password: u.password ?? "",
        admin: u.admin ?? false,
        active: u.active ?? true,
        displayName: "",
        remote: false,
        modifiedAt: now,
        lastAuthAt: undefined
      })
    }
    const wsId = this.nextId("workspace")
    this.workspaces.set(wsId, {
      id: wsId,
      name: "Uncategorized",
      archived: false,
      userId: 1,
      immutable: true,
      state: "WORKSPACE_STATE_UNSPECIFIED",
      errorMessage: "",
      checkpointStorageConfig: undefined,
      agentUserGroup: undefined,
      defaultComputePool: "",
      defaultAuxPool: "",
      pins: new Map()
    })
    const pId = this.nextId("project")
    this.projects.set(pId, {
      id: pId,
      name: "Uncategorized",
      workspaceId: wsId,
      description: "",
      notes: [],
      archived: false,
      userId: 1,
      immutable: true,
      state: "WORKSPACE_STATE_UNSPECIFIED",
      errorMessage: "",
      key: `UNC${this.rng.hex(2).toUpperCase()}`
    })
  }

  nextId(kind: keyof World["ids"]): number {
    return ++this.ids[kind]
  }

  peekId(kind: keyof World["ids"]): number {
    return this.ids[kind]
  }

  /** Reserves `n` consecutive ids and returns the first. */
  reserveIds(kind: keyof World["ids"], n: number): number {
    const first = this.ids[kind] + 1
    this.ids[kind] += n
    return first
  }

  schedule(at: number, run: (world: World, at: number) => void): void {
    const t: Timer = { at, seq: ++this.timerSeq, run }
    // keep sorted by (at, seq); timers are few
    let i = this.timers.length
    while (i > 0 && (this.timers[i - 1]!.at > at)) i--
    this.timers.splice(i, 0, t)
  }

  // ---- lookups that answer the master's not-found errors ------------------------------------------------------

  experiment(id: number): Experiment {
    const e = this.experiments.get(id)
    if (e === undefined) throw notFound("experiment", id)
    return e
  }

  trial(id: number): Trial {
    const t = this.trials.get(id)
    if (t === undefined) throw notFound("trial", id)
    return t
  }

  project(id: number): Project {
    const p = this.projects.get(id)
    if (p === undefined) throw notFound("project", id)
    return p
  }

  workspace(id: number): Workspace {
    const w = this.workspaces.get(id)
    if (w === undefined) throw notFound("workspace", id)
    return w
  }

  checkpoint(uuid: string): Checkpoint {
    const c = this.checkpoints.get(uuid)
    if (c === undefined) throw notFound("checkpoint", uuid)
    return c
  }

  /** `{model_name}` takes the name or, when all digits, the numeric id. */
  model(nameOrId: string): Model {
    if (/^\d+$/.test(nameOrId)) {
      const m = this.models.get(Number(nameOrId))
      if (m !== undefined) return m
    } else {
      for (const m of this.models.values()) if (m.name === nameOrId) return m
    }
    throw new NotFound({ message: `model "${nameOrId}" not found` })
  }

  userByName(username: string): User | undefined {
    for (const u of this.users.values()) if (u.username === username) return u
    return undefined
  }

  versionsOf(modelId: number): Array<ModelVersion> {
    const out: Array<ModelVersion> = []
    for (const v of this.modelVersions.values()) if (v.modelId === modelId) out.push(v)
    return out.sort((a, b) => a.version - b.version)
  }

  isModelVersionCheckpoint(uuid: string): boolean {
    for (const v of this.modelVersions.values()) if (v.checkpointUuid === uuid) return true
    return false
  }

  trialsOf(e: Experiment): Array<Trial> {
    const out: Array<Trial> = []
    for (const id of e.trialIds) {
      const t = this.trials.get(id)
      if (t !== undefined) out.push(t)
    }
    return out
  }
}

/** @internal */
export type { Json, JsonObject }
