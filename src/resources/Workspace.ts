/**
 * Workspaces: the top level of the project hierarchy.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import * as Errors from "../DeterminedError.js"
import { DeterminedHttp, path } from "../services/DeterminedHttp.js"
import * as Pagination from "../services/Pagination.js"
import * as ResourceCache from "../services/ResourceCache.js"
import * as Wire from "./internal/wire.js"

/**
 * Workspace states of the master (`WORKSPACE_STATE_*` on the wire).
 *
 * @since 0.1.0
 * @category models
 */
export type WorkspaceState = Wire.Open<"UNSPECIFIED" | "DELETING" | "DELETE_FAILED" | "DELETED">

/**
 * An immutable snapshot of a workspace.
 *
 * @since 0.1.0
 * @category models
 */
export class Workspace extends Schema.Class<Workspace>("effect-determined/Workspace")({
  id: Schema.Number,
  name: Schema.String,
  archived: Schema.Boolean,
  username: Schema.String,
  userId: Schema.Number,
  immutable: Schema.Boolean,
  numProjects: Schema.Number,
  numExperiments: Schema.Number,
  pinned: Schema.Boolean,
  state: Wire.Enum("WORKSPACE_STATE_", ["UNSPECIFIED", "DELETING", "DELETE_FAILED", "DELETED"]),
  errorMessage: Schema.optionalWith(Schema.String, { default: () => "" }),
  pinnedAt: Schema.optionalWith(Schema.NullOr(Wire.Timestamp), { default: () => null }),
  checkpointStorageConfig: Schema.optionalWith(Schema.NullOr(Wire.JsonObjectSchema), { default: () => null }),
  defaultComputePool: Schema.optionalWith(Schema.String, { default: () => "" }),
  defaultAuxPool: Schema.optionalWith(Schema.String, { default: () => "" })
}) {}

const WorkspaceResponse = Schema.Struct({ workspace: Workspace })
const WorkspacesResponse = Schema.Struct({
  workspaces: Schema.Array(Workspace),
  pagination: Schema.optional(Schema.NullOr(Pagination.Pagination))
})

/**
 * The cache key of a workspace snapshot.
 *
 * @since 0.1.0
 * @category cache
 */
export const cacheKey = (id: number) => ResourceCache.key<Workspace>("workspace", id)

const fetch = (id: number) =>
  Effect.flatMap(DeterminedHttp, (http) =>
    http.json(
      { method: "GET", path: path`/api/v1/workspaces/${id}`, notFound: { resource: "workspace", id } },
      WorkspaceResponse
    )).pipe(Effect.map((r) => r.workspace))

/**
 * A workspace by id, from the cache when it holds one.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Workspace } from "effect-determined"
 *
 * const name = Workspace.get(1).pipe(Effect.map((ws) => ws.name))
 */
export const get = Effect.fn("Workspace.get")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.workspace.id", id)
  const cache = yield* ResourceCache.ResourceCache
  return yield* cache.getOrFetch(cacheKey(id), fetch(id))
})

/**
 * Fetch a workspace again, store it in the cache and return it.
 *
 * @since 0.1.0
 * @category operations
 */
export const reload = Effect.fn("Workspace.reload")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.workspace.id", id)
  const cache = yield* ResourceCache.ResourceCache
  return yield* cache.refresh(cacheKey(id), fetch(id))
})

/**
 * Filters of {@link list}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListOptions {
  /** Case-insensitive name match. */
  readonly name?: string | undefined
  readonly archived?: boolean | undefined
  readonly pinned?: boolean | undefined
  readonly users?: ReadonlyArray<string> | undefined
  readonly userIds?: ReadonlyArray<number> | undefined
  readonly sortBy?: "id" | "name" | undefined
  readonly orderBy?: Wire.OrderBy | undefined
}

const page = (options: ListOptions) => (offset: number) =>
  Effect.flatMap(DeterminedHttp, (http) =>
    http.json({
      method: "GET",
      path: "/api/v1/workspaces",
      query: {
        offset,
        name: options.name,
        archived: options.archived,
        pinned: options.pinned,
        users: options.users,
        userIds: options.userIds,
        sortBy: options.sortBy === undefined ? undefined : `SORT_BY_${options.sortBy.toUpperCase()}`,
        orderBy: Wire.orderByToWire(options.orderBy)
      }
    }, WorkspacesResponse)).pipe(Effect.map((r) => ({ items: r.workspaces, pagination: r.pagination })))

/**
 * Every workspace matching the filters (all pages).
 *
 * @since 0.1.0
 * @category operations
 */
export const list = Effect.fn("Workspace.list")(function*(options: ListOptions = {}) {
  return yield* Pagination.collect(page(options))
})

/**
 * Workspaces matching the filters as a lazy stream.
 *
 * @since 0.1.0
 * @category operations
 */
export const stream = (
  options: ListOptions = {}
): Stream.Stream<Workspace, Errors.HttpError, DeterminedHttp> => Pagination.stream(page(options))

/**
 * A workspace by exact name. Fails with `NotFound` when none has that name.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const ws = Workspace.getByName("my_workspace")
 */
export const getByName = Effect.fn("Workspace.getByName")(function*(name: string) {
  yield* Effect.annotateCurrentSpan("determined.workspace.name", name)
  const found = (yield* list({ name })).filter((w) => w.name === name)
  const first = found[0]
  if (first === undefined) {
    return yield* new Errors.NotFound({
      method: "GET",
      path: "/api/v1/workspaces",
      resource: "workspace",
      id: name,
      message: `no workspace named ${JSON.stringify(name)}`
    })
  }
  const cache = yield* ResourceCache.ResourceCache
  yield* cache.set(cacheKey(first.id), first)
  return first
})
