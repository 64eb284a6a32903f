/**
 * Soak: 200 running trials watched (one paged list per poll) and their logs followed for 10 minutes of virtual
 * time under the chaos fault plan. Memory is measured as the heap after a full GC at two polls (never as time),
 * fibers are counted with a tracking supervisor, and streams with the SDK-side finalizers and the emulator's
 * open-stream count.
 */
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Clock, Effect, Fiber, Ref, Stream, Supervisor } from "effect"
import { Experiment, RetryPolicy, Trial } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { config, createExperiment } from "../resources/localHelpers.js"
import { chaosPlan, heapAfterGc, VirtualClock } from "./helpers.js"

const TRIALS = 200
const POLL_EVERY_MS = 5_000
const MINUTE = 60_000

const patient = RetryPolicy.layer({
  schedule: RetryPolicy.backoff({ times: 10, base: "100 millis", maxDelay: "2 seconds" })
})

describe("soak: 200 trials watched and followed for 10 minutes under the fault plan", () => {
  it.effect("memory flat, no fiber leak, every stream closed, every log line once", () => {
    const clock = new VirtualClock()
    return Effect.gen(function*() {
      const master = yield* LocalMaster.LocalMaster
      const start = yield* Clock.currentTimeMillis
      const experimentId = yield* clock.run(createExperiment(config({
        name: "soak",
        searcher: {
          name: "random",
          metric: "validation_loss",
          max_trials: TRIALS,
          max_concurrent_trials: TRIALS,
          max_length: { batches: 1_000_000 }
        },
        hyperparameters: { learning_rate: { type: "log", base: 10, minval: -4, maxval: -1 }, global_batch_size: 32 },
        min_validation_period: { batches: 100 }
      })))
      const trialIds = yield* clock.run(
        Effect.map(Experiment.listTrials(experimentId), (ts) => ts.map((t) => t.id))
      )
      assert.strictEqual(trialIds.length, TRIALS)

      const supervisor = yield* Supervisor.track
      const polls = yield* Ref.make(0)
      const closed = yield* Ref.make(0)
      const seen = new Map<number, Array<number>>(trialIds.map((id) => [id, []]))
      const workload = Effect.gen(function*() {
        const watcher = yield* Experiment.watchTrials(experimentId, { every: `${POLL_EVERY_MS} millis` }).pipe(
          Stream.runForEach(() => Effect.void),
          Effect.fork
        )
        const followers = yield* Effect.forEach(trialIds, (id) =>
          Trial.logs(id, { follow: true }).pipe(
            Stream.ensuring(Ref.update(closed, (n) => n + 1)),
            Stream.runForEach((entry) => Effect.sync(() => seen.get(id)!.push(entry.id))),
            Effect.fork
          ))
        return { watcher, followers }
      }).pipe(Effect.supervised(supervisor), Effect.provide(patient))
      // the watch's polls, counted as the requests for the trials' first page that reached the master
      const countPolls = Effect.map(
        master.requests,
        (rs) =>
          rs.filter((r) => r.path === `/api/v1/experiments/${experimentId}/trials` && r.query.includes("offset=0"))
            .length
      )

      const { followers, watcher } = yield* workload
      // chatty trials for 2 minutes (5 lines each every 2 s: 300 lines, cut every 200-400), then a trickle
      const chatter = yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
        yield* Effect.sleep("2 seconds")
        const now = yield* Clock.currentTimeMillis
        const phase1 = now - start < 2 * MINUTE
        if (phase1 || (now - start) % 20_000 < 2_000) {
          yield* Effect.forEach(trialIds, (id) => master.seedLogs(id, phase1 ? 5 : 1), { discard: true })
        }
      })))

      yield* clock.advanceTo(start + 2 * MINUTE, { minStep: "500 millis" })
      const heapAtK = yield* heapAfterGc
      const pollK = yield* countPolls
      const fibersDuring = (yield* supervisor.value).length
      const heaps: Array<readonly [number, number]> = [[pollK, heapAtK]]
      for (let minute = 3; minute <= 10; minute++) {
        yield* clock.advanceTo(start + minute * MINUTE, { minStep: "500 millis" })
        heaps.push([yield* countPolls, yield* heapAfterGc])
      }
      const [pollN, heapAtN] = heaps[heaps.length - 1]!
      yield* Ref.set(polls, pollN)

      // the end: the experiment is killed, every follow and the watch end on their own
      yield* Fiber.interrupt(chatter)
      yield* clock.run(Experiment.kill(experimentId).pipe(Effect.provide(patient)))
      yield* clock.run(Fiber.joinAll([watcher, ...followers]), { minStep: "500 millis" })
      const stats = yield* master.faultStats
      const fibersAfter = (yield* supervisor.value).length
      const openStreams = yield* master.openStreams

      // the ground truth, without faults
      yield* master.setFaultsActive(false)
      const truth = yield* clock.run(
        Effect.forEach(
          trialIds,
          (id) => Effect.map(Stream.runCollect(Trial.logs(id)), (c) => Chunk.toReadonlyArray(c).map((l) => l.id))
        )
      )

      const growth = heapAtN - heapAtK
      console.log(
        `soak: polls ${pollK}..${pollN}, heap after GC by poll ${
          JSON.stringify(heaps.map(([p, h]) => [p, Math.round(h / 1024 / 1024 * 10) / 10]))
        } MiB, growth ${(growth / 1024 / 1024).toFixed(1)} MiB (${Math.round(growth / (pollN - pollK))} B/poll); ` +
          `clock steps ${clock.steps}; fibers during ${fibersDuring}, after ${fibersAfter}; streams closed ${yield* Ref
            .get(closed)}, ` +
          `open ${openStreams}; faults ${JSON.stringify(stats)}`
      )

      assert.isAbove(pollN - pollK, 60) // 96 nominal (every 5 s for 8 minutes), fewer with retries and latency
      assert.isBelow(
        growth,
        8 * 1024 * 1024,
        "heap grew by more than 8 MiB between the polls of minute 2 and minute 10"
      )
      assert.isAtLeast(fibersDuring, TRIALS + 1)
      assert.strictEqual(fibersAfter, 0)
      assert.strictEqual(yield* Ref.get(closed), TRIALS)
      assert.strictEqual(openStreams, 0)
      assert.isAbove(stats.streamCut, 0)
      assert.isAbove(stats.expiredToken, 0)
      trialIds.forEach((id, i) => {
        const ids = seen.get(id)!
        assert.deepStrictEqual(ids, truth[i], `trial ${id}: every line once, in order`)
      })
    }).pipe(
      Effect.scoped,
      Effect.provide(LocalMaster.layer({ seed: 11, speed: 1, faults: chaosPlan })),
      Effect.withClock(clock)
    )
  }, 300_000)
})
