/**
 * Helpers the small examples share: launch a short experiment from examples/model, and find (or make) a
 * finished one to look at.
 */
import { Duration, Effect, Option } from "effect"
import { Experiment } from "effect-determined"
import * as path from "node:path"

/** The model directory every example uploads. */
export const modelDir = path.resolve(import.meta.dirname, "..", "model")

/** A short single-trial experiment config (validation and checkpoint every 100 batches). */
export const shortConfig = (
  options: { readonly name: string; readonly learningRate?: number; readonly batches?: number }
) => ({
  name: options.name,
  entrypoint: "python3 model_def.py",
  searcher: {
    name: "single",
    metric: "validation_loss",
    smaller_is_better: true,
    max_length: { batches: options.batches ?? 500 }
  },
  hyperparameters: { learning_rate: options.learningRate ?? 0.01, global_batch_size: 32 },
  min_validation_period: { batches: 100 },
  min_checkpoint_period: { batches: 100 },
  max_restarts: 0,
  labels: ["examples"]
})

/** Create a short experiment from examples/model; returns its id. */
export const launch = (options: Parameters<typeof shortConfig>[0]) =>
  Effect.map(Experiment.create({ config: shortConfig(options), modelDir }), (exp) => exp.id)

/** How often the examples poll: often enough for the fast embedded master, gently enough for a real one. */
export const poll = Duration.millis(250)

/**
 * The experiment to look at: the id given on the command line, else the newest COMPLETED experiment, else a
 * short one launched now and waited for (a fresh LocalMaster has none).
 */
export const finishedExperiment = (arg: string | undefined) =>
  Effect.gen(function*() {
    if (arg !== undefined) return Number(arg)
    const done = yield* Experiment.list({ states: ["COMPLETED"], sortBy: "ID", orderBy: "desc", pageSize: 1 })
    const newest = Option.fromNullable(done[0])
    if (Option.isSome(newest)) return newest.value.id
    const id = yield* launch({ name: "examples: a finished experiment" })
    yield* Experiment.wait(id, { every: poll, timeout: Duration.minutes(30) })
    return id
  })
