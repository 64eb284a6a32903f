/**
 * The read-through pair every resource module offers: `get` (from the cache when it holds the snapshot) and
 * `reload` (always fetch, store, return), each a traced operation with the resource's id as span attribute.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as ResourceCache from "../../services/ResourceCache.js"

/** @internal */
export interface Spec<Id, A, E, R> {
  /** Module name, used for span names: `${module}.get`, `${module}.reload`. */
  readonly module: string
  /** Span attribute holding the id, e.g. `determined.experiment.id`. */
  readonly attribute: string
  readonly cacheKey: (id: Id) => ResourceCache.Key<A>
  readonly fetch: (id: Id) => Effect.Effect<A, E, R>
}

/** @internal */
export const make = <Id extends string | number, A, E, R>(spec: Spec<Id, A, E, R>) => ({
  get: Effect.fn(`${spec.module}.get`)(function*(id: Id) {
    yield* Effect.annotateCurrentSpan(spec.attribute, id)
    const cache = yield* ResourceCache.ResourceCache
    return yield* cache.getOrFetch(spec.cacheKey(id), spec.fetch(id))
  }),
  reload: Effect.fn(`${spec.module}.reload`)(function*(id: Id) {
    yield* Effect.annotateCurrentSpan(spec.attribute, id)
    const cache = yield* ResourceCache.ResourceCache
    return yield* cache.refresh(spec.cacheKey(id), spec.fetch(id))
  })
})
