/**
 * The push-down guarantee, proven by property: for random filters over random data, LocalMaster's evaluation of
 * the filter language (its compiler in src/testing/internal/search/) and the SDK's local evaluator
 * (src/resources/internal/search/evaluate.ts, written independently) agree row for row, and agree on which
 * filters the master rejects (500s for malformed filters, type mismatches, failing casts).
 */
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import fc from "fast-check"
import { FlatRunRows, SearchedExperimentRows } from "../../src/resources/internal/models/run.js"
import type { Row } from "../../src/resources/internal/search/evaluate.js"
import { localReason, matcher, Rejected } from "../../src/resources/internal/search/evaluate.js"
import type { Field, Filter, Group } from "../../src/resources/internal/search/filter.js"
import { filterToWire } from "../../src/resources/internal/search/filter.js"
import { reportMetrics } from "../../src/testing/internal/domain/reporting.js"
import { Rng } from "../../src/testing/internal/domain/rng.js"
import { seedExperiments } from "../../src/testing/internal/domain/seed.js"
import type { ExperimentState, TrialState } from "../../src/testing/internal/domain/store.js"
import { World } from "../../src/testing/internal/domain/store.js"
import { createTrial } from "../../src/testing/internal/domain/trials.js"
import type { RouteContext } from "../../src/testing/internal/router.js"
import { routes } from "../../src/testing/internal/routes/search.js"
import { registerExperiment, registerTrial, setRunMetadata } from "../../src/testing/internal/unmanaged.js"
import { Body, Query, WireError } from "../../src/testing/internal/wire.js"

const T0 = Date.UTC(2025, 2, 1)

const pick = <A>(rng: Rng, xs: ReadonlyArray<A>): A => xs[rng.int(xs.length)]!

const texts = ["mnist", "MNIST-a", "res_net", "50%", "", "a\\b", "Zeta", "alpha beta", "ü"]
const expStates: ReadonlyArray<ExperimentState> = [
  "ACTIVE",
  "PAUSED",
  "COMPLETED",
  "CANCELED",
  "ERROR",
  "STOPPING_KILLED"
]
const trialStates: ReadonlyArray<TrialState> = ["ACTIVE", "PAUSED", "COMPLETED", "CANCELED", "ERROR"]
const hpDefs = [
  { type: "const", val: 0.01 },
  { type: "const", val: "adam" },
  { type: "const", val: "0.5" },
  { type: "const", val: true },
  { type: "categorical", vals: ["a", "b", 3] },
  { type: "int", minval: 1, maxval: 8 },
  { type: "double", minval: 0.0001, maxval: 0.1 },
  { type: "log", minval: -4, maxval: -1, base: 10 }
]
const metricValues = [0.05, 0.2, 0.19999, 1, 10.5, 9.1, 100, "NaN", "Infinity", -3, 0, 1e-7, 2.5e21]

