/**
 * Logs, metrics, waiting and watching against LocalMaster, in virtual time.
 */
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Fiber, Schedule, Schema, Stream } from "effect"
import { Experiment, Metrics, Trial } from "effect-determined"
import { DeterminedHttp } from "effect-determined/advanced"
import { LocalMaster } from "effect-determined/testing"
import { layerWithDrops } from "../utils/dropConnections.js"
import { driveClock } from "../utils/mockHttp.js"

const config = (overrides: Record<string, unknown> = {}) => ({
  name: "streams",
  entrypoint: "model_def:Trial",
  searcher: { name: "single", metric: "validation_loss", smaller_is_better: true, max_length: { batches: 2000 } },
  hyperparameters: { learning_rate: 0.01, global_batch_size: 32 },
  min_validation_period: { batches: 100 },
  ...overrides
})

const create = (cfg: Record<string, unknown>, activate = true) =>
  Effect.flatMap(DeterminedHttp.DeterminedHttp, (http) =>
    http.json(
      { method: "POST", path: "/api/v1/experiments", body: { config: JSON.stringify(cfg), activate } },
      Schema.Struct({ experiment: Schema.Struct({ id: Schema.Number }) })
    )).pipe(Effect.map((r) => r.experiment.id))

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.flatMap(Effect.fork(Stream.runCollect(stream)), (fiber) => driveClock(fiber)).pipe(
    Effect.map(Chunk.toReadonlyArray)
  )

const requestsTo = (pattern: RegExp) =>
  Effect.map(Effect.flatMap(LocalMaster.LocalMaster, (m) => m.requests), (rs) => rs.filter((r) => pattern.test(r.path)))

const isIncreasing = (xs: ReadonlyArray<number>) => xs.every((x, i) => i === 0 || x > xs[i - 1]!)

describe("Trial.logs against LocalMaster", () => {
  it.effect("follows a trial from start to end while the server drops the connection twice", () =>
    Effect.gen(function*() {
      const experimentId = yield* create(config())
      const first = yield* driveClock(yield* Effect.fork(Experiment.awaitFirstTrial(experimentId)))
      const followed = yield* collect(Trial.logs(first.id, { follow: true }))
      // after the end, the whole log in one non-follow read
      const all = yield* collect(Trial.logs(first.id))
      const ids = followed.map((l) => l.id)
      assert.isAbove(all.length, 40)
      assert.deepStrictEqual(ids, all.map((l) => l.id))
      assert.isTrue(isIncreasing(ids))
      const logRequests = yield* requestsTo(/\/trials\/\d+\/logs$/)
      // the follow: first attempt + two reconnects; then the plain read
      assert.strictEqual(logRequests.filter((r) => r.query.includes("follow=true")).length, 3)
      assert.isTrue(logRequests[1]!.query.includes("timestampAfter="))
    }).pipe(
      Effect.provide(layerWithDrops({ seed: 3 }, {
        match: (url) => url.pathname.endsWith("/logs") && url.searchParams.get("follow") === "true",
        cutAfterLines: [7, 11]
      }))
    ))

  it.effect("head, tail, minLevel and searchText select what the full log says", () =>
    Effect.gen(function*() {
      const experimentId = yield* create(config({ searcher: { ...config().searcher, max_length: { batches: 500 } } }))
      const first = yield* driveClock(yield* Effect.fork(Experiment.awaitFirstTrial(experimentId)))
      yield* driveClock(yield* Effect.fork(Experiment.wait(experimentId, { every: "1 second" })))
      const all = yield* collect(Trial.logs(first.id))
      const ids = (xs: ReadonlyArray<Trial.TrialLog>) => xs.map((l) => l.id)
      assert.deepStrictEqual(ids(yield* collect(Trial.logs(first.id, { head: 5 }))), ids(all.slice(0, 5)))
      assert.deepStrictEqual(ids(yield* collect(Trial.logs(first.id, { tail: 5 }))), ids(all.slice(-5)))
      const warnings = yield* collect(Trial.logs(first.id, { minLevel: "WARNING" }))
      assert.deepStrictEqual(
        ids(warnings),
        ids(all.filter((l) => ["WARNING", "ERROR", "CRITICAL"].includes(l.level)))
      )
      const reports = yield* collect(Trial.logs(first.id, { searchText: "report_validation_metrics" }))
      assert.isAbove(reports.length, 0)
      assert.deepStrictEqual(ids(reports), ids(all.filter((l) => (l.log ?? "").includes("report_validation_metrics"))))
      const fromTask = yield* collect(Trial.logs(first.id, { sources: ["task"], stdtypes: ["stderr"] }))
      assert.deepStrictEqual(ids(fromTask), ids(all.filter((l) => l.source === "task" && l.stdtype === "stderr")))
      const fields = yield* Trial.logFields(first.id)
      assert.deepStrictEqual(
        [...fields.sources].sort(),
        [...new Set(all.map((l) => l.source).filter((s) => s !== undefined))].sort()
      )
    }).pipe(Effect.provide(LocalMaster.layer({ seed: 4 }))))
})

