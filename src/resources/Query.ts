/**
 * Queries in the master's filter language (the one its web UI uses for the experiments and runs tables), as
 * typed, plain data: build them from columns, combine them with `and` / `or`, sort and limit them, print them,
 * and ask the planner what runs where (`explain`). `Experiment.search` and `Run.search` run them; docs/QUERIES.md
 * describes the columns, the operators and the push-down rules.
 *
 * Operators are typed by column: a state takes `eq` / `in` with stored state names, a number takes comparisons,
 * a date takes `lt`/`gt`, a text column takes `contains` (case-insensitive, `%`/`_` wildcards, as the master
 * does). Metric names and run-metadata keys are only known to the master: searches check them against the
 * project's columns and fail with `UnknownColumn` before sending anything.
 *
 * @since 0.1.0
 */
import { dual } from "effect/Function"
import type {
  ColumnType,
  Field,
  Filter,
  Group,
  HasLabels,
  Location,
  Query,
  SortKey,
  Value
} from "./internal/search/filter.js"
import { filterText, filterToWire, sortText } from "./internal/search/filter.js"
import type { Explanation, PlanOptions } from "./internal/search/plan.js"
import { formatExplanation as formatPlan, plan } from "./internal/search/plan.js"

export type {
  /**
   * The declared type of a column (`v1ColumnType`): it decides how the master compares metric, hyperparameter
   * and metadata values.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Query } from "effect-determined"
   *
   * const type: Query.ColumnType = Query.hp("optimizer", "text").type // "text"
   */
  ColumnType,
  /**
   * One condition on one column, as plain data.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Query } from "effect-determined"
   *
   * const completed: Query.Field = Query.field("state").eq("COMPLETED")
   * // { _tag: "Field", location: "experiment", column: "state", type: "text", operator: "=", value: "COMPLETED" }
   */
  Field,
  /**
   * A filter: fields, groups, and SDK-only conditions (`hasLabels`).
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Query } from "effect-determined"
   *
   * const goodRuns: Query.Filter = Query.and(
   *   Query.field("state").eq("COMPLETED"),
   *   Query.validation("validation_loss").min.lt(0.2)
   * )
   */
  Filter,
  /**
   * Conditions joined with `and` / `or`. An empty group is true.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Query } from "effect-determined"
   *
   * const either: Query.Group = Query.or(Query.field("name").contains("mnist"), Query.field("name").contains("cifar"))
   */
  Group,
  /**
   * A condition only the SDK evaluates: the experiment carries every one of these labels.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Query } from "effect-determined"
   *
   * const baseline: Query.HasLabels = Query.hasLabels("baseline", "v2")
   */
  HasLabels,
  /**
   * Where a column lives (`v1LocationType` without its prefix, camelCased).
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Query } from "effect-determined"
   *
   * const where: Query.Location = Query.validation("validation_loss").location // "validations"
   */
  Location,
  /**
   * The ten operators of the filter language.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Query } from "effect-determined"
   *
   * const operator: Query.Operator = Query.field("numTrials").gte(4).operator // ">="
   */
  Operator,
  /**
   * A whole query: a filter, sort keys, a limit and the archive rule. Plain data: build it with the `Query`
   * functions, compare it, print it, store it.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { pipe } from "effect"
   * import { Query } from "effect-determined"
   *
   * const best: Query.Query = pipe(
   *   Query.where(Query.field("state").eq("COMPLETED")),
   *   Query.sortBy(Query.asc(Query.validation("validation_loss").min)),
   *   Query.limit(10)
   * )
   */
  Query,
  /**
   * A sort key: a column and a direction. Metric columns sort by number (the SDK sorts them itself).
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Query } from "effect-determined"
   *
   * const newestFirst: Query.SortKey = Query.desc(Query.field("startTime"))
   */
  SortKey,
  /**
   * A filter value as the master receives it.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Query } from "effect-determined"
   *
   * const value: Query.Value = Query.field("numTrials").eq(8).value // 8
   */
  Value
} from "./internal/search/filter.js"

