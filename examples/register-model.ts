/**
 * Register the best checkpoint of an experiment as a new version of a model (created if missing), as
 * upstream's `model.register_version(checkpoint.uuid)`.
 *
 *   npm run example -- register-model [experimentId] [modelName]
 */
import { Console, Effect } from "effect"
import { Experiment, Model, ModelVersion } from "effect-determined"
import { finishedExperiment } from "./lib/experiments.js"

export const description = "register an experiment's best checkpoint as a model version"

export const run = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const id = yield* finishedExperiment(args[0])
    const modelName = args[1] ?? "hp-search-best"

    // best first, by the searcher's metric in its direction (smaller validation_loss here)
    const [best] = yield* Experiment.listCheckpoints(id, { maxResults: 1 })
    if (best === undefined) {
      yield* Console.log(`experiment ${id} has no completed checkpoint`)
      return undefined
    }
    const model = yield* Model.get(modelName).pipe(
      Effect.catchTag("NotFound", () => Model.create(modelName, { description: "best checkpoints of the hp-search" }))
    )
    const version = yield* ModelVersion.register(model.name, best.uuid, {
      comment: `best checkpoint of experiment ${id}`,
      labels: ["examples"]
    })
    yield* Console.log(
      `registered checkpoint ${best.uuid} (validation_loss ${best.training?.searcherMetric ?? "?"}) as ` +
        `${model.name} version ${version.version}`
    )
    const versions = yield* Model.listVersions(model.name)
    yield* Console.log(`${model.name} now has ${versions.length} version(s)`)
    return { model: model.name, version: version.version, checkpoint: best.uuid, versions: versions.length }
  })
