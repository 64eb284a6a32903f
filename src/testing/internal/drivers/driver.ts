/**
 * How a RUNNING trial trains. The domain runs a trial's allocation up to RUNNING and stops it; while it runs,
 * its driver says when its next event is due and what happens then, using the domain's operations (reports,
 * checkpoints, logs, finishing, failing). Two drivers exist: the simulated curve (curve.ts) and the script of a
 * trial's `hparams.actions` (script.ts); advance.ts picks one per trial.
 *
 * @internal
 */
import type { Experiment, Trial, World } from "../domain/store.js"

/** @internal */
export interface TrialDriver {
  /** When the RUNNING trial's next event is due (clock millis). */
  readonly nextEventAt: (world: World, exp: Experiment, trial: Trial) => number
  /** Runs that event at `at` (the clock time it was due). */
  readonly step: (world: World, exp: Experiment, trial: Trial, at: number) => void
}
