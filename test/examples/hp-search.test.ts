/**
 * The demo's search (examples/hp-search/search.ts) end to end against LocalMaster in virtual time, plus its
 * progress view and report.
 */
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Ref, TestClock } from "effect"
import { EarlyStopping, Experiment, Project, Workspace } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import * as Options from "../../examples/hp-search/options.js"
import * as Progress from "../../examples/hp-search/progress.js"
import * as Report from "../../examples/hp-search/report.js"
import type { SearchSummary, TrialProgress, TrialResult } from "../../examples/hp-search/search.js"
import { defaults, runSearch } from "../../examples/hp-search/search.js"
import { driveClock, yieldToEventLoop } from "../utils/mockHttp.js"

const learningRates = [0.0001, 0.001, 0.01, 0.1]
const stopping = { metric: "validation_loss", smallerIsBetter: true, patience: 5 }

/**
 * validation_loss of LocalMaster's simulation without noise (docs/LOCAL-MASTER.md, src/testing/internal/drivers/curves.ts),
 * for a hyperparameter `shift` in [0, 0.03): `1.04 * clean(b) + 1.5 * rise(b)`.
 */
const documentedLoss = (lr: number, b: number, shift: number) => {
  const d = Math.log10(lr / 0.003)
  const r = 0.004 * Math.min(Math.pow(10, d), 2)
  const floor = 0.05 + 0.25 * Math.max(d, 0) ** 2 + shift
  const clean = floor + (2.3 - floor) * Math.exp(-r * b)
  const rise = d > 1 ? 0.0005 * (d - 0.5) * Math.max(0, b - 250) : 0
  return 1.04 * clean + 1.5 * rise
}

/** Within the documented noise (±0.5%) and shift range of the simulated curve. */
const onDocumentedCurve = (lr: number, b: number, value: number) =>
  value >= documentedLoss(lr, b, 0) * 0.995 - 1e-6 && value <= documentedLoss(lr, b, 0.03) * 1.005 + 1e-6

/** Did the pure early-stopping rule fire on some prefix of the curve (i.e. while the trial was watched)? */
const stallPoint = (result: TrialResult) => {
  const values = result.curve.map((p) => p.value)
  for (let k = 1; k <= values.length; k++) {
    if (EarlyStopping.shouldStop(values.slice(0, k), stopping)) return k
  }
  return undefined
}

const search = (overrides: Partial<Parameters<typeof runSearch>[0]> = {}) =>
  runSearch({ learningRates, ...stopping, pollEvery: Duration.millis(250), ...overrides })

