/**
 * Queries end to end against LocalMaster: Experiment.search / searchList and Run.search / list, the planner's
 * push-down (which clause goes where), the explanation's counts, the column checks, and the typed errors.
 */
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Exit, pipe, Stream } from "effect"
import { Experiment, Query, Run } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import type { Explanation } from "../../src/resources/internal/search/plan.js"
import { advance, config, createExperiment, failure, requests, resetRequests } from "./localHelpers.js"

const grid = (name: string, lrs: ReadonlyArray<number>, batches: number, labels: ReadonlyArray<string> = []) =>
  config({
    name,
    labels,
    searcher: { name: "grid", metric: "validation_loss", smaller_is_better: true, max_length: { batches } },
    hyperparameters: { learning_rate: { type: "categorical", vals: lrs }, global_batch_size: 32 },
    min_validation_period: { batches: 100 }
  })

const world = Effect.gen(function*() {
  const a = yield* createExperiment(grid("mnist-lr", [0.0003, 0.003, 0.05], 1000, ["baseline", "mnist"]))
  const b = yield* createExperiment(grid("cifar-lr", [0.001, 0.01], 600, ["cifar"]))
  const c = yield* createExperiment(config({ name: "MNIST-single", labels: ["BASELINE"] }))
  yield* advance("30 minutes")
  return { a, b, c }
})

const local = <A, E>(effect: Effect.Effect<A, E, any>) =>
  (effect as Effect.Effect<A, E, never>).pipe(Effect.provide(LocalMaster.layer({ seed: 5 })))

const where = (e: Explanation) => e.clauses.map((c) => `${c.where}: ${c.clause}`)

