/**
 * Logging belongs to the user: during a whole hyperparameter search on LocalMaster (the demo's, with early stops,
 * followed logs, retried reads and resumed log streams) the SDK writes nothing to stdout or stderr at the default
 * log level, and at DEBUG every line it logs carries the `Determined.logAnnotation` annotation.
 *
 * These tests run the search with `Effect.runPromise` and a `TestContext`, not `it.effect`: `it.effect` removes
 * Effect's default logger, which would hide exactly what is checked here.
 */
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, HashMap, Layer, Logger, LogLevel, TestContext } from "effect"
import { Determined } from "effect-determined"
import { LocalMaster, VirtualTime } from "effect-determined/testing"
import { afterEach, vi } from "vitest"
import { runSearch } from "../../examples/hp-search/search.js"

/** Reads fail now and then (retried), log streams are cut (resumed): the SDK's own debug lines get written. */
const flaky: LocalMaster.FaultPlan = {
  seed: 11,
  rules: [
    { method: "GET", path: "/api/v1/trials/*", status: { "503": 0.05 } },
    { method: "GET", path: "/api/v1/trials/*/logs", cutAfterLines: [15, 30] }
  ]
}

const search = runSearch({
  learningRates: [0.001, 0.01, 0.3],
  maxBatches: 1000,
  patience: 3,
  pollEvery: Duration.millis(500),
  onLog: () => Effect.void // follow every trial's logs
})

/** The search to its end on a TestClock, against LocalMaster with the flaky plan, on the default runtime. */
const runToEnd = <R>(extra: Layer.Layer<R>) =>
  Effect.runPromise(
    VirtualTime.run(search, { step: "100 millis" }).pipe(
      Effect.provide(LocalMaster.layer({ seed: 3, faults: flaky })),
      Effect.provide(NodeContext.layer),
      Effect.provide(extra),
      Effect.provide(TestContext.TestContext)
    )
  )

afterEach(() => {
  vi.restoreAllMocks()
})

describe("the SDK's logging", () => {
  it("writes nothing to stdout or stderr during a whole search at the default log level", async () => {
    const written: Array<string> = []
    const record = (...args: ReadonlyArray<unknown>) => {
      written.push(args.map(String).join(" "))
    }
    for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
      vi.spyOn(console, method).mockImplementation(record)
    }
    const write = (chunk: unknown) => {
      written.push(String(chunk))
      return true
    }
    vi.spyOn(process.stdout, "write").mockImplementation(write)
    vi.spyOn(process.stderr, "write").mockImplementation(write)

    const summary = await runToEnd(Layer.empty)
    vi.restoreAllMocks()

    // the search really ran: every learning rate trained, one was stopped early, its logs were followed
    assert.strictEqual(summary.results.length, 3, JSON.stringify(summary.results.map((r) => [r.state, r.error])))

    assert.isTrue(summary.results.some((r) => r.earlyStopped), "no trial was stopped early")
    assert.deepStrictEqual(written, [])
  })

  it("logs at DEBUG, every line annotated, and no warning in a search that goes well", async () => {
    const lines: Array<{ level: string; message: string; source: string | undefined }> = []
    const capture = Logger.make(({ annotations, logLevel, message }) => {
      const source = HashMap.get(annotations, Determined.logAnnotation)
      lines.push({
        level: logLevel.label,
        message: Array.isArray(message) ? message.join(" ") : String(message),
        source: source._tag === "Some" ? String(source.value) : undefined
      })
    })
    const summary = await runToEnd(
      Layer.merge(Logger.replace(Logger.defaultLogger, capture), Logger.minimumLogLevel(LogLevel.Debug))
    )
    assert.isTrue(summary.results.some((r) => r.earlyStopped))

    const sources = new Set(lines.map((l) => l.source))
    // retried reads, resumed log streams and early stops all logged, each by its part of the SDK
    for (const source of ["DeterminedHttp.retry", "DeterminedHttp.resume", "EarlyStopping.killWhenStalled"]) {
      assert.isTrue(sources.has(source), `no line from ${source}: ${[...sources].join(", ")}`)
    }
    // every line is the SDK's (the search logs nothing of its own when it goes well), at DEBUG
    assert.deepStrictEqual(lines.filter((l) => l.source === undefined), [])
    assert.deepStrictEqual(lines.filter((l) => l.level !== "DEBUG"), [])
    assert.isTrue(lines.some((l) => /^early stopping trial \d+: validation_loss has not improved/.test(l.message)))
  })
})
