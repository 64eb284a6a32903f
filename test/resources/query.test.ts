/**
 * The query builder's types (operators fit column types; stored states only), its plain data and printing, and
 * the planner's decisions (which clause goes where, for each endpoint).
 */
import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import { pipe } from "effect"
import { Query } from "effect-determined"

describe("Query builder types", () => {
  it("accepts operators that fit the column type", () => {
    expectTypeOf(Query.field("state").eq("COMPLETED")).toEqualTypeOf<Query.Field>()
    expectTypeOf(Query.field("state").in(["COMPLETED", "ACTIVE"])).toEqualTypeOf<Query.Filter>()
    expectTypeOf(Query.field("name").contains("mnist")).toEqualTypeOf<Query.Field>()
    expectTypeOf(Query.field("numTrials").gte(2)).toEqualTypeOf<Query.Field>()
    expectTypeOf(Query.field("startTime").gt(new Date(0))).toEqualTypeOf<Query.Field>()
    expectTypeOf(Query.field("startTime").gt("2025-05-01")).toEqualTypeOf<Query.Field>()
    expectTypeOf(Query.field("user").eq(3)).toEqualTypeOf<Query.Field>()
    expectTypeOf(Query.validation("loss").min.lt(0.2)).toEqualTypeOf<Query.Field>()
    expectTypeOf(Query.validation("loss").isEmpty()).toEqualTypeOf<Query.Field>()
    expectTypeOf(Query.hp("lr").gte(0.001)).toEqualTypeOf<Query.Field>()
    expectTypeOf(Query.hp("opt", "text").contains("ad")).toEqualTypeOf<Query.Field>()
    expectTypeOf(Query.run("state").eq("RUNNING")).toEqualTypeOf<Query.Field>()
    expectTypeOf(Query.run("parentArchived").eq(true)).toEqualTypeOf<Query.Field>()
    expectTypeOf(Query.metadata("when", "date").lt("2025-01-01")).toEqualTypeOf<Query.Field>()
  })

  it("rejects operators that do not fit", () => {
    // the @ts-expect-error lines are checked by the type-checker (npm test runs it) and never run
    const typeOnly = () => {
      // enums compare for equality only, with stored values
      expectTypeOf(Query.field("state")).not.toHaveProperty("lt")
      expectTypeOf(Query.field("state")).not.toHaveProperty("contains")
      expectTypeOf(Query.field("state").eq).parameter(0).not.toEqualTypeOf<string>()
      // @ts-expect-error QUEUED is a derived state, never stored: the master answers 500
      Query.field("state").eq("QUEUED")
      // @ts-expect-error DELETING is an experiment state, not a run state
      Query.run("state").eq("DELETING")
      // numbers have no substring test (the master answers 500) and no emptiness test on experiment columns
      expectTypeOf(Query.field("id")).not.toHaveProperty("contains")
      expectTypeOf(Query.field("forkedFrom")).not.toHaveProperty("isEmpty")
      // @ts-expect-error a text column compared with a number is a 500 (text = numeric)
      Query.field("name").eq(5)
      // dates compare only before / after
      expectTypeOf(Query.field("endTime")).not.toHaveProperty("contains")
      expectTypeOf(Query.field("endTime")).not.toHaveProperty("eq")
      // @ts-expect-error projectId is ambiguous on the master (500); archived is not filterable
      Query.field("projectId")
      // @ts-expect-error use Query.includeArchived
      Query.field("archived")
      // tags are JSON text: no equality (it never matches a labelled experiment), use contains or hasLabels
      expectTypeOf(Query.field("tags")).not.toHaveProperty("eq")
      // @ts-expect-error isExpMultitrial is a syntax error on the master
      Query.run("isExpMultitrial")
      // numeric metrics have no contains (double precision ~~ unknown)
      expectTypeOf(Query.validation("loss").min).not.toHaveProperty("contains")
      // @ts-expect-error user is an id, not a username
      Query.field("user").eq("alice")
    }
    assert.isFunction(typeOnly)
  })
})