export {
  /**
   * A query that cannot run as asked: a malformed filter the master would answer with a 500, or a combination
   * the chosen endpoint cannot answer (`reason` says which).
   *
   * @since 0.1.0
   * @category errors
   * @example
   * import { Effect, Stream } from "effect"
   * import { Experiment, Query } from "effect-determined"
   *
   * const names = Experiment.search(Query.field("name").contains("mnist")).pipe(
   *   Stream.map((experiment) => experiment.name),
   *   Stream.runCollect,
   *   Effect.catchTag("InvalidQuery", (e) => Effect.as(Effect.logWarning(`${e.reason}: ${e.message}`), []))
   * )
   */
  InvalidQuery,
  /**
   * A metric name or run-metadata key that the project's columns do not list: nothing was sent. `suggestions`
   * are the project's columns with the closest names.
   *
   * @since 0.1.0
   * @category errors
   * @example
   * import { Effect } from "effect"
   * import { Experiment, Query } from "effect-determined"
   *
   * const result = Experiment.searchList(Query.validation("val_loss").lt(0.2), { projectId: 1 }).pipe(
   *   Effect.catchTag("UnknownColumn", (e) =>
   *     Effect.fail(`no column ${e.column}; did you mean ${e.suggestions.join(" or ")}?`))
   * )
   */
  UnknownColumn
} from "./internal/search/errors.js"

export type {
  /**
   * One clause of an explanation: its text, where it runs (`master` or `local`) and why.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Query } from "effect-determined"
   *
   * const local: ReadonlyArray<Query.Clause> = Query.explain(Query.hasLabels("baseline")).clauses.filter(
   *   (clause) => clause.where === "local"
   * )
   */
  Clause,
  /**
   * The explanation of a query: the endpoint, each clause and sort key with where it runs, the limit, and what
   * is sent. After a run, `stats` says how many rows the local part had to read.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Query } from "effect-determined"
   *
   * const explanation: Query.Explanation = Query.explain(Query.field("name").contains("mnist"), { table: "runs" })
   * const endpoint = explanation.endpoint // "SearchRuns"
   */
  Explanation,
  /**
   * How many rows the SDK read and kept, once the query has run.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Experiment, Query } from "effect-determined"
   *
   * const stats = Experiment.searchList(Query.hasLabels("baseline")).pipe(
   *   Effect.map((result): Query.Stats | undefined => result.explanation.stats)
   * )
   */
  Stats
} from "./internal/search/plan.js"

export type {
  /**
   * What a search can fail with: the HTTP errors, `DecodeError`, `UnknownColumn` and `InvalidQuery`.
   *
   * @since 0.1.0
   * @category errors
   * @example
   * import { Effect, Stream } from "effect"
   * import { Query, Run } from "effect-determined"
   *
   * const failedRuns = Run.search(Query.run("state").eq("ERROR")).pipe(
   *   Stream.runCollect,
   *   Effect.catchAll((error: Query.SearchError) => Effect.as(Effect.logError(error.message), []))
   * )
   */
  SearchError,
  /**
   * Options of a search: the project, the endpoint (`via`), push-down, page size, read-ahead, the column check
   * and a callback with the explanation.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Experiment, Query } from "effect-determined"
   *
   * const options: Query.SearchOptions = {
   *   projectId: 1,
   *   pageSize: 50,
   *   onExplain: (explanation) => Effect.log(Query.formatExplanation(explanation))
   * }
   * const experiments = Experiment.search(Query.field("state").eq("COMPLETED"), options)
   */
  SearchOptions,
  /**
   * The rows of a query, collected, with the explanation and its counts.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Query, Run } from "effect-determined"
   *
   * const ids = Run.list(Query.run("state").eq("COMPLETED")).pipe(
   *   Effect.map((result: Query.SearchResult<Run.FlatRun>) => result.items.map((run) => run.id))
   * )
   */
  SearchResult
} from "./internal/search/run.js"

/**
 * Experiment states as the database stores them (what filters compare with): an experiment shown as QUEUED,
 * PULLING, STARTING or RUNNING is stored `ACTIVE`; `RUNNING` is stored only by unmanaged experiments.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Query } from "effect-determined"
 *
 * const ended: ReadonlyArray<Query.StoredExperimentState> = ["COMPLETED", "CANCELED", "ERROR"]
 * const finished = Query.field("state").in(ended)
 */
