/**
 * Trial rows and their allocations: creating a trial, requesting an allocation (QUEUED → PULLING → STARTING →
 * RUNNING), ending it, and the states and wall-clock time derived from it.
 *
 * @internal
 */
import type { JsonObject } from "../json.js"
import { PULL_AT, RUN_AT, START_AT } from "./constants.js"
import { logMaster } from "./logs.js"
import type { Experiment, Trial, World } from "./store.js"

/** Creates one trial row (ACTIVE and queued, or PAUSED when the experiment is paused). @internal */
export const createTrial = (world: World, exp: Experiment, hparams: JsonObject, at: number): Trial => {
  const id = world.nextId("trial")
  const requestId = exp.rng.uuid()
  const seed = exp.rng.int(2 ** 31)
  const taskId = `${exp.id}.${requestId}`
  const trial: Trial = {
    id,
    experimentId: exp.id,
    requestId,
    taskId,
    seed,
    hparams,
    state: exp.state === "ACTIVE" ? "ACTIVE" : "PAUSED",
    startTime: at,
    endTime: undefined,
    restarts: 0,
    runId: 0,
    phase: "none",
    stage: 0,
    allocAt: at,
    runB0: 0,
    runT0: at,
    batches: 0,
    totalBatchesProcessed: 0,
    length: exp.searcher.kind === "adaptive_asha" ? exp.searcher.maxTime : exp.length,
    stopAt: undefined,
    runnerState: "",
    wallClockMs: 0,
    progress: 0,
    summary: {},
    metrics: [],
    bulk: undefined,
    logs: [],
    latestValidation: undefined,
    bestValidation: undefined,
    checkpoints: [],
    lastCheckpointBatches: 0,
    closed: false,
    exit: undefined,
    agentId: "localmaster-agent-0",
    containerId: exp.rng.uuid()
  }
  world.trials.set(id, trial)
  exp.trialIds.push(id)
  if (trial.state === "ACTIVE") allocate(world, exp, trial, at)
  return trial
}

/** Requests a new allocation for a trial (QUEUED → PULLING → STARTING → RUNNING). @internal */
export const allocate = (world: World, exp: Experiment, trial: Trial, at: number): void => {
  trial.runId += 1
  trial.phase = "allocated"
  trial.stage = 0
  trial.allocAt = at
  logMaster(
    world,
    trial,
    at,
    `Scheduling Trial ${trial.id} (Experiment ${exp.id}) (id: ${trial.taskId}.${trial.runId})`
  )
}

/** @internal */
export const endAllocation = (trial: Trial, at: number): void => {
  if (trial.phase === "allocated" && at > trial.allocAt + PULL_AT) trial.wallClockMs += at - (trial.allocAt + PULL_AT)
  trial.phase = "none"
  trial.stage = 0
}

/** @internal */
export const wallClockSeconds = (world: World, trial: Trial): number => {
  let ms = trial.wallClockMs
  if (trial.phase === "allocated" && world.now > trial.allocAt + PULL_AT) ms += world.now - (trial.allocAt + PULL_AT)
  return ms / 1000
}

/** Derived wire state of a trial: ACTIVE is reported by allocation phase. @internal */
export const trialWireState = (world: World, trial: Trial): string => {
  if (trial.state !== "ACTIVE") return `STATE_${trial.state}`
  return `STATE_${allocationState(world, trial)}`
}

const allocationState = (world: World, trial: Trial): "QUEUED" | "PULLING" | "STARTING" | "RUNNING" => {
  if (trial.phase !== "allocated") return "QUEUED"
  const dt = world.now - trial.allocAt
  return dt < PULL_AT ? "QUEUED" : dt < START_AT ? "PULLING" : dt < RUN_AT ? "STARTING" : "RUNNING"
}

/** Derived wire state of an experiment. @internal */
export const experimentWireState = (world: World, exp: Experiment): string => {
  if (exp.state !== "ACTIVE") return `STATE_${exp.state}`
  let best = 0
  const order = ["QUEUED", "PULLING", "STARTING", "RUNNING"] as const
  for (const id of exp.trialIds) {
    const t = world.trials.get(id)
    if (t === undefined || t.state !== "ACTIVE") continue
    const s = order.indexOf(allocationState(world, t))
    if (s > best) best = s
    if (best === 3) break
  }
  return `STATE_${order[best]}`
}
