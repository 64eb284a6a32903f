/**
 * The seed's question, answered with one query: "which learning rates reached validation_loss < 0.2 within
 * 1,000 batches, best first". A grid search over six learning rates trains 1,000 batches, validating every 100.
 * The query asks for the runs of that search whose validations all came within 1,000 batches
 * (`validation.batches.max <= 1000`) and whose lowest validation_loss is below 0.2, best first, labelled
 * `examples` (exactly: a clause the SDK evaluates). It prints the explanation: what the master evaluated, what the
 * SDK evaluated and sorted, and how many rows that took.
 *
 *   npm run example -- search [experimentId]
 */
import { Console, Duration, Effect, pipe } from "effect"
import { Experiment, Query, Run } from "effect-determined"
import { modelDir, poll } from "./lib/experiments.js"

export const description = "which learning rates reached validation_loss < 0.2 within 1,000 batches, best first"

const learningRates = [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1]

const gridConfig = {
  name: "examples: learning-rate grid",
  entrypoint: "python3 model_def.py",
  searcher: { name: "grid", metric: "validation_loss", smaller_is_better: true, max_length: { batches: 1000 } },
  hyperparameters: { learning_rate: { type: "categorical", vals: learningRates }, global_batch_size: 32 },
  min_validation_period: { batches: 100 },
  min_checkpoint_period: { batches: 500 },
  max_restarts: 0,
  labels: ["examples"]
}

/** The grid search to ask about: the id given, else one launched now and waited for. */
const search = (arg: string | undefined) =>
  Effect.gen(function*() {
    if (arg !== undefined) return Number(arg)
    const exp = yield* Experiment.create({ config: gridConfig, modelDir })
    yield* Console.log(`launched grid search ${exp.id} over learning rates ${learningRates.join(", ")}`)
    yield* Experiment.wait(exp.id, { every: poll, timeout: Duration.minutes(30) })
    return exp.id
  })

export const run = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const experimentId = yield* search(args[0])
    const loss = Query.validation("validation_loss")
    const query = pipe(
      Query.where(
        Query.run("experimentId").eq(experimentId),
        Query.validation("batches").max.lte(1000),
        loss.min.lt(0.2),
        Query.hasLabels("examples")
      ),
      Query.sortBy(Query.asc(loss.min))
    )
    yield* Console.log(`query: ${Query.format(query)}`)
    const { explanation, items } = yield* Run.list(query, { projectId: 1 })
    yield* Console.log(Query.formatExplanation(explanation))
    yield* Console.log(`learning rates that reached validation_loss < 0.2 within 1,000 batches, best first:`)
    for (const r of items) {
      const summary = r.summaryMetrics as { validation_metrics?: { validation_loss?: { min?: number } } } | null
      yield* Console.log(
        `  lr=${String(r.hyperparameters?.learning_rate).padEnd(7)} best validation_loss ${
          summary?.validation_metrics?.validation_loss?.min?.toFixed(4)
        } (run ${r.localId})`
      )
    }
    return { experimentId, learningRates: items.map((r) => r.hyperparameters?.learning_rate as number), explanation }
  })