export type StoredExperimentState =
  | "ACTIVE"
  | "PAUSED"
  | "STOPPING_CANCELED"
  | "STOPPING_KILLED"
  | "STOPPING_COMPLETED"
  | "STOPPING_ERROR"
  | "DELETING"
  | "CANCELED"
  | "COMPLETED"
  | "ERROR"
  | "DELETE_FAILED"
  | "RUNNING"

/**
 * Run (trial) states as stored.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Query } from "effect-determined"
 *
 * const state: Query.StoredRunState = "ERROR"
 * const failedRuns = Query.run("state").eq(state)
 */
export type StoredRunState =
  | "ACTIVE"
  | "PAUSED"
  | "STOPPING_CANCELED"
  | "STOPPING_KILLED"
  | "STOPPING_COMPLETED"
  | "STOPPING_ERROR"
  | "CANCELED"
  | "COMPLETED"
  | "ERROR"
  | "RUNNING"

// ---------------------------------------------------------------------------------------------------------------
// columns

const makeField = (
  location: Location,
  column: string,
  type: ColumnType,
  operator: Field["operator"],
  value: Value
): Field => ({
  _tag: "Field",
  location,
  column,
  type,
  operator,
  value
})

/**
 * What every column is: where it lives, its name and declared type. Columns are also sort keys
 * (`Query.asc(column)`).
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const column: Query.Column = Query.validation("accuracy").max
 * const byBestAccuracy = Query.desc(column)
 */
export class Column {
  constructor(
    readonly location: Location,
    readonly column: string,
    readonly type: ColumnType
  ) {}
  /** @internal */
  protected f(operator: Field["operator"], value: Value): Field {
    return makeField(this.location, this.column, this.type, operator, value)
  }
}

/**
 * A column compared for equality with values of type `V`.
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const owner: Query.EqColumn<number> = Query.field("user")
 * const mine = owner.eq(3)
 */
export class EqColumn<V extends string | number> extends Column {
  /**
   * Equal to the value.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const completed = Query.field("state").eq("COMPLETED")
   */
  eq(value: V): Field {
    return this.f("=", value)
  }
  /**
   * Not equal to the value.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const notCanceled = Query.field("state").ne("CANCELED")
   */
  ne(value: V): Field {
    return this.f("!=", value)
  }
  /**
   * Any of the values (an `or` of `eq`).
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const ended = Query.field("state").in(["COMPLETED", "CANCELED", "ERROR"])
   */
  in(values: ReadonlyArray<V>): Filter {
    return or(...values.map((v) => this.eq(v)))
  }
  /**
   * None of the values (an `and` of `ne`).
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const notFromThese = Query.field("id").notIn([1, 2, 3])
   */
  notIn(values: ReadonlyArray<V>): Filter {
    return and(...values.map((v) => this.ne(v)))
  }
}

/**
 * A text column: equality, substring (`contains` is case-insensitive on experiment and run columns and
 * case-sensitive on metrics, hyperparameters and metadata, with `%` and `_` as wildcards) and emptiness.
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const name: Query.TextColumn = Query.field("name")
 * const mnist = name.contains("mnist")
 */
export class TextColumn extends EqColumn<string> {
  /**
   * Contains the text (`%` and `_` are wildcards).
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const mnist = Query.field("name").contains("mnist")
   */
  contains(value: string): Field {
    return this.f("contains", value)
  }
  /**
   * Does not contain the text.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const notDebug = Query.field("description").notContains("debug")
   */
  notContains(value: string): Field {
    return this.f("notContains", value)
  }
  /**
   * NULL, `""` or `[]`.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const undescribed = Query.field("description").isEmpty()
   */
  isEmpty(): Field {
    return this.f("isEmpty", null)
  }
  /**
   * Not NULL, `""` or `[]`.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const external = Query.field("externalExperimentId").notEmpty()
   */
  notEmpty(): Field {
    return this.f("notEmpty", null)
  }
}

