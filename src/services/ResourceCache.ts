/**
 * The cache of resource snapshots, as a swappable layer with explicit refresh.
 *
 * Operations read through it (`Experiment.get`), `reload` always fetches and stores what it got, and mutations
 * update or invalidate the entry. `layerMemory` keeps a bounded LRU with an optional time to live and removes
 * duplicate in-flight fetches (N concurrent misses of one key make one request); `layerDisabled` always fetches.
 * Entries are keyed by resource kind and id, and carry the time they were fetched. The cache knows nothing of
 * HTTP: it is given the effect that fetches.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

/**
 * A cache key: a resource kind and an id. The type parameter ties the key to the value it holds.
 *
 * @since 0.1.0
 * @category models
 */
export interface Key<A> {
  readonly kind: string
  readonly id: string
  readonly _A?: (_: never) => A
}

/**
 * @since 0.1.0
 * @category constructors
 * @example
 * import { ResourceCache } from "effect-determined"
 *
 * const key = ResourceCache.key<{ id: number }>("experiment", 7)
 */
export const key = <A>(kind: string, id: string | number): Key<A> => ({ kind, id: String(id) })

/**
 * A cached value and when it was fetched (epoch milliseconds of the `Clock`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Entry<A> {
  readonly value: A
  readonly fetchedAt: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The cached value, or the result of `fetch` stored. Concurrent misses of one key share one fetch. */
  readonly getOrFetch: <A, E, R>(key: Key<A>, fetch: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Always fetch, store the fresh value and return it. */
  readonly refresh: <A, E, R>(key: Key<A>, fetch: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Store a value the caller got some other way (e.g. from a mutation's response). */
  readonly set: <A>(key: Key<A>, value: A) => Effect.Effect<void>
  /** The entry, if cached and not expired. */
  readonly get: <A>(key: Key<A>) => Effect.Effect<Option.Option<Entry<A>>>
  readonly invalidate: <A>(key: Key<A>) => Effect.Effect<void>
  readonly invalidateAll: Effect.Effect<void>
  /** Number of live entries. */
  readonly size: Effect.Effect<number>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class ResourceCache extends Context.Tag("effect-determined/ResourceCache")<ResourceCache, Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export interface MemoryOptions {
  /** Most entries kept; the least recently used goes first. Default 10,000. */
  readonly capacity?: number | undefined
  /** How long an entry is served before it is fetched again. Default: no expiry (only explicit refresh). */
  readonly timeToLive?: Duration.DurationInput | undefined
}

const keyString = (key: Key<unknown>) => `${key.kind}\u0000${key.id}`

/**
 * An in-memory LRU cache.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (options: MemoryOptions = {}): Effect.Effect<Service> =>
  Effect.sync(() => {
    const capacity = Math.max(1, options.capacity ?? 10_000)
    const ttl = options.timeToLive === undefined ? undefined : Duration.toMillis(options.timeToLive)
    const entries = new Map<string, Entry<unknown>>()
    const inFlight = new Map<string, Deferred.Deferred<unknown, unknown>>()

    const store = (k: string, value: unknown, now: number) => {
      entries.delete(k)
      entries.set(k, { value, fetchedAt: now })
      while (entries.size > capacity) {
        const oldest = entries.keys().next()
        if (oldest.done === true) break
        entries.delete(oldest.value)
      }
    }

    const lookup = (k: string, now: number): Entry<unknown> | undefined => {
      const entry = entries.get(k)
      if (entry === undefined) return undefined
      if (ttl !== undefined && now - entry.fetchedAt >= ttl) {
        entries.delete(k)
        return undefined
      }
      entries.delete(k)
      entries.set(k, entry)
      return entry
    }

    const fetchAndStore = <A, E, R>(k: string, fetch: Effect.Effect<A, E, R>) =>
      Effect.flatMap(fetch, (value) =>
        Effect.as(Effect.map(Clock.currentTimeMillis, (now) => store(k, value, now)), value))

    const getOrFetch = <A, E, R>(key: Key<A>, fetch: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.suspend(() => {
        const k = keyString(key)
        return Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<A, E, R> => {
          const hit = lookup(k, now)
          if (hit !== undefined) {
            return Effect.succeed(hit.value as A)
          }
          const pending = inFlight.get(k)
          if (pending !== undefined) {
            // Share the fetch in flight; if its owner was interrupted, try again ourselves.
            return Effect.flatMap(Effect.exit(Deferred.await(pending)), (exit) =>
              Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)
                ? getOrFetch(key, fetch)
                : (exit as Exit.Exit<A, E>))
          }
          const deferred = Deferred.unsafeMake<unknown, unknown>(undefined as never)
          inFlight.set(k, deferred)
          return fetchAndStore(k, fetch).pipe(
            Effect.onExit((exit) => {
              if (inFlight.get(k) === deferred) {
                inFlight.delete(k)
              }
              return Deferred.done(deferred, exit)
            })
          )
        })
      })

    const refresh = <A, E, R>(key: Key<A>, fetch: Effect.Effect<A, E, R>) =>
      Effect.suspend(() =>
        fetchAndStore(keyString(key), fetch)
      )

    return {
      getOrFetch,
      refresh,
      set: (key, value) =>
        Effect.map(Clock.currentTimeMillis, (now) =>
          store(keyString(key), value, now)),
      get: <A>(key: Key<A>) =>
        Effect.map(
          Clock.currentTimeMillis,
          (now) => Option.fromNullable(lookup(keyString(key), now) as Entry<A> | undefined)
        ),
      invalidate: (key) => Effect.sync(() => void entries.delete(keyString(key))),
      invalidateAll: Effect.sync(() => entries.clear()),
      size: Effect.sync(() => entries.size)
    } satisfies Service
  })

/**
 * A cache that never keeps anything: every `get` fetches.
 *
 * @since 0.1.0
 * @category constructors
 */
export const disabled: Service = {
  getOrFetch: (_key, fetch) => fetch,
  refresh: (_key, fetch) => fetch,
  set: () => Effect.void,
  get: () => Effect.succeed(Option.none()),
  invalidate: () => Effect.void,
  invalidateAll: Effect.void,
  size: Effect.succeed(0)
}

/**
 * The default cache: in memory, bounded, no expiry (snapshots are refreshed explicitly with `reload`).
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Effect } from "effect"
 * import { Experiment, ResourceCache } from "effect-determined"
 *
 * // serve snapshots for at most 30 seconds, then fetch again
 * const fresh = Experiment.get(7).pipe(Effect.provide(ResourceCache.layerMemory({ timeToLive: "30 seconds" })))
 */
export const layerMemory = (options: MemoryOptions = {}): Layer.Layer<ResourceCache> =>
  Layer.effect(ResourceCache, makeMemory(options))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerDisabled: Layer.Layer<ResourceCache> = Layer.succeed(ResourceCache, disabled)
