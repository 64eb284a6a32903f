/**
 * Paging through list endpoints. Both server styles of the master (`page_info`, where `limit=0` means 100
 * rows, and `in_memory`, where it means everything) answer with the same
 * `pagination: {offset, limit, startIndex, endIndex, total}`, with `endIndex` exclusive; the next page starts at
 * `endIndex` until `endIndex >= total`, as upstream's `read_paginated`. A short page never skips rows (the next
 * offset is where the page really ended) and an empty page ends the stream, so a misbehaving server cannot make
 * it loop forever.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

/**
 * The `pagination` message of list responses.
 *
 * @since 0.1.0
 * @category schemas
 * @example
 * import { Schema } from "effect"
 * import { Pagination } from "effect-determined/advanced"
 *
 * const page = Schema.decodeUnknownSync(Pagination.Pagination)({ offset: 0, limit: 10, startIndex: 0, endIndex: 10, total: 42 })
 */
export const Pagination = Schema.Struct({
  offset: Schema.Number,
  limit: Schema.Number,
  startIndex: Schema.Number,
  endIndex: Schema.Number,
  total: Schema.Number
})

/**
 * The decoded `pagination` message.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { Pagination } from "effect-determined/advanced"
 *
 * const isLast = (p: Pagination.Pagination) => p.endIndex >= p.total
 */
export interface Pagination extends Schema.Schema.Type<typeof Pagination> {}

/**
 * One page as a list operation returns it.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { Pagination } from "effect-determined/advanced"
 *
 * const last: Pagination.Page<string> = {
 *   items: ["a", "b"],
 *   pagination: { offset: 10, limit: 10, startIndex: 10, endIndex: 12, total: 12 }
 * }
 */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly pagination?: Pagination | null | undefined
}

/**
 * Options of `stream` and `collect`: the first row's offset, how many rows to read at most, and how many pages to
 * fetch ahead of the consumer.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { Pagination } from "effect-determined/advanced"
 *
 * // the first 500 rows from row 100, fetched strictly on demand
 * const options: Pagination.Options = { offset: 100, maxItems: 500, readAhead: 0 }
 */
export interface Options {
  /** Offset of the first row. Default 0. */
  readonly offset?: number | undefined
  /** Stop after this many rows (no further page is requested once they are there). */
  readonly maxItems?: number | undefined
  /** Pages fetched ahead of the consumer. Default 1; 0 fetches strictly on demand. */
  readonly readAhead?: number | undefined
}

// The consumer yields once to the scheduler, so the read-ahead fiber just forked starts (and sends its request, up
// to its first real wait) before this page is consumed. A scheduler yield, not a timer: no real turn of the event
// loop is needed, so under TestClock, against an in-process LocalMaster, the order of events is always the same.
const letReadAheadStart = Effect.yieldNow()

// The offset of the page after `page`, or none when `page` was the last.
const nextOffset = <A>(offset: number, page: Page<A>): Option.Option<number> => {
  const p = page.pagination
  if (p === undefined || p === null || page.items.length === 0) return Option.none()
  if (p.endIndex >= p.total) return Option.none()
  const next = p.endIndex > offset ? p.endIndex : offset + page.items.length
  return next > offset ? Option.some(next) : Option.none()
}

/**
 * All rows of a paginated endpoint as a lazy stream, with one page of read-ahead by default.
 *
 * The read-ahead follows the consumer's demand: the first page is delivered in two chunks, and the second page is
 * requested when the consumer pulls the second chunk (so a `Stream.take` of up to half a page, or a
 * `Stream.runHead`, makes one request); from then on the next page is requested as soon as a page arrives, while
 * the consumer works on it. With `maxItems`, no page is requested past the one that holds the last row.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Effect, Stream } from "effect"
 * import { Pagination } from "effect-determined/advanced"
 *
 * const rows = Pagination.stream((offset) =>
 *   Effect.succeed({ items: [offset], pagination: { offset, limit: 1, startIndex: offset, endIndex: offset + 1, total: 3 } })
 * )
 * // Stream.runCollect(rows) yields 0, 1, 2
 */
export const stream = <A, E, R>(
  fetchPage: (offset: number) => Effect.Effect<Page<A>, E, R>,
  options: Options = {}
): Stream.Stream<A, E, R> => {
  const max = options.maxItems
  const readAhead = (options.readAhead ?? 1) > 0
  interface State {
    readonly offset: number
    readonly seen: number
    readonly pending: Fiber.Fiber<Page<A>, E> | undefined
    /** The second half of the first page, not delivered yet, and where the page after it starts. */
    readonly rest: { readonly items: ReadonlyArray<A>; readonly next: Option.Option<number> } | undefined
    /** Before the consumer has pulled past the first chunk of the first page. */
    readonly first: boolean
  }
  // One page of read-ahead: the next page is requested while the consumer works on this one. The read-ahead fiber
  // sends its request at once, so that it is in flight while this page is consumed (and, with streamDecoded,
  // decoded) instead of after.
  const readAheadFrom = (next: Option.Option<number>) =>
    Effect.gen(function*() {
      const pending = readAhead && Option.isSome(next) ? yield* Effect.fork(fetchPage(next.value)) : undefined
      if (pending !== undefined) yield* letReadAheadStart
      return pending
    })
  return Stream.paginateChunkEffect<State, A, E, R>(
    { offset: options.offset ?? 0, seen: 0, pending: undefined, rest: undefined, first: true },
    (state) =>
      Effect.gen(function*() {
        if (state.rest !== undefined) {
          // the consumer wants more than half of the first page: it will likely want the next one too
          const { items, next } = state.rest
          const pending = yield* readAheadFrom(next)
          return [
            Chunk.unsafeFromArray(items as Array<A>),
            Option.map(next, (offset): State => ({ offset, seen: state.seen, pending, rest: undefined, first: false }))
          ] as const
        }
        const page = state.pending === undefined ? yield* fetchPage(state.offset) : yield* Fiber.join(state.pending)
        const room = max === undefined ? page.items.length : Math.max(0, max - state.seen)
        const items = page.items.length > room ? page.items.slice(0, room) : page.items
        const seen = state.seen + items.length
        const next = max !== undefined && seen >= max ? Option.none() : nextOffset(state.offset, page)
        if (state.first && readAhead && Option.isSome(next) && items.length > 1) {
          // the first page: no read-ahead until the consumer pulls its second half
          const half = Math.ceil(items.length / 2)
          return [
            Chunk.unsafeFromArray(items.slice(0, half) as Array<A>),
            Option.some<State>({ ...state, seen, rest: { items: items.slice(half), next } })
          ] as const
        }
        const pending = yield* readAheadFrom(next)
        return [
          Chunk.unsafeFromArray(items as Array<A>),
          Option.map(next, (offset): State => ({ offset, seen, pending, rest: undefined, first: false }))
        ] as const
      })
  )
}

/**
 * All rows of a paginated endpoint, collected (with the same read-ahead as {@link stream}).
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Effect } from "effect"
 * import { Pagination } from "effect-determined/advanced"
 *
 * const all = Pagination.collect((offset) =>
 *   Effect.succeed({ items: [offset], pagination: { offset, limit: 1, startIndex: offset, endIndex: offset + 1, total: 3 } })
 * )
 * // Effect.runSync(all) is [0, 1, 2]
 */
export const collect = <A, E, R>(
  fetchPage: (offset: number) => Effect.Effect<Page<A>, E, R>,
  options: Options = {}
): Effect.Effect<ReadonlyArray<A>, E, R> =>
  Effect.map(Stream.runCollect(stream(fetchPage, options)), Chunk.toReadonlyArray)
