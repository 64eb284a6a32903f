/**
 * The bulk-seeding helpers spread their rows in time as documented (docs/TESTING.md, *Seeding bulk data*), so that
 * a log stream cut between any two seeded lines resumes without losing or repeating one.
 */
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream, TestClock } from "effect"
import { Experiment, Metrics, Trial } from "effect-determined"
import { LocalMaster, VirtualTime } from "effect-determined/testing"

const seededTrial = Effect.gen(function*() {
  const master = yield* LocalMaster.LocalMaster
  const [experimentId] = yield* master.seedExperiments(1)
  const [trial] = yield* Experiment.listTrials(experimentId!)
  return { master, trialId: trial!.id }
})

/** The trial's seeded lines (a seeded trial also has the master's own lines). */
const readLogs = (trialId: number) =>
  VirtualTime.run(Stream.runCollect(Trial.logs(trialId))).pipe(
    Effect.map((chunk) => Chunk.toReadonlyArray(chunk).filter((l) => /seeded log line/.test(l.log ?? "")))
  )

describe("LocalMaster seeding", () => {
  it.effect("seedLogs stamps its lines 10 ms apart from the current time on, by default", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("1 minute")
      const { master, trialId } = yield* seededTrial
      yield* master.seedLogs(trialId, 1000)
      const lines = yield* readLogs(trialId)
      assert.strictEqual(lines.length, 1000)
      const times = lines.map((l) => l.timestamp!.getTime())
      // from the current time on (or just after the trial's last line), 10 ms apart: 1,000 lines span 10 s
      assert.isAtLeast(times[0]!, 60_000)
      assert.isAtMost(times[0]!, 60_010)
      assert.deepStrictEqual(times.slice(1).map((t, i) => t - times[i]!), Array(999).fill(10))
      assert.match(lines[7]!.log ?? "", /seeded log line 7\n$/)
    }).pipe(Effect.provide(LocalMaster.layer())))

  it.effect("a second seedLogs continues after the first, with the spread asked for", () =>
    Effect.gen(function*() {
      const { master, trialId } = yield* seededTrial
      yield* master.seedLogs(trialId, 100)
      yield* master.seedLogs(trialId, 10, { every: "1 second" })
      const times = (yield* readLogs(trialId)).map((l) => l.timestamp!.getTime())
      const gaps = times.slice(1).map((t, i) => t - times[i]!)
      assert.deepStrictEqual(gaps, [...Array(99).fill(10), ...Array(10).fill(1000)])
    }).pipe(Effect.provide(LocalMaster.layer())))

  it.effect("1,000 seeded lines read whole through a stream cut every 50 to 100 lines", () =>
    Effect.gen(function*() {
      const { master, trialId } = yield* seededTrial
      yield* master.seedLogs(trialId, 1000)
      const lines = yield* readLogs(trialId)
      // every line once, in order, although the stream broke about a dozen times
      assert.deepStrictEqual(
        lines.map((l) => /seeded log line (\d+)/.exec(l.log ?? "")![1]),
        [...Array(1000).keys()].map(String)
      )
      assert.isAbove((yield* master.faultStats).streamCut, 5)
    }).pipe(Effect.provide(LocalMaster.layer({
      faults: { seed: 5, rules: [{ method: "GET", path: "/api/v1/trials/*/logs", cutAfterLines: [50, 100] }] }
    }))))

  it.effect("seedExperiments starts them a minute apart by default, the last one now, within the clock's past", () =>
    Effect.gen(function*() {
      const master = yield* LocalMaster.LocalMaster
      yield* TestClock.adjust("1 hour")
      const ids = yield* master.seedExperiments(3)
      const experiments = yield* Effect.forEach(ids, Experiment.get)
      const hour = 3_600_000
      assert.deepStrictEqual(experiments.map((e) => e.startTime?.getTime()), [hour - 120_000, hour - 60_000, hour])
      assert.deepStrictEqual(experiments.map((e) => e.endTime?.getTime()), [hour - 119_000, hour - 59_000, hour])
      // too early for the spread (TestClock starts at 0): it shrinks to fit after time 0
      const [first] = yield* master.seedExperiments(100, { every: "1 day", withTrials: false })
      assert.strictEqual((yield* Experiment.get(first!)).startTime?.getTime(), 0)
    }).pipe(Effect.provide(LocalMaster.layer())))

  it.effect("seedMetrics spreads its reports' end times, 1 second apart by default", () =>
    Effect.gen(function*() {
      const { master, trialId } = yield* seededTrial
      yield* master.seedMetrics(trialId, 5, "validation")
      const reports = yield* VirtualTime.run(
        Stream.runCollect(Metrics.stream([trialId], { group: "validation" }))
      ).pipe(Effect.map(Chunk.toReadonlyArray))
      const seeded = reports.slice(-5).map((r) => r.endTime!.getTime())
      assert.deepStrictEqual(seeded, [0, 1000, 2000, 3000, 4000])
      yield* master.seedMetrics(trialId, 3, "validation", { every: "1 minute" })
      const again = yield* VirtualTime.run(
        Stream.runCollect(Metrics.stream([trialId], { group: "validation" }))
      ).pipe(Effect.map(Chunk.toReadonlyArray))
      const t = again.at(-3)!.endTime!.getTime()
      assert.deepStrictEqual(again.slice(-3).map((r) => r.endTime!.getTime()), [t, t + 60_000, t + 120_000])
    }).pipe(Effect.provide(LocalMaster.layer())))
})
