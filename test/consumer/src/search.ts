/**
 * The automation under test: train each learning rate for a few hundred batches, then keep the best one and
 * archive the others.
 */
import { Effect, Option } from "effect"
import { Experiment } from "effect-determined"

export interface Candidate {
  readonly learningRate: number
  readonly experimentId: number
  readonly state: string
  readonly best: number | undefined
}

const config = (learningRate: number, batches: number) => ({
  name: `lr=${learningRate}`,
  entrypoint: "python3 train.py",
  searcher: { name: "single", metric: "validation_loss", smaller_is_better: true, max_length: { batches } },
  hyperparameters: { learning_rate: learningRate, global_batch_size: 32 },
  min_validation_period: { batches: 100 },
  max_restarts: 0
})

const train = (learningRate: number, batches: number) =>
  Effect.gen(function*() {
    const experiment = yield* Experiment.create({ config: config(learningRate, batches) })
    const state = yield* Experiment.wait(experiment.id, { every: "5 seconds" })
    const best = yield* Experiment.bestSearcherValidationMetric(experiment.id)
    return { learningRate, experimentId: experiment.id, state, best: Option.getOrUndefined(best) } as Candidate
  })

/** Trains every learning rate at once; returns the best candidate and archives the other experiments. */
export const bestLearningRate = (learningRates: ReadonlyArray<number>, batches = 500) =>
  Effect.gen(function*() {
    const candidates = yield* Effect.forEach(learningRates, (lr) => train(lr, batches), { concurrency: "unbounded" })
    const ranked = candidates
      .filter((c) => c.best !== undefined)
      .sort((a, b) => a.best! - b.best!)
    const winner = ranked[0]
    yield* Effect.forEach(
      candidates.filter((c) => c !== winner),
      (c) => Experiment.archive(c.experimentId),
      { discard: true }
    )
    return { winner, candidates }
  })
