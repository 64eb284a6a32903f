/**
 * Running a planned query: column checks against GetProjectColumns, the pages of SearchExperiments, SearchRuns
 * or GetExperiments (with read-ahead), the local part of the filter on each row received, the local sort and
 * limit, and the counts that complete the explanation.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import type * as Errors from "../../../DeterminedError.js"
import * as Http from "../../../internal/http.js"
import * as PagedDecode from "../../../internal/pagination.js"
import { type ApiRequest, DeterminedHttp, type ErrorOf, path } from "../../../services/DeterminedHttp.js"
import * as ExperimentModels from "../models/experiment.js"
import * as Models from "../models/run.js"
import { InvalidQuery, UnknownColumn } from "./errors.js"
import type { Row, Table } from "./evaluate.js"
import { compareRows, matcher, Rejected } from "./evaluate.js"
import type { Field, Filter, Query } from "./filter.js"
import { columnText, sortColumnName } from "./filter.js"
import type { Explanation, Plan, Stats } from "./plan.js"
import { plan as makePlan, Unsupported } from "./plan.js"

/**
 * Options of a search.
 *
 * @since 0.1.0
 * @category models
 */
export interface SearchOptions {
  /** Search one project (404 `NotFound{resource: "project"}` when it does not exist); all projects by default. */
  readonly projectId?: number | undefined
  /**
   * `search` (default): SearchExperiments / SearchRuns with the filter language. `list`: the older
   * GetExperiments parameters (for masters without SearchExperiments), the rest evaluated locally.
   */
  readonly via?: "search" | "list" | undefined
  /** `false` evaluates every clause in the SDK (list everything and filter). Default `true`. */
  readonly pushDown?: boolean | undefined
  /** Rows per request. Default 100. */
  readonly pageSize?: number | undefined
  /** Pages fetched ahead of the consumer. Default 1. */
  readonly readAhead?: number | undefined
  /**
   * Check metric names and run-metadata keys against the project's columns before sending (only possible with
   * `projectId`). Default `true`.
   */
  readonly checkColumns?: boolean | undefined
  /** Called with the explanation, counts included, when the stream ends. */
  readonly onExplain?: ((explanation: Explanation) => Effect.Effect<void>) | undefined
}

/**
 * What a search can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type SearchError = Errors.RequestError | Errors.NotFound | Errors.InvalidRequest | UnknownColumn | InvalidQuery

const rejected = (e: unknown): InvalidQuery | undefined =>
  e instanceof Rejected
    ? new InvalidQuery({ reason: "rejected", message: e.message })
    : e instanceof Unsupported
    ? new InvalidQuery({ reason: "unsupported", message: e.message })
    : undefined

/** Plans, turning planner refusals into `InvalidQuery`. @internal */
export const planQuery = (query: Query, table: Table, options: SearchOptions): Effect.Effect<Plan, InvalidQuery> =>
  Effect.try({
    try: () => makePlan(query, { table, via: options.via, pushDown: options.pushDown, projectId: options.projectId }),
    catch: (e) => rejected(e) ?? new InvalidQuery({ reason: "unsupported", message: String(e) })
  })

const fieldsOf = (f: Filter | undefined): ReadonlyArray<Field> =>
  f === undefined ? [] : f._tag === "Field" ? [f] : f._tag === "Group" ? f.children.flatMap(fieldsOf) : []

const isMetric = (location: string) =>
  location === "validations" || location === "training" || location === "customMetric"

const suggestions = (name: string, known: ReadonlyArray<string>): ReadonlyArray<string> => {
  const parts = name.toLowerCase().split(".")
  const score = (c: string) => {
    const cp = c.toLowerCase().split(".")
    return parts.filter((p) => cp.includes(p)).length
  }
  return known.map((c) => [c, score(c)] as const).filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1]).slice(0, 5)
    .map(([c]) => c)
}

const columnsOf = (projectId: number, tableType: "TABLE_TYPE_EXPERIMENT" | "TABLE_TYPE_RUN") =>
  Effect.flatMap(DeterminedHttp, (http) =>
    http.json(
      {
        method: "GET",
        path: path`/api/v1/projects/${projectId}/columns`,
        query: { tableType },
        notFound: { resource: "project", id: projectId }
      },
      Models.ProjectColumnsResponse
    ))

/**
 * Metric names and run-metadata keys the query names, checked against the project's columns: what only the
 * master knows is checked before anything is sent.
 *
 * @internal
 */