describe("Metrics against LocalMaster", () => {
  it.effect("streams the reports of 100 trials in one request, trial by trial", () =>
    Effect.gen(function*() {
      const master = yield* LocalMaster.LocalMaster
      yield* master.seedExperiments(100)
      const trialIds = Array.from({ length: 100 }, (_, i) => i + 1)
      for (const id of trialIds) yield* master.seedMetrics(id, 25 + (id % 7), "training")
      yield* master.resetRequests
      const reports = yield* collect(Metrics.stream([...trialIds].reverse(), { group: "training" }))
      const expected = trialIds.reduce((n, id) => n + 1 + 25 + (id % 7), 0)
      assert.strictEqual(reports.length, expected)
      // trial by trial, ids ascending, each trial's reports by steps
      const order = reports.map((r) => r.trialId)
      assert.isTrue(order.every((t, i) => i === 0 || t >= order[i - 1]!))
      for (let i = 1; i < reports.length; i++) {
        if (reports[i]!.trialId === reports[i - 1]!.trialId) {
          assert.isAtLeast(reports[i]!.stepsCompleted, reports[i - 1]!.stepsCompleted)
        }
      }
      assert.isTrue(reports.every((r) => r.group === "training" && typeof r.metrics === "object"))
      assert.strictEqual((yield* requestsTo(/trial_metrics$/)).length, 1)
      // one trial, the same rows
      const one = yield* collect(Trial.metrics(42, { group: "training" }))
      assert.deepStrictEqual(one.map((r) => r.id), reports.filter((r) => r.trialId === 42).map((r) => r.id))
      // validation reports carry the validation metrics
      const validation = yield* collect(Trial.metrics(42, { group: "validation" }))
      assert.isAbove(validation.length, 0)
      assert.isTrue(validation.every((r) => r.group === "validation"))
    }).pipe(Effect.provide(LocalMaster.layer({ seed: 5 }))))

  it.effect("an unknown trial is NotFound naming it (the first unknown, ids ascending), before any report", () =>
    Effect.gen(function*() {
      const master = yield* LocalMaster.LocalMaster
      yield* master.seedExperiments(2)
      yield* master.seedMetrics(1, 5, "training")
      const one = yield* Effect.flip(collect(Trial.metrics(9_999, { group: "training" })))
      assert.strictEqual(one._tag, "NotFound")
      assert.deepInclude(one, { resource: "trial", id: "9999" })
      const many = yield* Effect.flip(collect(Metrics.stream([9_998, 1, 9_997], { group: "training" })))
      assert.strictEqual(many._tag, "NotFound")
      assert.deepInclude(many, { resource: "trial", id: "9997" })
      // nothing was delivered before the failure: the stream fails at its request, not after trial 1's reports
      const delivered: Array<number> = []
      const exit = yield* Effect.exit(collect(
        Metrics.stream([1, 9_997], { group: "training" }).pipe(
          Stream.tap((r) => Effect.sync(() => delivered.push(r.id)))
        )
      ))
      assert.isTrue(Exit.isFailure(exit))
      assert.deepStrictEqual(delivered, [])
    }).pipe(Effect.provide(LocalMaster.layer({ seed: 5 }))))
})

