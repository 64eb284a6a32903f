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
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { InvalidConfiguration } from "../DeterminedError.js"

/**
 * A cache key: a resource kind and an id. The type parameter ties the key to the value it holds.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Experiment, ResourceCache } from "effect-determined"
 *
 * const key: ResourceCache.Key<Experiment.Experiment> = ResourceCache.key("experiment", 7)
 * const cached = Effect.flatMap(ResourceCache.ResourceCache, (cache) => cache.get(key))
 */
export interface Key<A> {
  readonly kind: string
  readonly id: string
  readonly _A?: (_: never) => A
}

/**
 * A cache key from a resource kind and an id (numbers and strings give the same key).
 *
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
 * @example
 * import { Effect, Option } from "effect"
 * import { Experiment, ResourceCache } from "effect-determined"
 *
 * // how old the cached snapshot of experiment 7 is, in milliseconds
 * const age = Effect.gen(function*() {
 *   const cache = yield* ResourceCache.ResourceCache
 *   const entry: Option.Option<ResourceCache.Entry<Experiment.Experiment>> = yield* cache.get(
 *     ResourceCache.key<Experiment.Experiment>("experiment", 7)
 *   )
 *   const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
 *   return Option.map(entry, (e) => now - e.fetchedAt)
 * })
 */
export interface Entry<A> {
  readonly value: A
  readonly fetchedAt: number
}

/**
 * Who a value is: every key it is known under (the first is its own, the others are aliases: a model by id and
 * by name is one entry) and the keys of the entities it mentions (a trial its experiment, an experiment its
 * trials). When an entity goes stale with its relations (`invalidate(key, { related: true })`), the entries it
 * mentions and the entries that mention it go stale too.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { ResourceCache } from "effect-determined"
 *
 * interface Note {
 *   readonly id: number
 *   readonly projectId: number
 *   readonly text: string
 * }
 *
 * // a note is known by its id and mentions its project: invalidating the project with `related` drops it too
 * const identify = (note: Note): ResourceCache.Identity => ({
 *   keys: [ResourceCache.key("note", note.id)],
 *   links: [ResourceCache.key("project", note.projectId)]
 * })
 *
 * const cached = (fetch: Effect.Effect<Note>, id: number) =>
 *   Effect.flatMap(ResourceCache.ResourceCache, (cache) => cache.getOrFetch(ResourceCache.key<Note>("note", id), fetch, identify))
 */
export interface Identity {
  readonly keys: ReadonlyArray<Key<unknown>>
  readonly links?: ReadonlyArray<Key<unknown>> | undefined
}

/**
 * Options of `invalidate`: also the related entries, and the kinds that go stale when the cache knows nothing of the
 * entity.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { ResourceCache } from "effect-determined"
 *
 * // trial 12 changed: its experiment's snapshot is stale too, even when the cache cannot tell which one it is
 * const options: ResourceCache.InvalidateOptions = { related: true, otherwiseKinds: ["experiment"] }
 * const stale = Effect.flatMap(ResourceCache.ResourceCache, (cache) => cache.invalidate(ResourceCache.key("trial", 12), options))
 */
export interface InvalidateOptions {
  /** Also the entries this entity mentions and the entries that mention it. */
  readonly related?: boolean | undefined
  /**
   * With `related`: when the cache knows nothing of the entity (not cached, mentioned by nothing cached), every
   * entry of these kinds goes stale, because one of them may be related to it (a trial killed by id makes its
   * experiment stale even when the cache cannot tell which one that is).
   */
  readonly otherwiseKinds?: ReadonlyArray<string> | undefined
}

/**
 * What a cache does: read through it, refresh, store, look up, invalidate (by key, kind or all) and count.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { ResourceCache } from "effect-determined"
 *
 * // what the cache holds, then nothing
 * const cleared = Effect.gen(function*() {
 *   const cache: ResourceCache.Service = yield* ResourceCache.ResourceCache
 *   const before = yield* cache.size
 *   yield* cache.invalidateAll
 *   return { before, after: yield* cache.size }
 * })
 */
