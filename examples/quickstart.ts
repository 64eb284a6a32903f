/**
 * Quickstart: list experiments, get a trial, and see what the cache does and what `reload` does.
 *
 *   npm run example -- quickstart [experimentId]
 */
import { Console, Effect } from "effect"
import { Experiment, Trial } from "effect-determined"
import { finishedExperiment } from "./lib/experiments.js"

export const description = "list experiments, get a trial, reload it"

export const run = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const id = yield* finishedExperiment(args[0])

    // every page, as one array (use Experiment.stream for a lazy Stream)
    const experiments = yield* Experiment.list({ sortBy: "ID", orderBy: "desc" })
    yield* Console.log(`${experiments.length} experiment(s):`)
    for (const e of experiments.slice(0, 10)) yield* Console.log(`  #${e.id} ${e.state.padEnd(10)} ${e.name}`)

    // an immutable snapshot, read through the cache
    const exp = yield* Experiment.get(id)
    const trials = yield* Experiment.listTrials(exp.id)
    const first = trials[0]
    if (first === undefined) return yield* Console.log(`experiment ${exp.id} has no trial yet`)

    const trial = yield* Trial.get(first.id) // a GET; then cached
    const again = yield* Trial.get(first.id) // no request: the same snapshot
    const fresh = yield* Trial.reload(first.id) // always a GET; the cache now holds this one
    yield* Console.log(
      `trial ${trial.id}: ${trial.state}, ${trial.totalBatchesProcessed} batches, hparams ${
        JSON.stringify(trial.hparams)
      }`
    )
    yield* Console.log(`  best validation: ${JSON.stringify(trial.bestValidation?.metrics?.avgMetrics ?? null)}`)
    yield* Console.log(`  get twice -> same snapshot: ${again === trial}; reload -> new snapshot: ${fresh !== trial}`)
    return { experiments: experiments.length, experimentId: exp.id, trialId: trial.id, cached: again === trial }
  })
