/**
 * `list_checkpoints` of experiments and trials: the sort rules of upstream's SDK, shared by both.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as Errors from "../../DeterminedError.js"
import { DeterminedHttp, type QueryValue } from "../../services/DeterminedHttp.js"
import * as Pagination from "../../services/Pagination.js"
import {
  type Checkpoint,
  type CheckpointSortBy,
  type CheckpointState,
  isCheckpointSortBy
} from "./models/checkpoint.js"
import { CheckpointsResponse } from "./models/fast.js"
import { metricNumber } from "./models/metricValues.js"
import { clientInvalid } from "./resource.js"
import * as Wire from "./wire.js"

/**
 * How to sort checkpoints: a {@link CheckpointSortBy} attribute, or the name of a validation metric (a bare string
 * that is not a `CheckpointSortBy`, or `{ metric }` for a metric whose name is one).
 *
 * @since 0.1.0
 * @category models
 */
export type CheckpointSort = CheckpointSortBy | { readonly metric: string } | (string & {})

/**
 * Options of `Experiment.listCheckpoints` and `Trial.listCheckpoints`. `sortBy` and `orderBy` go together, as
 * upstream requires.
 *
 * @since 0.1.0
 * @category models
 */
export type ListCheckpointsOptions =
  & {
    /** Read one page of at most this many checkpoints (`limit`), instead of every page. */
    readonly maxResults?: number | undefined
    /** The same as `maxResults` (the name every other list uses). */
    readonly limit?: number | undefined
    /**
     * Checkpoint states to keep (`states`). Default: `["COMPLETED"]` for experiments (as upstream) and no filter
     * for trials (as upstream's code, whose docstring claims otherwise). `[]` sends no filter.
     */
    readonly states?: ReadonlyArray<CheckpointState> | undefined
  }
  & (
    | { readonly sortBy?: undefined; readonly orderBy?: undefined }
    | { readonly sortBy: CheckpointSort; readonly orderBy: Wire.OrderBy }
  )

/**
 * What listing checkpoints can fail with: any request's errors, `NotFound` (the experiment or trial), and
 * `InvalidRequest` (sort options checked before sending, or refused by the master).
 *
 * @since 0.1.0
 * @category errors
 */
export type ListError = Errors.RequestError | Errors.NotFound | Errors.InvalidRequest

const invalid = (path: string, message: string) => clientInvalid("GET", path, message)

/** The query of one request, or a validation error. @internal */
export const query = (
  path: string,
  options: ListCheckpointsOptions,
  defaultStates: ReadonlyArray<CheckpointState>
): Effect.Effect<Record<string, QueryValue>, Errors.InvalidRequest> => {
  const { orderBy, sortBy } = options
  const maxResults = options.maxResults ?? options.limit
  if ((sortBy === undefined) !== (orderBy === undefined)) {
    return Effect.fail(invalid(path, "sortBy and orderBy must be given together (or neither)"))
  }
  if (orderBy !== undefined && orderBy !== "asc" && orderBy !== "desc") {
    return Effect.fail(invalid(path, `orderBy must be "asc" or "desc", got ${JSON.stringify(orderBy)}`))
  }
  if (maxResults !== undefined && (!Number.isInteger(maxResults) || maxResults < 1)) {
    return Effect.fail(invalid(path, `maxResults must be a positive integer, got ${maxResults}`))
  }
  let sortByAttr: string | undefined = undefined
  let sortByMetric: string | undefined = undefined
  if (sortBy === undefined) sortByAttr = "SORT_BY_SEARCHER_METRIC"
  else if (typeof sortBy === "object" && sortBy !== null) sortByMetric = sortBy.metric
  else if (typeof sortBy !== "string") {
    return Effect.fail(invalid(path, "sortBy must be a CheckpointSortBy, a metric name or { metric }"))
  } else if (isCheckpointSortBy(sortBy)) sortByAttr = Wire.enumToWire("SORT_BY_", sortBy)
  else sortByMetric = sortBy
  const states = options.states ?? defaultStates
  return Effect.succeed({
    sortByAttr,
    sortByMetric,
    orderBy: Wire.orderByToWire(orderBy),
    limit: maxResults,
    states: states.length === 0 ? undefined : states.map((s) => Wire.enumToWire("STATE_", s))
  })
}

const page = (
  path: string,
  notFound: { readonly resource: string; readonly id: string | number },
  q: Record<string, QueryValue>
) =>
(offset: number) =>
  Effect.flatMap(DeterminedHttp, (http) =>
    http.json(
      // a metric name the master does not know, or states it refuses, are a 400
      { method: "GET", path, query: { ...q, offset }, notFound, invalid: true },
      CheckpointsResponse
    )).pipe(Effect.map((r) => ({ items: r.checkpoints, pagination: r.pagination })))

/** @internal */
export const list = (
  path: string,
  notFound: { readonly resource: string; readonly id: string | number },
  options: ListCheckpointsOptions,
  defaultStates: ReadonlyArray<CheckpointState>
): Effect.Effect<ReadonlyArray<Checkpoint>, ListError, DeterminedHttp> =>
  Effect.flatMap(
    query(path, options, defaultStates),
    (q) => Pagination.collect(page(path, notFound, q), { maxItems: options.maxResults ?? options.limit })
  )