export interface Service {
  /**
   * The cached value (under its key or any alias), or the result of `fetch` stored under the keys `identify`
   * gives. Concurrent misses of one key share one fetch. A fetch whose keys (or the entities it mentions) were
   * invalidated while it ran is returned to its callers but not stored.
   */
  readonly getOrFetch: <A, E, R>(
    key: Key<A>,
    fetch: Effect.Effect<A, E, R>,
    identify?: ((value: A) => Identity) | undefined
  ) => Effect.Effect<A, E, R>
  /** Always fetch, store the fresh value (unless it was invalidated meanwhile) and return it. */
  readonly refresh: <A, E, R>(
    key: Key<A>,
    fetch: Effect.Effect<A, E, R>,
    identify?: ((value: A) => Identity) | undefined
  ) => Effect.Effect<A, E, R>
  /**
   * Store a value the caller got some other way (e.g. from a mutation's response). It is newer than any fetch
   * in flight for the same keys: those are not stored.
   */
  readonly set: <A>(key: Key<A>, value: A, identify?: ((value: A) => Identity) | undefined) => Effect.Effect<void>
  /** The entry, under its key or an alias, if cached and not expired. */
  readonly get: <A>(key: Key<A>) => Effect.Effect<Option.Option<Entry<A>>>
  /**
   * Drop the entry (under all its keys) and void the fetches in flight for it; with `related`, the entities it
   * mentions and those that mention it too.
   */
  readonly invalidate: <A>(key: Key<A>, options?: InvalidateOptions | undefined) => Effect.Effect<void>
  /** Drop every entry of a kind and void its fetches in flight. */
  readonly invalidateKind: (kind: string) => Effect.Effect<void>
  readonly invalidateAll: Effect.Effect<void>
  /** Number of live entries. */
  readonly size: Effect.Effect<number>
}

/**
 * The cache of resource snapshots in use: `layerMemory` (the default) or `layerDisabled`.
 *
 * @since 0.1.0
 * @category tags
 * @example
 * import { Effect } from "effect"
 * import { Experiment, ResourceCache } from "effect-determined"
 * import { LocalMaster } from "effect-determined/testing"
 *
 * // a list stores a snapshot of every experiment it returned
 * const cachedEntries = Effect.gen(function*() {
 *   yield* Experiment.list()
 *   const cache = yield* ResourceCache.ResourceCache
 *   return yield* cache.size
 * }).pipe(Effect.provide(LocalMaster.layer()))
 */
export class ResourceCache extends Context.Tag("effect-determined/ResourceCache")<ResourceCache, Service>() {}

/**
 * Options of the memory cache: how many entries it keeps and how long it serves one.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Determined, Experiment } from "effect-determined"
 *
 * const options: Determined.Options["cache"] = { capacity: 1_000, timeToLive: "1 minute" }
 * const program = Experiment.get(7).pipe(Effect.provide(Determined.layer({ cache: options })))
 */
export interface MemoryOptions {
  /** Most entries kept; the least recently used goes first. Default 10,000. */
  readonly capacity?: number | undefined
  /** How long an entry is served before it is fetched again. Default: no expiry (only explicit refresh). */
  readonly timeToLive?: Duration.DurationInput | undefined
}

const keyString = (key: Key<unknown>) => `${key.kind}\u0000${key.id}`

interface Stored {
  readonly value: unknown
  fetchedAt: number
  readonly kind: string
  /** The generation the value's fetch started in (or it was set in): an older value never replaces it. */
  generation: number
  /** Its own key first, then its aliases (key strings). */
  readonly keys: ReadonlyArray<string>
  readonly links: ReadonlyArray<string>
}

/** A fetch in flight: the Deferred its waiters wait on, made when the first one comes. */
interface Flight {
  deferred: Deferred.Deferred<unknown, unknown> | undefined
}

/**
 * An in-memory LRU cache with generations: every invalidation (and every `set`) starts a new generation and
 * records it on the keys it touches; a fetch remembers the generation it started in and stores its value only if
 * none of the value's keys, nor the entities it mentions, were touched since. So `get` racing `kill` never
 * brings back the snapshot from before the kill.
 *
 * Effect's `Cache` was considered and not used (docs/ARCHITECTURE.md): its lookup stores its result whatever
 * happened meanwhile (an `invalidate` during a lookup is overwritten by the old value), it has one lookup function
 * fixed with its environment when the cache is made, caches failures, and has no aliases or relations.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Effect, Layer } from "effect"
 * import { ResourceCache } from "effect-determined"
 *
 * // the memory cache as a value, e.g. to wrap it before providing it
 * const cache = Layer.effect(
 *   ResourceCache.ResourceCache,
 *   Effect.map(ResourceCache.makeMemory({ capacity: 500 }), (service) => ({
 *     ...service,
 *     invalidateAll: Effect.zipRight(Effect.log("cache cleared"), service.invalidateAll)
 *   }))
 * )
 */
