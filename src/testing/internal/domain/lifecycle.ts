/**
 * The lifecycle of trials and experiments: allocation stages, stopping (cancel, kill, searcher error, ASHA
 * stop), failures and restarts, pause and activate, and the end of an experiment (its final state and the
 * checkpoint GC after it). Searchers decide what to create; this module changes states.
 *
 * @internal
 */
import type { JsonObject } from "../json.js"
import { garbageCollect, writeCheckpoint } from "./checkpoints.js"
import { ASHA_STOP_DELAY, CANCEL_DELAY, GC_DELAY, KILL_DELAY, PULL_AT, RUN_AT } from "./constants.js"
import { logAgent, logMaster, logTask, pid, pyRepr } from "./logs.js"
import { recomputeTrialMetrics } from "./reporting.js"
import { searcherTrialClosed } from "./searchers.js"
import type { Experiment, Trial, TrialState, World } from "./store.js"
import { isTerminalExperiment, isTerminalTrial } from "./store.js"
import { allocate, endAllocation } from "./trials.js"

/**
 * When the trial's next lifecycle event is due: the end of its stopping, or its allocation reaching PULLING (the
 * agent's logs) or RUNNING (the launch logs). `undefined` while it RUNS: its driver says what comes next.
 * `Infinity` when nothing will happen (paused, finished, waiting for resources).
 *
 * @internal
 */
export const nextLifecycleEvent = (exp: Experiment, trial: Trial): number | undefined => {
  if (trial.state.startsWith("STOPPING_")) return trial.stopAt ?? Infinity
  if (trial.state !== "ACTIVE" || trial.phase !== "allocated" || exp.state !== "ACTIVE") return Infinity
  if (trial.stage === 0) return trial.allocAt + PULL_AT
  if (trial.stage === 1) return trial.allocAt + RUN_AT
  return undefined
}

/**
 * Runs the lifecycle event {@link nextLifecycleEvent} announced. Returns false (and does nothing) when the trial
 * is RUNNING: the step is its driver's.
 *
 * @internal
 */
export const stepLifecycle = (world: World, exp: Experiment, trial: Trial, at: number): boolean => {
  if (trial.state.startsWith("STOPPING_")) {
    finishStopping(world, exp, trial, at)
    return true
  }
  if (trial.stage === 0) {
    trial.stage = 1
    logMaster(world, trial, at, `Trial ${trial.id} (Experiment ${exp.id}) was assigned to an agent`)
    const image = ((exp.config.environment as JsonObject | undefined)?.image as JsonObject | undefined)?.cpu
    logAgent(world, trial, at, `image already found, skipping pull phase: docker.io/${String(image)}`)
    logAgent(world, trial, at, "copying files to container: /")
    logAgent(world, trial, at, "copying files to container: /run/determined")
    return true
  }
  if (trial.stage === 1) {
    trial.stage = 2
    trial.runT0 = at
    trial.runB0 = trial.batches
    trial.runnerState = "training"
    logMaster(world, trial, at, `Resources for Trial ${trial.id} (Experiment ${exp.id}) have started`)
    logTask(world, trial, at, undefined, "+ test -f startup-hook.sh", "stderr", undefined)
    logTask(world, trial, at, undefined, "+ set +x", "stderr", undefined)
    logTask(
      world,
      trial,
      at,
      "INFO",
      `[${pid(trial)}] root: New trial runner in (container ${trial.containerId}) on agent ${trial.agentId}: {...}`,
      "stdout",
      0
    )
    logTask(world, trial, at, "INFO", `[${pid(trial)}] root: Validating checkpoint storage ...`, "stdout", 0)
    logTask(
      world,
      trial,
      at,
      "INFO",
      `[${pid(trial)}] root: Launching: ['sh', '-c', ${pyRepr(String(exp.config.entrypoint ?? ""))}]`,
      "stdout",
      0
    )
    return true
  }
  return false
}