describe("hp-search against LocalMaster (TestClock)", () => {
  it.effect("accounts for every trial, stops exactly the plateaued ones, and ranks the simulation's best first", () =>
    Effect.gen(function*() {
      const seen = yield* Ref.make(new Map<number, TrialProgress>())
      const logLines = yield* Ref.make(0)
      const fiber = yield* Effect.fork(search({
        onProgress: (p) => Ref.update(seen, (m) => new Map(m).set(p.learningRate, p)),
        onLog: () => Ref.update(logLines, (n) => n + 1)
      }))
      const summary: SearchSummary = yield* driveClock(fiber, "100 millis")

      // every learning rate accounted for, once, with its experiment and trial, no error
      assert.deepStrictEqual(summary.results.map((r) => r.learningRate).sort((a, b) => a - b), learningRates)
      for (const r of summary.results) {
        assert.isUndefined(r.error, `lr=${r.learningRate}: ${r.error}`)
        assert.isDefined(r.trialId)
        assert.isDefined(r.experimentId)
        assert.strictEqual(r.hparams.learning_rate, r.learningRate)
        assert.isAbove(r.curve.length, 0)
        for (const p of r.curve) {
          assert.isTrue(onDocumentedCurve(r.learningRate, p.batches, p.value), `lr=${r.learningRate} b=${p.batches}`)
        }
      }

      // early-stopped exactly where the pure rule says the curve plateaued, completed otherwise. A curve that first
      // stalls at its very last validation is not stopped: that validation is reported in the same step as the
      // trial completes, so the watch sees it only on a COMPLETED trial (one outcome, every run)
      for (const r of summary.results) {
        const stall = stallPoint(r)
        const stallAtEnd = stall !== undefined && r.curve[stall - 1]?.batches === defaults.maxBatches
        if (r.earlyStopped) {
          assert.isDefined(stall, `lr=${r.learningRate} was stopped but its curve never stalled`)
          assert.isFalse(stallAtEnd, `lr=${r.learningRate} was stopped at its last validation`)
          assert.strictEqual(stall, r.curve.length, `lr=${r.learningRate} was stopped later than its stall`)
          assert.strictEqual(r.state, "CANCELED")
          assert.isBelow(r.batches, defaults.maxBatches)
          assert.strictEqual(r.stoppedAtBatches, r.batches)
        } else {
          if (stall !== undefined) {
            assert.isTrue(stallAtEnd, `lr=${r.learningRate} stalled at validation ${stall} but was not stopped`)
          }
          assert.strictEqual(r.state, "COMPLETED")
          assert.strictEqual(r.batches, defaults.maxBatches)
        }
      }
      // and the same outcome every run (seed 42, the same clock steps): 0.01 stops at its 18th validation, 0.1 at its 9th
      assert.deepStrictEqual(
        [...summary.results].sort((a, b) => a.learningRate - b.learningRate).map((r) => [r.learningRate, r.batches]),
        [[0.0001, 2000], [0.001, 2000], [0.01, 1800], [0.1, 900]]
      )
      const stopped = (lr: number) => summary.results.find((r) => r.learningRate === lr)!.earlyStopped
      // the documented behaviour: 0.1 rises after ~250 batches, the small rates are still improving at the end
      assert.isTrue(stopped(0.1))
      assert.isFalse(stopped(0.0001))
      assert.isFalse(stopped(0.001))

      // the best: the learning rate whose documented curve gets lowest within the batches it trained
      const bestByFormula = [...learningRates].sort((a, b) =>
        documentedLoss(a, defaults.maxBatches, 0) - documentedLoss(b, defaults.maxBatches, 0)
      )[0]
      assert.strictEqual(bestByFormula, 0.01)
      assert.strictEqual(summary.best?.learningRate, 0.01)
      const bests = summary.results.map((r) =>
        r.best!
      )
      assert.deepStrictEqual(bests, [...bests].sort((a, b) => a - b))

      // the progress callback saw the final state of every trial; logs were followed
      const last = yield* Ref.get(seen)
      for (const r of summary.results) assert.strictEqual(last.get(r.learningRate)?.state, r.state)
      assert.isAbove(yield* Ref.get(logLines), 4 * 20)

      // filed in my_workspace / my_hpsearch_project, created on the way
      const ws = yield* Workspace.getByName(defaults.workspace)
      const project = yield* Project.getByName(ws.id, defaults.project)
      const filed = yield* Project.listExperiments(project.id)
      assert.deepStrictEqual(
        filed.map((e) => e.id).sort((a, b) => a - b),
        summary.results.map((r) => r.experimentId!).sort((a, b) => a - b)
      )
    }).pipe(Effect.provide(NodeContext.layer), Effect.provide(LocalMaster.layer({ seed: 42 }))))

  it.effect("a trial that errors is reported and does not stop the others", () =>
    Effect.gen(function*() {
      const master = yield* LocalMaster.LocalMaster
      const failed = yield* Ref.make(false)
      const fiber = yield* Effect.fork(search({
        learningRates: [0.001, 0.01],
        maxBatches: 600,
        onProgress: (p) =>
          p.learningRate === 0.01 && p.trialId !== undefined && p.batches >= 200
            ? Effect.flatMap(
              Ref.getAndSet(failed, true),
              (done) => done ? Effect.void : Effect.asVoid(master.failTrial(p.trialId!, "injected failure"))
            )
            : Effect.void
      }))
      const summary = yield* driveClock(fiber, "100 millis")
      const byLr = new Map(summary.results.map((r) => [r.learningRate, r]))
      assert.strictEqual(byLr.get(0.01)?.state, "ERROR")
      assert.strictEqual(byLr.get(0.001)?.state, "COMPLETED")
      assert.strictEqual(byLr.get(0.001)?.batches, 600)
      assert.strictEqual(summary.best?.learningRate, 0.01 /* it validated before failing, and better */)
    }).pipe(Effect.provide(NodeContext.layer), Effect.provide(LocalMaster.layer({ seed: 7 }))))

  it.effect("a learning rate whose experiment cannot be created is a result with a typed error", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(search({
        learningRates: [0.01],
        maxBatches: 300,
        modelDir: "/nonexistent/model-dir"
      }))
      const summary = yield* driveClock(fiber, "100 millis")
      assert.strictEqual(summary.results.length, 1)
      assert.strictEqual(summary.results[0]!.state, "FAILED")
      assert.match(summary.results[0]!.error ?? "", /^ModelDir/)
      assert.isUndefined(summary.best)
    }).pipe(Effect.provide(NodeContext.layer), Effect.provide(LocalMaster.layer({ seed: 8 }))))

  it.effect("interrupting the search kills the experiments it launched", () =>
    Effect.gen(function*() {
      const running = yield* Ref.make(new Set<number>())
      const fiber = yield* Effect.fork(search({
        onProgress: (p) =>
          p.state === "RUNNING" && p.experimentId !== undefined
            ? Ref.update(running, (s) => new Set(s).add(p.experimentId!))
            : Effect.void
      }))
      for (let i = 0; i < 10_000 && (yield* Ref.get(running)).size < learningRates.length; i++) {
        yield* yieldToEventLoop
        yield* TestClock.adjust("100 millis")
      }
      assert.strictEqual((yield* Ref.get(running)).size, learningRates.length)
      yield* Fiber.interrupt(fiber)
      const ids = [...(yield* Ref.get(running))]
      // the kills were sent during the interruption; a moment later every experiment has ended CANCELED
      const states = yield* driveClock(
        yield* Effect.fork(
          Effect.sleep("2 seconds").pipe(Effect.zipRight(Effect.forEach(ids, (id) => Experiment.reload(id))))
        ),
        "100 millis"
      )
      assert.deepStrictEqual(states.map((e) => e.state), ids.map(() => "CANCELED"))
    }).pipe(Effect.provide(NodeContext.layer), Effect.provide(LocalMaster.layer({ seed: 9 }))))
})