describe("waiting against LocalMaster", () => {
  it.effect("awaitFirstTrial returns the first trial; wait returns the terminal state", () =>
    Effect.gen(function*() {
      const experimentId = yield* create(config())
      const trial = yield* driveClock(yield* Effect.fork(Experiment.awaitFirstTrial(experimentId)))
      assert.strictEqual(trial.experimentId, experimentId)
      const state = yield* driveClock(yield* Effect.fork(Experiment.wait(experimentId, { every: "2 seconds" })))
      assert.strictEqual(state, "COMPLETED")
      // wait read the experiment through the cache: get serves the final snapshot without a request
      const master = yield* LocalMaster.LocalMaster
      yield* master.resetRequests
      assert.strictEqual((yield* Experiment.get(experimentId)).state, "COMPLETED")
      assert.strictEqual((yield* master.requests).length, 0)
    }).pipe(Effect.provide(LocalMaster.layer({ seed: 6 }))))

  it.effect("timeouts and endings are typed: WaitTimeout, ExperimentPaused, ExperimentEnded", () =>
    Effect.gen(function*() {
      const running = yield* create(config())
      const timedOut = yield* driveClock(
        yield* Effect.fork(Effect.exit(Experiment.wait(running, { timeout: "3 seconds" })))
      )
      assert.isTrue(Exit.isFailure(timedOut))
      if (Exit.isFailure(timedOut)) {
        const error = (timedOut.cause as any).error
        assert.strictEqual(error._tag, "WaitTimeout")
        assert.strictEqual(error.timeoutMillis, 3_000)
        assert.strictEqual(error.waitingFor, "terminal state")
      }
      // a poll schedule that ends is a WaitTimeout too
      const exhausted = yield* driveClock(
        yield* Effect.fork(
          Effect.exit(
            Experiment.wait(running, { schedule: Schedule.spaced("1 second").pipe(Schedule.upTo("5 seconds")) })
          )
        )
      )
      assert.strictEqual(Exit.isFailure(exhausted) ? (exhausted.cause as any).error?._tag : "success", "WaitTimeout")

      // created paused: wait reports it instead of waiting forever
      const paused = yield* create(config(), false)
      const pausedExit = yield* driveClock(yield* Effect.fork(Effect.exit(Experiment.wait(paused))))
      assert.strictEqual(
        Exit.isFailure(pausedExit) ? (pausedExit.cause as any).error?._tag : "success",
        "ExperimentPaused"
      )

      // an experiment that ended without a trial
      const master = yield* LocalMaster.LocalMaster
      const [empty] = yield* master.seedExperiments(1, { withTrials: false })
      const ended = yield* driveClock(yield* Effect.fork(Effect.exit(Experiment.awaitFirstTrial(empty!))))
      assert.isTrue(Exit.isFailure(ended))
      if (Exit.isFailure(ended)) {
        const error = (ended.cause as any).error
        assert.strictEqual(error._tag, "ExperimentEnded")
        assert.strictEqual(error.experimentId, empty)
        assert.strictEqual(error.state, "COMPLETED")
      }
    }).pipe(Effect.provide(LocalMaster.layer({ seed: 7 }))))
})