export const makeMemory = (options: MemoryOptions = {}): Effect.Effect<Service> =>
  Effect.sync(() => {
    const capacity = Math.max(1, options.capacity ?? 10_000)
    const ttl = options.timeToLive === undefined ? undefined : Duration.toMillis(options.timeToLive)
    // by own key, in LRU order (a Map iterates in insertion order; a hit re-inserts)
    const entries = new Map<string, Stored>()
    // any key or alias → own key
    const index = new Map<string, string>()
    // key (or alias) → own keys of the entries that mention it
    const linkedBy = new Map<string, Set<string>>()
    const inFlight = new Map<string, Flight>()
    let generation = 0
    // generation of the last invalidation of a key, of a kind, of everything; kept while fetches run
    const touchedAt = new Map<string, number>()
    const kindTouchedAt = new Map<string, number>()
    let allTouchedAt = 0
    let running = 0

    const kindOf = (k: string) => k.slice(0, k.indexOf("\u0000"))

    const touch = (k: string) => {
      // only a fetch in flight can be voided; one that starts later starts in a newer generation
      if (running > 0) touchedAt.set(k, generation)
      // a fetch in flight for this key may predate the change: later callers do not join it
      inFlight.delete(k)
    }

    const remove = (own: string) => {
      const entry = entries.get(own)
      if (entry === undefined) return
      entries.delete(own)
      for (const k of entry.keys) if (index.get(k) === own) index.delete(k)
      for (const l of entry.links) {
        const set = linkedBy.get(l)
        if (set === undefined) continue
        set.delete(own)
        if (set.size === 0) linkedBy.delete(l)
      }
    }

    const identityOf = (requested: string, value: unknown, identify: ((value: any) => Identity) | undefined) => {
      const identity = identify?.(value)
      const keys = identity === undefined || identity.keys.length === 0 ? [requested] : identity.keys.map(keyString)
      return { keys, links: (identity?.links ?? []).map(keyString) }
    }

    const touchedSince = (since: number, names: ReadonlyArray<string>) => {
      for (const k of names) {
        if ((touchedAt.get(k) ?? 0) > since || (kindTouchedAt.get(kindOf(k)) ?? 0) > since) return true
      }
      return false
    }

    const voided = (since: number, keys: ReadonlyArray<string>, links: ReadonlyArray<string>) =>
      allTouchedAt > since || (running > 0 && (touchedSince(since, keys) || touchedSince(since, links)))

    const store = (
      requested: string,
      value: unknown,
      identity: { readonly keys: Array<string>; readonly links: ReadonlyArray<string> },
      now: number,
      since: number
    ) => {
      const { keys, links } = identity
      if (!keys.includes(requested)) keys.push(requested)
      if (voided(since, keys, links)) return
      const own = keys[0]!
      const previous = entries.get(index.get(own) ?? own)
      if (previous !== undefined && previous.generation > since) return
      for (const k of keys) {
        const holder = index.get(k)
        if (holder !== undefined) remove(holder)
      }
      entries.set(own, { value, fetchedAt: now, kind: kindOf(own), generation: since, keys, links })
      for (const k of keys) index.set(k, own)
      for (const l of links) {
        const set = linkedBy.get(l) ?? new Set<string>()
        set.add(own)
        linkedBy.set(l, set)
      }
      while (entries.size > capacity) {
        const oldest = entries.keys().next()
        if (oldest.done === true) break
        remove(oldest.value)
      }
    }

    const lookup = (k: string, now: number): Stored | undefined => {
      const own = index.get(k)
      const entry = own === undefined ? undefined : entries.get(own)
      if (entry === undefined || own === undefined) return undefined
      if (ttl !== undefined && now - entry.fetchedAt >= ttl) {
        remove(own)
        return undefined
      }
      entries.delete(own)
      entries.set(own, entry)
      return entry
    }

    // One fetch: store its value if nothing voided it meanwhile, then `done` (with the fetch's exit), in the one
    // finalizer of the miss. The miss path is the whole cost of the cache on a get (docs/BENCHMARKS.md): no
    // Effect step beyond the fetch and its `onExit`, the `clock` read by the caller's `clockWith`.
    const fetchAndStore = <A, E, R>(
      k: string,
      fetch: Effect.Effect<A, E, R>,
      identify: ((value: A) => Identity) | undefined,
      clock: Clock.Clock,
      done?: (exit: Exit.Exit<A, E>) => void
    ): Effect.Effect<A, E, R> => {
      const since = generation
      running++
      return Effect.onExit(fetch, (exit) => {
        let result: Exit.Exit<A, E> = exit
        let broken = false
        let defect: unknown
        if (Exit.isSuccess(exit)) {
          // stored before `running` drops: what was touched while it ran must still be known
          try {
            store(k, exit.value, identityOf(k, exit.value, identify), clock.unsafeCurrentTimeMillis(), since)
          } catch (e) {
            // `identify` threw: the miss dies with it, and so do its waiters
            broken = true
            defect = e
            result = Exit.die(e)
          }
        }
        running--
        if (running === 0) {
          // nothing in flight can be voided any more: forget what was touched
          touchedAt.clear()
          kindTouchedAt.clear()
        }
        done?.(result)
        return broken ? Effect.die(defect) : Effect.void
      })
    }

    const getOrFetch = <A, E, R>(
      key: Key<A>,
      fetch: Effect.Effect<A, E, R>,
      identify?: ((value: A) => Identity) | undefined
    ): Effect.Effect<A, E, R> =>
      Effect.clockWith((clock): Effect.Effect<A, E, R> => {
        const k = keyString(key)
        const hit = lookup(k, clock.unsafeCurrentTimeMillis())
        if (hit !== undefined) {
          return Effect.succeed(hit.value as A)
        }
        const pending = inFlight.get(k)
        if (pending !== undefined) {
          // Share the fetch in flight (its Deferred is made by the first caller that waits: a miss nobody joins,
          // nearly all of them, makes none); if its owner was interrupted, try again ourselves.
          const deferred = pending.deferred ??= Deferred.unsafeMake<unknown, unknown>(undefined as never)
          return Effect.flatMap(Effect.exit(Deferred.await(deferred)), (exit) =>
            Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)
              ? getOrFetch(key, fetch, identify)
              : (exit as Exit.Exit<A, E>))
        }
        const flight: Flight = { deferred: undefined }
        inFlight.set(k, flight)
        return fetchAndStore(k, fetch, identify, clock, (exit) => {
          if (inFlight.get(k) === flight) {
            inFlight.delete(k)
          }
          if (flight.deferred !== undefined) {
            Deferred.unsafeDone(flight.deferred, exit)
          }
        })
      })

    const invalidateKey = (k: string, options: InvalidateOptions | undefined) => {
      generation++
      const own = index.get(k)
      const entry = own === undefined ? undefined : entries.get(own)
      const names = entry?.keys ?? [k]
      const targets = new Set<string>(own === undefined ? [] : [own])
      for (const name of names) touch(name)
      if (options?.related === true) {
        for (const name of names) for (const other of linkedBy.get(name) ?? []) targets.add(other)
        for (const link of entry?.links ?? []) {
          touch(link)
          const linked = index.get(link)
          if (linked !== undefined) targets.add(linked)
        }
        // the cache cannot tell which entry of such a kind is related: all of them are stale
        for (const kind of options.otherwiseKinds ?? []) {
          if (entry !== undefined) break
          if (![...targets].some((t) => entries.get(t)?.kind === kind)) invalidateKindNow(kind)
        }
      }
      for (const target of targets) {
        for (const name of entries.get(target)?.keys ?? []) touch(name)
        remove(target)
      }
    }

    const invalidateKindNow = (kind: string) => {
      if (running > 0) kindTouchedAt.set(kind, generation)
      for (const [own, entry] of [...entries]) if (entry.kind === kind) remove(own)
      for (const k of [...inFlight.keys()]) if (kindOf(k) === kind) inFlight.delete(k)
    }

    return {
      getOrFetch,
      refresh: (key, fetch, identify) =>
        Effect.clockWith((clock) => fetchAndStore(keyString(key), fetch, identify, clock)),
      set: (key, value, identify) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          generation++
          const k = keyString(key)
          const own = index.get(k)
          const entry = own === undefined ? undefined : entries.get(own)
          if (own !== undefined && entry !== undefined && entry.value === value) {
            // The very snapshot stored already (a poll that saw no change): its keys and links are the ones it
            // has, so only its freshness, generation and LRU place change, as storing it anew would do.
            for (const name of entry.keys) touch(name)
            entry.fetchedAt = now
            entry.generation = generation
            entries.delete(own)
            entries.set(own, entry)
            return
          }
          const identity = identityOf(k, value, identify)
          touch(k)
          for (const name of identity.keys) touch(name)
          store(k, value, identity, now, generation)
        }),
      get: <A>(key: Key<A>) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const hit = lookup(keyString(key), now)
          return hit === undefined ? Option.none() : Option.some<Entry<A>>({
            value: hit.value as A,
            fetchedAt: hit.fetchedAt
          })
        }),
      invalidate: (key, options) => Effect.sync(() => invalidateKey(keyString(key), options)),
      invalidateKind: (kind) =>
        Effect.sync(() => {
          generation++
          invalidateKindNow(kind)
        }),
      invalidateAll: Effect.sync(() => {
        generation++
        allTouchedAt = generation
        entries.clear()
        index.clear()
        linkedBy.clear()
        inFlight.clear()
      }),
      size: Effect.sync(() => entries.size)
    } satisfies Service
  })