const finishStopping = (world: World, exp: Experiment, trial: Trial, at: number): void => {
  switch (trial.state) {
    case "STOPPING_COMPLETED":
      if (trial.stage === 2 && trial.lastCheckpointBatches !== trial.batches) writeCheckpoint(world, exp, trial, at)
      if (trial.phase === "allocated") {
        logMaster(world, trial, at, "resources exited successfully with a zero exit code")
      }
      finishTrial(world, exp, trial, "COMPLETED", at)
      return
    case "STOPPING_CANCELED":
      if (trial.stage === 2 && trial.lastCheckpointBatches !== trial.batches) writeCheckpoint(world, exp, trial, at)
      logMaster(
        world,
        trial,
        at,
        `Trial ${trial.id} (Experiment ${exp.id}) was terminated: allocation preempted after all resources exited`
      )
      finishTrial(world, exp, trial, "CANCELED", at)
      return
    case "STOPPING_KILLED":
      logMaster(world, trial, at, "killed: user requested kill", "INFO")
      logMaster(
        world,
        trial,
        at,
        `Trial ${trial.id} (Experiment ${exp.id}) was terminated: allocation killed after all resources exited`
      )
      finishTrial(world, exp, trial, "CANCELED", at)
      return
    default:
      logMaster(world, trial, at, "killed: searcher error", "ERROR")
      finishTrial(world, exp, trial, "ERROR", at)
  }
}

/** The trial's process exited 0 on its own: the master's logs, then COMPLETED. @internal */
export const exitedZero = (world: World, exp: Experiment, trial: Trial, at: number): void => {
  logMaster(world, trial, at, "resources exited successfully with a zero exit code")
  logMaster(
    world,
    trial,
    at,
    `Trial ${trial.id} (Experiment ${exp.id}) was terminated: allocation stopped early after all resources exited: resources exited successfully with a zero exit code`
  )
  finishTrial(world, exp, trial, "COMPLETED", at)
}

/** Moves a trial to a terminal state and lets its searcher react. @internal */
export const finishTrial = (world: World, exp: Experiment, trial: Trial, state: TrialState, at: number): void => {
  if (isTerminalTrial(trial.state)) return
  endAllocation(trial, at)
  trial.state = state
  trial.endTime = at
  trial.stopAt = undefined
  if (trial.closed) return
  trial.closed = true
  trial.exit = state === "COMPLETED" ? "completed" : state === "ERROR" ? "errored" : "canceled"
  searcherTrialClosed(world, exp, trial, at)
  maybeFinishExperiment(world, exp, at)
}

/** Begins stopping a live trial (or ends it at once when it holds no allocation). @internal */
export const stopTrial = (
  world: World,
  exp: Experiment,
  trial: Trial,
  how: "STOPPING_CANCELED" | "STOPPING_KILLED" | "STOPPING_ERROR" | "STOPPING_COMPLETED",
  at: number
): void => {
  if (isTerminalTrial(trial.state)) return
  const severity = (s: TrialState) =>
    s === "STOPPING_ERROR"
      ? 4
      : s === "STOPPING_KILLED"
      ? 3
      : s === "STOPPING_CANCELED"
      ? 2
      : s === "STOPPING_COMPLETED"
      ? 1
      : 0
  if (severity(trial.state) >= severity(how)) return
  if (trial.phase !== "allocated") {
    const final: TrialState = how === "STOPPING_ERROR"
      ? "ERROR"
      : how === "STOPPING_COMPLETED"
      ? "COMPLETED"
      : "CANCELED"
    finishTrial(world, exp, trial, final, at)
    return
  }
  trial.state = how
  if (how === "STOPPING_KILLED" || how === "STOPPING_ERROR") {
    logMaster(
      world,
      trial,
      at,
      `forcibly killing allocation's remaining resources (reason: ${
        how === "STOPPING_KILLED" ? "user requested kill" : "searcher error"
      })`
    )
    trial.stopAt = at + KILL_DELAY
  } else if (how === "STOPPING_CANCELED") {
    logMaster(
      world,
      trial,
      at,
      "gracefully terminating allocation's remaining resources (reason: user requested cancellation)"
    )
    trial.stopAt = at + CANCEL_DELAY
  } else {
    trial.stopAt = at + ASHA_STOP_DELAY
  }
}

