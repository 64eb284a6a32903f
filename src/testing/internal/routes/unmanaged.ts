/**
 * The Core API routes (shared/docs/core-api.md): unmanaged experiments and trials, their reports (metrics,
 * progress, runner status, checkpoints, run metadata, storage registration) and the echo route `POST /task-logs`,
 * plus the registry-less behaviour of user actions on unmanaged experiments (§11.3), layered over the managed
 * handlers they refine.
 *
 * @internal
 */
import { completeConfig } from "../domain/expconf.js"
import { logTask } from "../domain/logs.js"
import type { Checkpoint, Trial, World } from "../domain/store.js"
import { userConfigWithTemplate } from "../domain/templates.js"
import { createTrial } from "../domain/trials.js"
import type { JsonObject } from "../json.js"
import type { Handler, RouteContext, Routes, Served } from "../router.js"
import {
  deriveExperimentState,
  experimentByExternalId,
  ingestMetrics,
  isUnmanaged,
  isUnmanagedTrial,
  noteCheckpointStorage,
  patchTrialState,
  registerExperiment,
  registerStorage,
  registerTrial,
  rethrowAs,
  runMetadataOf,
  setRunMetadata,
  touch,
  trialByExternalId,
  trialByTaskId,
  unmanagedTrial
} from "../unmanaged.js"
import { experimentJson, trialJson } from "../views.js"
import type { Body } from "../wire.js"
import {
  failedPrecondition,
  internal,
  invalidArgument,
  json,
  notFound,
  parseEnum,
  parseTimestamp,
  requireUser,
  WireError
} from "../wire.js"
import { echoError } from "./checkpointDownload.js"
import { UUID_RE } from "./checkpoints.js"
import { createExperiment, decodeModelDefinition } from "./experiments.js"

const configTextOf = (b: Body): string => {
  const v = b.get("config")
  return typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v)
}

/** CreateExperiment / PutExperiment of an unmanaged experiment (§4.1, §4.2). */
const createUnmanaged = (ctx: RouteContext, b: Body, externalId: string | undefined) => {
  const world = ctx.world
  const user = requireUser(ctx.user)
  const text = configTextOf(b)
  const prefix = externalId === undefined ? "" : "failed to parse exp config: "
  if (externalId !== undefined) {
    const existing = experimentByExternalId(world, externalId)
    if (existing !== undefined) {
      // the upsert replaces the config (and so name, description, labels) and nothing else
      rethrowAs(prefix, () => {
        const cfg = userConfigWithTemplate(world, text, b.string("template"))
        existing.config = completeConfig(cfg, {
          defaultName: String(existing.config.name),
          seed: Number((existing.config.reproducibility as JsonObject | undefined)?.experiment_seed ?? 0),
          unmanaged: true
        })
      })
      return json({ experiment: experimentJson(world, existing, false), config: existing.config })
    }
  }
  let created: ReturnType<typeof createExperiment> | undefined
  rethrowAs(prefix, () => {
    created = createExperiment(world, user, {
      configText: text,
      modelDefinition: decodeModelDefinition(b.array("modelDefinition") ?? []),
      activate: false,
      projectId: b.int("projectId") ?? 0,
      parentId: 0,
      at: world.now,
      template: b.string("template"),
      unmanaged: true
    })
  })
  const exp = created!
  registerExperiment(world, exp, externalId)
  const response: JsonObject = { experiment: experimentJson(world, exp, false), config: exp.config }
  if (externalId === undefined) response.warnings = []
  return json(response)
}

