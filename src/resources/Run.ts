/**
 * Runs (trials) across experiments, searched with the master's filter language (SearchRuns): flat rows with
 * their hyperparameters, summary metrics, metadata and a summary of their experiment. Build queries with
 * `Query`; see docs/QUERIES.md.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { DeterminedHttp } from "../services/DeterminedHttp.js"
import { DeterminedHttp as Http, path } from "../services/DeterminedHttp.js"
import type { FlatRun } from "./internal/models/run.js"
import * as Models from "./internal/models/run.js"
import * as SearchRun from "./internal/search/run.js"
import * as Query from "./Query.js"

export {
  /**
   * A run found by a search: its state, sampled hyperparameters, summary metrics, metadata, labels and a
   * summary of its experiment.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect, Stream } from "effect"
   * import { Query, Run } from "effect-determined"
   *
   * const learningRates = Run.search(Query.run("state").eq("COMPLETED")).pipe(
   *   Stream.map((run: Run.FlatRun) => ({ id: run.id, hyperparameters: run.hyperparameters })),
   *   Stream.runCollect,
   *   Effect.map((rows) => Array.from(rows))
   * )
   */
  FlatRun,
  /**
   * The experiment side of a {@link FlatRun}: its name, searcher, progress and where it was forked from.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Query, Run } from "effect-determined"
   *
   * const experimentNames = Run.list(Query.run("state").eq("ERROR")).pipe(
   *   Effect.map(({ items }) =>
   *     items.flatMap((run) => (run.experiment === null ? [] : [(run.experiment satisfies Run.FlatRunExperiment).name]))
   *   )
   * )
   */
  FlatRunExperiment,
  /**
   * The range of one numeric metric across a project's best trials.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Run } from "effect-determined"
   *
   * const lossRange = Run.metricRanges(1).pipe(
   *   Effect.map((ranges: ReadonlyArray<Run.MetricRange>) => ranges.find((r) => r.metricsName === "validation_loss"))
   * )
   */
  MetricRange,
  /**
   * A column a filter or sort can name in a project: its name, location, type and display name.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Run } from "effect-determined"
   *
   * const metricColumns = Run.columns(1, "runs").pipe(
   *   Effect.map((columns: ReadonlyArray<Run.ProjectColumn>) =>
   *     columns.filter((c) => c.location === "LOCATION_TYPE_VALIDATIONS").map((c) => c.column)
   *   )
   * )
   */
  ProjectColumn
} from "./internal/models/run.js"

/**
 * Runs matching a query as a lazy stream with one page of read-ahead. `options.onExplain` receives the
 * explanation with its counts when the stream ends.
 *
 * @since 0.1.0
 * @category search
 * @example
 * import { pipe, Stream } from "effect"
 * import { Query, Run } from "effect-determined"
 *
 * const best = Run.search(
 *   pipe(
 *     Query.where(Query.validation("validation_loss").min.lt(0.2)),
 *     Query.sortBy(Query.asc(Query.validation("validation_loss").min)),
 *     Query.limit(5)
 *   )
 * ).pipe(Stream.runCollect)
 */
export const search = (
  query: Query.Query | Query.Filter,
  options: SearchRun.SearchOptions = {}
): Stream.Stream<FlatRun, SearchRun.SearchError, DeterminedHttp> =>
  SearchRun.search<FlatRun>("runs", Query.make(query), options)

/**
 * Every run matching a query, collected, with the explanation of what ran where.
 *
 * @since 0.1.0
 * @category search
 * @example
 * import { Query, Run } from "effect-determined"
 *
 * const finished = Run.list(Query.run("state").eq("COMPLETED"))
 */
export const list = Effect.fn("Run.list")(function*(
  query: Query.Query | Query.Filter,
  options: SearchRun.SearchOptions = {}
) {
  return yield* SearchRun.searchAll<FlatRun>("runs", Query.make(query), options)
})

/**
 * The columns a filter or sort can name in a project (GetProjectColumns): fixed columns, metric columns from the
 * trials' summaries, hyperparameters and (for runs) metadata keys.
 *
 * @since 0.1.0
 * @category search
 * @example
 * import { Run } from "effect-determined"
 *
 * const columns = Run.columns(1, "runs")
 */
export const columns = Effect.fn("Run.columns")(function*(projectId: number, table: "experiments" | "runs") {
  const http = yield* Http
  const r = yield* http.json(
    {
      method: "GET",
      path: path`/api/v1/projects/${projectId}/columns`,
      query: { tableType: table === "runs" ? "TABLE_TYPE_RUN" : "TABLE_TYPE_EXPERIMENT" },
      notFound: { resource: "project", id: projectId }
    },
    Models.ProjectColumnsResponse
  )
  return r.columns
})

/**
 * The min and max of every numeric metric across the project's best trials (GetProjectNumericMetricsRange).
 *
 * @since 0.1.0
 * @category search
 * @example
 * import { Run } from "effect-determined"
 *
 * const ranges = Run.metricRanges(1)
 */
export const metricRanges = Effect.fn("Run.metricRanges")(function*(projectId: number) {
  const http = yield* Http
  const r = yield* http.json(
    {
      method: "GET",
      path: path`/api/v1/projects/${projectId}/experiments/metric-ranges`,
      notFound: { resource: "project", id: projectId }
    },
    Models.MetricRangesResponse
  )
  return r.ranges
})