/** Injects a failure into a trial's running allocation. Returns false when it has none. @internal */
export const failTrial = (world: World, trialId: number, at: number, reason: string): boolean => {
  const trial = world.trials.get(trialId)
  if (trial === undefined || isTerminalTrial(trial.state) || trial.phase !== "allocated") return false
  const exp = world.experiments.get(trial.experimentId)!
  logMaster(world, trial, at, `crashed: ${reason}`, "ERROR")
  logMaster(
    world,
    trial,
    at,
    `Trial ${trial.id} (Experiment ${exp.id}) was terminated: allocation failed: ${reason}`,
    "ERROR"
  )
  trial.restarts += 1
  const maxRestarts = Number(exp.config.max_restarts ?? 5)
  if (trial.restarts > maxRestarts || trial.state !== "ACTIVE") {
    finishTrial(world, exp, trial, "ERROR", at)
    return true
  }
  endAllocation(trial, at)
  // resume from the latest checkpoint: reports past it are archived (master-behaviour.md §1.3)
  const resumeAt = trial.lastCheckpointBatches
  if (trial.batches > resumeAt) {
    for (let i = trial.metrics.length - 1; i >= 0; i--) {
      if (trial.metrics[i]!.totalBatches > resumeAt) trial.metrics.splice(i, 1)
    }
    trial.batches = resumeAt
    recomputeTrialMetrics(world, trial)
  }
  if (exp.state === "ACTIVE") allocate(world, exp, trial, at)
  return true
}

/** @internal */
export const pauseExperiment = (world: World, exp: Experiment, at: number): void => {
  exp.state = "PAUSED"
  for (const trial of world.trialsOf(exp)) {
    if (trial.state !== "ACTIVE") continue
    trial.state = "PAUSED"
    if (trial.phase === "allocated") {
      logMaster(
        world,
        trial,
        at,
        "gracefully terminating allocation's remaining resources (reason: user requested pause)"
      )
      if (trial.stage === 2 && trial.lastCheckpointBatches !== trial.batches) writeCheckpoint(world, exp, trial, at)
      if (trial.stage >= 1) logMaster(world, trial, at, "resources exited successfully with a zero exit code")
      logMaster(
        world,
        trial,
        at,
        `Trial ${trial.id} (Experiment ${exp.id}) was terminated: allocation preempted after all resources exited`
      )
      endAllocation(trial, at)
    }
  }
}

/** @internal */
export const activateExperiment = (world: World, exp: Experiment, at: number): void => {
  exp.state = "ACTIVE"
  world.live.add(exp.id)
  for (const trial of world.trialsOf(exp)) {
    if (trial.state !== "PAUSED" && !(trial.state === "ACTIVE" && trial.phase === "none")) continue
    trial.state = "ACTIVE"
    allocate(world, exp, trial, at)
  }
  maybeFinishExperiment(world, exp, at)
}

/** @internal */
export const stopExperiment = (
  world: World,
  exp: Experiment,
  how: "STOPPING_CANCELED" | "STOPPING_KILLED" | "STOPPING_ERROR",
  at: number
): void => {
  exp.state = how
  for (const trial of world.trialsOf(exp)) stopTrial(world, exp, trial, how, at)
  maybeFinishExperiment(world, exp, at)
}

const maybeFinishExperiment = (world: World, exp: Experiment, at: number): void => {
  if (isTerminalExperiment(exp.state) || exp.state === "DELETING" || exp.state === "DELETE_FAILED") return
  const trials = world.trialsOf(exp)
  if (trials.some((t) => !isTerminalTrial(t.state))) return
  const s = exp.searcher
  const stopping = exp.state.startsWith("STOPPING_")
  if (!stopping) {
    if (s.kind !== "adaptive_asha" && s.created < s.maxTrials) return
    if (exp.state === "PAUSED" && trials.length === 0) return
  }
  let final: "COMPLETED" | "CANCELED" | "ERROR"
  switch (exp.state) {
    case "STOPPING_KILLED":
    case "STOPPING_CANCELED":
      final = "CANCELED"
      break
    case "STOPPING_ERROR":
      final = "ERROR"
      break
    default:
      final = trials.length > 0 && trials.every((t) => t.exit === "errored")
        ? "ERROR"
        : trials.length > 0 && trials.every((t) => t.exit === "canceled")
        ? "CANCELED"
        : "COMPLETED"
  }
  exp.state = final
  exp.endTime = at
  exp.searchDone = true
  if (final === "COMPLETED") exp.progress = 1
  world.live.delete(exp.id)
  world.schedule(at + GC_DELAY, (w) => {
    const e = w.experiments.get(exp.id)
    if (e !== undefined) garbageCollect(w, e)
  })
}