/** CreateTrial / PutTrial (§4.3, §4.4). */
const createUnmanagedTrial = (world: World, b: Body, externalId: string | undefined) => {
  const prefix = externalId === undefined ? "" : "failed to run create trial tx: failed to create trial: "
  if (b.bool("unmanaged") !== true) throw internal("only unmanaged trials are supported")
  const expId = b.int("experimentId") ?? 0
  const exp = world.experiment(expId)
  if (!isUnmanaged(world, exp.id)) throw internal(`${prefix}trials can only be created on unmanaged experiments`)
  const hparams = (b.object("hparams") ?? {}) as JsonObject
  if (externalId !== undefined) {
    const existing = trialByExternalId(world, exp, externalId)
    if (existing !== undefined) {
      // on conflict only the hparams are replaced
      for (const k of Object.keys(existing.hparams)) delete existing.hparams[k]
      Object.assign(existing.hparams, structuredClone(hparams))
      return json({ trial: trialJson(world, existing) })
    }
  }
  const made = createTrial(world, exp, structuredClone(hparams), world.now)
  const trial: Trial = externalId === undefined ? made : { ...made, taskId: `${exp.id}.${externalId}` }
  world.trials.set(trial.id, trial)
  registerTrial(world, trial, externalId)
  return json({ trial: trialJson(world, trial) })
}

const trialOr = (world: World, id: number, message: string): Trial => {
  const t = world.trials.get(id)
  if (t === undefined) throw internal(message)
  return t
}

const experimentOf = (world: World, trial: Trial) => world.experiment(trial.experimentId)

/** The latest COMPLETED checkpoint by `metadata.steps_completed` (StartTrial's resume point). */
const latestCheckpoint = (world: World, trial: Trial): Checkpoint | undefined => {
  let best: Checkpoint | undefined
  for (const uuid of trial.checkpoints) {
    const c = world.checkpoints.get(uuid)
    if (c === undefined || c.state !== "STATE_COMPLETED") continue
    if (best === undefined || c.stepsCompleted > best.stepsCompleted) best = c
  }
  return best
}

const number = (v: unknown, field: string): number => {
  if (typeof v === "number") return v
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v)
  throw invalidArgument(`json: invalid value for number field ${field}`)
}

const CHECKPOINT_STATES = ["STATE_UNSPECIFIED", "STATE_COMPLETED"]

