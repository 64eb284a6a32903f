/**
 * Experiments: create, read, list, lifecycle actions, patch, move, labels, model definition, trials,
 * checkpoints and validation history.
 *
 * @internal
 */
import { garbageCollect } from "../domain/checkpoints.js"
import { DELETE_DELAY } from "../domain/constants.js"
import { completeConfig, petName } from "../domain/expconf.js"
import { activateExperiment, pauseExperiment, stopExperiment } from "../domain/lifecycle.js"
import { Rng } from "../domain/rng.js"
import { makeSearcher, startSearch, timingOf } from "../domain/searchers.js"
import type { Checkpoint, Experiment, ModelFile, Trial, User, World } from "../domain/store.js"
import { isTerminalExperiment } from "../domain/store.js"
import { userConfigWithTemplate } from "../domain/templates.js"
import { experimentWireState } from "../domain/trials.js"
import type { Json, JsonObject } from "../json.js"
import { isObject } from "../json.js"
import type { Routes } from "../router.js"
import { buildTgz, fileTree } from "../tgz.js"
import { checkpointJson, experimentJson, jobSummaryJson, paginationJson, trialJson } from "../views.js"
import type { Body, Query } from "../wire.js"
import {
  compareBy,
  failedPrecondition,
  internal,
  invalidArgument,
  json,
  notFound,
  pageInfo,
  paginate,
  requireUser,
  timestamp,
  WireError
} from "../wire.js"

const decodeBase64 = (s: unknown, field: string): Uint8Array => {
  if (s === undefined || s === null || s === "") return new Uint8Array()
  if (typeof s !== "string" || !/^[A-Za-z0-9+/=\s_-]*$/.test(s)) {
    throw invalidArgument(`illegal base64 data in field ${field}`)
  }
  return new Uint8Array(Buffer.from(s, "base64"))
}

const toInt = (v: unknown, dflt: number): number => {
  if (typeof v === "number" && Number.isFinite(v)) return Math.trunc(v)
  if (typeof v === "string" && /^-?\d+$/.test(v)) return Number(v)
  return dflt
}

/** Decodes CreateExperiment's `modelDefinition` (`util.v1.File[]`). @internal */
export const decodeModelDefinition = (items: ReadonlyArray<unknown>): Array<ModelFile> =>
  items.map((item, i) => {
    if (!isObject(item as Json)) throw invalidArgument(`modelDefinition[${i}] must be an object`)
    const f = item as Record<string, unknown>
    const path = typeof f.path === "string" ? f.path : ""
    return {
      path,
      type: toInt(f.type, 48),
      content: decodeBase64(f.content, "content"),
      mtime: toInt(f.mtime, 0),
      mode: toInt(f.mode, 0o100644),
      uid: toInt(f.uid, 0),
      gid: toInt(f.gid, 0)
    }
  })

/** @internal */
export interface CreateOptions {
  readonly configText: string
  readonly modelDefinition: ReadonlyArray<ModelFile>
  readonly activate: boolean
  readonly projectId: number
  readonly parentId: number
  readonly at: number
  /** skip building the model-definition archive (bulk seeding) */
  readonly seeded?: boolean
  /** CreateExperiment's `template` (merged under the config) */
  readonly template?: string | undefined
  /** an unmanaged experiment (core-api.md §4.1): no entrypoint, PAUSED, never simulated (see ../unmanaged.ts) */
  readonly unmanaged?: boolean
}

const resolveProject = (world: World, projectId: number, user: JsonObject): number => {
  if (projectId > 1) {
    const p = world.project(projectId)
    return p.id
  }
  const ws = typeof user.workspace === "string" ? user.workspace : ""
  const pj = typeof user.project === "string" ? user.project : ""
  if (ws !== "" && pj !== "") {
    const workspace = [...world.workspaces.values()].find((w) => w.name === ws)
    if (workspace === undefined) throw notFound("workspace", ws)
    const project = [...world.projects.values()].find((p) => p.workspaceId === workspace.id && p.name === pj)
    if (project === undefined) throw notFound("project", pj)
    return project.id
  }
  return 1
}

