/**
 * List and sort checkpoints, as upstream's `list_checkpoints(sort_by=..., order_by=...)`: by a validation
 * metric (a plain string), by a `CheckpointSortBy` attribute, or by the searcher's metric (the default).
 *
 *   npm run example -- checkpoints [experimentId]
 */
import { Console, Effect } from "effect"
import { Checkpoint, Experiment } from "effect-determined"
import { finishedExperiment } from "./lib/experiments.js"

export const description = "list checkpoints sorted by a metric and by batch number"

const show = (c: Checkpoint.Checkpoint) =>
  `  ${c.uuid}  trial ${c.trialId}  batches ${c.metadata.steps_completed ?? "?"}  ` +
  `validation_loss ${c.training?.validationMetrics?.avgMetrics?.validation_loss ?? "-"}`

export const run = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const id = yield* finishedExperiment(args[0])

    const byLoss = yield* Experiment.listCheckpoints(id, { sortBy: "validation_loss", orderBy: "asc" })
    yield* Console.log(`experiment ${id}: ${byLoss.length} checkpoint(s), best validation_loss first`)
    for (const c of byLoss) yield* Console.log(show(c))

    const latest = yield* Experiment.listCheckpoints(id, {
      sortBy: Checkpoint.CheckpointSortBy.BATCH_NUMBER,
      orderBy: "desc",
      maxResults: 1
    })
    yield* Console.log(`latest: ${latest[0]?.uuid ?? "none"}`)

    // the default order: best searcher metric first, in the searcher's direction
    const best = yield* Experiment.listCheckpoints(id, { maxResults: 1 })
    yield* Console.log(`best by the searcher's metric: ${best[0]?.uuid ?? "none"}`)
    return { experimentId: id, byLoss: byLoss.map((c) => c.uuid), latest: latest[0]?.uuid, best: best[0]?.uuid }
  })
