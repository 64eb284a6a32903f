/**
 * The train-ts example: a logistic regression trained in TypeScript and reported with the Core API, interrupted
 * after two epochs and run again with the same external ids: the second run resumes from the latest checkpoint.
 */
import { NodeContext } from "@effect/platform-node"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Option, Stream } from "effect"
import { Experiment, Trial } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import * as trainTs from "../../examples/train-ts.js"

describe("examples/train-ts", () => {
  it.scoped("trains, is interrupted after epoch 2, resumes from its checkpoint and finishes", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const storage = yield* fs.makeTempDirectoryScoped({ prefix: "train-ts-" })
      const options = { ...trainTs.parseArgs(["--fast", "--experiment", "t-exp", "--trial", "t1"]), storage }
      const first = yield* Effect.exit(trainTs.train({ ...options, stopAfter: 2 }))
      assert.isTrue(Exit.isInterrupted(first))
      const [exp] = yield* Experiment.list()
      const [trial1] = yield* Experiment.listTrials(exp!.id)
      assert.strictEqual(trial1!.state, "CANCELED")
      const second = yield* trainTs.train(options)
      assert.strictEqual(second.info.trialId, trial1!.id)
      assert.strictEqual(second.info.trialRunId, 2)
      assert.strictEqual(second.info.stepsCompleted, 2 * options.batchesPerEpoch)
      assert.isTrue(Option.isSome(second.info.latestCheckpoint))
      assert.isAbove(second.final.accuracy, 0.85, "the model learned")
      assert.strictEqual((yield* Experiment.list()).length, 1, "the experiment is not duplicated")
      const trial = yield* Trial.reload(second.info.trialId)
      assert.strictEqual(trial.state, "COMPLETED")
      assert.strictEqual(trial.totalBatchesProcessed, options.epochs * options.batchesPerEpoch)
      const validation = Chunk.toReadonlyArray(
        yield* Stream.runCollect(Trial.metrics(trial.id, { group: "validation" }))
      )
      assert.deepStrictEqual(validation.map((v) => v.stepsCompleted), [10, 20, 30, 40])
      assert.deepStrictEqual(validation.map((v) => v.trialRunId), [1, 1, 2, 2])
      assert.strictEqual((yield* Experiment.listCheckpoints(exp!.id)).length, 4)
    }).pipe(Effect.provide(NodeContext.layer), Effect.provide(LocalMaster.layer({ seed: 21 }))))
})