/** @internal */
export const routes = (base: Routes): Routes => {
  const delegate = (name: string): Handler => (ctx) => {
    const h = base[name]
    if (h === undefined) throw new WireError(12, "Not Implemented", true)
    return h(ctx)
  }
  const orUnmanaged = (name: string, unmanaged: (ctx: RouteContext) => ReturnType<Handler>): Handler => (ctx) => {
    const id = ctx.int("id")
    return ctx.world.experiments.has(id) && isUnmanaged(ctx.world, id) ? unmanaged(ctx) : delegate(name)(ctx)
  }
  return {
    CreateExperiment: (ctx) =>
      ctx.body.bool("unmanaged") === true && ctx.body.bool("validateOnly") !== true
        ? createUnmanaged(ctx, ctx.body, undefined)
        : delegate("CreateExperiment")(ctx),
    PutExperiment: (ctx) => {
      const b = ctx.body
      if (b.bool("unmanaged") !== true) throw internal("only unmanaged experiments are supported")
      if ((b.int("parentId") ?? 0) !== 0) throw internal("can't fork into an unmanaged experiment")
      return createUnmanaged(ctx, b, ctx.str("external_experiment_id"))
    },
    CreateTrial: (ctx) => createUnmanagedTrial(ctx.world, ctx.body, undefined),
    PutTrial: (ctx) => {
      const inner = ctx.body.body("createTrialRequest")
      if (inner === undefined) throw internal("only unmanaged trials are supported")
      return createUnmanagedTrial(ctx.world, inner, ctx.body.string("externalTrialId") ?? "")
    },
    PatchTrial: (ctx) => {
      const world = ctx.world
      const trial = unmanagedTrial(world, trialOr(world, ctx.int("trial_id"), "not found"))
      const state = ctx.body.get("state")
      const name = state === undefined ? undefined : parseEnum(state, "determined.trial.v1.State", "state")
      touch(world, trial)
      if (name !== undefined) patchTrialState(world, trial, name)
      deriveExperimentState(world, experimentOf(world, trial))
      return json({ trial: trialJson(world, trial) })
    },
    StartTrial: (ctx) => {
      const world = ctx.world
      const trial = unmanagedTrial(
        world,
        trialOr(world, ctx.int("trial_id"), "failed to find experiment by trial id: not found")
      )
      if (ctx.body.bool("resume") !== true && trial.runId >= 1) {
        throw internal("failed to start trial: trial has already been started")
      }
      trial.runId += 1
      trial.state = "RUNNING"
      touch(world, trial)
      deriveExperimentState(world, experimentOf(world, trial))
      const latest = trial.runId > 1 ? latestCheckpoint(world, trial) : undefined
      return json({
        trialRunId: trial.runId,
        stepsCompleted: latest?.stepsCompleted ?? 0,
        ...(latest === undefined ? {} : { latestCheckpoint: latest.uuid })
      })
    },
    RunPrepareForReporting: (ctx) => {
      const world = ctx.world
      const runId = ctx.body.int("runId") ?? 0
      world.trial(runId)
      const storage = ctx.body.object("checkpointStorage")
      if (storage === undefined) return json({})
      return json({ storageId: registerStorage(world, runId, storage as JsonObject) })
    },
    ReportTrialProgress: (ctx) => {
      const world = ctx.world
      const trial = world.trial(ctx.int("trial_id"))
      const p = number(ctx.body.get("progress") ?? 0, "progress")
      if (isUnmanagedTrial(world, trial)) {
        if (!(p >= 0 && p <= 1)) {
          throw internal(`invalid progress value: ${p.toFixed(6)}. Progress value should be between 0 and 1`)
        }
        experimentOf(world, trial).progress = p
      } else {
        trial.progress = p
      }
      return json({})
    },
    PostTrialRunnerMetadata: (ctx) => {
      const trial = ctx.world.trial(ctx.int("trial_id"))
      trial.runnerState = ctx.body.string("state") ?? ""
      return json({})
    },
    ReportTrialMetrics: (ctx) => {
      const world = ctx.world
      const trial = world.trial(ctx.int("metrics.trial_id"))
      const m = ctx.body.body("metrics")
      const inner = m?.body("metrics")
      const reportTime = m?.string("reportTime")
      const batch = inner?.array("batchMetrics")
      ingestMetrics(world, trial, {
        group: ctx.body.string("group") ?? "",
        trialRunId: m?.int("trialRunId") ?? 0,
        stepsCompleted: m?.int("stepsCompleted"),
        reportTime: reportTime === undefined ? undefined : parseTimestamp(reportTime, "reportTime"),
        avgMetrics: structuredClone((inner?.object("avgMetrics") ?? {}) as JsonObject),
        batchMetrics: batch === undefined ? undefined : structuredClone(batch as Array<JsonObject>)
      })
      return json({})
    },
    ReportCheckpoint: (ctx) => {
      const world = ctx.world
      const b = ctx.body
      const trial = trialByTaskId(world, b.string("taskId") ?? "")
      const state = b.get("state") === undefined
        ? "STATE_UNSPECIFIED"
        : parseEnum(b.get("state"), "determined.checkpoint.v1.State", "state")
      const bad = (desc: string) =>
        invalidArgument(`unconvertable checkpoint: rpc error: code = InvalidArgument desc = ${desc}`)
      if (!CHECKPOINT_STATES.includes(state)) throw bad(`invalid state for reported checkpoint: ${state}`)
      const reportTime = b.string("reportTime")
      const uuid = b.string("uuid") ?? ""
      if (!UUID_RE.test(uuid)) throw bad(`converting checkpoint: string ${uuid} is not a valid uuid`)
      if (world.checkpoints.has(uuid)) {
        throw internal(
          "error adding checkpoint metadata: inserting checkpoint model: ERROR: duplicate key value violates " +
            `unique constraint "checkpoints_v2_uuid_key" (SQLSTATE 23505)`
        )
      }
      const resources: Record<string, number> = {}
      for (const [k, v] of Object.entries(b.object("resources") ?? {})) resources[k] = number(v, `resources.${k}`)
      const metadata = structuredClone((b.object("metadata") ?? {}) as JsonObject)
      const steps = metadata.steps_completed
      const c: Checkpoint = {
        uuid,
        trialId: trial.id,
        experimentId: trial.experimentId,
        taskId: trial.taskId,
        allocationId: b.string("allocationId") ?? "",
        reportTime: reportTime === undefined ? world.now : parseTimestamp(reportTime, "reportTime"),
        resources,
        metadata,
        state: "STATE_COMPLETED",
        stepsCompleted: typeof steps === "number" ? steps : 0
      }
      world.checkpoints.set(uuid, c)
      trial.checkpoints.push(uuid)
      const storageId = b.int("storageId")
      if (storageId !== undefined) noteCheckpointStorage(world, uuid, storageId)
      return json({})
    },
    GetRunMetadata: (ctx) => {
      const trial = ctx.world.trial(ctx.int("run_id"))
      return json({ metadata: runMetadataOf(ctx.world, trial.id) ?? {} })
    },
    PostRunMetadata: (ctx) => {
      const trial = ctx.world.trial(ctx.int("run_id"))
      const metadata = (ctx.body.object("metadata") ?? {}) as JsonObject
      return json({ metadata: setRunMetadata(ctx.world, trial, metadata) })
    },
    // ---- user actions on unmanaged experiments: never in the experiment registry (§11.3) ------------------------
    ActivateExperiment: orUnmanaged("ActivateExperiment", (ctx) => {
      throw notFound("experiment", ctx.int("id"))
    }),
    PauseExperiment: orUnmanaged("PauseExperiment", () => {
      throw failedPrecondition("experiment in terminal state")
    }),
    CancelExperiment: orUnmanaged("CancelExperiment", () => json({})),
    KillExperiment: orUnmanaged("KillExperiment", () => json({})),
    KillTrial: (ctx) => {
      const trial = ctx.world.trial(ctx.int("id"))
      if (isUnmanagedTrial(ctx.world, trial)) throw notFound("experiment", trial.experimentId)
      return delegate("KillTrial")(ctx)
    }
  }
}