/** Creates an experiment, as CreateExperiment does. @internal */
// An experiment's randomness (its searcher's samples, its trials' noise) is seeded by the master's seed and the
// config it was created with, plus how many experiments with that same config came before: not by its id, so
// experiments created concurrently get the same curves whatever order their creates land in.
const configSeedCounts = new WeakMap<World, Map<string, number>>()
const experimentSeed = (world: World, configText: string): string => {
  let counts = configSeedCounts.get(world)
  if (counts === undefined) {
    counts = new Map()
    configSeedCounts.set(world, counts)
  }
  const n = counts.get(configText) ?? 0
  counts.set(configText, n + 1)
  return `${world.seed}:experiment:${configText}:${n}`
}

export const createExperiment = (world: World, user: User, options: CreateOptions): Experiment => {
  const userConfig = userConfigWithTemplate(world, options.configText, options.template)
  const projectId = resolveProject(world, options.projectId, userConfig)
  const project = world.project(projectId)
  const workspace = world.workspaces.get(project.workspaceId)
  if (project.archived || workspace?.archived === true) {
    throw internal(`project (${project.id}) is archived and cannot add new experiments`)
  }
  let modelDefinition = options.modelDefinition
  if (options.parentId > 0) {
    const parent = world.experiment(options.parentId)
    if (modelDefinition.length === 0) modelDefinition = parent.modelDefinition
  }
  const seed = isObject(userConfig.reproducibility) && typeof userConfig.reproducibility.experiment_seed === "number"
    ? userConfig.reproducibility.experiment_seed
    : Math.floor(options.at / 1000)
  const nameRng = world.rng
  const config = completeConfig(userConfig, {
    defaultName: petName((n) => nameRng.int(n)),
    seed,
    unmanaged: options.unmanaged === true
  })
  const timing = timingOf(config)
  const id = world.nextId("experiment")
  const exp: Experiment = {
    id,
    projectId,
    userId: user.id,
    config,
    originalConfig: options.configText,
    modelDefinition,
    modelDefinitionSize: options.seeded === true || modelDefinition.length === 0 && options.unmanaged === true
      ? 0
      : buildTgz(modelDefinition).length,
    notes: "",
    archived: false,
    state: options.activate ? "ACTIVE" : "PAUSED",
    startTime: options.at,
    endTime: undefined,
    progress: 0,
    jobId: world.rng.uuid(),
    parentId: options.parentId > 0 ? options.parentId : null,
    trialIds: [],
    searcher: makeSearcher(config, timing.batchesPerEpoch, timing.gbs),
    rng: new Rng(experimentSeed(world, options.configText)),
    searchDone: false,
    length: timing.length,
    batchesPerEpoch: timing.batchesPerEpoch,
    schedulingUnit: timing.schedulingUnit,
    validationPeriod: timing.validationPeriod,
    checkpointPeriod: timing.checkpointPeriod,
    bestSigned: undefined,
    seeded: options.seeded === true
  }
  world.experiments.set(id, exp)
  if (options.unmanaged === true) return exp
  world.live.add(id)
  startSearch(world, exp, options.at)
  return exp
}

const emptyExperimentJson = (): JsonObject => ({
  id: 0,
  description: "",
  labels: [],
  startTime: null,
  endTime: null,
  state: "STATE_UNSPECIFIED",
  archived: false,
  numTrials: 0,
  trialIds: [],
  displayName: "",
  userId: 0,
  username: "",
  resourcePool: "",
  searcherType: "",
  searcherMetric: "",
  hyperparameters: null,
  name: "",
  notes: "",
  jobId: "",
  forkedFrom: null,
  progress: null,
  projectId: 0,
  projectName: "",
  workspaceId: 0,
  workspaceName: "",
  parentArchived: false,
  config: null,
  originalConfig: "",
  projectOwnerId: 0,
  checkpointSize: "0",
  checkpointCount: 0,
  unmanaged: false
})

/** An experiment the master still "runs" (not terminal, not being deleted), else 404. */
const runningExperiment = (world: World, id: number): Experiment => {
  const e = world.experiment(id)
  if (isTerminalExperiment(e.state) || e.state === "DELETING" || e.state === "DELETE_FAILED") {
    throw notFound("experiment", id)
  }
  return e
}

const labelsOf = (e: Experiment): Array<string> => (e.config.labels as Array<string> | undefined) ?? []

const setLabels = (e: Experiment, labels: ReadonlyArray<string>) => {
  e.config = { ...e.config, labels: [...new Set(labels)] }
}