describe("Query values are plain data", () => {
  it("compose, compare and print", () => {
    const q = pipe(
      Query.where(
        Query.field("state").in(["COMPLETED"]),
        Query.or(Query.validation("validation_loss").lt(0.2), Query.hp("learning_rate").gte(0.001))
      ),
      Query.sortBy(Query.asc(Query.validation("validation_loss").min)),
      Query.limit(5)
    )
    assert.deepStrictEqual(
      q,
      pipe(
        Query.where(
          Query.field("state").in(["COMPLETED"]),
          Query.or(Query.validation("validation_loss").lt(0.2), Query.hp("learning_rate").gte(0.001))
        ),
        Query.sortBy(Query.asc(Query.validation("validation_loss").min)),
        Query.limit(5)
      )
    )
    assert.strictEqual(
      Query.format(q),
      "state = \"COMPLETED\" AND (validation.validation_loss.last < 0.2 OR hp.learning_rate >= 0.001) | sort validation.validation_loss.min asc | limit 5"
    )
    assert.deepStrictEqual(JSON.parse(JSON.stringify(q)), q)
    assert.deepStrictEqual(JSON.parse(Query.toFilterJson(Query.field("name").contains("mnist"))), {
      filterGroup: {
        kind: "field",
        columnName: "name",
        location: "LOCATION_TYPE_EXPERIMENT",
        operator: "contains",
        type: "COLUMN_TYPE_TEXT",
        value: "mnist"
      },
      showArchived: false
    })
  })
})

describe("the planner", () => {
  const lines = (e: Query.Explanation) => e.clauses.map((c) => `${c.where}: ${c.clause}`)

  it("pushes every clause of the filter language to SearchExperiments", () => {
    const e = Query.explain(
      Query.where(
        Query.field("name").contains("mnist"),
        Query.or(Query.run("state").eq("COMPLETED"), Query.metadata("team", "text").eq("vision"))
      )
    )
    assert.strictEqual(e.endpoint, "SearchExperiments")
    assert.deepStrictEqual(lines(e), [
      "master: name contains \"mnist\"",
      "master: run.state = \"COMPLETED\" OR metadata.team:text = \"vision\"",
      "master: not archived"
    ])
    assert.isUndefined(e.limit)
  })

  it("keeps SDK-only clauses local, splitting top-level and, keeping a mixed or whole", () => {
    const e = Query.explain(
      pipe(
        Query.where(
          Query.field("numTrials").gt(1),
          Query.hasLabels("a", "b"),
          Query.or(Query.hasLabels("c"), Query.field("name").eq("x"))
        ),
        Query.limit(10)
      )
    )
    assert.deepStrictEqual(lines(e), [
      "master: numTrials > 1",
      "local: labels has all [\"a\",\"b\"]",
      "master: tags contains \"\\\"a\\\"\"",
      "master: tags contains \"\\\"b\\\"\"",
      "local: labels has all [\"c\"] OR name = \"x\"",
      "master: not archived"
    ])
    assert.strictEqual(e.limit!.where, "local")
  })

  it("sorts metric keys locally and then applies the limit locally; plain keys go to the master", () => {
    const byMetric = Query.explain(
      pipe(Query.all, Query.sortBy(Query.asc(Query.validation("loss").min)), Query.limit(3)),
      { table: "runs" }
    )
    assert.strictEqual(byMetric.endpoint, "SearchRuns")
    assert.strictEqual(byMetric.sort[0]!.where, "local")
    assert.strictEqual(byMetric.limit!.where, "local")
    assert.strictEqual(byMetric.request.sort, "validation.loss.min=asc")
    const byId = Query.explain(pipe(Query.all, Query.sortBy(Query.desc(Query.field("id"))), Query.limit(3)))
    assert.strictEqual(byId.sort[0]!.where, "master")
    assert.strictEqual(byId.limit!.where, "master")
  })

  it("translates what GetExperiments can express exactly, and refuses what list rows cannot answer", () => {
    const e = Query.explain(
      Query.where(
        Query.field("name").contains("res_net"),
        Query.field("description").contains("big"),
        Query.field("user").in([1, 2]),
        Query.field("id").lt(100),
        Query.hasLabels("x")
      ),
      { table: "experiments", via: "list", projectId: 3 }
    )
    assert.strictEqual(e.endpoint, "GetExperiments")
    assert.deepStrictEqual(lines(e), [
      "local: name contains \"res_net\"",
      "master: description contains \"big\"",
      "master: user = 1 OR user = 2",
      "master: id < 100",
      "master: labels has all [\"x\"]",
      "master: not archived"
    ])
    assert.deepStrictEqual(e.request, {
      showTrialData: true,
      projectId: 3,
      description: "big",
      userIds: [1, 2],
      "experimentIdFilter.lt": 100,
      labels: ["x"],
      archived: false
    })
    assert.throws(
      () => Query.explain(Query.validation("loss").lt(1), { table: "experiments", via: "list" }),
      /need the best trial/
    )
  })

  it("formats an explanation one clause per line", () => {
    const text = Query.formatExplanation(Query.explain(Query.field("name").contains("mnist")))
    assert.strictEqual(
      text.split("\n")[0],
      "SearchExperiments (experiments)"
    )
    assert.include(text, "master  name contains \"mnist\"  -- SearchExperiments filter")
  })
})