/**
 * A cache that never keeps anything: every `get` fetches.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Effect } from "effect"
 * import { Experiment, ResourceCache } from "effect-determined"
 *
 * // one call without the cache, the rest of the program keeps it
 * const fresh = Experiment.get(7).pipe(Effect.provideService(ResourceCache.ResourceCache, ResourceCache.disabled))
 */
export const disabled: Service = {
  getOrFetch: (_key, fetch) => fetch,
  refresh: (_key, fetch) => fetch,
  set: () => Effect.void,
  get: () => Effect.succeed(Option.none()),
  invalidate: () => Effect.void,
  invalidateKind: () => Effect.void,
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
 * No cache: every `get` asks the master (what `DET_CACHE=off` selects).
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Effect } from "effect"
 * import { Experiment, ResourceCache } from "effect-determined"
 *
 * // every get asks the master
 * const alwaysFresh = Experiment.list().pipe(Effect.provide(ResourceCache.layerDisabled))
 */
export const layerDisabled: Layer.Layer<ResourceCache> = Layer.succeed(ResourceCache, disabled)

/**
 * The cache a stack uses: in memory with these options, or none (`false`). `Determined.layer({ cache })`,
 * `Determined.layerConfig({ cache })` and `LocalMaster.layer({ cache })` take it.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { ResourceCache } from "effect-determined"
 *
 * const fiveMinutes: ResourceCache.Options = { capacity: 1_000, timeToLive: "5 minutes" }
 * const none: ResourceCache.Options = false
 */