export const checkColumns = Effect.fn("Query.checkColumns")(function*(query: Query, table: Table, projectId: number) {
  const named: Array<{ column: string; location: string; metric: boolean }> = []
  for (const f of fieldsOf(query.filter)) {
    if (isMetric(f.location)) named.push({ column: f.column, location: f.location, metric: true })
    if (f.location === "runMetadata") {
      named.push({ column: columnText(f.location, f.column), location: f.location, metric: false })
    }
  }
  for (const k of query.sort) {
    if (isMetric(k.location)) named.push({ column: sortColumnName(k), location: k.location, metric: true })
  }
  if (named.length === 0) return
  const needRun = table === "runs" || named.some((n) => !n.metric)
  const exp = named.some((n) => n.metric) && table === "experiments"
    ? (yield* columnsOf(projectId, "TABLE_TYPE_EXPERIMENT")).columns.map((c) => c.column)
    : []
  const run = needRun ? (yield* columnsOf(projectId, "TABLE_TYPE_RUN")).columns.map((c) => c.column) : []
  for (const n of named) {
    const known = n.metric && table === "experiments" ? exp : run
    if (!known.includes(n.column)) {
      return yield* new UnknownColumn({
        column: n.column,
        location: n.location,
        projectId,
        suggestions: suggestions(n.column, known.filter((c) => c.includes("."))),
        message: `project ${projectId} has no ${n.metric ? "metric column" : "run metadata key"} ${n.column}` +
          (n.metric && table === "experiments" ? " (on the best trials of its experiments)" : "")
      })
    }
  }
})

interface Counters {
  readonly requests: number
  readonly rowsRead: number
  readonly rowsEvaluatedLocally: number
  readonly rowsReturned: number
}

const toRow = (table: Table) => (x: Models.SearchedExperiment | Models.FlatRun): Row =>
  table === "runs"
    ? { table, run: x as Models.FlatRun }
    : {
      table,
      experiment: (x as Models.SearchedExperiment).experiment,
      bestTrial: (x as Models.SearchedExperiment).bestTrial
    }

const searchRequest = (table: Table, p: Plan, options: SearchOptions, offset: number, limit: number) =>
  ({
    method: "POST" as const,
    path: table === "runs" ? "/api/v1/runs" : "/api/v1/experiments-search",
    body: { ...p.explanation.request, offset, limit },
    idempotent: true,
    notFound: options.projectId === undefined ? undefined : { resource: "project", id: options.projectId }
  }) satisfies ApiRequest

const listRequest = (p: Plan, options: SearchOptions, offset: number, limit: number) =>
  ({
    method: "GET" as const,
    path: "/api/v1/experiments",
    query: { ...(p.listQuery as Record<string, never>), offset, limit },
    notFound: options.projectId === undefined ? undefined : { resource: "project", id: options.projectId }
  }) satisfies ApiRequest

/** What the requests of a search can fail with (the pages, and the project's columns). */
type PageError =
  | ErrorOf<ReturnType<typeof searchRequest>>
  | ErrorOf<ReturnType<typeof listRequest>>

/**
 * The rows of a query as a stream of snapshots.
 *
 * @internal
 */