/**
 * A numeric column: comparisons. NULL never compares (use {@link NullableNumberColumn.isEmpty} where it exists).
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const trials: Query.NumberColumn = Query.field("numTrials")
 * const big = trials.gte(16)
 */
export class NumberColumn extends EqColumn<number> {
  /**
   * Less than the value.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const good = Query.validation("validation_loss").min.lt(0.2)
   */
  lt(value: number): Field {
    return this.f("<", value)
  }
  /**
   * Less than or equal to the value.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const short = Query.field("duration").lte(3600)
   */
  lte(value: number): Field {
    return this.f("<=", value)
  }
  /**
   * Greater than the value.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const accurate = Query.validation("accuracy").max.gt(0.95)
   */
  gt(value: number): Field {
    return this.f(">", value)
  }
  /**
   * Greater than or equal to the value.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const halfway = Query.field("progress").gte(50)
   */
  gte(value: number): Field {
    return this.f(">=", value)
  }
  /**
   * `min <= x <= max`.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const midSized = Query.field("numTrials").between(4, 16)
   */
  between(min: number, max: number): Filter {
    return and(this.gte(min), this.lte(max))
  }
}

/**
 * A numeric column that can be absent (metrics, hyperparameters, metadata): comparisons and emptiness.
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const learningRate: Query.NullableNumberColumn = Query.hp("learning_rate")
 * const small = learningRate.lte(0.01)
 */
export class NullableNumberColumn extends NumberColumn {
  /**
   * The value is absent.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const neverValidated = Query.validation("validation_loss").isEmpty()
   */
  isEmpty(): Field {
    return this.f("isEmpty", null)
  }
  /**
   * The value is present.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const tuned = Query.hp("dropout").notEmpty()
   */
  notEmpty(): Field {
    return this.f("notEmpty", null)
  }
}

const dateValue = (d: Date | string): string => (typeof d === "string" ? d : d.toISOString())

/**
 * A timestamp column: before / after (a `Date`, or text Postgres can read, e.g. `"2025-05-01"`).
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const started: Query.DateColumn = Query.field("startTime")
 * const thisYear = started.gte("2026-01-01")
 */
export class DateColumn extends Column {
  /**
   * Before the time.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const old = Query.field("startTime").lt("2025-01-01")
   */
  lt(value: Date | string): Field {
    return this.f("<", dateValue(value))
  }
  /**
   * At or before the time.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const endedBy = Query.field("endTime").lte(new Date("2026-06-30T00:00:00Z"))
   */
  lte(value: Date | string): Field {
    return this.f("<=", dateValue(value))
  }
  /**
   * After the time.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const recent = Query.field("startTime").gt("2026-11-01")
   */
  gt(value: Date | string): Field {
    return this.f(">", dateValue(value))
  }
  /**
   * At or after the time.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const since = Query.field("startTime").gte(new Date("2026-01-01T00:00:00Z"))
   */
  gte(value: Date | string): Field {
    return this.f(">=", dateValue(value))
  }
}

/**
 * An enumerated column (`state`): equality with the stored values only.
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const state: Query.EnumColumn<Query.StoredExperimentState> = Query.field("state")
 * const active = state.eq("ACTIVE")
 */
export class EnumColumn<S extends string> extends EqColumn<S> {}

/**
 * A column of ids (`user`: the owner's user id, not the username): equality.
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const owner: Query.IdColumn = Query.field("user")
 * const byAlice = owner.eq(2)
 */
export class IdColumn extends EqColumn<number> {}

/**
 * A boolean column (`parentArchived`).
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const parentArchived: Query.BooleanColumn = Query.run("parentArchived")
 */
export class BooleanColumn extends Column {
  /**
   * Equal to the value.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const live = Query.run("parentArchived").eq(false)
   */
  eq(value: boolean): Field {
    return this.f("=", value)
  }
}

/**
 * The tags (labels) column. The master tests substrings of the labels' JSON text (`["a", "b"]`); for an exact
 * "has these labels" use {@link hasLabels}, which the SDK evaluates.
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const tags: Query.TagsColumn = Query.field("tags")
 * const someBaseline = tags.contains("baseline")
 */