export type Options = MemoryOptions | false

/**
 * Check cache options: `capacity` must be a positive integer and `timeToLive` a positive duration. The message
 * of the error names the option (`cache.capacity`) and the value.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Either } from "effect"
 * import { ResourceCache } from "effect-determined"
 *
 * assert.ok(Either.isLeft(ResourceCache.validate({ capacity: 0 })))
 * assert.ok(Either.isRight(ResourceCache.validate({ timeToLive: "30 seconds" })))
 */
export const validate = (options: Options): Either.Either<Options, InvalidConfiguration> => {
  if (options === false) return Either.right(options)
  const { capacity, timeToLive } = options
  if (capacity !== undefined && !isCapacity(capacity)) {
    return Either.left(invalid("cache.capacity", capacity, "a positive integer"))
  }
  if (timeToLive !== undefined) {
    const ttl = Duration.decodeUnknown(timeToLive)
    if (Option.isNone(ttl) || !Duration.greaterThan(ttl.value, Duration.zero)) {
      return Either.left(invalid("cache.timeToLive", timeToLive, "a positive duration such as \"5 minutes\""))
    }
  }
  return Either.right(options)
}

const isCapacity = (n: number) => Number.isSafeInteger(n) && n > 0

const invalid = (name: string, value: unknown, expected: string) =>
  new InvalidConfiguration({
    message: `${name}=${
      typeof value === "string" ? JSON.stringify(value) : String(value)
    } is not valid: expected ${expected}`
  })

/**
 * The cache the options ask for, after {@link validate}: {@link makeMemory} or {@link disabled}.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Effect } from "effect"
 * import { ResourceCache } from "effect-determined"
 *
 * const entries = Effect.flatMap(ResourceCache.make({ capacity: 100 }), (cache) => cache.size)
 */