/** A world of experiments that differ in every column the filter language reads. */
const makeWorld = (seed: number): World => {
  const world = new World(
    { seed, speed: 100, users: [{ username: "admin", admin: true }, { username: "determined" }] },
    T0
  )
  const rng = new Rng(`agreement:${seed}`)
  const ids = seedExperiments(world, 24)
  world.projects.set(2, { ...world.projects.get(1)!, id: 2, name: "other", key: "OTH", archived: rng.int(2) === 0 })
  for (const id of ids) {
    const e = world.experiments.get(id)!
    const config = { ...e.config }
    config.name = `${pick(rng, texts)}-${id}`
    config.description = rng.int(4) === 0 ? null : pick(rng, texts)
    config.labels = rng.int(3) === 0 ? [] : [pick(rng, ["a", "b", "baseline", "x_y"]), pick(rng, ["a", "c"])]
    config.resources = { ...(config.resources as object), resource_pool: pick(rng, ["default", "gpu", "Default"]) }
    const hps: Record<string, unknown> = {}
    for (const name of ["lr", "opt", "layers"]) if (rng.int(3) > 0) hps[name] = pick(rng, hpDefs)
    if (rng.int(4) === 0) hps.nested = { inner: pick(rng, hpDefs) }
    config.hyperparameters = hps as never
    config.searcher = { ...(config.searcher as object), name: pick(rng, ["single", "random", "grid"]) }
    e.config = config
    e.state = pick(rng, expStates)
    e.archived = rng.int(5) === 0
    e.progress = rng.int(4) === 0 ? null : rng.int(101) / 100
    if (rng.int(3) === 0) e.projectId = 2
    ;(e as { userId: number }).userId = 1 + rng.int(2)
    if (rng.int(4) === 0) (e as { parentId: number | null }).parentId = 1 + rng.int(id)
    e.endTime = e.state === "ACTIVE" || e.state === "PAUSED" ? undefined : T0 + 1000 * (1 + rng.int(5000))
    // a few unmanaged experiments with external ids (their trials have no run_hparams rows)
    const unmanaged = rng.int(6) === 0
    if (unmanaged) {
      registerExperiment(world, e, rng.int(2) === 0 ? `ext-${id}` : undefined)
      if (rng.int(2) === 0) e.state = "RUNNING"
    }
    for (const t of world.trialsOf(e)) {
      t.state = pick(rng, trialStates)
      t.endTime = t.state === "COMPLETED" ? T0 + 1000 * rng.int(9000) : undefined
    }
    const extra = rng.int(3)
    for (let k = 0; k < extra; k++) {
      const hparams: Record<string, unknown> = { lr: pick(rng, [0.001, 0.01, 0.1]), opt: pick(rng, ["adam", "sgd"]) }
      if (rng.int(2) === 0) hparams.deep = { flag: rng.int(2) === 0, n: rng.int(5) }
      if (rng.int(5) === 0) hparams.list = [1, 2]
      const t = createTrial(world, e, hparams as never, T0 + k)
      t.state = pick(rng, trialStates)
      if (unmanaged) registerTrial(world, t, rng.int(2) === 0 ? `run-${t.id}` : undefined)
      const reports = rng.int(4)
      for (let j = 0; j < reports; j++) {
        const group = pick(rng, ["training", "validation", "inference"])
        const values: Record<string, unknown> = {}
        values[pick(rng, ["loss", "validation_loss", "accuracy"])] = pick(rng, metricValues)
        if (rng.int(6) === 0) values.note = pick(rng, ["ok", "10.5", "bad"])
        if (rng.int(4) === 0) values["a.b"] = pick(rng, metricValues)
        reportMetrics(world, t, group, values as never, (j + 1) * 100, T0 + j)
      }
      if (rng.int(2) === 0) {
        setRunMetadata(world, t, {
          team: pick(rng, ["vision", "nlp", "Vision"]),
          score: pick(rng, [1, 2.5, 10]),
          when: pick(rng, ["2025-01-02", "2025-03", "soon"]),
          tags: [pick(rng, ["a", "b"]), pick(rng, [1, 2])],
          ok: rng.int(2) === 0,
          nested: { depth: rng.int(3) }
        })
      }
    }
  }
  world.now = T0 + 10_000_000
  return world
}

const context = (world: World, body: unknown): RouteContext =>
  ({
    world,
    body: new Body(body as Record<string, unknown>),
    query: new Query(new URLSearchParams()),
    user: world.users.get(1),
    token: "t",
    int: () => 0,
    str: () => ""
  }) as unknown as RouteContext

type Outcome = { readonly ok: true; readonly ids: ReadonlyArray<number> } | {
  readonly ok: false
  readonly message: string
}