export class TagsColumn extends Column {
  /**
   * The labels' JSON text contains the text.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const vision = Query.field("tags").contains("vision")
   */
  contains(value: string): Field {
    return this.f("contains", value)
  }
  /**
   * The labels' JSON text does not contain the text.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const notScratch = Query.field("tags").notContains("scratch")
   */
  notContains(value: string): Field {
    return this.f("notContains", value)
  }
  /**
   * No labels.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const unlabelled = Query.field("tags").isEmpty()
   */
  isEmpty(): Field {
    return this.f("isEmpty", null)
  }
  /**
   * At least one label.
   *
   * @since 0.1.0
   * @category filters
   * @example
   * import { Query } from "effect-determined"
   *
   * const labelled = Query.field("tags").notEmpty()
   */
  notEmpty(): Field {
    return this.f("notEmpty", null)
  }
}

/**
 * A summary metric of a trial: `last` by default, or `.min`, `.max`, `.mean`, `.last` (compared as numbers),
 * or `.text` (the latest value compared as text, for string metrics).
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const loss: Query.MetricColumn = Query.validation("validation_loss")
 * const converged = Query.and(loss.min.lt(0.1), loss.last.lt(0.12))
 */
export class MetricColumn extends NullableNumberColumn {
  constructor(location: Location, private readonly group: string, readonly metric: string) {
    super(location, `${group}.${metric}.last`, "number")
  }
  /** @internal */
  private agg(a: "min" | "max" | "mean" | "last") {
    return new NullableNumberColumn(this.location, `${this.group}.${this.metric}.${a}`, "number")
  }
  get min(): NullableNumberColumn {
    return this.agg("min")
  }
  get max(): NullableNumberColumn {
    return this.agg("max")
  }
  get mean(): NullableNumberColumn {
    return this.agg("mean")
  }
  get last(): NullableNumberColumn {
    return this.agg("last")
  }
  /** The latest value as text (`LIKE`, case-sensitive). */
  get text(): TextColumn {
    return new TextColumn(this.location, `${this.group}.${this.metric}.last`, "text")
  }
}

/**
 * The columns of an experiment, by name (`LOCATION_TYPE_EXPERIMENT`).
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const column = <K extends keyof Query.ExperimentColumns>(name: K): Query.ExperimentColumns[K] => Query.field(name)
 * const long = column("duration").gt(3600)
 */
export interface ExperimentColumns {
  readonly id: NumberColumn
  readonly name: TextColumn
  readonly description: TextColumn
  readonly tags: TagsColumn
  readonly searcherType: TextColumn
  readonly searcherMetric: TextColumn
  readonly startTime: DateColumn
  readonly endTime: DateColumn
  /** seconds, fractional */
  readonly duration: NumberColumn
  readonly state: EnumColumn<StoredExperimentState>
  readonly numTrials: NumberColumn
  /** percent, 0 to 100 */
  readonly progress: NumberColumn
  readonly user: IdColumn
  readonly forkedFrom: NumberColumn
  readonly resourcePool: TextColumn
  readonly checkpointSize: NumberColumn
  readonly checkpointCount: NumberColumn
  /** the best searcher metric value among the experiment's trials */
  readonly searcherMetricsVal: NumberColumn
  readonly externalExperimentId: TextColumn
  readonly externalTrialId: TextColumn
}

/**
 * The columns of a run, by name (`LOCATION_TYPE_RUN`); in an experiment search they describe its best trial.
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const projectOf: Query.RunColumns["projectId"] = Query.run("projectId")
 * const inProject = projectOf.eq(1)
 */
export interface RunColumns {
  readonly id: NumberColumn
  readonly experimentId: NumberColumn
  readonly experimentName: TextColumn
  readonly experimentDescription: TextColumn
  readonly tags: TagsColumn
  readonly searcherType: TextColumn
  readonly searcherMetric: TextColumn
  readonly startTime: DateColumn
  readonly endTime: DateColumn
  readonly duration: NumberColumn
  readonly state: EnumColumn<StoredRunState>
  /** percent, 0 to 100 */
  readonly experimentProgress: NumberColumn
  readonly projectId: NumberColumn
  readonly user: IdColumn
  readonly forkedFrom: NumberColumn
  readonly resourcePool: TextColumn
  readonly checkpointSize: NumberColumn
  readonly checkpointCount: NumberColumn
  readonly searcherMetricsVal: NumberColumn
  readonly externalExperimentId: TextColumn
  readonly externalRunId: TextColumn
  /** `<project key>-<n>` */
  readonly localId: TextColumn
  readonly parentArchived: BooleanColumn
}

