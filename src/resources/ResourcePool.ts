/**
 * Resource pools and their workspace bindings.
 *
 * A pool is named by its name. Bindings restrict which workspaces may use a pool; the default pools cannot be
 * bound (the master refuses).
 *
 * Upstream's `ResourcePool.list_workspaces()` returns a list of `None` (it builds `Workspace` objects from the
 * ids the master sends and reads their never-loaded `name`). Here {@link listWorkspaces} returns the bound
 * workspaces themselves (id, name and the rest, read through the cache), and {@link listWorkspaceIds} the ids
 * without any further request.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type * as Errors from "../DeterminedError.js"
import { DeterminedHttp, path } from "../services/DeterminedHttp.js"
import * as Pagination from "../services/Pagination.js"
import * as Wire from "./internal/wire.js"
import * as Workspace from "./Workspace.js"

/**
 * Kinds of pool (`RESOURCE_POOL_TYPE_*` on the wire).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { ResourcePool } from "effect-determined"
 *
 * const isCloud = (type: ResourcePool.PoolType): boolean => type === "AWS" || type === "GCP"
 * const cloudPools = ResourcePool.list().pipe(Effect.map((pools) => pools.filter((p) => isCloud(p.type)).map((p) => p.name)))
 */
export type PoolType = Wire.Open<"UNSPECIFIED" | "AWS" | "GCP" | "STATIC" | "K8S">

/**
 * Slot device types (`TYPE_*` on the wire).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { ResourcePool } from "effect-determined"
 *
 * const gpu: ReadonlyArray<ResourcePool.SlotType> = ["CUDA", "ROCM"]
 * const gpuSlots = ResourcePool.list().pipe(
 *   Effect.map((pools) => pools.filter((p) => gpu.includes(p.slotType)).reduce((n, p) => n + p.slotsAvailable, 0))
 * )
 */
export type SlotType = Wire.Open<"UNSPECIFIED" | "CPU" | "CUDA" | "ROCM">

/**
 * Scheduler kinds (`SCHEDULER_TYPE_*` on the wire).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { ResourcePool } from "effect-determined"
 *
 * const schedulers = ResourcePool.list().pipe(
 *   Effect.map((pools) => new Map(pools.map((p): [string, ResourcePool.SchedulerType] => [p.name, p.schedulerType])))
 * )
 */
export type SchedulerType = Wire.Open<
  "UNSPECIFIED" | "PRIORITY" | "FAIR_SHARE" | "ROUND_ROBIN" | "KUBERNETES" | "SLURM" | "PBS"
>

/**
 * Fitting policies (`FITTING_POLICY_*` on the wire).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { ResourcePool } from "effect-determined"
 *
 * const packing = ResourcePool.list().pipe(
 *   Effect.map((pools) => pools.filter((p) => (p.schedulerFittingPolicy satisfies ResourcePool.FittingPolicy) === "BEST"))
 * )
 */
export type FittingPolicy = Wire.Open<"UNSPECIFIED" | "BEST" | "WORST" | "KUBERNETES" | "SLURM" | "PBS">

const str = Schema.optionalWith(Schema.String, { default: () => "" })
const int = Schema.optionalWith(Schema.Number, { default: () => 0 })
const bool = Schema.optionalWith(Schema.Boolean, { default: () => false })

/**
 * An immutable snapshot of a resource pool, as `GET /api/v1/resource-pools` describes it (upstream's
 * `ResourcePool` carries only `name`). Fields a master leaves out decode to `""`, `0`, `false` or `null`.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { ResourcePool } from "effect-determined"
 *
 * const usage = ResourcePool.list().pipe(
 *   Effect.map((pools: ReadonlyArray<ResourcePool.ResourcePool>) =>
 *     pools.map((p) => `${p.name}: ${p.slotsUsed}/${p.slotsAvailable} slots, ${p.numAgents} agents`))
 * )
 */