const serverSearch = (world: World, table: "experiments" | "runs", filter: string | undefined): Outcome => {
  try {
    const reply = (table === "experiments" ? routes.SearchExperiments! : routes.SearchRuns!)(
      context(world, { limit: -1, filter })
    )
    const body = (reply as { body: any }).body
    return {
      ok: true,
      ids: table === "experiments"
        ? body.experiments.map((x: any) => x.experiment.id)
        : body.runs.map((x: any) => x.id)
    }
  } catch (e) {
    if (e instanceof WireError && e.code === 13) return { ok: false, message: e.message }
    throw e
  }
}

const clientRows = (world: World, table: "experiments" | "runs"): ReadonlyArray<Row> => {
  const body =
    (routes[table === "experiments" ? "SearchExperiments" : "SearchRuns"]!(context(world, { limit: -1 })) as {
      body: any
    }).body
  return table === "experiments"
    ? Schema.decodeUnknownSync(SearchedExperimentRows)(body.experiments).map((x) => ({
      table,
      experiment: x.experiment,
      bestTrial: x.bestTrial
    }))
    : Schema.decodeUnknownSync(FlatRunRows)(body.runs).map((run) => ({ table, run }))
}

const clientSearch = (
  rows: ReadonlyArray<Row>,
  table: "experiments" | "runs",
  filter: Filter,
  now: number
): Outcome => {
  try {
    const test = matcher(filter, table, false)
    const ids: Array<number> = []
    for (const row of rows) {
      if (test(row, now)) ids.push(row.table === "experiments" ? row.experiment.id : row.run.id)
    }
    return { ok: true, ids }
  } catch (e) {
    if (e instanceof Rejected) return { ok: false, message: e.message }
    throw e
  }
}

// ---- random filters -------------------------------------------------------------------------------------------

const experimentColumns = [
  "externalExperimentId",
  "externalTrialId",
  "id",
  "name",
  "description",
  "tags",
  "searcherType",
  "searcherMetric",
  "startTime",
  "endTime",
  "duration",
  "state",
  "numTrials",
  "progress",
  "user",
  "forkedFrom",
  "resourcePool",
  "checkpointSize",
  "checkpointCount",
  "searcherMetricsVal",
  "externalExperimentId",
  "externalTrialId",
  "projectId",
  "archived",
  "nope"
]
const runColumns = [
  "id",
  "experimentId",
  "experimentName",
  "tags",
  "startTime",
  "endTime",
  "duration",
  "state",
  "experimentProgress",
  "projectId",
  "checkpointSize",
  "checkpointCount",
  "searcherMetricsVal",
  "externalRunId",
  "localId",
  "parentArchived",
  "user",
  "forkedFrom",
  "isExpMultitrial",
  "archived"
]
const metricColumns = [
  "validation.validation_loss.min",
  "validation.validation_loss.last",
  "training.loss.max",
  "training.loss.mean",
  "validation.accuracy.last",
  "inference.accuracy.min",
  "inference.a.b.last",
  "validation.note.last",
  "training.note.last",
  "validation.loss.count",
  "bogus"
]
const hpColumns = ["lr", "hp.opt", "hp.layers", "hp.nested.inner", "missing"]
const runHpColumns = ["lr", "hp.opt", "hp.deep.flag", "deep.n", "list", "missing"]
const metadataColumns = ["team", "metadata.score", "when", "tags", "ok", "nested.depth", "missing"]

const values = fc.constantFrom<Field["value"]>(
  null,
  0,
  1,
  2,
  3,
  0.01,
  0.2,
  10,
  100,
  1000,
  -1,
  true,
  false,
  "5",
  "0.2",
  "abc",
  "",
  "[]",
  "mnist",
  "MNIST",
  "a",
  "b",
  "_",
  "%",
  "adam",
  "vision",
  "COMPLETED",
  "ACTIVE",
  "QUEUED",
  "2025-03-01",
  "2025-03-01T00:30:00Z",
  "2026-01-01",
  "NaN",
  "Infinity",
  "t",
  "default",
  "10.5",
  "9"
)

