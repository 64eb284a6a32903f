/**
 * Model-version metrics (GetTrialMetricsByModelVersion, api_model.go) and TensorBoard file deletion
 * (DeleteTensorboardFiles, api_experiment.go).
 *
 * Model-version metrics are the reports of trials linked to the version through `trial_source_infos`
 * (inference / fine-tuning runs that report against a registered checkpoint). LocalMaster has no such trials, so
 * a known version answers `{"metrics": []}`, as GetTrialMetricsByCheckpoint does for a known checkpoint.
 * TensorBoard files are not modelled: deletion starts nothing observable and answers `{}`.
 *
 * @internal
 */
import type { Routes } from "../router.js"
import { Code, internal, json, WireError } from "../wire.js"

/** @internal */
export const routes: Routes = {
  GetTrialMetricsByModelVersion: (ctx) => {
    const world = ctx.world
    const name = ctx.str("model_name")
    const model = world.model(name)
    const n = ctx.int("model_version_num")
    if (!world.versionsOf(model.id).some((v) => v.version === n)) {
      throw new WireError(Code.NotFound, `version ${n} for model ${JSON.stringify(name)} not found`)
    }
    ctx.query.enumValue("trialSourceInfoType", "determined.trial.v1.TrialSourceInfoType")
    return json({ metrics: [] })
  },
  DeleteTensorboardFiles: (ctx) => {
    // db.ExperimentByID's bare "not found" is a plain error: 500
    if (!ctx.world.experiments.has(ctx.int("experiment_id"))) throw internal("not found")
    return json({})
  }
}
