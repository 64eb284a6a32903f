import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import { Chunk, Effect, Option, Schema, Stream } from "effect"
import type { Checkpoint, DeterminedError } from "effect-determined"
import { Experiment, Metrics, Trial } from "effect-determined"
import type { DeterminedHttp } from "effect-determined/advanced"
import { LocalMaster } from "effect-determined/testing"
import * as fs from "node:fs"
import * as path from "node:path"
import { json, loginOk, makeMockHttp, type Recorded } from "../utils/mockHttp.js"
import { advance, config, createExperiment, requests, resetRequests } from "./localHelpers.js"

const local = <A, E>(effect: Effect.Effect<A, E, any>) =>
  (effect as Effect.Effect<A, E, never>).pipe(Effect.provide(LocalMaster.layer({ seed: 3 })))

const search = (smallerIsBetter: boolean) =>
  config({
    searcher: {
      name: "random",
      metric: "validation_loss",
      smaller_is_better: smallerIsBetter,
      max_trials: 4,
      max_concurrent_trials: 4,
      max_length: { batches: 1000 }
    },
    hyperparameters: { lr: { type: "log", base: 10, minval: -4, maxval: -1 }, global_batch_size: 32 }
  })

const loss = (c: Checkpoint.Checkpoint) => c.training?.validationMetrics?.avgMetrics?.["validation_loss"] as number
const accuracy = (c: Checkpoint.Checkpoint) => c.training?.validationMetrics?.avgMetrics?.["accuracy"] as number

const sample = (trial: Record<string, unknown>) => Schema.decodeUnknownSync(Trial.Trial)({ id: 1, ...trial })