const operator = fc.constantFrom<Field["operator"]>(
  "=",
  "!=",
  "<",
  "<=",
  ">",
  ">=",
  "contains",
  "notContains",
  "isEmpty",
  "notEmpty"
)
const columnType = fc.constantFrom<Field["type"]>("text", "number", "date", "array", "unspecified")

const field: fc.Arbitrary<Field> = fc.oneof(
  fc.record({ location: fc.constant("experiment" as const), column: fc.constantFrom(...experimentColumns) }),
  fc.record({ location: fc.constant("run" as const), column: fc.constantFrom(...runColumns) }),
  fc.record({
    location: fc.constantFrom("validations" as const, "training" as const, "customMetric" as const),
    column: fc.constantFrom(...metricColumns)
  }),
  fc.record({ location: fc.constant("hyperparameters" as const), column: fc.constantFrom(...hpColumns) }),
  fc.record({ location: fc.constant("runHyperparameters" as const), column: fc.constantFrom(...runHpColumns) }),
  fc.record({ location: fc.constant("runMetadata" as const), column: fc.constantFrom(...metadataColumns) })
).chain((c) =>
  fc.record({ type: columnType, operator, value: values }).map((rest): Field => ({ _tag: "Field", ...c, ...rest }))
)

const { filter } = fc.letrec<{ filter: Field | Group }>((tie) => ({
  filter: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    field,
    fc.record({
      conjunction: fc.constantFrom("and" as const, "or" as const),
      children: fc.array(tie("filter"), { maxLength: 3 })
    }).map((g): Group => ({ _tag: "Group", ...g }))
  )
}))

const allLocal = (f: Filter, table: "experiments" | "runs"): boolean =>
  f._tag === "Group"
    ? f.children.every((c) => allLocal(c, table))
    : f._tag === "Field"
    ? localReason(f, table) === undefined
    : true

describe("the SDK's local evaluator agrees with LocalMaster's filter compiler", () => {
  const worlds = [101, 202, 303].map(makeWorld)
  for (const table of ["experiments", "runs"] as const) {
    it(`row for row on ${table}`, () => {
      const rows = worlds.map((w) => clientRows(w, table))
      let errors = 0
      let matched = 0
      fc.assert(
        fc.property(filter, fc.boolean(), (f, showArchived) => {
          // clauses the snapshots cannot answer are always pushed down (the planner's rule)
          if (!allLocal(f, table)) return
          for (let i = 0; i < worlds.length; i++) {
            const world = worlds[i]!
            const server = serverSearch(world, table, filterToWire(f, showArchived))
            let client: Outcome
            try {
              const test = matcher(f, table, showArchived)
              const ids: Array<number> = []
              for (const row of rows[i]!) {
                if (test(row, world.now)) ids.push(row.table === "experiments" ? row.experiment.id : row.run.id)
              }
              client = { ok: true, ids }
            } catch (e) {
              if (!(e instanceof Rejected)) throw e
              client = { ok: false, message: e.message }
            }
            if (!server.ok) errors++
            else matched += server.ids.length
            assert.strictEqual(
              client.ok,
              server.ok,
              `${JSON.stringify(f)}: server ${JSON.stringify(server)}, client ${JSON.stringify(client)}`
            )
            if (server.ok && client.ok) assert.deepStrictEqual(client.ids, server.ids, JSON.stringify(f))
          }
        }),
        { seed: table === "experiments" ? 19 : 91, numRuns: 1000 }
      )
      // the cases exercise both outcomes
      assert.isAbove(errors, 50)
      assert.isAbove(matched, 1000)
    })
  }

  it("the unfiltered client rows are the server's rows", () => {
    const world = worlds[0]!
    const server = serverSearch(world, "experiments", undefined)
    const client = clientSearch(clientRows(world, "experiments"), "experiments", {
      _tag: "Group",
      conjunction: "and",
      children: []
    }, world.now)
    assert.isTrue(server.ok && client.ok)
  })
})