export class ResourcePool extends Schema.Class<ResourcePool>("effect-determined/ResourcePool")({
  name: Schema.String,
  description: str,
  type: Schema.optionalWith(
    Wire.Enum("RESOURCE_POOL_TYPE_", ["UNSPECIFIED", "AWS", "GCP", "STATIC", "K8S"]),
    { default: () => "UNSPECIFIED" }
  ),
  numAgents: int,
  slotsAvailable: int,
  slotsUsed: int,
  slotType: Schema.optionalWith(Wire.Enum("TYPE_", ["UNSPECIFIED", "CPU", "CUDA", "ROCM"]), {
    default: () => "UNSPECIFIED"
  }),
  auxContainerCapacity: int,
  auxContainersRunning: int,
  defaultComputePool: bool,
  defaultAuxPool: bool,
  preemptible: bool,
  minAgents: int,
  maxAgents: int,
  slotsPerAgent: int,
  auxContainerCapacityPerAgent: int,
  schedulerType: Schema.optionalWith(
    Wire.Enum("SCHEDULER_TYPE_", [
      "UNSPECIFIED",
      "PRIORITY",
      "FAIR_SHARE",
      "ROUND_ROBIN",
      "KUBERNETES",
      "SLURM",
      "PBS"
    ]),
    { default: () => "UNSPECIFIED" }
  ),
  schedulerFittingPolicy: Schema.optionalWith(
    Wire.Enum("FITTING_POLICY_", ["UNSPECIFIED", "BEST", "WORST", "KUBERNETES", "SLURM", "PBS"]),
    { default: () => "UNSPECIFIED" }
  ),
  location: str,
  imageId: str,
  instanceType: str,
  masterUrl: str,
  masterCertName: str,
  startupScript: str,
  containerStartupScript: str,
  agentDockerNetwork: str,
  agentDockerRuntime: str,
  agentDockerImage: str,
  agentFluentImage: str,
  maxIdleAgentPeriod: Schema.optionalWith(Wire.Double, { default: () => 0 }),
  maxAgentStartingPeriod: Schema.optionalWith(Wire.Double, { default: () => 0 }),
  /** Cloud and scheduler details (free-form). */
  details: Schema.optionalWith(Schema.NullOr(Wire.JsonObjectSchema), { default: () => null }),
  accelerator: str,
  /** Job queue statistics (free-form). */
  stats: Schema.optionalWith(Schema.NullOr(Wire.JsonObjectSchema), { default: () => null }),
  resourceManagerMetadata: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), {
    default: () => ({}),
    nullable: true
  }),
  clusterName: str
}) {}

const PoolsResponse = Schema.Struct({
  resourcePools: Schema.optionalWith(Schema.Array(ResourcePool), { default: () => [], nullable: true }),
  pagination: Schema.optional(Schema.NullOr(Pagination.Pagination))
})

/**
 * Filters of {@link list}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { ResourcePool } from "effect-determined"
 *
 * const options: ResourcePool.ListOptions = { unbound: true }
 * const shared = ResourcePool.list(options)
 */
export interface ListOptions {
  /** Only pools bound to no workspace. */
  readonly unbound?: boolean | undefined
}

const page = (options: ListOptions) => (offset: number) =>
  Effect.flatMap(DeterminedHttp, (http) =>
    http.json(
      { method: "GET", path: "/api/v1/resource-pools", query: { offset, unbound: options.unbound } },
      PoolsResponse
    )).pipe(Effect.map((r) => ({ items: r.resourcePools, pagination: r.pagination })))

/**
 * Every resource pool of the cluster (all pages). Not cached: pool usage changes all the time.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { ResourcePool } from "effect-determined"
 *
 * const free = ResourcePool.list().pipe(Effect.map((pools) => pools.map((p) => p.slotsAvailable - p.slotsUsed)))
 */
export const list = Effect.fn("ResourcePool.list")(function*(options: ListOptions = {}) {
  return yield* Pagination.collect(page(options))
})

/**
 * Resource pools as a lazy stream.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { ResourcePool } from "effect-determined"
 *
 * const pools = ResourcePool.stream({ unbound: true })
 */
export const stream = (
  options: ListOptions = {}
): Stream.Stream<ResourcePool, Errors.RequestError, DeterminedHttp> => Pagination.stream(page(options))

const IdsResponse = Schema.Struct({
  workspaceIds: Schema.optionalWith(Schema.Array(Schema.Number), { default: () => [], nullable: true }),
  pagination: Schema.optional(Schema.NullOr(Pagination.Pagination))
})

