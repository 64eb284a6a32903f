/**
 * Checkpoints: writing one at a trial's current batch, and the checkpoint GC of a terminal experiment
 * (master-behaviour.md §6.3).
 *
 * @internal
 */
import type { JsonObject } from "../json.js"
import { DETERMINED_VERSION } from "./constants.js"
import { logTask, pid } from "./logs.js"
import type { Checkpoint, Experiment, Trial, World } from "./store.js"

/** Writes a COMPLETED checkpoint at the trial's current batch. @internal */
export const writeCheckpoint = (world: World, exp: Experiment, trial: Trial, at: number): Checkpoint => {
  const prev = trial.runnerState
  trial.runnerState = "checkpointing"
  const uuid = exp.rng.uuid()
  const steps = trial.batches
  const resources: Record<string, number> = {}
  const metadata: JsonObject = {
    determined_version: DETERMINED_VERSION,
    format: "pickle",
    framework: "torch-2.4.0",
    steps_completed: steps
  }
  resources["metadata.json"] = JSON.stringify(metadata).length
  resources["state_dict.pth"] = 4_000_000 + (trial.seed % 4_000_000)
  resources["trial_state.pkl"] = 111
  resources["code/"] = 0
  for (const f of exp.modelDefinition) {
    resources[`code/${f.path}${f.type === 53 && !f.path.endsWith("/") ? "/" : ""}`] = f.type === 53
      ? 0
      : f.content.length
  }
  const ckpt: Checkpoint = {
    uuid,
    trialId: trial.id,
    experimentId: exp.id,
    taskId: trial.taskId,
    allocationId: `${trial.taskId}.${Math.max(1, trial.runId)}`,
    reportTime: at,
    resources,
    metadata,
    state: "STATE_COMPLETED",
    stepsCompleted: steps
  }
  world.checkpoints.set(uuid, ckpt)
  trial.checkpoints.push(uuid)
  trial.lastCheckpointBatches = steps
  logTask(
    world,
    trial,
    at,
    "INFO",
    `[${pid(trial)}] determined.core: Reported checkpoint to master ${uuid}`,
    "stdout",
    0
  )
  if (prev === "validating") trial.runnerState = "checkpointing"
  return ckpt
}

/** Applies the checkpoint GC rule of master-behaviour.md §6.3 to a terminal experiment. @internal */
export const garbageCollect = (world: World, exp: Experiment): void => {
  const storage = (exp.config.checkpoint_storage ?? {}) as JsonObject
  const saveExpBest = Number(storage.save_experiment_best ?? 0)
  const saveTrialBest = Number(storage.save_trial_best ?? 1)
  const saveTrialLatest = Number(storage.save_trial_latest ?? 1)
  const s = exp.searcher
  type Ranked = { ckpt: Checkpoint; value: number | undefined; order: number }
  const all: Array<Ranked> = []
  const byTrial = new Map<number, Array<Ranked>>()
  for (const trial of world.trialsOf(exp)) {
    const rows: Array<Ranked> = []
    for (const uuid of trial.checkpoints) {
      const ckpt = world.checkpoints.get(uuid)
      if (ckpt === undefined || ckpt.state !== "STATE_COMPLETED") continue
      const val = trial.metrics.find((r) => r.group === "validation" && r.totalBatches === ckpt.stepsCompleted)
      const v = val?.values[s.metric]
      rows.push({ ckpt, value: typeof v === "number" ? s.sign * v : undefined, order: 0 })
    }
    byTrial.set(trial.id, rows)
    all.push(...rows)
  }
  const rank = (rows: Array<Ranked>) => {
    const sorted = [...rows].sort((a, b) =>
      a.value === undefined ? (b.value === undefined ? 0 : 1) : b.value === undefined ? -1 : a.value - b.value
    )
    return new Map(sorted.map((r, i) => [r, i + 1]))
  }
  const expRank = rank(all)
  for (const [trialId, rows] of byTrial) {
    const trialRank = rank(rows)
    const byOrder = [...rows].sort((a, b) => b.ckpt.stepsCompleted - a.ckpt.stepsCompleted)
    const orderRank = new Map(byOrder.map((r, i) => [r, i + 1]))
    for (const r of rows) {
      const del = ((expRank.get(r)! > saveExpBest && trialRank.get(r)! > saveTrialBest) || r.value === undefined) &&
        orderRank.get(r)! > saveTrialLatest
      if (del && !world.isModelVersionCheckpoint(r.ckpt.uuid) && !isWarmStart(world, r.ckpt.uuid)) {
        r.ckpt.state = "STATE_DELETED"
      }
    }
    void trialId
  }
}

const isWarmStart = (world: World, uuid: string): boolean => {
  void world
  void uuid
  return false
}