const kinds = {
  id: NumberColumn,
  name: TextColumn,
  description: TextColumn,
  tags: TagsColumn,
  searcherType: TextColumn,
  searcherMetric: TextColumn,
  startTime: DateColumn,
  endTime: DateColumn,
  duration: NumberColumn,
  state: EnumColumn,
  numTrials: NumberColumn,
  progress: NumberColumn,
  user: IdColumn,
  forkedFrom: NumberColumn,
  resourcePool: TextColumn,
  checkpointSize: NumberColumn,
  checkpointCount: NumberColumn,
  searcherMetricsVal: NumberColumn,
  externalExperimentId: TextColumn,
  externalTrialId: TextColumn,
  experimentId: NumberColumn,
  experimentName: TextColumn,
  experimentDescription: TextColumn,
  experimentProgress: NumberColumn,
  projectId: NumberColumn,
  externalRunId: TextColumn,
  localId: TextColumn,
  parentArchived: BooleanColumn
} as const

const typeOf = (c: (typeof kinds)[keyof typeof kinds]): ColumnType =>
  c === NumberColumn ? "number" : c === DateColumn ? "date" : c === BooleanColumn ? "unspecified" : "text"

/**
 * An experiment column.
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const done = Query.field("state").in(["COMPLETED", "CANCELED"])
 * const mnist = Query.field("name").contains("mnist")
 */
export const field = <K extends keyof ExperimentColumns>(name: K): ExperimentColumns[K] => {
  const C = kinds[name]
  return new C("experiment", name, typeOf(C)) as ExperimentColumns[K]
}

/**
 * A run column (in an experiment search: its best trial's).
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const finished = Query.run("state").eq("COMPLETED")
 */
export const run = <K extends keyof RunColumns>(name: K): RunColumns[K] => {
  const C = kinds[name]
  return new C("run", name, typeOf(C)) as RunColumns[K]
}

/**
 * A validation metric (`validation.<name>.<aggregate>`).
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const good = Query.validation("validation_loss").min.lt(0.2)
 */
export const validation = (metric: string): MetricColumn => new MetricColumn("validations", "validation", metric)

/**
 * A training metric (`training.<name>.<aggregate>`).
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const short = Query.training("batches").max.lte(1000)
 */
export const training = (metric: string): MetricColumn => new MetricColumn("training", "training", metric)

/**
 * A metric of a custom group (`<group>.<name>.<aggregate>`; the group cannot contain a `.`).
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const fast = Query.metric("inference", "latency_ms").max.lt(20)
 */
export const metric = (group: string, name: string): MetricColumn => new MetricColumn("customMetric", group, name)

/**
 * A hyperparameter of the experiment's config: its *definition* (a const `val`; the `minval`/`maxval` of an
 * int, double or log range; the `vals` of a categorical), not a trial's sample (see {@link sampledHp}).
 * `"number"` (default) compares values and ranges; `"text"` compares a string const and tests categorical
 * values with `contains`.
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const small = Query.hp("learning_rate").lte(0.01)
 * const adam = Query.hp("optimizer", "text").eq("adam")
 */
export function hp(name: string): NullableNumberColumn
export function hp(name: string, type: "text"): TextColumn
export function hp(name: string, type: "number" | "text" = "number"): NullableNumberColumn | TextColumn {
  return type === "text"
    ? new TextColumn("hyperparameters", name, "text")
    : new NullableNumberColumn("hyperparameters", name, "number")
}

/**
 * A run's sampled hyperparameter value (nested names joined with `.`). `"boolean"` compares boolean values.
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const lr = Query.sampledHp("learning_rate").gte(0.001)
 */
