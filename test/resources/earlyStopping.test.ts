import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Option, Schema, Stream } from "effect"
import { EarlyStopping, Experiment, Trial } from "effect-determined"
import { DeterminedHttp } from "effect-determined/advanced"
import { LocalMaster } from "effect-determined/testing"
import { withClock } from "../testing/helpers.js"

const loss = { metric: "validation_loss", smallerIsBetter: true, patience: 3 } as const

describe("EarlyStopping.shouldStop (pure)", () => {
  it("stops once the best is `patience` validations behind", () => {
    assert.isFalse(EarlyStopping.shouldStop([], loss))
    assert.isFalse(EarlyStopping.shouldStop([1], loss))
    assert.isFalse(EarlyStopping.shouldStop([1, 0.9, 0.8, 0.7], loss))
    assert.isFalse(EarlyStopping.shouldStop([1, 0.5, 0.6, 0.7], loss))
    assert.isTrue(EarlyStopping.shouldStop([1, 0.5, 0.6, 0.7, 0.55], loss))
    // equal is not an improvement
    assert.isTrue(EarlyStopping.shouldStop([0.5, 0.5, 0.5, 0.5], loss))
    // a late improvement resets the count
    assert.isFalse(EarlyStopping.shouldStop([1, 0.5, 0.6, 0.7, 0.4], loss))
  })

  it("follows the direction", () => {
    const acc = { metric: "accuracy", smallerIsBetter: false, patience: 2 }
    assert.isFalse(EarlyStopping.shouldStop([0.1, 0.2, 0.3], acc))
    assert.isTrue(EarlyStopping.shouldStop([0.1, 0.3, 0.2, 0.25], acc))
  })

  it("minDelta: small improvements do not count", () => {
    const options = { ...loss, patience: 2, minDelta: 0.05 }
    assert.isTrue(EarlyStopping.shouldStop([1, 0.99, 0.98], options))
    assert.isFalse(EarlyStopping.shouldStop([1, 0.99, 0.9], options))
  })

  it("non-finite values never improve; patience is at least 1", () => {
    assert.isTrue(EarlyStopping.shouldStop([1, Number.NaN, Number.POSITIVE_INFINITY, Number.NaN], loss))
    assert.isFalse(EarlyStopping.shouldStop([Number.NaN, Number.NaN], loss))
    assert.isTrue(EarlyStopping.shouldStop([1, 2], { ...loss, patience: 0 }))
  })

  it("observing every validation's (best so far, count) decides as shouldStop on the sequence", () => {
    // deterministic pseudo-random sequences
    let seed = 7
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    for (let run = 0; run < 200; run++) {
      const options = { ...loss, patience: 1 + (run % 5), minDelta: run % 3 === 0 ? 0.01 : 0 }
      const history = Array.from({ length: 30 }, (_, i) => 1 / (1 + i * rand()) + rand() * 0.2)
      let progress = Option.none<EarlyStopping.Progress>()
      let best = Number.POSITIVE_INFINITY
      for (let k = 1; k <= history.length; k++) {
        best = Math.min(best, history[k - 1]!)
        const next = EarlyStopping.observe(progress, { best, count: k }, options)
        progress = Option.some(next)
        assert.strictEqual(
          EarlyStopping.isStalled(next, options),
          EarlyStopping.shouldStop(history.slice(0, k), options)
        )
      }
    }
  })
})

const create = (cfg: Record<string, unknown>) =>
  Effect.flatMap(DeterminedHttp.DeterminedHttp, (http) =>
    http.json(
      { method: "POST", path: "/api/v1/experiments", body: { config: JSON.stringify(cfg), activate: true } },
      Schema.Struct({ experiment: Schema.Struct({ id: Schema.Number }) })
    )).pipe(Effect.map((r) => r.experiment.id))

