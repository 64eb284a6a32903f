/**
 * Chaos: the demo's search (examples/hp-search/search.ts) against a LocalMaster with the chaos fault plan, in
 * virtual time, compared with the fault-free run of the same seed.
 */
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Stream } from "effect"
import { Experiment, RetryPolicy, Trial } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import type { SearchSummary, TrialProgress } from "../../examples/hp-search/search.js"
import { runSearch } from "../../examples/hp-search/search.js"
import { chaosPlan, VirtualClock } from "./helpers.js"

const learningRates = [0.0001, 0.001, 0.01, 0.1]

/** A patient policy for a flaky network: 10 retries from 100 ms, at most 2 s apart. */
const patient = RetryPolicy.layer({
  schedule: RetryPolicy.backoff({ times: 10, base: "100 millis", maxDelay: "2 seconds" })
})

interface Outcome {
  readonly steps: number
  readonly summary: SearchSummary
  /** POSTs that reached the emulator, by path */
  readonly creates: Readonly<Record<string, number>>
  readonly trialStates: ReadonlyArray<string>
  readonly experimentStates: ReadonlyArray<string>
  /** per trial: [delivered by the search's onLog, every line the master holds] */
  readonly logs: ReadonlyArray<{ readonly trialId: number; delivered: Array<string>; all: Array<string> }>
  readonly stats: LocalMaster.FaultStats
}

const count = (xs: ReadonlyArray<string>) => {
  const m = new Map<string, number>()
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1)
  return m
}

/** The search, with chatty trials: every running trial prints 6 more lines every 500 ms (about 1,200 in all). */
const searchOnce = (faults: LocalMaster.FaultPlan | undefined, clock = new VirtualClock()) =>
  Effect.gen(function*() {
    const master = yield* LocalMaster.LocalMaster
    const delivered = new Map<number, Array<string>>()
    const running = new Set<number>()
    const onProgress = (p: TrialProgress) =>
      Effect.sync(() => {
        if (p.trialId === undefined) return
        if (p.state === "RUNNING") running.add(p.trialId)
        else running.delete(p.trialId)
      })
    yield* Effect.forkScoped(Effect.forever(
      Effect.zipRight(Effect.sleep("500 millis"), Effect.forEach(running, (id) => master.seedLogs(id, 6)))
    ))
    const summary = yield* clock.run(
      runSearch({
        learningRates,
        maxBatches: 1000,
        concurrency: learningRates.length,
        pollEvery: Duration.seconds(1),
        onProgress,
        onLog: (_lr, trialId, line) =>
          Effect.sync(() => {
            const lines = delivered.get(trialId) ?? []
            lines.push(line)
            delivered.set(trialId, lines)
          })
      }).pipe(Effect.provide(patient)),
      { minStep: "500 millis" }
    )
    const stats = yield* master.faultStats

    // the ground truth, read with the plan suspended
    yield* master.setFaultsActive(false)
    const creates: Record<string, number> = {}
    for (const r of yield* master.requests) {
      if (r.method === "POST" && /^\/api\/v1\/(experiments|workspaces|workspaces\/\d+\/projects)$/.test(r.path)) {
        creates[r.path] = (creates[r.path] ?? 0) + 1
      }
    }
    const experiments = yield* clock.run(Experiment.list())
    const trials = yield* clock.run(Effect.forEach(experiments, (e) => Experiment.listTrials(e.id)))
    const logs = yield* clock.run(Effect.forEach(summary.results, (r) =>
      Effect.map(
        Stream.runCollect(Trial.logs(r.trialId!)),
        (all) => ({
          trialId: r.trialId!,
          delivered: delivered.get(r.trialId!) ?? [],
          all: Chunk.toReadonlyArray(all).map((l) => l.message)
        })
      )))
    return {
      steps: clock.steps,
      summary,
      creates,
      trialStates: trials.flat().map((t) => t.state),
      experimentStates: experiments.map((e) => e.state),
      logs,
      stats
    } satisfies Outcome
  }).pipe(
    Effect.scoped,
    Effect.provide(NodeContext.layer),
    Effect.provide(LocalMaster.layer({ seed: 42, speed: 10, faults })),
    Effect.withClock(clock)
  )

const withoutIds = (summary: SearchSummary) => ({
  ...summary,
  results: summary.results.map(({ experimentId: _e, trialId: _t, ...rest }) => rest),
  best: summary.best === undefined ? undefined : (({ experimentId: _e, trialId: _t, ...rest }) => rest)(summary.best)
})

describe("chaos: the demo's search under the fault plan", () => {
  it.effect(
    "completes with the fault-free summary, no duplicate create, no running trial, every log line once",
    () =>
      Effect.gen(function*() {
        const clean = yield* searchOnce(undefined)
        const chaos = yield* searchOnce(chaosPlan)

        // what was injected (docs/RELIABILITY.md reports these numbers)
        console.log(`chaos faults injected: ${JSON.stringify(chaos.stats)}; steps ${chaos.steps}`)
        for (const kind of Object.keys(chaos.stats) as Array<keyof LocalMaster.FaultStats>) {
          if (kind === "status500") continue // not transient: not in the plan
          assert.isAbove(chaos.stats[kind], 0, `no ${kind} fault was injected`)
        }

        // the same outcome as without faults
        for (const r of clean.summary.results) assert.isUndefined(r.error)
        // all learning rates run at once, so experiment and trial ids follow the order in which the creates land
        // (which faults change); everything else must be equal
        assert.deepStrictEqual(withoutIds(chaos.summary), withoutIds(clean.summary))
        assert.isTrue(chaos.summary.results.some((r) => r.earlyStopped))

        // one create of each kind reached the master
        assert.deepStrictEqual(chaos.creates, clean.creates)
        assert.deepStrictEqual(chaos.creates, {
          "/api/v1/workspaces": 1,
          "/api/v1/workspaces/2/projects": 1,
          "/api/v1/experiments": learningRates.length
        })

        // nothing left running
        assert.strictEqual(chaos.experimentStates.length, learningRates.length)
        for (const s of chaos.experimentStates) assert.include(["COMPLETED", "CANCELED"], s)
        assert.strictEqual(chaos.trialStates.length, learningRates.length)
        for (const s of chaos.trialStates) assert.include(["COMPLETED", "CANCELED"], s)

        // every log line delivered exactly once: the delivered multiset is the master's
        for (const { all, delivered, trialId } of chaos.logs) {
          assert.isAbove(all.length, 1000)
          assert.strictEqual(delivered.length, all.length, `trial ${trialId}: ${delivered.slice(-3).join(" / ")}`)
          assert.deepStrictEqual(count(delivered), count(all), `trial ${trialId}`)
        }
      }),
    120_000
  )
})