describe("Trial.summaryMetric", () => {
  it("reads a statistic of a numeric metric; none for what is absent or not numeric", () => {
    const trial = sample({
      summaryMetrics: {
        avg_metrics: { loss: { count: 4, last: 0.3, max: 0.9, mean: 0.5, min: 0.25, sum: 2, type: "number" } },
        validation_metrics: {
          validation_loss: { count: 2, last: null, max: "Infinity", min: "NaN", sum: 1, type: "number" },
          phase: { last: "warmup", type: "string" }
        },
        inference: { latency: { count: 1, last: 7, max: 7, mean: 7, min: 7, sum: 7, type: "number" } }
      }
    })
    assert.deepStrictEqual(Trial.summaryMetric(trial, "loss", { group: "training", stat: "min" }), Option.some(0.25))
    assert.deepStrictEqual(Trial.summaryMetric(trial, "loss", { group: "training", stat: "count" }), Option.some(4))
    assert.deepStrictEqual(Trial.summaryMetric(trial, "loss", { group: "training" }), Option.some(0.3))
    // the default group is validation, the default stat last (null here: the latest report did not carry it)
    assert.deepStrictEqual(Trial.summaryMetric(trial, "validation_loss"), Option.none())
    assert.deepStrictEqual(Trial.summaryMetric(trial, "validation_loss", { stat: "max" }), Option.some(Infinity))
    assert.isTrue(Number.isNaN(Option.getOrThrow(Trial.summaryMetric(trial, "validation_loss", { stat: "min" }))))
    // mean absent (a master from before it existed): sum / count
    assert.deepStrictEqual(Trial.summaryMetric(trial, "validation_loss", { stat: "mean" }), Option.some(0.5))
    assert.deepStrictEqual(Trial.summaryMetric(trial, "latency", { group: "inference", stat: "max" }), Option.some(7))
    assert.deepStrictEqual(Trial.summaryMetric(trial, "phase", { stat: "last" }), Option.none())
    assert.deepStrictEqual(Trial.summaryMetric(trial, "loss", { group: "validation" }), Option.none())
    assert.deepStrictEqual(Trial.summaryMetric(trial, "loss", { group: "eval" }), Option.none())
    assert.deepStrictEqual(Trial.summaryMetric(sample({ summaryMetrics: null }), "loss"), Option.none())
    expectTypeOf(Trial.summaryMetric(trial, "loss")).toEqualTypeOf<Option.Option<number>>()
  })

  it("on the real master's trial.json fixture (no mean)", (ctx) => {
    const file = path.resolve(import.meta.dirname, "../../../shared/fixtures/determined/trial.json")
    // the fixtures live beside the repository (../shared), not in it: a clone without them has nothing to read
    if (!fs.existsSync(file)) return ctx.skip()
    const body = JSON.parse(fs.readFileSync(file, "utf8"))
    const trial = sample({ summaryMetrics: (body.trial ?? body).summaryMetrics })
    assert.deepStrictEqual(
      Trial.summaryMetric(trial, "val_loss", { group: "validation", stat: "min" }),
      Option.some(0.345882773399353)
    )
    const mean = Option.getOrThrow(Trial.summaryMetric(trial, "loss", { group: "training", stat: "mean" }))
    assert.closeTo(mean, 34.21618124842644 / 94, 1e-12)
  })

  it.effect("against LocalMaster: agrees with the trial's reports", () =>
    local(Effect.gen(function*() {
      const expId = yield* createExperiment()
      yield* advance("30 seconds")
      const [t] = yield* Experiment.listTrials(expId)
      const trial = yield* Trial.get(t!.id)
      const validations = Chunk.toReadonlyArray(yield* Stream.runCollect(Trial.metrics(t!.id, { group: "validation" })))
      const losses = validations.map((r) => Metrics.numeric(r.metrics).numbers["validation_loss"]!)
      assert.isAbove(losses.length, 1)
      const stat = (stat: Trial.SummaryStat) =>
        Option.getOrThrow(Trial.summaryMetric(trial, "validation_loss", { group: "validation", stat }))
      assert.strictEqual(stat("min"), Math.min(...losses))
      assert.strictEqual(stat("max"), Math.max(...losses))
      assert.strictEqual(stat("last"), losses[losses.length - 1])
      assert.strictEqual(stat("count"), losses.length)
      assert.closeTo(stat("mean"), losses.reduce((a, b) => a + b, 0) / losses.length, 1e-9)
      const training = Chunk.toReadonlyArray(yield* Stream.runCollect(Trial.metrics(t!.id, { group: "training" })))
      assert.strictEqual(
        Option.getOrThrow(Trial.summaryMetric(trial, "loss", { group: "training", stat: "count" })),
        training.length
      )
    })))
})

describe("Metrics.numeric", () => {
  it("splits a metrics map: every key in exactly one half, NaN and ±Infinity as numbers", () => {
    const { numbers, others } = Metrics.numeric({
      loss: 0.25,
      acc: "NaN",
      big: "Infinity",
      small: "-Infinity",
      phase: "warmup",
      done: true,
      missing: null,
      nested: { a: 1 },
      list: [1, 2]
    })
    assert.deepStrictEqual(Object.keys(numbers).sort(), ["acc", "big", "loss", "small"])
    assert.strictEqual(numbers["loss"], 0.25)
    assert.isTrue(Number.isNaN(numbers["acc"]!))
    assert.strictEqual(numbers["big"], Infinity)
    assert.strictEqual(numbers["small"], -Infinity)
    assert.deepStrictEqual(others, { phase: "warmup", done: true, missing: null, nested: { a: 1 }, list: [1, 2] })
    assert.deepStrictEqual(Metrics.numeric(null), { numbers: {}, others: {} })
    expectTypeOf(numbers).toEqualTypeOf<Readonly<Record<string, number>>>()
  })
})