/**
 * The echo route `POST /task-logs` (§10): a JSON array of `{task_id, timestamp, log, level?, stdtype?, rank_id?}`
 * appended to the tasks' logs. Unauthenticated, like the master's.
 *
 * @internal
 */
export const taskLogs = (world: World, path: string, request: Request, bodyText: string): Served | undefined => {
  if (path !== "/task-logs" || request.method.toUpperCase() !== "POST") return undefined
  let items: unknown
  try {
    items = JSON.parse(bodyText)
  } catch {
    return echoError(400, "code=400, message=Syntax error: offset=1, error=invalid character")
  }
  if (!Array.isArray(items)) return echoError(400, "code=400, message=Unmarshal type error: expected=[]*model.TaskLog")
  const parsed: Array<{ trial: Trial; at: number; text: string; level?: string; stdtype: string; rank?: number }> = []
  for (const item of items) {
    const o = (item ?? {}) as Record<string, unknown>
    const taskId = typeof o.task_id === "string" ? o.task_id : ""
    let trial: Trial
    try {
      trial = trialByTaskId(world, taskId)
    } catch {
      return echoError(500, `adding task logs: task ${taskId} not found`)
    }
    const ts = typeof o.timestamp === "string" ? Date.parse(o.timestamp) : NaN
    const text = typeof o.log === "string" ? o.log.replace(/\n$/, "") : ""
    const level = typeof o.level === "string" ? o.level.replace(/^LOG_LEVEL_/, "") : undefined
    parsed.push({
      trial,
      at: Number.isFinite(ts) ? ts : world.now,
      text,
      ...(level === undefined ? {} : { level }),
      stdtype: typeof o.stdtype === "string" ? o.stdtype : "stdout",
      ...(typeof o.rank_id === "number" ? { rank: o.rank_id } : {})
    })
  }
  for (const p of parsed) logTask(world, p.trial, p.at, p.level, p.text, p.stdtype, p.rank)
  return { _tag: "Body", status: 200, body: "{}", contentType: "application/json", headers: {} }
}