export const search = <A extends Models.SearchedExperiment | Models.FlatRun>(
  table: Table,
  query: Query,
  options: SearchOptions = {}
): Stream.Stream<A, SearchError, DeterminedHttp> =>
  Stream.unwrap(Effect.gen(function*() {
    const p = yield* planQuery(query, table, options)
    if (options.projectId !== undefined && options.checkColumns !== false) {
      yield* checkColumns(query, table, options.projectId)
    }
    // the archive rule runs locally when nothing is pushed down, or on GetExperiments without a project
    const localShowArchived = options.pushDown === false ? query.showArchived : !p.localArchive
    const test = yield* Effect.try({
      try: () => p.local === undefined && localShowArchived ? undefined : matcher(p.local, table, localShowArchived),
      catch: (e) => rejected(e)!
    })
    const now = yield* Clock.currentTimeMillis
    const counters = yield* Ref.make<Counters>({ requests: 0, rowsRead: 0, rowsEvaluatedLocally: 0, rowsReturned: 0 })
    const http = yield* DeterminedHttp
    const pageSize = options.pageSize ?? 100
    const legacy = p.explanation.endpoint === "GetExperiments"
    const fetchPage = (offset: number) => {
      const limit = p.masterLimit === undefined ? pageSize : Math.min(pageSize, p.masterLimit - offset)
      const request = legacy ? listRequest(p, options, offset, limit) : searchRequest(table, p, options, offset, limit)
      return http.json(request, Models.SearchPageRaw).pipe(
        Effect.map((r) => {
          const items = legacy || table === "experiments" ? r.experiments ?? [] : r.runs ?? []
          return { items, pagination: r.pagination }
        }),
        Effect.tap((page) =>
          Ref.update(counters, (c) => ({ ...c, requests: c.requests + 1, rowsRead: c.rowsRead + page.items.length }))
        )
      )
    }
    const decode = (rows: ReadonlyArray<unknown>) =>
      legacy
        ? Effect.map(
          Http.decodeValue(listRequest(p, options, 0, 0), 200, ExperimentModels.ExperimentRows, rows, "experiments"),
          (xs) => xs.map((experiment) => Models.SearchedExperiment.make({ experiment, bestTrial: null }))
        )
        : table === "runs"
        ? Http.decodeValue(searchRequest(table, p, options, 0, 0), 200, Models.FlatRunRows, rows, "runs")
        : Http.decodeValue(
          searchRequest(table, p, options, 0, 0),
          200,
          Models.SearchedExperimentRows,
          rows,
          "experiments"
        )
    let rows = PagedDecode.streamDecoded<unknown, A, PageError, DeterminedHttp, Errors.DecodeError, never>(
      fetchPage,
      decode as unknown as (rows: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<A>, Errors.DecodeError>,
      { maxItems: p.masterLimit, readAhead: options.readAhead }
    ) as Stream.Stream<A, SearchError, DeterminedHttp>
    if (test !== undefined) {
      rows = rows.pipe(Stream.mapChunksEffect((chunk) =>
        Effect.gen(function*() {
          const kept: Array<A> = []
          const error = yield* Effect.sync(() => {
            try {
              for (const x of chunk) if (test(toRow(table)(x), now)) kept.push(x)
              return undefined
            } catch (e) {
              const r = rejected(e)
              if (r === undefined) throw e
              return r
            }
          })
          if (error !== undefined) return yield* error
          yield* Ref.update(counters, (c) => ({ ...c, rowsEvaluatedLocally: c.rowsEvaluatedLocally + chunk.length }))
          return Chunk.unsafeFromArray(kept)
        })
      ))
    }
    if (p.localSort !== undefined) {
      const compare = compareRows(p.localSort, now)
      rows = Stream.unwrap(Effect.map(Stream.runCollect(rows), (all) => {
        const sorted = Chunk.toArray(all).sort((a, b) => compare(toRow(table)(a), toRow(table)(b)))
        return Stream.fromIterable(p.limit === undefined ? sorted : sorted.slice(0, p.limit))
      }))
    } else if (p.limit !== undefined && p.masterLimit === undefined) {
      rows = Stream.take(rows, p.limit)
    }
    const counted = Stream.mapChunksEffect(rows, (chunk) =>
      Effect.as(Ref.update(counters, (c) => ({ ...c, rowsReturned: c.rowsReturned + chunk.length })), chunk))
    const onExplain = options.onExplain
    if (onExplain === undefined) {
      return counted
    }
    return Stream.onEnd(
      counted,
      Effect.flatMap(Ref.get(counters), (stats: Stats) =>
        onExplain({ ...p.explanation, stats }))
    )
  }))

/**
 * The rows of a query, collected, with the explanation and its counts.
 *
 * @since 0.1.0
 * @category models
 */
export interface SearchResult<A> {
  readonly items: ReadonlyArray<A>
  readonly explanation: Explanation
}

/** @internal */
export const searchAll = <A extends Models.SearchedExperiment | Models.FlatRun>(
  table: Table,
  query: Query,
  options: SearchOptions = {}
): Effect.Effect<SearchResult<A>, SearchError, DeterminedHttp> =>
  Effect.gen(function*() {
    let explanation: Explanation | undefined
    const items = yield* Stream.runCollect(
      search<A>(table, query, {
        ...options,
        onExplain: (e) =>
          Effect.zipRight(
            Effect.sync(() => {
              explanation = e
            }),
            options.onExplain?.(e) ?? Effect.void
          )
      })
    )
    return { items: Chunk.toReadonlyArray(items), explanation: explanation! }
  })