export function sampledHp(name: string): NullableNumberColumn
export function sampledHp(name: string, type: "text"): TextColumn
export function sampledHp(name: string, type: "boolean"): BooleanColumn
export function sampledHp(
  name: string,
  type: "number" | "text" | "boolean" = "number"
): NullableNumberColumn | TextColumn | BooleanColumn {
  return type === "text"
    ? new TextColumn("runHyperparameters", name, "text")
    : type === "boolean"
    ? new BooleanColumn("runHyperparameters", name, "unspecified")
    : new NullableNumberColumn("runHyperparameters", name, "number")
}

/**
 * A key of the run metadata posted with PostRunMetadata (nested keys joined with `.`; an array matches when any
 * element does).
 *
 * @since 0.1.0
 * @category columns
 * @example
 * import { Query } from "effect-determined"
 *
 * const vision = Query.metadata("team", "text").eq("vision")
 */
export function metadata(key: string): NullableNumberColumn
export function metadata(key: string, type: "text"): TextColumn
export function metadata(key: string, type: "date"): DateColumn
export function metadata(key: string, type: "boolean"): BooleanColumn
export function metadata(
  key: string,
  type: "number" | "text" | "date" | "boolean" = "number"
): NullableNumberColumn | TextColumn | DateColumn | BooleanColumn {
  return type === "text"
    ? new TextColumn("runMetadata", key, "text")
    : type === "date"
    ? new DateColumn("runMetadata", key, "date")
    : type === "boolean"
    ? new BooleanColumn("runMetadata", key, "unspecified")
    : new NullableNumberColumn("runMetadata", key, "number")
}

// ---------------------------------------------------------------------------------------------------------------
// combining

/**
 * All of the conditions.
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * import { Query } from "effect-determined"
 *
 * const f = Query.and(Query.field("state").eq("COMPLETED"), Query.validation("validation_loss").lt(0.2))
 */
export const and = (...filters: ReadonlyArray<Filter>): Group => ({
  _tag: "Group",
  conjunction: "and",
  children: filters
})

/**
 * Any of the conditions.
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * import { Query } from "effect-determined"
 *
 * const f = Query.or(Query.field("name").contains("mnist"), Query.field("name").contains("cifar"))
 */
export const or = (...filters: ReadonlyArray<Filter>): Group => ({
  _tag: "Group",
  conjunction: "or",
  children: filters
})

/**
 * The experiment (or the run's experiment) carries every one of these labels, exactly. Evaluated by the SDK;
 * the master narrows the rows first with a substring test on the labels.
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * import { Query } from "effect-determined"
 *
 * const baseline = Query.hasLabels("baseline")
 */
export const hasLabels = (...labels: ReadonlyArray<string>): HasLabels => ({ _tag: "HasLabels", labels })

/**
 * A query with a filter, nothing sorted, no limit, archived rows left out.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Query } from "effect-determined"
 *
 * const q = Query.where(Query.field("state").eq("COMPLETED"))
 */
export const where = (...filters: ReadonlyArray<Filter>): Query => ({
  _tag: "Query",
  filter: filters.length === 0 ? undefined : filters.length === 1 ? filters[0] : and(...filters),
  sort: [],
  limit: undefined,
  showArchived: false
})

/**
 * Every row (archived rows left out).
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Experiment, Query } from "effect-determined"
 *
 * const everything = Experiment.search(Query.all)
 */
export const all: Query = where()

/**
 * A query from a filter or a query.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Query } from "effect-determined"
 *
 * const q = Query.make(Query.field("name").contains("mnist"))
 */
export const make = (q: Query | Filter): Query => (q._tag === "Query" ? q : where(q))

/**
 * An ascending sort key.
 *
 * @since 0.1.0
 * @category sorting
 * @example
 * import { Query } from "effect-determined"
 *
 * const byLoss = Query.asc(Query.validation("validation_loss").min)
 */
export const asc = (column: Column): SortKey => ({ location: column.location, column: column.column, direction: "asc" })

/**
 * A descending sort key.
 *
 * @since 0.1.0
 * @category sorting
 * @example
 * import { Query } from "effect-determined"
 *
 * const newest = Query.desc(Query.field("startTime"))
 */