export const make = (options: Options): Effect.Effect<Service, InvalidConfiguration> =>
  Effect.flatMap(validate(options), (valid) => valid === false ? Effect.succeed(disabled) : makeMemory(valid))

/**
 * The cache the options ask for, as a layer; bad options fail it with `InvalidConfiguration`.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { ResourceCache } from "effect-determined"
 *
 * const short = ResourceCache.layer({ capacity: 500, timeToLive: "10 seconds" })
 * const none = ResourceCache.layer(false)
 */
export const layer = (options: Options): Layer.Layer<ResourceCache, InvalidConfiguration> =>
  Layer.effect(ResourceCache, make(options))

/**
 * The cache options the configuration gives (the environment by default):
 *
 * - `DET_CACHE`: `memory` (the default) or `off`;
 * - `DET_CACHE_CAPACITY`: most entries kept, a positive integer (default 10,000);
 * - `DET_CACHE_TTL`: how long an entry is served, an Effect duration such as `30 seconds` or `5 minutes`
 *   (default: no expiry).
 *
 * A value that is not one of these fails with `InvalidConfiguration` naming the variable and the value, and so does
 * a capacity or time to live given with `DET_CACHE=off` (they would be silently ignored).
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { ConfigProvider, Effect } from "effect"
 * import { ResourceCache } from "effect-determined"
 *
 * const options = ResourceCache.fromEnv.pipe(
 *   Effect.withConfigProvider(ConfigProvider.fromJson({ DET_CACHE_TTL: "30 seconds" }))
 * )
 * // Effect.runSync(options) is { capacity: undefined, timeToLive: Duration.seconds(30) }
 */
export const fromEnv: Effect.Effect<Options, InvalidConfiguration | ConfigError.ConfigError> = Effect.gen(
  function*() {
    const mode = yield* Config.option(Config.string("DET_CACHE"))
    const capacity = yield* Config.option(Config.string("DET_CACHE_CAPACITY"))
    const timeToLive = yield* Config.option(Config.string("DET_CACHE_TTL"))
    const kind = Option.map(mode, (m) => m.trim().toLowerCase())
    if (Option.isSome(kind) && kind.value !== "off" && kind.value !== "memory") {
      return yield* invalid("DET_CACHE", Option.getOrThrow(mode), "\"memory\" or \"off\"")
    }
    if (Option.isSome(kind) && kind.value === "off") {
      const set = Option.isSome(capacity) ? "DET_CACHE_CAPACITY" : Option.isSome(timeToLive) ? "DET_CACHE_TTL" : null
      if (set !== null) {
        return yield* new InvalidConfiguration({ message: `${set} is set but DET_CACHE=off: unset one of them` })
      }
      return false
    }
    const size = Option.map(capacity, (c) => c.trim())
    if (Option.isSome(size) && !(/^[0-9]+$/.test(size.value) && isCapacity(Number(size.value)))) {
      return yield* invalid("DET_CACHE_CAPACITY", Option.getOrThrow(capacity), "a positive integer")
    }
    const ttl = Option.flatMap(timeToLive, (t) => Option.some(Duration.decodeUnknown(t.trim())))
    if (Option.isSome(ttl) && !(Option.isSome(ttl.value) && Duration.greaterThan(ttl.value.value, Duration.zero))) {
      return yield* invalid(
        "DET_CACHE_TTL",
        Option.getOrThrow(timeToLive),
        "a positive duration such as \"30 seconds\" or \"5 minutes\""
      )
    }
    return {
      capacity: Option.getOrUndefined(Option.map(size, Number)),
      timeToLive: Option.getOrUndefined(Option.flatten(ttl))
    }
  }
)

/**
 * {@link layer} with the options of {@link fromEnv}.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Effect } from "effect"
 * import { Experiment, ResourceCache } from "effect-determined"
 *
 * // DET_CACHE=off in the environment: every get fetches
 * const fresh = Experiment.get(7).pipe(Effect.provide(ResourceCache.layerFromEnv))
 */
export const layerFromEnv: Layer.Layer<ResourceCache, InvalidConfiguration | ConfigError.ConfigError> = Layer.effect(
  ResourceCache,
  Effect.flatMap(fromEnv, make)
)
