/**
 * The resource descriptor: a resource declared once (its kind, the request that reads one, its schema), from
 * which `get` (read through the cache), `reload` (always fetch, store), `store` (a snapshot a mutation returned),
 * `update` (edit the cached snapshot with what the server confirmed) and `stale` (the entity changed: drop it and
 * what is related, by the rules of `kinds.ts`) follow; and a list declared once (the request of one page, its
 * schema), from which `list` (all pages, or `limit` rows) and `stream` follow.
 *
 * Every operation made here is traced (`Effect.fn("Module.op")`, the id as span attribute) and its error type is
 * exactly what its request declares (`DeterminedHttp.ErrorOf`).
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Errors from "../../DeterminedError.js"
import * as PagedDecode from "../../internal/pagination.js"
import { type ApiRequest, DeterminedHttp, type ErrorOf } from "../../services/DeterminedHttp.js"
import * as Pagination from "../../services/Pagination.js"
import * as ResourceCache from "../../services/ResourceCache.js"
import type { Kind } from "./kinds.js"

/** What a read through the cache needs. @internal */
export type Requires = DeterminedHttp | ResourceCache.ResourceCache

/** @internal */
export interface Spec<Id, A, R extends ApiRequest, S, I> {
  readonly kind: Kind<Id, A>
  /** Module name, used for span names: `${module}.get`, `${module}.reload`. */
  readonly module: string
  /** Span attribute holding the id, e.g. `determined.experiment.id`. */
  readonly attribute: string
  /** The request that reads one. */
  readonly request: (id: Id) => R
  readonly schema: Schema.Schema<S, I, never>
  /** The snapshot in the response. */
  readonly pick: (response: S) => A
}

const spanValue = (id: unknown) => (Array.isArray(id) ? id.join("/") : id)

/**
 * A resource read by id.
 * @internal
 */
export const make = <Id, A, const R extends ApiRequest, S, I>(spec: Spec<Id, A, R, S, I>) => {
  const { kind } = spec
  const fetch = (id: Id): Effect.Effect<A, ErrorOf<R>, DeterminedHttp> =>
    Effect.flatMap(DeterminedHttp, (http) => Effect.map(http.json(spec.request(id), spec.schema), spec.pick))

  return {
    kind,
    key: kind.key,
    fetch,
    /** Store a snapshot (from a mutation's answer, a watch, ...) under all its keys; returns it. */
    store: (value: A) => store(kind, value),
    /** The entity changed: drop it and what is related. */
    stale: (id: Id) => stale(kind, id),
    /** Edit the cached snapshot, if any. */
    update: (id: Id, f: (value: A) => A) => update(kind, id, f),
    get: Effect.fn(`${spec.module}.get`)(function*(id: Id) {
      yield* Effect.annotateCurrentSpan(spec.attribute, spanValue(id))
      const cache = yield* ResourceCache.ResourceCache
      return yield* cache.getOrFetch(kind.key(id), fetch(id), kind.identify)
    }),
    reload: Effect.fn(`${spec.module}.reload`)(function*(id: Id) {
      yield* Effect.annotateCurrentSpan(spec.attribute, spanValue(id))
      const cache = yield* ResourceCache.ResourceCache
      return yield* cache.refresh(kind.key(id), fetch(id), kind.identify)
    })
  }
}

/**
 * The cached snapshot of `id`, when there is one (no request).
 * @internal
 */
export const cached = <Id, A>(
  kind: Kind<Id, A>,
  id: Id
): Effect.Effect<Option.Option<A>, never, ResourceCache.ResourceCache> =>
  Effect.flatMap(
    ResourceCache.ResourceCache,
    (cache) => Effect.map(cache.get(kind.key(id)), Option.map((e) => e.value))
  )

/**
 * Store a snapshot under all its keys; returns it.
 * @internal
 */
export const store = <Id, A>(kind: Kind<Id, A>, value: A): Effect.Effect<A, never, ResourceCache.ResourceCache> =>
  Effect.flatMap(ResourceCache.ResourceCache, (cache) => Effect.as(setIn(cache, kind, value), value))

// (a key's type parameter is a phantom: the first key of a value's identity is its own)
const setIn = <Id, A>(cache: ResourceCache.Service, kind: Kind<Id, A>, value: A) =>
  cache.set(kind.identify(value).keys[0] as ResourceCache.Key<A>, value, kind.identify)

/**
 * Store many snapshots of one kind (a poll's rows), each under all its keys, in one step.
 * @internal
 */
export const storeAll = <Id, A>(
  kind: Kind<Id, A>,
  values: ReadonlyArray<A>
): Effect.Effect<void, never, ResourceCache.ResourceCache> =>
  Effect.flatMap(
    ResourceCache.ResourceCache,
    (cache) => Effect.forEach(values, (value) => setIn(cache, kind, value), { discard: true })
  )

/**
 * Replace the cached snapshot of `id` by `f` of it, when there is one: for mutations whose answer confirms a
 * change but does not carry the whole entity (labels, archive flags).
 * @internal
 */
export const update = <Id, A>(
  kind: Kind<Id, A>,
  id: Id,
  f: (value: A) => A
): Effect.Effect<void, never, ResourceCache.ResourceCache> =>
  Effect.flatMap(
    ResourceCache.ResourceCache,
    (cache) =>
      Effect.flatMap(cache.get(kind.key(id)), (entry) =>
        Option.match(entry, {
          onNone: () => Effect.void,
          onSome: ({ value }) => Effect.asVoid(store(kind, f(value)))
        }))
  )

/**
 * The entity changed on the server in a way its snapshot cannot show yet (a state that changes later, a delete,
 * a move): drop it, and what is related to it by the rules of `kinds.ts`.
 * @internal
 */
