/**
 * Every example runs: each one's exported program against LocalMaster in virtual time, the user-test example as
 * a user's test would run it, and the `npm run example` dispatcher once as a real process over loopback HTTP.
 */
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Experiment } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { execFile } from "node:child_process"
import * as path from "node:path"
import * as bulkKill from "../../examples/bulk-kill.js"
import * as checkpoints from "../../examples/checkpoints.js"
import * as followLogs from "../../examples/follow-logs.js"
import * as quickstart from "../../examples/quickstart.js"
import * as registerModel from "../../examples/register-model.js"
import * as search from "../../examples/search.js"
import * as userTest from "../../examples/user-test.js"
import { driveClock } from "../utils/mockHttp.js"

/** Silence an example's console output. */
const quiet = <A, E, R>(program: Effect.Effect<A, E, R>) =>
  Effect.consoleWith((console) => Effect.withConsole(program, { ...console, log: () => Effect.void }))

/** Run an example's program to completion in virtual time, its console output silenced. */
const runExample = <A, E, R>(program: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Effect.fork(quiet(program)), (fiber) => driveClock(fiber, "250 millis"))

describe("examples against LocalMaster (TestClock)", () => {
  it.effect("quickstart: launches a finished experiment on an empty master, lists it, caches then reloads a trial", () =>
    Effect.gen(function*() {
      const result = yield* runExample(quickstart.run([]))
      assert.isDefined(result)
      assert.strictEqual(result!.experiments, 1)
      assert.isTrue(result!.cached)
      const exp = yield* Experiment.get(result!.experimentId)
      assert.strictEqual(exp.state, "COMPLETED")
    }).pipe(Effect.provide(NodeContext.layer), Effect.provide(LocalMaster.layer({ seed: 11 }))))

  it.effect("follow-logs: follows a new trial's logs to its end", () =>
    Effect.gen(function*() {
      const result = yield* runExample(followLogs.run([]))
      assert.strictEqual(result.state, "COMPLETED")
      assert.isAbove(result.lines, 10)
    }).pipe(Effect.provide(NodeContext.layer), Effect.provide(LocalMaster.layer({ seed: 12 }))))

  it.effect("checkpoints: sorted by validation_loss, by batch number, and by the searcher metric", () =>
    Effect.gen(function*() {
      const result = yield* runExample(checkpoints.run([]))
      assert.strictEqual(result.byLoss.length, 5) // 500 batches, a checkpoint every 100
      // lr=0.01 keeps improving over 500 batches: the best is the latest
      assert.strictEqual(result.latest, result.byLoss[0])
      assert.strictEqual(result.best, result.byLoss[0])
    }).pipe(Effect.provide(NodeContext.layer), Effect.provide(LocalMaster.layer({ seed: 13 }))))

  it.effect("search: the learning rates that reached validation_loss < 0.2 within 1,000 batches, best first", () =>
    Effect.gen(function*() {
      const result = yield* runExample(search.run([]))
      // the simulation's good learning rates (0.001..0.01) converge below 0.2; 0.0003 learns too slowly
      assert.isAbove(result.learningRates.length, 0)
      assert.notInclude(result.learningRates, 0.0003)
      assert.strictEqual(result.explanation.endpoint, "SearchRuns")
      assert.deepStrictEqual(result.explanation.sort.map((c) => c.where), ["local"])
      assert.strictEqual(result.explanation.stats!.rowsReturned, result.learningRates.length)
    }).pipe(Effect.provide(NodeContext.layer), Effect.provide(LocalMaster.layer({ seed: 14 }))))

  it.effect("register-model: registers the best checkpoint as version 1, then 2", () =>
    Effect.gen(function*() {
      const first = yield* runExample(registerModel.run([]))
      assert.strictEqual(first?.version, 1)
      const second = yield* runExample(registerModel.run([String((yield* Experiment.list())[0]!.id)]))
      assert.strictEqual(second?.version, 2)
      assert.strictEqual(second?.versions, 2)
      assert.strictEqual(second?.checkpoint, first?.checkpoint)
    }).pipe(Effect.provide(NodeContext.layer), Effect.provide(LocalMaster.layer({ seed: 14 }))))

  it.effect("bulk-kill: five experiments killed with five POSTs and no GET", () =>
    Effect.gen(function*() {
      const result = yield* runExample(bulkKill.run([]))
      assert.strictEqual(result.killed.length, 5)
      assert.strictEqual(result.posts, 5)
      assert.strictEqual(result.gets, 0)
      const states = yield* runExample(
        Effect.forEach(result.killed, (id) => Experiment.wait(id, { every: "1 second" }))
      )
      assert.deepStrictEqual(states, result.killed.map(() => "CANCELED"))
    }).pipe(Effect.provide(NodeContext.layer), Effect.provide(LocalMaster.layer({ seed: 15 }))))

  it.effect("user-test: the user's own test program passes under the TestClock", () =>
    Effect.map(quiet(userTest.testProgram), (result) => {
      assert.strictEqual(result.best, 0.003)
      assert.isAbove(result.virtualSeconds, 5)
    }))
})

describe("npm run example", () => {
  const root = path.resolve(import.meta.dirname, "../..")
  const runCli = (args: ReadonlyArray<string>) =>
    Effect.async<{ code: number; stdout: string; stderr: string }>((resume) => {
      const env = { ...process.env }
      delete env.DET_MASTER
      const child = execFile(
        process.execPath,
        ["--import", "tsx", "examples/run.ts", ...args],
        { cwd: root, env, timeout: 60_000 },
        (error, stdout, stderr) =>
          resume(Effect.succeed({ code: error === null ? 0 : (error.code as number | undefined) ?? 1, stdout, stderr }))
      )
      return Effect.sync(() => child.kill())
    })

  it.live("runs an example by name against an embedded LocalMaster over loopback HTTP", () =>
    Effect.gen(function*() {
      const { code, stderr, stdout } = yield* runCli(["quickstart"])
      assert.strictEqual(code, 0, stderr)
      assert.match(stdout, /embedded LocalMaster at http:\/\/127\.0\.0\.1:\d+/)
      assert.include(stdout, "get twice -> same snapshot: true")
    }), { timeout: 90_000 })

  it.live("prints the list of examples for an unknown name and exits 2", () =>
    Effect.gen(function*() {
      const { code, stderr } = yield* runCli(["no-such-example"])
      assert.strictEqual(code, 2)
      assert.include(stderr, "bulk-kill")
      assert.include(stderr, "user-test")
    }), { timeout: 90_000 })
})