describe("hp-search progress view", () => {
  const row = (patch: Partial<TrialProgress>): TrialProgress => ({
    learningRate: 0.01,
    state: "RUNNING",
    batches: 100,
    validations: 1,
    earlyStopped: false,
    ...patch
  })

  it.effect("without a TTY prints a trial's line only when it changed", () =>
    Effect.gen(function*() {
      const terminal = Progress.memory(false)
      const view = yield* Progress.make({ terminal, learningRates: [0.01], metric: "validation_loss", maxBatches: 200 })
      yield* view.update(row({}))
      yield* view.update(row({}))
      yield* view.log("a log line")
      yield* view.update(row({ batches: 200, state: "CANCELED", earlyStopped: true, best: 0.5 }))
      const lines = terminal.output().trimEnd().split("\n")
      assert.strictEqual(lines.length, 3)
      assert.include(lines[0]!, "RUNNING")
      assert.strictEqual(lines[1], "a log line")
      assert.include(lines[2]!, "EARLY-STOPPED")
      assert.include(lines[2]!, "0.5000")
      assert.notInclude(terminal.output(), "\x1b[")
    }))

  it.effect("on a TTY redraws the block in place and scrolls logs above it", () =>
    Effect.gen(function*() {
      const terminal = Progress.memory(true)
      const view = yield* Progress.make({
        terminal,
        learningRates: [0.01, 0.1],
        metric: "validation_loss",
        maxBatches: 200
      })
      yield* view.update(row({}))
      yield* view.update(row({ learningRate: 0.1 }))
      yield* view.log("hello")
      const out = terminal.output()
      assert.include(out, "\x1b[1F") // up one line: the block had one row
      assert.include(out, "\x1b[2F\x1b[Jhello\n") // up two rows, clear, the log line, then the block again
      assert.isTrue(out.endsWith(`\x1b[2K${Progress.formatRow(row({ learningRate: 0.1 }), "validation_loss", 200)}\n`))
    }))
})