export const stale = <Id, A>(kind: Kind<Id, A>, id: Id): Effect.Effect<void, never, ResourceCache.ResourceCache> =>
  Effect.flatMap(
    ResourceCache.ResourceCache,
    (cache) => cache.invalidate(kind.key(id), { related: true, otherwiseKinds: kind.otherwiseKinds })
  )

// ---------------------------------------------------------------------------------------------------------------
// lists

/**
 * What every list and stream takes besides its filters.
 *
 * @since 0.1.0
 * @category models
 */
export interface LimitOptions {
  /**
   * At most this many rows (MLflow's `max_results`), a positive integer. Each page asks for the rows still missing
   * (at most `pageSize`, default 100), and no page is requested beyond the one that holds the last of them.
   */
  readonly limit?: number | undefined
  /**
   * Rows per request, a positive integer. Default: the master's (100 rows a page for experiments, every row at
   * once for the other lists), or at most 100 with `limit`.
   */
  readonly pageSize?: number | undefined
}

/** Where a page starts and how many rows it asks for (`undefined`: the master's default). @internal */
export interface PageRequest {
  readonly offset: number
  readonly limit: number | undefined
}

/** @internal */
export interface ListSpec<Options, Row, R extends ApiRequest, S, I> {
  /** Span name of the collected list, e.g. `Experiment.list`. */
  readonly span: string
  readonly request: (options: Options, page: PageRequest) => R
  readonly schema: Schema.Schema<S, I, never>
  readonly page: (response: S) => Pagination.Page<Row>
}

/** Rows a page asks for when `limit` is given without `pageSize`: the master's default page on its paged lists. */
const defaultPageSize = 100

// With `limit`, a page asks for the rows still missing (pages start at offset 0, so `offset` rows were delivered).
const pageLimit = (options: LimitOptions, offset: number): number | undefined => {
  const { limit, pageSize } = options
  if (limit === undefined) return pageSize
  return Math.min(pageSize ?? defaultPageSize, Math.max(1, limit - offset))
}

/** An SDK-side check failed: `InvalidRequest{reason: "ClientValidation"}`, nothing sent. @internal */
export const clientInvalid = (method: string, path: string, message: string): Errors.InvalidRequest =>
  new Errors.InvalidRequest({ method, path, status: 0, reason: "ClientValidation", message })

const checkLimits = (path: string, options: LimitOptions): Effect.Effect<void, Errors.InvalidRequest> => {
  for (const name of ["limit", "pageSize"] as const) {
    const n = options[name]
    if (n !== undefined && !(Number.isSafeInteger(n) && n > 0)) {
      return Effect.fail(clientInvalid("GET", path, `${name} must be a positive integer, got ${n}`))
    }
  }
  return Effect.void
}

const pageFetcher = <Options extends LimitOptions, Row, const R extends ApiRequest, S, I>(
  spec: ListSpec<Options, Row, R, S, I>,
  options: Options
) =>
(offset: number): Effect.Effect<Pagination.Page<Row>, ErrorOf<R>, DeterminedHttp> =>
  Effect.flatMap(
    DeterminedHttp,
    (http) =>
      Effect.map(
        http.json(spec.request(options, { offset, limit: pageLimit(options, offset) }), spec.schema),
        spec.page
      )
  )

// the limits checked before the first request
const checked = <Options extends LimitOptions, Row, E, R>(
  spec: ListSpec<Options, any, any, any, any>,
  options: Options,
  stream: () => Stream.Stream<Row, E, R>
): Stream.Stream<Row, E | Errors.InvalidRequest, R> =>
  options.limit === undefined && options.pageSize === undefined
    ? stream()
    : Stream.unwrap(
      Effect.as(
        checkLimits(spec.request(options, { offset: 0, limit: undefined }).path, options),
        Stream.suspend(stream)
      )
    )

const collect = <Row, E, R>(span: string, stream: Stream.Stream<Row, E, R>): Effect.Effect<ReadonlyArray<Row>, E, R> =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray).pipe(Effect.withSpan(span))

/**
 * A paginated list: `list(options)` collects every row (or `limit` of them), `stream(options)` is lazy with one
 * page of read-ahead (the next page is requested while the current one is consumed; with `limit`, never past the
 * page that holds the last row).
 * @internal
 */
export const list = <Options extends LimitOptions, Row, const R extends ApiRequest, S, I>(
  spec: ListSpec<Options, Row, R, S, I>
) => {
  const stream = (options: Options): Stream.Stream<Row, ErrorOf<R> | Errors.InvalidRequest, DeterminedHttp> =>
    checked(spec, options, () => Pagination.stream(pageFetcher(spec, options), { maxItems: options.limit }))
  return {
    stream,
    list: (options: Options) => collect(spec.span, stream(options))
  }
}

/**
 * A paginated list whose pages are fetched as raw JSON rows and decoded in a later stage, so decoding a page
 * overlaps the request of the next one.
 * @internal
 */
export const listDecoded = <Options extends LimitOptions, Raw, Row, const R extends ApiRequest, S, I, E2, R2>(
  spec: ListSpec<Options, Raw, R, S, I> & {
    readonly decode: (options: Options, rows: ReadonlyArray<Raw>) => Effect.Effect<ReadonlyArray<Row>, E2, R2>
  }
) => {
  const stream = (options: Options): Stream.Stream<Row, ErrorOf<R> | E2 | Errors.InvalidRequest, DeterminedHttp | R2> =>
    checked(
      spec,
      options,
      () =>
        PagedDecode.streamDecoded(pageFetcher(spec, options), (rows) => spec.decode(options, rows), {
          maxItems: options.limit
        })
    )
  return {
    stream,
    list: (options: Options) => collect(spec.span, stream(options))
  }
}