describe("Experiment.topCheckpoint / Trial.topCheckpoint against LocalMaster", () => {
  it.effect("no checkpoint yet: none; unknown ids: NotFound", () =>
    local(Effect.gen(function*() {
      const expId = yield* createExperiment(search(true))
      assert.deepStrictEqual(yield* Experiment.topCheckpoint(expId), Option.none())
      yield* advance("1 second")
      const [t] = yield* Experiment.listTrials(expId)
      assert.deepStrictEqual(yield* Trial.topCheckpoint(t!.id), Option.none())
      const e1 = yield* Effect.flip(Experiment.topCheckpoint(9999))
      assert.strictEqual(e1._tag, "NotFound")
      const e2 = yield* Effect.flip(Trial.topCheckpoint(9999))
      assert.strictEqual(e2._tag, "NotFound")
    })))

  it.effect("by the searcher metric, honouring smaller_is_better, one request", () =>
    local(Effect.gen(function*() {
      for (const smallerIsBetter of [true, false]) {
        const expId = yield* createExperiment(search(smallerIsBetter))
        yield* advance("60 seconds")
        const completed = yield* Experiment.listCheckpoints(expId, { sortBy: "UUID", orderBy: "asc" })
        const withLoss = completed.filter((c) => typeof loss(c) === "number")
        assert.isAbove(withLoss.length, 3)
        const pick = smallerIsBetter ? Math.min : Math.max
        const expected = pick(...withLoss.map(loss))

        yield* resetRequests
        const top = Option.getOrThrow(yield* Experiment.topCheckpoint(expId))
        assert.strictEqual(loss(top), expected)
        assert.strictEqual(top.state, "COMPLETED")
        const rs = yield* requests
        assert.strictEqual(rs.length, 1)
        assert.strictEqual(new URLSearchParams(rs[0]!.query).get("limit"), "1")

        // the trial whose checkpoint it is: its top is the same one, in one request too
        yield* resetRequests
        const trialTop = Option.getOrThrow(yield* Trial.topCheckpoint(top.trialId!))
        assert.strictEqual(trialTop.uuid, top.uuid)
        assert.strictEqual((yield* requests).length, 1)
        // every trial's top is its own best by the searcher's direction
        for (const trial of yield* Experiment.listTrials(expId)) {
          const own = withLoss.filter((c) => c.trialId === trial.id)
          const best = yield* Trial.topCheckpoint(trial.id)
          if (own.length === 0) continue
          assert.strictEqual(loss(Option.getOrThrow(best)), pick(...own.map(loss)))
        }
      }
    })))

  it.effect("by a named metric and direction", () =>
    local(Effect.gen(function*() {
      const expId = yield* createExperiment(search(true))
      yield* advance("60 seconds")
      const completed = (yield* Experiment.listCheckpoints(expId, { sortBy: "UUID", orderBy: "asc" })).filter((c) =>
        typeof accuracy(c) === "number"
      )
      const accuracies = completed.map(accuracy)
      const most = Option.getOrThrow(
        yield* Experiment.topCheckpoint(expId, { sortBy: "accuracy", smallerIsBetter: false })
      )
      assert.strictEqual(accuracy(most), Math.max(...accuracies))
      const least = Option.getOrThrow(
        yield* Experiment.topCheckpoint(expId, { sortBy: "accuracy", smallerIsBetter: true })
      )
      assert.strictEqual(accuracy(least), Math.min(...accuracies))
      const trialId = most.trialId!
      const own = completed.filter((c) => c.trialId === trialId).map(accuracy)
      const trialMost = Option.getOrThrow(
        yield* Trial.topCheckpoint(trialId, { sortBy: "accuracy", smallerIsBetter: false })
      )
      assert.strictEqual(accuracy(trialMost), Math.max(...own))
    })))

  it.effect("bad options are InvalidRequest{ClientValidation} before any request", () =>
    local(Effect.gen(function*() {
      yield* resetRequests
      const e = yield* Effect.flip(Experiment.topCheckpoint(1, { sortBy: "accuracy" } as any))
      assert.strictEqual(e._tag, "InvalidRequest")
      assert.strictEqual(e._tag === "InvalidRequest" && e.reason, "ClientValidation")
      const e2 = yield* Effect.flip(Trial.topCheckpoint(1, { sortBy: "", smallerIsBetter: true }))
      assert.strictEqual(e2._tag, "InvalidRequest")
      assert.strictEqual((yield* requests).length, 0)
    })))

  it("the error types are exact", () => {
    type E = DeterminedError.RequestError | DeterminedError.NotFound | DeterminedError.InvalidRequest
    expectTypeOf(Experiment.topCheckpoint).returns.toEqualTypeOf<
      Effect.Effect<
        Option.Option<Checkpoint.Checkpoint>,
        E,
        DeterminedHttp.DeterminedHttp
      >
    >()
    expectTypeOf(Trial.topCheckpoint).returns.toEqualTypeOf<
      Effect.Effect<
        Option.Option<Checkpoint.Checkpoint>,
        E,
        DeterminedHttp.DeterminedHttp
      >
    >()
  })
})