describe("EarlyStopping.killWhenStalled against LocalMaster", () => {
  it.effect("kills exactly the trials the pure function says, when it says", () =>
    Effect.gen(function*() {
      const experimentId = yield* create({
        name: "early stopping",
        entrypoint: "model_def:Trial",
        searcher: {
          name: "random",
          metric: "validation_loss",
          smaller_is_better: true,
          max_trials: 12,
          max_concurrent_trials: 12,
          max_length: { batches: 3000 }
        },
        hyperparameters: {
          learning_rate: { type: "log", base: 10, minval: -5, maxval: 0 },
          global_batch_size: 32
        },
        min_validation_period: { batches: 100 }
      })
      const killed = new Map<number, number>()
      // driven by TestClock steps alone (no real turn of the event loop): the in-process master answers within the
      // fiber, so this is the whole of what happens
      const snapshots = Chunk.toReadonlyArray(
        yield* withClock(
          Experiment.watchTrials(experimentId, { every: "250 millis" }).pipe(
            EarlyStopping.killWhenStalled({
              ...loss,
              onKill: (trial, progress) => Effect.sync(() => killed.set(trial.id, progress.count))
            }),
            Stream.runCollect
          ),
          "125 millis",
          100_000
        )
      )
      const trialIds = [...new Set(snapshots.map((t) => t.id))]
      assert.strictEqual(trialIds.length, 12)
      let stalledAtLast = 0
      for (const id of trialIds) {
        const history = Chunk.toReadonlyArray(yield* Stream.runCollect(Trial.metrics(id, { group: "validation" })))
          .map((r) => r.metrics.validation_loss as number)
        const at = killed.get(id)
        const trial = yield* Trial.get(id)
        if (at === undefined) {
          // never stalled before its last validation. The last one is reported in the same step as the trial
          // completes (the watch only ever sees it with state COMPLETED), so a stall first seen there is never
          // acted on: the one outcome is COMPLETED, every run
          for (let k = 1; k < history.length; k++) {
            assert.isFalse(EarlyStopping.shouldStop(history.slice(0, k), loss), `trial ${id} at ${k}`)
          }
          if (EarlyStopping.shouldStop(history, loss)) stalledAtLast++
          assert.strictEqual(trial.state, "COMPLETED")
          assert.strictEqual(trial.totalBatchesProcessed, 3000)
        } else {
          // killed at the first validation where the pure function says stop, before the trial's end
          assert.isTrue(EarlyStopping.shouldStop(history.slice(0, at), loss), `trial ${id} killed at ${at}`)
          assert.isFalse(EarlyStopping.shouldStop(history.slice(0, at - 1), loss), `trial ${id} before ${at}`)
          assert.strictEqual(trial.state, "CANCELED")
          assert.isBelow(trial.totalBatchesProcessed, 3000)
        }
      }
      // the same every run (seed 12, the same clock steps): 8 trials killed, 2 whose stall first shows at their last
      // validation and that complete, 2 that never stall
      assert.strictEqual(killed.size, 8)
      assert.strictEqual(stalledAtLast, 2)
      const kills = (yield* (yield* LocalMaster.LocalMaster).requests).filter((r) => r.path.endsWith("/kill"))
      assert.strictEqual(kills.length, killed.size)
    }).pipe(Effect.provide(LocalMaster.layer({ seed: 12 }))))

  it.effect("with Trial.watch: passes snapshots through and the watch ends when the killed trial is CANCELED", () =>
    Effect.gen(function*() {
      const experimentId = yield* create({
        name: "one",
        entrypoint: "model_def:Trial",
        searcher: { name: "single", metric: "validation_loss", max_length: { batches: 5000 } },
        // a learning rate that plateaus
        hyperparameters: { learning_rate: 0.9, global_batch_size: 32 },
        min_validation_period: { batches: 100 }
      })
      const first = yield* withClock(Experiment.awaitFirstTrial(experimentId))
      const last = yield* withClock(
        Trial.watch(first.id, { every: "250 millis" }).pipe(
          EarlyStopping.killWhenStalled({ ...loss, patience: 2 }),
          Stream.runLast
        ),
        "125 millis",
        100_000
      )
      const final = Option.getOrThrow(last)
      const history = Chunk.toReadonlyArray(yield* Stream.runCollect(Trial.metrics(first.id, { group: "validation" })))
      // the plateau was caught: killed, the watch ended with the CANCELED snapshot
      assert.strictEqual(final.state, "CANCELED")
      const values = history.map((r) => r.metrics.validation_loss as number)
      assert.isTrue(EarlyStopping.shouldStop(values, { ...loss, patience: 2 }))
    }).pipe(Effect.provide(LocalMaster.layer({ seed: 13 }))))
})