const trialSortKey = (world: World, sortBy: string, metric: string) => (t: Trial): number | string | null => {
  switch (sortBy) {
    case "SORT_BY_START_TIME":
      return t.startTime
    case "SORT_BY_END_TIME":
      return t.endTime ?? null
    case "SORT_BY_STATE":
      return t.state
    case "SORT_BY_BEST_VALIDATION_METRIC": {
      const v = t.bestValidation?.values[metric]
      return typeof v === "number" ? v : null
    }
    case "SORT_BY_LATEST_VALIDATION_METRIC": {
      const v = t.latestValidation?.values[metric]
      return typeof v === "number" ? v : null
    }
    case "SORT_BY_BATCHES_PROCESSED":
      return t.totalBatchesProcessed
    case "SORT_BY_DURATION":
      return (t.endTime ?? world.now) - t.startTime
    case "SORT_BY_RESTARTS":
      return t.restarts
    case "SORT_BY_CHECKPOINT_SIZE": {
      let n = 0
      for (const uuid of t.checkpoints) {
        const c = world.checkpoints.get(uuid)
        if (c !== undefined && c.state !== "STATE_DELETED") { for (const v of Object.values(c.resources)) n += v }
      }
      return n
    }
    default:
      return t.id
  }
}

/** Sorting and filtering of checkpoint lists (experiment and trial). @internal */
export const listCheckpoints = (world: World, ctx: { query: Query }, ckpts: Array<Checkpoint>) => {
  const q = ctx.query
  const hasAttr = q.has("sortByAttr")
  const hasMetric = q.has("sortByMetric")
  if (hasAttr && hasMetric) throw invalidArgument("field already set for sort_by oneof")
  const attr = q.enumValue("sortByAttr", "determined.checkpoint.v1.SortBy")
  const metricName = q.string("sortByMetric")
  const orderBy = q.enumValue("orderBy", "determined.api.v1.OrderBy")
  const states = q.enumValues("states", "determined.checkpoint.v1.State")
  let rows = ckpts
  if (states.length > 0) rows = rows.filter((c) => states.includes(c.state))
  const validationValue = (c: Checkpoint, name: string): number | null => {
    const t = world.trials.get(c.trialId)
    const row = t?.metrics.find((r) => r.group === "validation" && r.totalBatches === c.stepsCompleted)
    const v = row?.values[name]
    return typeof v === "number" ? v : null
  }
  let desc = orderBy === "ORDER_BY_DESC"
  let key: (c: Checkpoint) => number | string | null = (c) => c.trialId
  if (hasMetric) {
    key = (c) => validationValue(c, metricName)
  } else if (hasAttr) {
    switch (attr) {
      case "SORT_BY_UUID":
        key = (c) => c.uuid
        break
      case "SORT_BY_TRIAL_ID":
        key = (c) => c.trialId
        break
      case "SORT_BY_BATCH_NUMBER":
        key = (c) => c.stepsCompleted
        break
      case "SORT_BY_END_TIME":
        key = (c) => c.reportTime
        break
      case "SORT_BY_STATE":
        key = (c) => c.state
        break
      case "SORT_BY_SEARCHER_METRIC": {
        const exp = rows[0] === undefined ? undefined : world.experiments.get(rows[0].experimentId)
        const metric = exp?.searcher.metric ?? ""
        key = (c) => validationValue(c, metric)
        if (orderBy === "ORDER_BY_UNSPECIFIED") desc = (exp?.searcher.sign ?? 1) < 0
        break
      }
    }
  }
  const order = new Map(rows.map((c, i) => [c, i]))
  const sorted = [...rows].sort(compareBy(key, desc, (c) => order.get(c)!))
  const page = paginate(sorted, q.int("offset"), q.int("limit"))
  return json({
    checkpoints: page.items.map((c) => checkpointJson(world, c)),
    pagination: paginationJson(page.pagination)
  })
}

const experimentCheckpoints = (world: World, e: Experiment): Array<Checkpoint> => {
  const out: Array<Checkpoint> = []
  for (const t of world.trialsOf(e)) {
    for (const uuid of t.checkpoints) {
      const c = world.checkpoints.get(uuid)
      if (c !== undefined) out.push(c)
    }
  }
  return out
}

