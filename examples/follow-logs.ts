/**
 * Follow a trial's logs until it ends, as upstream's `trial.iter_logs(follow=True)`, but as a Stream: typed
 * errors, interruption closes the connection, and a dropped connection resumes without duplicates or gaps.
 *
 *   npm run example -- follow-logs [trialId]
 */
import { Console, Duration, Effect, Stream } from "effect"
import { Experiment, Trial } from "effect-determined"
import { launch } from "./lib/experiments.js"

export const description = "follow a trial's logs until it ends"

export const run = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const trialId = args[0] !== undefined
      ? Number(args[0])
      : yield* launch({ name: "examples: follow-logs", batches: 300 }).pipe(
        Effect.flatMap((id) => Experiment.awaitFirstTrial(id, { every: "250 millis", timeout: Duration.minutes(10) })),
        Effect.map((trial) => trial.id)
      )
    yield* Console.log(`following the logs of trial ${trialId}`)
    const lines = yield* Trial.logs(trialId, { follow: true }).pipe(
      Stream.tap((entry) => Console.log(entry.message.trimEnd())),
      Stream.runCount
    )
    const trial = yield* Trial.reload(trialId)
    yield* Console.log(`trial ${trialId} ended ${trial.state} after ${lines} log lines`)
    return { trialId, lines, state: trial.state }
  })