/** @internal */
export const stream = (
  path: string,
  notFound: { readonly resource: string; readonly id: string | number },
  options: ListCheckpointsOptions,
  defaultStates: ReadonlyArray<CheckpointState>
): Stream.Stream<Checkpoint, ListError, DeterminedHttp> =>
  Stream.unwrap(
    Effect.map(
      query(path, options, defaultStates),
      (q) => Pagination.stream(page(path, notFound, q), { maxItems: options.maxResults ?? options.limit })
    )
  )

// ---------------------------------------------------------------------------------------------------------------
// the top checkpoint

/**
 * Options of `Experiment.topCheckpoint` and `Trial.topCheckpoint`, as upstream's `top_checkpoint(sort_by,
 * smaller_is_better)`: nothing (the searcher's metric, in the searcher's direction), or a validation metric name
 * with its direction (required with it: upstream's default, descending, is rarely what a loss wants).
 *
 * @since 0.1.0
 * @category models
 */
export type TopCheckpointOptions =
  | { readonly sortBy?: undefined; readonly smallerIsBetter?: undefined }
  | { readonly sortBy: string; readonly smallerIsBetter: boolean }

type Value = (c: Checkpoint) => number | undefined

const searcherValue: Value = (c) => {
  const v = c.training?.searcherMetric
  return v === null || v === undefined || Number.isNaN(v) ? undefined : v
}

const metricValue = (name: string): Value => (c) => {
  const v = metricNumber(c.training?.validationMetrics?.avgMetrics?.[name])
  return v === undefined || Number.isNaN(v) ? undefined : v
}

/**
 * The best of `checkpoints` by `value`; those without a value rank last (so there is a top checkpoint whenever
 * there is a checkpoint, as upstream); ties keep the order given.
 */
const best = (
  checkpoints: ReadonlyArray<Checkpoint>,
  value: Value,
  smallerIsBetter: boolean
): Option.Option<Checkpoint> => {
  let top: Checkpoint | undefined = undefined
  let topValue: number | undefined = undefined
  for (const c of checkpoints) {
    const v = value(c)
    if (top === undefined) {
      top = c
      topValue = v
    } else if (v !== undefined && (topValue === undefined || (smallerIsBetter ? v < topValue : v > topValue))) {
      top = c
      topValue = v
    }
  }
  return Option.fromNullable(top)
}

const checkTop = (path: string, options: TopCheckpointOptions): Effect.Effect<void, Errors.InvalidRequest> => {
  if (options.sortBy === undefined) return Effect.void
  if (typeof options.sortBy !== "string" || options.sortBy === "") {
    return Effect.fail(invalid(path, "sortBy must be the name of a validation metric"))
  }
  if (typeof options.smallerIsBetter !== "boolean") {
    return Effect.fail(invalid(path, "smallerIsBetter (true or false) must be given with sortBy"))
  }
  return Effect.void
}

const smallerIsBetterOf = (checkpoints: ReadonlyArray<Checkpoint>): boolean => {
  const searcher = checkpoints[0]?.training?.experimentConfig?.searcher
  const flag = searcher !== null && typeof searcher === "object" && !Array.isArray(searcher)
    ? (searcher as Wire.JsonObject).smaller_is_better
    : undefined
  // the experiment config's default
  return flag !== false
}

/**
 * The best COMPLETED checkpoint of an experiment or a trial.
 *
 * Where the master's order is right, it decides, in one request of one row: an experiment's checkpoints by the
 * searcher metric (best first by the searcher's `smaller_is_better`, those without one last), or by a metric,
 * descending (those without it last). Elsewhere the checkpoints are read (one request: the master sends an
 * experiment's or a trial's checkpoints in one page) and ranked here: ascending by a metric, the master puts those
 * without it first; and the trial endpoint sorts the searcher metric plain ascending whatever the searcher says,
 * so its direction is read from the checkpoints' own training metadata.
 * @internal
 */
export const top = (
  path: string,
  notFound: { readonly resource: string; readonly id: string | number },
  options: TopCheckpointOptions,
  endpoint: "experiment" | "trial"
): Effect.Effect<Option.Option<Checkpoint>, ListError, DeterminedHttp> =>
  Effect.gen(function*() {
    yield* checkTop(path, options)
    if (endpoint === "experiment" && options.smallerIsBetter !== true) {
      const one: ListCheckpointsOptions = options.sortBy === undefined
        ? { maxResults: 1 }
        : { sortBy: { metric: options.sortBy }, orderBy: "desc", maxResults: 1 }
      return Option.fromNullable((yield* list(path, notFound, one, ["COMPLETED"]))[0])
    }
    const all = yield* list(path, notFound, {}, ["COMPLETED"])
    return options.sortBy === undefined
      ? best(all, searcherValue, smallerIsBetterOf(all))
      : best(all, metricValue(options.sortBy), options.smallerIsBetter)
  })