describe("hp-search report", () => {
  const result = (lr: number, best: number, earlyStopped: boolean): TrialResult => ({
    learningRate: lr,
    experimentId: 1,
    trialId: 1,
    state: earlyStopped ? "CANCELED" : "COMPLETED",
    batches: 300,
    best,
    validations: 3,
    earlyStopped,
    hparams: { learning_rate: lr },
    curve: [{ batches: 100, value: best * 2 }, { batches: 200, value: best }, { batches: 300, value: best * 1.5 }],
    ...(earlyStopped ? { stoppedAtBatches: 300 } : {})
  })
  const summary: SearchSummary = {
    metric: "validation_loss",
    smallerIsBetter: true,
    patience: 5,
    learningRates: [0.01, 0.1],
    results: [result(0.01, 0.1, false), result(0.1, 0.8, true)],
    best: result(0.01, 0.1, false)
  }

  it.effect("renders an SVG chart with a marker for the stopped trial, inside an HTML page", () =>
    Effect.gen(function*() {
      const svg = yield* Report.renderSvg(summary)
      assert.match(svg, /^<svg/)
      assert.include(svg, "lr=0.1")
      assert.include(svg, "stopped")
      const html = Report.renderHtml(summary, svg, new Date(0))
      assert.include(html, "<svg")
      assert.include(html, "learning_rate = <code>0.01</code>")
      assert.include(html, "yes (at 300 batches)")
      const text = Report.renderText(summary)
      assert.include(text.split("\n")[2]!, "0.01")
      assert.include(text, "best: learning_rate=0.01")
    }))
})

describe("hp-search command line", () => {
  it("defaults to the seed's search space, metric and patience", () => {
    const cli = Options.parse([])
    assert.deepStrictEqual(cli.learningRates, [0.0001, 0.001, 0.01, 0.1])
    assert.strictEqual(cli.metric, "validation_loss")
    assert.isTrue(cli.smallerIsBetter)
    assert.strictEqual(cli.patience, 5)
    assert.strictEqual(cli.report, "hpsearch-report.html")
    assert.isFalse(cli.fast)
  })

  it("reads every option", () => {
    const cli = Options.parse([
      "--learning-rates",
      "0.003, 0.03,0.003",
      "--metric",
      "accuracy",
      "--larger-is-better",
      "--patience",
      "3",
      "--fast",
      "--report",
      "out/r.html",
      "--seed",
      "7",
      "--quiet"
    ])
    assert.deepStrictEqual(cli.learningRates, [0.003, 0.03])
    assert.strictEqual(cli.metric, "accuracy")
    assert.isFalse(cli.smallerIsBetter)
    assert.strictEqual(cli.patience, 3)
    assert.isTrue(cli.fast)
    assert.isBelow(cli.maxBatches, Options.defaults.maxBatches)
    assert.strictEqual(cli.report, "out/r.html")
    assert.strictEqual(cli.seed, 7)
    assert.isTrue(cli.quiet)
  })

  it("rejects bad values with a readable message", () => {
    assert.throws(() => Options.parse(["--patience", "0"]), /--patience must be a positive integer/)
    assert.throws(() => Options.parse(["--learning-rates", "0.1,abc"]), /--learning-rates/)
    assert.throws(() => Options.parse(["--seed", "x"]), /--seed must be an integer/)
    assert.throws(() => Options.parse(["--no-such-option"]))
  })
})
