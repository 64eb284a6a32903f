/**
 * The simulated trainer: a RUNNING trial trains `speed` batches per second on its hyperparameters' curve
 * (curves.ts). It reports training metrics every `scheduling_unit` batches (default 100) and at its end,
 * validates every `min_validation_period` batches, at ASHA rung thresholds and at its end, checkpoints per
 * `checkpoint_policy` after validations, every `min_checkpoint_period` batches and at its end, and completes at
 * its length (`searcher.max_length` in batches; ASHA: `max_time`; default 1000 batches).
 *
 * @internal
 */
import { writeCheckpoint } from "../domain/checkpoints.js"
import { exitedZero, stopExperiment, stopTrial } from "../domain/lifecycle.js"
import { logTask, pid, pyRepr } from "../domain/logs.js"
import { reportMetrics } from "../domain/reporting.js"
import { ashaValidation, updateProgress } from "../domain/searchers.js"
import type { Experiment, Trial, World } from "../domain/store.js"
import type { JsonObject } from "../json.js"
import { makeCurve } from "./curves.js"
import type { TrialDriver } from "./driver.js"

const timeOfBatch = (world: World, trial: Trial, b: number): number =>
  trial.runT0 + ((b - trial.runB0) * 1000) / world.speed

const nextMultiple = (b: number, period: number) => (Math.floor(b / period) + 1) * period

const nextMilestone = (exp: Experiment, trial: Trial): number => {
  const b = trial.batches
  let m = trial.length
  if (exp.schedulingUnit > 0) m = Math.min(m, nextMultiple(b, exp.schedulingUnit))
  if (exp.validationPeriod > 0) m = Math.min(m, nextMultiple(b, exp.validationPeriod))
  if (exp.checkpointPeriod > 0) m = Math.min(m, nextMultiple(b, exp.checkpointPeriod))
  const bi = exp.searcher.trialBracket.get(trial.id)
  if (bi !== undefined) {
    for (const th of exp.searcher.brackets[bi]!.thresholds) if (th > b && th < m) m = th
  }
  return Math.max(m, b + 1)
}

const reachBatch = (world: World, exp: Experiment, trial: Trial, b: number, at: number): void => {
  trial.batches = b
  const end = b >= trial.length
  const s = exp.searcher
  const bi = s.trialBracket.get(trial.id)
  const isTrain = (exp.schedulingUnit > 0 && b % exp.schedulingUnit === 0) || end
  const isVal = (exp.validationPeriod > 0 && b % exp.validationPeriod === 0) || end ||
    (bi !== undefined && s.brackets[bi]!.thresholds.includes(b))
  const isCkpt = exp.checkpointPeriod > 0 && b % exp.checkpointPeriod === 0
  const curve = makeCurve(trial.hparams, `${world.seed}:${trial.seed}`)
  if (isTrain) {
    trial.runnerState = "training"
    const values: JsonObject = { loss: curve.training(b), batches: b, epochs: epochsOf(exp, b) }
    reportMetrics(world, trial, "training", values, b, at)
    logTask(
      world,
      trial,
      at,
      "INFO",
      `[${pid(trial)}] determined.core: ${reportLine("training", b, values)}`,
      "stdout",
      0
    )
    trial.progress = Math.min(1, b / trial.length)
    updateProgress(world, exp)
  }
  if (isVal) {
    trial.runnerState = "validating"
    const v = curve.validation(b)
    const values: JsonObject = { ...v, batches: b, epochs: epochsOf(exp, b) }
    const metricValue = values[s.metric]
    const signed = typeof metricValue === "number" ? s.sign * metricValue : undefined
    const beatsBest = signed !== undefined && (exp.bestSigned === undefined || signed < exp.bestSigned)
    reportMetrics(world, trial, "validation", values, b, at)
    logTask(
      world,
      trial,
      at,
      "INFO",
      `[${pid(trial)}] determined.core: ${reportLine("validation", b, values)}`,
      "stdout",
      0
    )
    const policy = exp.config.checkpoint_policy
    if (policy === "all" || (policy !== "none" && beatsBest)) writeCheckpoint(world, exp, trial, at)
    if (s.kind === "adaptive_asha") {
      const decision = ashaValidation(world, exp, trial, values, at)
      if (decision === "searcher-error") {
        stopExperiment(world, exp, "STOPPING_ERROR", at)
        return
      }
      if (decision === "stop") {
        stopTrial(world, exp, trial, "STOPPING_COMPLETED", at)
        return
      }
    }
  }
  if ((isCkpt || end) && trial.lastCheckpointBatches !== b) writeCheckpoint(world, exp, trial, at)
  if (end) {
    trial.runnerState = trial.runnerState === "training" ? "checkpointing" : trial.runnerState
    exitedZero(world, exp, trial, at)
  }
}

const epochsOf = (exp: Experiment, b: number): number => Math.floor(b / exp.batchesPerEpoch)

const reportLine = (group: string, b: number, values: JsonObject) =>
  `report_${group}_metrics(steps_completed=${b}, metrics=${pyRepr(values)})`

/** @internal */
export const curveDriver: TrialDriver = {
  nextEventAt: (world, exp, trial) => timeOfBatch(world, trial, nextMilestone(exp, trial)),
  step: (world, exp, trial, at) => reachBatch(world, exp, trial, nextMilestone(exp, trial), at)
}