describe("Experiment.search and Run.search against LocalMaster", () => {
  it.effect("a pushed-down search returns what a local filter of everything returns, reading fewer rows", () =>
    local(Effect.gen(function*() {
      yield* world
      const query = Query.where(
        Query.field("name").contains("mnist"),
        Query.validation("validation_loss").min.lt(0.5)
      )
      const pushed = yield* Experiment.searchList(query)
      const everything = yield* Experiment.searchList(query, { pushDown: false })
      assert.deepStrictEqual(
        pushed.items.map((x) => x.experiment.id),
        everything.items.map((x) => x.experiment.id)
      )
      assert.isAbove(pushed.items.length, 0)
      for (const x of pushed.items) {
        assert.match(x.experiment.name, /mnist/i)
        const min = (x.bestTrial!.summaryMetrics as any).validation_metrics.validation_loss.min
        assert.isBelow(min, 0.5)
      }
      assert.deepStrictEqual(where(pushed.explanation), [
        "master: name contains \"mnist\"",
        "master: validation.validation_loss.min < 0.5",
        "master: not archived"
      ])
      assert.strictEqual(pushed.explanation.stats!.rowsEvaluatedLocally, 0)
      assert.strictEqual(pushed.explanation.stats!.rowsRead, pushed.items.length)
      assert.strictEqual(everything.explanation.stats!.rowsRead, 3)
      assert.strictEqual(everything.explanation.stats!.rowsEvaluatedLocally, 3)
    })))

  it.effect("runs sorted by a metric are sorted by number locally; the limit is applied after", () =>
    local(Effect.gen(function*() {
      yield* world
      const loss = Query.validation("validation_loss").min
      const query = pipe(
        Query.where(loss.notEmpty()),
        Query.sortBy(Query.asc(loss)),
        Query.limit(3)
      )
      const { explanation, items } = yield* Run.list(query)
      assert.strictEqual(items.length, 3)
      const values = items.map((r) => (r.summaryMetrics as any).validation_metrics.validation_loss.min as number)
      assert.deepStrictEqual(values, [...values].sort((x, y) => x - y))
      const all = yield* Run.list(Query.where(loss.notEmpty()))
      const smallest = all.items.map((r) => (r.summaryMetrics as any).validation_metrics.validation_loss.min as number)
        .sort((x, y) => x - y).slice(0, 3)
      assert.deepStrictEqual(values, smallest)
      assert.strictEqual(explanation.sort[0]!.where, "local")
      assert.strictEqual(explanation.limit!.where, "local")
      assert.strictEqual(explanation.stats!.rowsRead, all.items.length)
      assert.strictEqual(explanation.stats!.rowsReturned, 3)
    })))

  it.effect("the seed's question: learning rates that reached validation_loss < 0.2 within 1,000 batches", () =>
    local(Effect.gen(function*() {
      yield* world
      const loss = Query.validation("validation_loss")
      const query = pipe(
        Query.where(loss.min.lt(0.2), Query.validation("batches").max.lte(1000)),
        Query.sortBy(Query.asc(loss.min))
      )
      const runs = yield* Run.list(query, { projectId: 1 })
      const lrs = runs.items.map((r) => r.hyperparameters!.learning_rate)
      assert.isAbove(lrs.length, 0)
      assert.notInclude(lrs, 0.0003)
      for (const r of runs.items) {
        assert.isAtMost((r.summaryMetrics as any).validation_metrics.batches.max, 1000)
      }
    })))

  it.effect("hasLabels is exact and local; the master narrows with a substring test first", () =>
    local(Effect.gen(function*() {
      const { a } = yield* world
      const { explanation, items } = yield* Experiment.searchList(Query.hasLabels("baseline"))
      assert.deepStrictEqual(items.map((x) => x.experiment.id), [a])
      assert.deepStrictEqual(where(explanation), [
        "local: labels has all [\"baseline\"]",
        "master: tags contains \"\\\"baseline\\\"\"",
        "master: not archived"
      ])
      // "BASELINE" passed the master's case-insensitive substring test and was dropped locally
      assert.strictEqual(explanation.stats!.rowsRead, 2)
      assert.strictEqual(explanation.stats!.rowsEvaluatedLocally, 2)
    })))

  it.effect("via list: GetExperiments parameters where they are exact, the rest locally, same answer", () =>
    local(Effect.gen(function*() {
      yield* world
      const query = Query.where(
        Query.field("name").contains("MNIST"),
        Query.field("state").in(["COMPLETED", "ACTIVE"]),
        Query.field("numTrials").gte(2)
      )
      const viaSearch = yield* Experiment.searchList(query)
      yield* resetRequests
      const viaList = yield* Experiment.searchList(query, { via: "list" })
      assert.deepStrictEqual(
        viaList.items.map((x) => x.experiment.id),
        viaSearch.items.map((x) => x.experiment.id)
      )
      assert.strictEqual(viaList.explanation.endpoint, "GetExperiments")
      assert.deepStrictEqual(where(viaList.explanation), [
        "master: name contains \"MNIST\"",
        "master: state = \"COMPLETED\" OR state = \"ACTIVE\"",
        "local: numTrials >= 2",
        "local: not archived"
      ])
      const sent = yield* requests
      assert.match(sent[0]!.query, /name=MNIST/)
      assert.match(sent[0]!.query, /states=STATE_COMPLETED/)
    })))

  it.effect("metric names are checked against the project's columns before anything is sent", () =>
    local(Effect.gen(function*() {
      yield* world
      yield* resetRequests
      const exit = yield* Effect.exit(
        Experiment.searchList(Query.validation("validation_los").lt(1), { projectId: 1 })
      )
      const error = failure(exit)
      assert.strictEqual(error._tag, "UnknownColumn")
      if (error._tag === "UnknownColumn") {
        assert.strictEqual(error.column, "validation.validation_los.last")
        assert.include(error.suggestions, "validation.validation_loss.last")
      }
      const sent = yield* requests
      assert.isTrue(sent.every((r) => !r.path.includes("search")))
    })))

  it.effect("a filter the master rejects: ServerError when pushed, InvalidQuery when evaluated locally", () =>
    local(Effect.gen(function*() {
      yield* world
      const bad: Query.Field = {
        _tag: "Field",
        location: "experiment",
        column: "id",
        type: "number",
        operator: "contains",
        value: "1"
      }
      const pushed = failure(yield* Effect.exit(Experiment.searchList(bad)))
      assert.strictEqual(pushed._tag, "ServerError")
      const localError = failure(yield* Effect.exit(Experiment.searchList(bad, { pushDown: false })))
      assert.strictEqual(localError._tag, "InvalidQuery")
      assert.match(localError.message, /operator does not exist: integer ~~\* unknown/)
    })))

  it.effect("search streams with read-ahead and reports its explanation at the end", () =>
    local(Effect.gen(function*() {
      yield* world
      let explained: Explanation | undefined
      const rows = yield* Run.search(Query.all, {
        pageSize: 2,
        onExplain: (e) =>
          Effect.sync(() => {
            explained = e
          })
      }).pipe(Stream.runCollect)
      assert.strictEqual(Chunk.size(rows), 6)
      assert.strictEqual(explained!.stats!.requests, 3)
      assert.strictEqual(Exit.isSuccess(yield* Effect.exit(Effect.void)), true)
    })))
})