const bindingsPath = (pool: string) => path`/api/v1/resource-pools/${pool}/workspace-bindings`

/**
 * Ids of the workspaces bound to a pool (all pages). One request per page, nothing else.
 *
 * @since 0.1.0
 * @category bindings
 * @example
 * import { ResourcePool } from "effect-determined"
 *
 * const ids = ResourcePool.listWorkspaceIds("gpu")
 */
export const listWorkspaceIds = Effect.fn("ResourcePool.listWorkspaceIds")(function*(pool: string) {
  yield* Effect.annotateCurrentSpan("determined.resourcePool.name", pool)
  const http = yield* DeterminedHttp
  return yield* Pagination.collect((offset) =>
    http.json({
      method: "GET",
      path: bindingsPath(pool),
      query: { offset },
      notFound: { resource: "resourcePool", id: pool }
    }, IdsResponse).pipe(Effect.map((r) => ({ items: r.workspaceIds, pagination: r.pagination })))
  )
})

/**
 * The workspaces bound to a pool, with their names (upstream `list_workspaces`, which returns `None`s instead:
 * see the module documentation). Each workspace is read through the cache (`Workspace.get`).
 *
 * @since 0.1.0
 * @category bindings
 * @example
 * import { Effect } from "effect"
 * import { ResourcePool } from "effect-determined"
 *
 * const names = ResourcePool.listWorkspaces("gpu").pipe(Effect.map((ws) => ws.map((w) => w.name)))
 */
export const listWorkspaces = Effect.fn("ResourcePool.listWorkspaces")(function*(pool: string) {
  const ids = yield* listWorkspaceIds(pool)
  return yield* Effect.forEach(ids, (id) => Workspace.get(id), { concurrency: 8 })
})

/**
 * Workspaces to bind, by name (strings) or id (numbers), mixed freely.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { ResourcePool } from "effect-determined"
 *
 * // by name and by id, mixed
 * const workspaces: ResourcePool.Workspaces = ["research", 7]
 * const bound = ResourcePool.bind("gpu", workspaces)
 */
export type Workspaces = ReadonlyArray<string | number>

const bindingsBody = (pool: string, workspaces: Workspaces) => ({
  resourcePoolName: pool,
  workspaceNames: workspaces.filter((w): w is string => typeof w === "string"),
  workspaceIds: workspaces.filter((w): w is number => typeof w === "number")
})

const bindings = (method: "POST" | "DELETE" | "PUT", pool: string, workspaces: Workspaces) =>
  Effect.gen(function*() {
    yield* Effect.annotateCurrentSpan("determined.resourcePool.name", pool)
    const http = yield* DeterminedHttp
    yield* http.void({
      method,
      path: bindingsPath(pool),
      body: bindingsBody(pool, workspaces),
      notFound: { resource: "resourcePool", id: pool }
    })
  })

/**
 * Bind workspaces to a pool (upstream `add_bindings`). The master refuses default pools and existing
 * bindings. Not retried blindly.
 *
 * @since 0.1.0
 * @category bindings
 * @example
 * import { ResourcePool } from "effect-determined"
 *
 * const done = ResourcePool.bind("gpu", ["research", 7])
 */
export const bind = Effect.fn("ResourcePool.bind")((pool: string, workspaces: Workspaces) =>
  bindings("POST", pool, workspaces)
)

/**
 * Remove bindings of workspaces to a pool (upstream `remove_bindings`).
 *
 * @since 0.1.0
 * @category bindings
 * @example
 * import { ResourcePool } from "effect-determined"
 *
 * const done = ResourcePool.unbind("gpu", ["research"])
 */
export const unbind = Effect.fn("ResourcePool.unbind")((pool: string, workspaces: Workspaces) =>
  bindings("DELETE", pool, workspaces)
)

/**
 * Replace all bindings of a pool with these workspaces (upstream `replace_bindings`).
 *
 * @since 0.1.0
 * @category bindings
 * @example
 * import { ResourcePool } from "effect-determined"
 *
 * const done = ResourcePool.overwriteBindings("gpu", ["research", "production"])
 */
export const overwriteBindings = Effect.fn("ResourcePool.overwriteBindings")((
  pool: string,
  workspaces: Workspaces
) => bindings("PUT", pool, workspaces))