const expSortKey = (world: World, sortBy: string) => (e: Experiment): number | string | null => {
  switch (sortBy) {
    case "SORT_BY_DESCRIPTION":
      return typeof e.config.description === "string" ? e.config.description : ""
    case "SORT_BY_START_TIME":
      return e.startTime
    case "SORT_BY_END_TIME":
      return e.endTime ?? null
    case "SORT_BY_STATE":
      return e.state
    case "SORT_BY_NUM_TRIALS":
      return e.trialIds.length
    case "SORT_BY_PROGRESS":
      return e.progress
    case "SORT_BY_USER":
      return world.users.get(e.userId)?.username ?? ""
    case "SORT_BY_NAME":
      return String(e.config.name)
    case "SORT_BY_FORKED_FROM":
      return e.parentId
    case "SORT_BY_RESOURCE_POOL":
      return String((e.config.resources as JsonObject | undefined)?.resource_pool ?? "")
    case "SORT_BY_PROJECT_ID":
      return e.projectId
    case "SORT_BY_CHECKPOINT_SIZE":
    case "SORT_BY_CHECKPOINT_COUNT": {
      let n = 0
      let size = 0
      for (const c of experimentCheckpoints(world, e)) {
        if (c.state === "STATE_DELETED") continue
        n++
        for (const v of Object.values(c.resources)) size += v
      }
      return sortBy === "SORT_BY_CHECKPOINT_COUNT" ? n : size
    }
    case "SORT_BY_SEARCHER_METRIC_VAL":
      return e.bestSigned === undefined ? null : e.bestSigned * e.searcher.sign
    default:
      return e.id
  }
}

const intFilter = (q: Query, name: string): number | undefined =>
  q.has(`experimentIdFilter.${name}`) ? q.int(`experimentIdFilter.${name}`) : undefined

const patchBody = (b: Body) => b