// a real master sorts checkpoints without the metric FIRST when ascending (protoless.CheckpointMetricNameLess), and
// the trial endpoint sorts the searcher metric plain ascending whatever smaller_is_better says
const checkpoint = (
  uuid: string,
  trialId: number,
  metrics: Record<string, unknown> | null,
  searcher: number | null
) => ({
  uuid,
  state: "STATE_COMPLETED",
  reportTime: "2025-01-01T00:00:00Z",
  training: {
    trialId,
    experimentId: 7,
    experimentConfig: { searcher: { metric: "validation_loss", smaller_is_better: false } },
    validationMetrics: metrics === null ? null : { avgMetrics: metrics },
    searcherMetric: searcher
  }
})

const realOrder = [
  checkpoint("no-metrics", 3, null, null),
  checkpoint("low", 3, { validation_loss: 0.1, accuracy: 0.2 }, 0.1),
  checkpoint("high", 3, { validation_loss: 0.9, accuracy: "NaN" }, 0.9)
]

const realMaster = (r: Recorded): Response => {
  if (r.path === "/api/v1/auth/login") return loginOk()
  if (/^\/api\/v1\/(trials|experiments)\/\d+\/checkpoints$/.test(r.path)) {
    return json({
      checkpoints: realOrder,
      pagination: { offset: 0, limit: 0, startIndex: 0, endIndex: 3, total: 3 }
    })
  }
  return json({ error: { code: 5, reason: "NotFound", error: "no route" } }, 404)
}

describe("topCheckpoint over a real master's checkpoint order (mock HTTP)", () => {
  it.effect("checkpoints without the metric rank last; the trial's searcher direction comes from its config", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(realMaster)
      const run = <A, E>(effect: Effect.Effect<A, E, any>) =>
        (effect as Effect.Effect<A, E, never>).pipe(Effect.provide(mock.layer()))
      const uuid = (o: Option.Option<Checkpoint.Checkpoint>) => Option.getOrThrow(o).uuid
      assert.strictEqual(
        uuid(yield* run(Experiment.topCheckpoint(7, { sortBy: "validation_loss", smallerIsBetter: true }))),
        "low"
      )
      assert.strictEqual(
        uuid(yield* run(Trial.topCheckpoint(3, { sortBy: "validation_loss", smallerIsBetter: true }))),
        "low"
      )
      // smaller_is_better: false in the experiment's config
      assert.strictEqual(uuid(yield* run(Trial.topCheckpoint(3))), "high")
      // a NaN ranks like a missing value
      assert.strictEqual(uuid(yield* run(Trial.topCheckpoint(3, { sortBy: "accuracy", smallerIsBetter: true }))), "low")
      // nothing has the metric: the first checkpoint, as upstream
      assert.strictEqual(
        uuid(yield* run(Trial.topCheckpoint(3, { sortBy: "f1", smallerIsBetter: true }))),
        "no-metrics"
      )
    }))
})