describe("watching against LocalMaster", () => {
  it.effect("Trial.watch emits changed snapshots and ends after the terminal one", () =>
    Effect.gen(function*() {
      const experimentId = yield* create(config())
      const first = yield* driveClock(yield* Effect.fork(Experiment.awaitFirstTrial(experimentId)))
      const master = yield* LocalMaster.LocalMaster
      yield* master.resetRequests
      const snapshots = yield* collect(Trial.watch(first.id, { every: "1 second" }))
      const last = snapshots.at(-1)!
      assert.strictEqual(last.state, "COMPLETED")
      assert.isTrue(snapshots.slice(0, -1).every((t) => !Trial.terminalStates.has(t.state)))
      const prints = snapshots.map(Trial.fingerprint)
      assert.strictEqual(new Set(prints).size, prints.length)
      // one GET per poll, and more polls than emitted snapshots is possible but never fewer
      const gets = (yield* master.requests).filter((r) => r.path === `/api/v1/trials/${first.id}`)
      assert.isAtLeast(gets.length, snapshots.length)
      yield* master.resetRequests
      assert.strictEqual((yield* Trial.get(first.id)).state, "COMPLETED")
      assert.strictEqual((yield* master.requests).length, 0)
    }).pipe(Effect.provide(LocalMaster.layer({ seed: 9 }))))

  it.effect("Experiment.watchTrials on 200 trials: one list request per page per poll, never a GET per trial", () =>
    Effect.gen(function*() {
      const experimentId = yield* create(config({
        searcher: {
          name: "random",
          metric: "validation_loss",
          max_trials: 200,
          max_concurrent_trials: 200,
          max_length: { batches: 300 }
        },
        hyperparameters: {
          learning_rate: { type: "log", base: 10, minval: -4, maxval: -1 },
          global_batch_size: 32
        }
      }))
      const master = yield* LocalMaster.LocalMaster
      yield* master.resetRequests
      const snapshots = yield* collect(Experiment.watchTrials(experimentId, { every: "5 seconds" }))
      const requests = yield* master.requests
      const lists = requests.filter((r) => r.path === `/api/v1/experiments/${experimentId}/trials`)
      const perTrial = requests.filter((r) => /^\/api\/v1\/trials\/\d+$/.test(r.path))
      const experimentGets = requests.filter((r) => r.path === `/api/v1/experiments/${experimentId}`)
      assert.strictEqual(perTrial.length, 0)
      // 200 trials, pages of 100: every poll reads offset 0 then offset 100, nothing else
      assert.strictEqual(lists.length % 2, 0)
      lists.forEach((r, i) => assert.include(r.query, i % 2 === 0 ? "offset=0" : "offset=100"))
      assert.isAtMost(experimentGets.length, lists.length / 2)
      const ids = new Set(snapshots.map((t) => t.id))
      assert.strictEqual(ids.size, 200)
      // the last snapshot of every trial is terminal, and the cache holds it
      const lastOf = new Map(snapshots.map((t) => [t.id, t]))
      assert.isTrue([...lastOf.values()].every((t) => Trial.terminalStates.has(t.state)))
      yield* master.resetRequests
      const someId = [...ids][150]!
      assert.strictEqual((yield* Trial.get(someId)).state, lastOf.get(someId)!.state)
      assert.strictEqual((yield* master.requests).length, 0)
    }).pipe(Effect.provide(LocalMaster.layer({ seed: 10, speed: 1000 }))))

  it.effect("interrupting a watch stops polling", () =>
    Effect.gen(function*() {
      const experimentId = yield* create(config())
      const first = yield* driveClock(yield* Effect.fork(Experiment.awaitFirstTrial(experimentId)))
      const fiber = yield* Effect.fork(Stream.runDrain(Trial.watch(first.id, { every: "1 second" })))
      yield* Fiber.interrupt(fiber)
      const master = yield* LocalMaster.LocalMaster
      yield* master.resetRequests
      yield* driveClock(yield* Effect.fork(Effect.sleep("10 seconds")))
      assert.strictEqual((yield* master.requests).length, 0)
    }).pipe(Effect.provide(LocalMaster.layer({ seed: 11 }))))
})