export const desc = (column: Column): SortKey => ({
  location: column.location,
  column: column.column,
  direction: "desc"
})

/**
 * Sort by these keys (NULLs last in both directions, then by id).
 *
 * @since 0.1.0
 * @category sorting
 * @example
 * import { pipe } from "effect"
 * import { Query } from "effect-determined"
 *
 * const q = pipe(Query.all, Query.sortBy(Query.asc(Query.validation("validation_loss").min)))
 */
export const sortBy: {
  (...keys: ReadonlyArray<SortKey>): (q: Query | Filter) => Query
} = (...keys) => (q) => ({ ...make(q), sort: [...make(q).sort, ...keys] })

/**
 * At most `n` rows.
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * import { pipe } from "effect"
 * import { Query } from "effect-determined"
 *
 * const top5 = pipe(Query.all, Query.sortBy(Query.desc(Query.field("id"))), Query.limit(5))
 */
export const limit: {
  (n: number): (q: Query | Filter) => Query
  (q: Query | Filter, n: number): Query
} = dual(2, (q: Query | Filter, n: number): Query => ({ ...make(q), limit: n }))

/**
 * Include archived rows (the default leaves them out).
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * import { Query } from "effect-determined"
 *
 * const everyMnist = Query.includeArchived(Query.field("name").contains("mnist"))
 */
export const includeArchived = (q: Query | Filter): Query => ({ ...make(q), showArchived: true })

// ---------------------------------------------------------------------------------------------------------------
// printing and explaining

/**
 * The query as text, e.g. `state = "COMPLETED" AND validation.validation_loss.min < 0.2 | sort ... | limit 5`.
 *
 * @since 0.1.0
 * @category printing
 * @example
 * import { Query } from "effect-determined"
 *
 * const text = Query.format(Query.field("state").eq("COMPLETED")) // state = "COMPLETED"
 */
export const format = (q: Query | Filter): string => {
  const query = make(q)
  const parts = [query.filter === undefined ? "TRUE" : filterText(query.filter)]
  if (query.sort.length > 0) parts.push(`sort ${query.sort.map(sortText).join(", ")}`)
  if (query.limit !== undefined) parts.push(`limit ${query.limit}`)
  if (query.showArchived) parts.push("including archived")
  return parts.join(" | ")
}

/**
 * The `filter` string the master receives (SearchExperiments / SearchRuns), for this filter alone.
 *
 * @since 0.1.0
 * @category printing
 * @example
 * import { Query } from "effect-determined"
 *
 * const filter = Query.toFilterJson(Query.validation("validation_loss").min.lt(0.2))
 */
export const toFilterJson = (q: Query | Filter): string => {
  const query = make(q)
  const f = query.filter
  if (f !== undefined && f._tag === "HasLabels") throw new Error("hasLabels is evaluated by the SDK")
  return filterToWire(f as Field | Group | undefined, query.showArchived)
}

/**
 * What runs where, clause by clause, before running anything: the endpoint, what the master evaluates, what the
 * SDK evaluates on the rows it receives, the sort, the limit and the request. (The explanation a search
 * reports at its end, `SearchResult.explanation`, adds the counts.) Throws only for queries the chosen endpoint
 * cannot answer at all, which searches report as `InvalidQuery`.
 *
 * @since 0.1.0
 * @category printing
 * @example
 * import { Query } from "effect-determined"
 *
 * const plan = Query.explain(Query.where(Query.hasLabels("baseline")), { table: "experiments" })
 * // plan.clauses: labels has all ["baseline"] (local), tags contains "\"baseline\"" (master), not archived (master)
 */
export const explain = (q: Query | Filter, options: PlanOptions = { table: "experiments" }): Explanation =>
  plan(make(q), options).explanation

/**
 * An explanation as text, one clause per line.
 *
 * @since 0.1.0
 * @category printing
 * @example
 * import { Query } from "effect-determined"
 *
 * const text = Query.formatExplanation(Query.explain(Query.field("name").contains("mnist")))
 */
export const formatExplanation = (explanation: Explanation): string => formatPlan(explanation)
