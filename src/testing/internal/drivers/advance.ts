/**
 * Advancing the world. The world is advanced lazily: before each request is handled, {@link advance} replays
 * every event (allocation lifecycle, the drivers' training steps, stops, timers) whose time is at or before the
 * request's `Clock.currentTimeMillis`, in time order. Nothing runs between requests, so under `TestClock` a whole
 * search runs in virtual time and the same seed + the same requests at the same clock times always give the same
 * world.
 *
 * Pause keeps a trial at its last report (checkpointing there); activate resumes it from there with a new
 * allocation. The time model's constants are in domain/constants.ts.
 *
 * @internal
 */
import { nextLifecycleEvent, stepLifecycle } from "../domain/lifecycle.js"
import type { Experiment, Trial, World } from "../domain/store.js"
import { isTerminalTrial } from "../domain/store.js"
import { curveDriver } from "./curve.js"
import type { TrialDriver } from "./driver.js"
import { isScripted, scriptDriver } from "./script.js"

/** The driver of a trial: its script when `hparams.actions` holds one, else the simulated curve. @internal */
export const driverOf = (trial: Trial): TrialDriver => (isScripted(trial) ? scriptDriver : curveDriver)

const nextEventOf = (world: World, exp: Experiment, trial: Trial): number =>
  nextLifecycleEvent(exp, trial) ?? driverOf(trial).nextEventAt(world, exp, trial)

const stepTrial = (world: World, exp: Experiment, trial: Trial, at: number): void => {
  if (!stepLifecycle(world, exp, trial, at)) driverOf(trial).step(world, exp, trial, at)
}

/** Replays every event up to `to` (clock millis). @internal */
export const advance = (world: World, to: number): void => {
  if (!(to > world.now)) return
  for (let guard = 0; guard < 10_000_000; guard++) {
    let next = Infinity
    let nextTrial: Trial | undefined
    const timer = world.timers[0]
    if (timer !== undefined) next = timer.at
    for (const expId of world.live) {
      const exp = world.experiments.get(expId)
      if (exp === undefined) continue
      for (const id of exp.trialIds) {
        const trial = world.trials.get(id)!
        if (isTerminalTrial(trial.state)) continue
        const t = nextEventOf(world, exp, trial)
        if (t < next) {
          next = t
          nextTrial = trial
        }
      }
    }
    if (next > to) break
    if (next > world.now) world.now = next
    if (timer !== undefined && timer.at <= next) {
      world.timers.shift()
      timer.run(world, Math.max(timer.at, world.now))
    } else if (nextTrial !== undefined) {
      stepTrial(world, world.experiments.get(nextTrial.experimentId)!, nextTrial, world.now)
    }
  }
  world.now = to
}