/** @internal */
export const routes: Routes = {
  CreateExperiment: (ctx) => {
    const user = requireUser(ctx.user)
    const b = ctx.body
    const configText = b.get("config")
    const text = typeof configText === "string"
      ? configText
      : configText === undefined
      ? ""
      : JSON.stringify(configText)
    const modelDefinition = decodeModelDefinition(b.array("modelDefinition") ?? [])
    if (b.bool("validateOnly") === true) {
      // the same checks in the same order as a create (parseCreateExperiment), nothing stored
      const cfg = userConfigWithTemplate(ctx.world, text, b.string("template"))
      resolveProject(ctx.world, b.int("projectId") ?? 0, cfg)
      completeConfig(cfg, { defaultName: "validate", seed: 0, unmanaged: b.bool("unmanaged") === true })
      return json({ experiment: emptyExperimentJson(), config: null, warnings: [] })
    }
    if (b.bool("unmanaged") === true) throw internal("unmanaged experiments are not supported by LocalMaster")
    const exp = createExperiment(ctx.world, user, {
      configText: text,
      modelDefinition,
      activate: b.bool("activate") ?? false,
      projectId: b.int("projectId") ?? 0,
      parentId: b.int("parentId") ?? 0,
      at: ctx.world.now,
      template: b.string("template")
    })
    return json({ experiment: experimentJson(ctx.world, exp, false), config: exp.config, warnings: [] })
  },
  GetExperiment: (ctx) => {
    const e = ctx.world.experiment(ctx.int("experiment_id"))
    return json({
      experiment: experimentJson(ctx.world, e, false),
      jobSummary: jobSummaryJson(ctx.world, e),
      config: e.config
    })
  },
  GetExperiments: (ctx) => {
    const world = ctx.world
    const q = ctx.query
    const sortBy = q.enumValue("sortBy", "determined.api.v1.GetExperimentsRequest.SortBy")
    const desc = q.enumValue("orderBy", "determined.api.v1.OrderBy") === "ORDER_BY_DESC"
    const projectId = q.int("projectId")
    if (projectId !== 0) world.project(projectId)
    const description = q.string("description").toLowerCase()
    const name = q.string("name").toLowerCase()
    const labels = q.all("labels").flatMap((l) => l.split(",")).filter((l) => l !== "")
    const archived = q.bool("archived")
    const states = q.enumValues("states", "determined.experiment.v1.State")
    const users = q.all("users").flatMap((u) => u.split(","))
    const userIds = q.ints("userIds")
    const lt = intFilter(q, "lt")
    const lte = intFilter(q, "lte")
    const gt = intFilter(q, "gt")
    const gte = intFilter(q, "gte")
    const incl = q.ints("experimentIdFilter.incl")
    const notIn = q.ints("experimentIdFilter.notIn")
    const userNames = new Map<number, string>()
    for (const u of world.users.values()) userNames.set(u.id, u.username)
    const rows: Array<Experiment> = []
    for (const e of world.experiments.values()) {
      if (projectId !== 0 && e.projectId !== projectId) continue
      if (archived !== undefined) {
        if (e.archived !== archived) continue
        if (archived === false && projectId === 0) {
          const p = world.projects.get(e.projectId)
          if (p?.archived === true || world.workspaces.get(p?.workspaceId ?? 0)?.archived === true) continue
        }
      }
      if (description !== "") {
        const d = typeof e.config.description === "string" ? e.config.description.toLowerCase() : ""
        if (!d.includes(description)) continue
      }
      if (name !== "" && !String(e.config.name).toLowerCase().includes(name)) continue
      if (labels.length > 0) {
        const have = labelsOf(e)
        if (!labels.every((l) => have.includes(l))) continue
      }
      if (states.length > 0 && !states.includes(`STATE_${e.state}`)) continue
      if (users.length > 0 && !users.includes(userNames.get(e.userId) ?? "")) continue
      if (userIds.length > 0 && !userIds.includes(e.userId)) continue
      if (lt !== undefined && !(e.id < lt)) continue
      if (lte !== undefined && !(e.id <= lte)) continue
      if (gt !== undefined && !(e.id > gt)) continue
      if (gte !== undefined && !(e.id >= gte)) continue
      if (incl.length > 0 && !incl.includes(e.id)) continue
      if (notIn.length > 0 && notIn.includes(e.id)) continue
      rows.push(e)
    }
    const sorted = sortBy === "SORT_BY_UNSPECIFIED" || sortBy === "SORT_BY_ID"
      ? (desc ? rows.reverse() : rows)
      : rows.sort(compareBy(expSortKey(world, sortBy), desc, (e) => e.id))
    const page = pageInfo(sorted, q.int("offset"), q.int("limit"))
    const showTrialData = q.bool("showTrialData") === true
    return json({
      experiments: page.items.map((e) => experimentJson(world, e, true, showTrialData)),
      pagination: paginationJson(page.pagination)
    })
  },
  ActivateExperiment: (ctx) => {
    const e = runningExperiment(ctx.world, ctx.int("id"))
    if (e.state === "ACTIVE") return json({})
    if (e.state !== "PAUSED" && e.state !== "STOPPING_ERROR") {
      throw failedPrecondition(`experiment in incompatible state ${e.state}`)
    }
    activateExperiment(ctx.world, e, ctx.world.now)
    return json({})
  },
  PauseExperiment: (ctx) => {
    const e = ctx.world.experiment(ctx.int("id"))
    if (e.archived) throw notFound("experiment", e.id)
    if (isTerminalExperiment(e.state)) throw failedPrecondition("experiment in terminal state")
    if (e.state === "PAUSED") return json({})
    if (e.state !== "ACTIVE") throw failedPrecondition(`experiment in incompatible state ${e.state}`)
    pauseExperiment(ctx.world, e, ctx.world.now)
    return json({})
  },
  CancelExperiment: (ctx) => {
    const e = ctx.world.experiment(ctx.int("id"))
    if (e.archived) throw notFound("experiment", e.id)
    if (isTerminalExperiment(e.state) || e.state.startsWith("STOPPING_") || e.state.startsWith("DELET")) {
      return json({})
    }
    stopExperiment(ctx.world, e, "STOPPING_CANCELED", ctx.world.now)
    return json({})
  },
  KillExperiment: (ctx) => {
    const e = ctx.world.experiment(ctx.int("id"))
    if (e.archived) throw notFound("experiment", e.id)
    if (
      isTerminalExperiment(e.state) || e.state === "STOPPING_KILLED" || e.state === "STOPPING_ERROR" ||
      e.state.startsWith("DELET")
    ) return json({})
    stopExperiment(ctx.world, e, "STOPPING_KILLED", ctx.world.now)
    return json({})
  },
  ArchiveExperiment: (ctx) => {
    const e = ctx.world.experiment(ctx.int("id"))
    if (e.archived) throw failedPrecondition("Experiment is already archived.")
    if (!isTerminalExperiment(e.state)) throw failedPrecondition("Experiment is not in terminal state.")
    e.archived = true
    return json({})
  },
  UnarchiveExperiment: (ctx) => {
    const e = ctx.world.experiment(ctx.int("id"))
    if (!e.archived) throw failedPrecondition("Experiment is not archived.")
    if (!isTerminalExperiment(e.state)) throw failedPrecondition("Experiment is not in terminal state.")
    e.archived = false
    return json({})
  },
  DeleteExperiment: (ctx) => {
    const world = ctx.world
    const e = world.experiment(ctx.int("experiment_id"))
    if (!isTerminalExperiment(e.state) && e.state !== "DELETE_FAILED") {
      throw failedPrecondition(`cannot delete experiment in ${experimentWireState(world, e)} state`)
    }
    if (experimentCheckpoints(world, e).some((c) => world.isModelVersionCheckpoint(c.uuid))) {
      throw invalidArgument("checkpoints are registered as model versions")
    }
    e.state = "DELETING"
    world.schedule(world.now + DELETE_DELAY, (w) => removeExperiment(w, e.id))
    return json({})
  },
  PatchExperiment: (ctx) => {
    const world = ctx.world
    const e = world.experiment(ctx.int("experiment.id"))
    const b = patchBody(ctx.body)
    const name = b.string("name")
    if (name !== undefined && name.trim() === "") {
      throw invalidArgument("`name` must not be an empty or whitespace string")
    }
    const config: JsonObject = { ...e.config }
    if (name !== undefined) config.name = name
    const description = b.string("description")
    if (description !== undefined) config.description = description
    const labels = b.get("labels")
    if (labels !== undefined) {
      if (!Array.isArray(labels)) throw invalidArgument("labels must be a list")
      config.labels = [...new Set(labels.map(String))]
    }
    const resources = b.body("resources")
    if (resources !== undefined) {
      const r: JsonObject = { ...(config.resources as JsonObject) }
      const maxSlots = resources.int("maxSlots")
      if (maxSlots !== undefined) r.max_slots = maxSlots
      const weight = resources.get("weight")
      if (typeof weight === "number") r.weight = weight
      const priority = resources.int("priority")
      if (priority !== undefined) r.priority = priority
      config.resources = r
    }
    const storage = b.body("checkpointStorage")
    if (storage !== undefined) {
      const s: JsonObject = { ...(config.checkpoint_storage as JsonObject) }
      s.save_experiment_best = storage.int("saveExperimentBest") ?? 0
      s.save_trial_best = storage.int("saveTrialBest") ?? 0
      s.save_trial_latest = storage.int("saveTrialLatest") ?? 0
      config.checkpoint_storage = s
    }
    e.config = config
    const notes = b.string("notes")
    if (notes !== undefined) e.notes = notes
    if (storage !== undefined && isTerminalExperiment(e.state)) garbageCollect(world, e)
    return json({ experiment: experimentJson(world, e, false) })
  },
  MoveExperiment: (ctx) => {
    const world = ctx.world
    const e = world.experiment(ctx.int("experiment_id"))
    const dest = world.project(ctx.body.int("destinationProjectId") ?? 0)
    if (e.archived) throw internal(`experiment (${e.id}) is archived and cannot be moved`)
    const src = world.projects.get(e.projectId)
    if (src?.archived === true) throw internal(`project (${src.id}) is archived and cannot have experiments moved`)
    if (dest.archived) throw internal(`project (${dest.id}) is archived and cannot add new experiments`)
    e.projectId = dest.id
    return json({})
  },
  GetModelDef: (ctx) => {
    const e = ctx.world.experiment(ctx.int("experiment_id"))
    return json({ b64Tgz: Buffer.from(buildTgz(e.modelDefinition)).toString("base64") })
  },
  GetModelDefTree: (ctx) => {
    const e = ctx.world.experiment(ctx.int("experiment_id"))
    return json({ files: fileTree(e.modelDefinition) })
  },
  GetModelDefFile: (ctx) => {
    const e = ctx.world.experiment(ctx.int("experiment_id"))
    const path = (ctx.body.string("path") ?? "").replace(/^\.?\//, "")
    const f = e.modelDefinition.find((m) => m.path === path && m.type !== 53)
    if (f === undefined) throw notFound("file", path)
    return json({ file: Buffer.from(f.content).toString("base64") })
  },
  GetExperimentTrials: (ctx) => {
    const world = ctx.world
    const e = world.experiment(ctx.int("experiment_id"))
    const q = ctx.query
    const sortBy = q.enumValue("sortBy", "determined.api.v1.GetExperimentTrialsRequest.SortBy")
    const desc = q.enumValue("orderBy", "determined.api.v1.OrderBy") === "ORDER_BY_DESC"
    const states = q.enumValues("states", "determined.trial.v1.State")
    let trials = world.trialsOf(e)
    if (states.length > 0) trials = trials.filter((t) => states.includes(`STATE_${t.state}`))
    trials = trials.sort(compareBy(trialSortKey(world, sortBy, e.searcher.metric), desc, (t) => t.id))
    const page = pageInfo(trials, q.int("offset"), q.int("limit"))
    return json({ trials: page.items.map((t) => trialJson(world, t)), pagination: paginationJson(page.pagination) })
  },
  GetExperimentCheckpoints: (ctx) => {
    const e = ctx.world.experiment(ctx.int("id"))
    return listCheckpoints(ctx.world, ctx, experimentCheckpoints(ctx.world, e))
  },
  GetExperimentLabels: (ctx) => {
    const projectId = ctx.query.int("projectId")
    const counts = new Map<string, number>()
    for (const e of ctx.world.experiments.values()) {
      if (projectId !== 0 && e.projectId !== projectId) continue
      for (const l of labelsOf(e)) counts.set(l, (counts.get(l) ?? 0) + 1)
    }
    const labels = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([l]) => l)
    return json({ labels })
  },
  PutExperimentLabel: (ctx) => {
    const e = ctx.world.experiments.get(ctx.int("experiment_id"))
    if (e === undefined) throw internal("sql: no rows in result set")
    const label = ctx.str("label")
    setLabels(e, [...labelsOf(e), label])
    return json({ labels: labelsOf(e) })
  },
  DeleteExperimentLabel: (ctx) => {
    const e = ctx.world.experiments.get(ctx.int("experiment_id"))
    if (e === undefined) throw internal("sql: no rows in result set")
    const label = ctx.str("label")
    setLabels(e, labelsOf(e).filter((l) => l !== label))
    return json({ labels: labelsOf(e) })
  },
  GetExperimentValidationHistory: (ctx) => {
    const world = ctx.world
    const e = world.experiment(ctx.int("experiment_id"))
    const s = e.searcher
    const rows: Array<{ trialId: number; endTime: number; id: number; v: number }> = []
    for (const t of world.trialsOf(e)) {
      for (const r of t.metrics) {
        if (r.group !== "validation") continue
        const v = r.values[s.metric]
        if (typeof v === "number") rows.push({ trialId: t.id, endTime: r.endTime, id: r.id, v })
      }
    }
    rows.sort((a, b) => a.endTime - b.endTime || a.id - b.id)
    const history: Array<JsonObject> = []
    let best: number | undefined
    for (const r of rows) {
      if (best === undefined || s.sign * r.v < best) {
        best = s.sign * r.v
        history.push({ trialId: r.trialId, endTime: timestamp(r.endTime), searcherMetric: r.v })
      }
    }
    return json({ validationHistory: history })
  },
  GetBestSearcherValidationMetric: (ctx) => {
    const e = ctx.world.experiment(ctx.int("experiment_id"))
    if (e.bestSigned === undefined) throw new WireError(5, "no validations for experiment")
    return json({ metric: e.bestSigned * e.searcher.sign })
  }
}

/** Removes an experiment and everything it owns (the end of an asynchronous delete). @internal */
export const removeExperiment = (world: World, id: number): void => {
  const e = world.experiments.get(id)
  if (e === undefined) return
  for (const tid of e.trialIds) {
    const t = world.trials.get(tid)
    if (t === undefined) continue
    for (const uuid of t.checkpoints) world.checkpoints.delete(uuid)
    world.trials.delete(tid)
  }
  world.experiments.delete(id)
  world.live.delete(id)
}
