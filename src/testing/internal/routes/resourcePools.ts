/**
 * Resource-pool ↔ workspace bindings (master/internal/api_resourcepool.go, db/postgres_rp_workspace_bindings.go)
 * and the pools available to a workspace.
 *
 * The pools are `default` (the default compute and aux pool, which can never be bound) plus the extra pools
 * given to `LocalMaster` with the `resourcePools` option. Bindings live in a per-world table here.
 *
 * @internal
 */
import type { World } from "../domain/store.js"
import type { JsonObject } from "../json.js"
import type { RouteContext, Routes } from "../router.js"
import { paginationJson, resourcePoolJson } from "../views.js"
import { internal, json, pageInfo, paginate } from "../wire.js"

interface PoolState {
  /** pool names in configuration order; `default` first */
  readonly pools: Array<string>
  /** insertion-ordered bindings */
  bindings: Array<{ readonly workspaceId: number; readonly pool: string }>
}

const states = new WeakMap<World, PoolState>()

const stateOf = (world: World): PoolState => {
  let s = states.get(world)
  if (s === undefined) {
    s = { pools: ["default"], bindings: [] }
    states.set(world, s)
  }
  return s
}

/** Adds extra (non-default) resource pools to a world. @internal */
export const addResourcePools = (world: World, names: ReadonlyArray<string>): void => {
  const s = stateOf(world)
  for (const n of names) if (n !== "" && !s.pools.includes(n)) s.pools.push(n)
}

/** Pool names of a world, `default` first. @internal */
export const poolNames = (world: World): ReadonlyArray<string> => stateOf(world).pools

/** A pool as `ResourcePool` JSON: the default pool's shape under another name, not default. @internal */
export const poolJson = (world: World, name: string): JsonObject => {
  const base = resourcePoolJson(world)
  if (name === "default") return base
  return {
    ...base,
    name,
    defaultComputePool: false,
    defaultAuxPool: false,
    auxContainersRunning: 0,
    stats: { queuedCount: 0, scheduledCount: 0 }
  }
}

/** Pools bound to no workspace. @internal */
export const unboundPools = (world: World): Array<string> => {
  const s = stateOf(world)
  const bound = new Set(s.bindings.map((b) => b.pool))
  return s.pools.filter((p) => !bound.has(p))
}

const checkNotDefault = (pool: string) => {
  if (pool === "default") throw internal(`default resource pool ${pool} cannot be bound to any workspace`)
}

/** combineWorkspaceIDsAndNames: ids plus the ids of the names (an unknown name is a 404), deduplicated. */
const workspaceIds = (ctx: RouteContext): Array<number> => {
  const ids = new Set<number>()
  for (const v of ctx.body.array("workspaceIds") ?? []) {
    const n = typeof v === "string" ? Number(v) : v
    if (typeof n === "number" && Number.isInteger(n)) ids.add(n)
  }
  const names = ctx.body.strings("workspaceNames")
  const missing: Array<string> = []
  for (const name of names) {
    const w = [...ctx.world.workspaces.values()].find((x) => x.name === name)
    if (w === undefined) missing.push(name)
    else ids.add(w.id)
  }
  if (missing.length > 0) throw internal(`the following workspaces do not exist: [${missing.join(" ")}]`)
  return [...ids]
}

/** Basic authz: only admins modify bindings (a plain error, so 500). */
const requireAdmin = (ctx: RouteContext) => {
  if (ctx.user?.admin !== true) throw internal("only admin privileged users can bind resource pool to a workspace")
}

const add = (world: World, ids: ReadonlyArray<number>, pool: string) => {
  if (ids.length === 0) return
  const s = stateOf(world)
  if (!s.pools.includes(pool)) throw internal(`pool with name ${pool} doesn't exist`)
  for (const id of ids) {
    // the table's foreign key and primary key (workspace_id, pool_name)
    if (!world.workspaces.has(id)) {
      throw internal(
        `ERROR #23503 insert or update on table "rp_workspace_bindings" violates foreign key constraint "rp_workspace_bindings_workspace_id_fkey"`
      )
    }
    if (s.bindings.some((b) => b.workspaceId === id && b.pool === pool)) {
      throw internal(
        `ERROR #23505 duplicate key value violates unique constraint "rp_workspace_bindings_pkey"`
      )
    }
  }
  for (const id of ids) s.bindings.push({ workspaceId: id, pool })
}

/** @internal */
export const routes: Routes = {
  GetResourcePools: (ctx) => {
    const names = ctx.query.bool("unbound") === true ? unboundPools(ctx.world) : [...poolNames(ctx.world)]
    const pools = names.sort().map((n) => poolJson(ctx.world, n))
    const page = paginate(pools, ctx.query.int("offset"), ctx.query.int("limit"))
    return json({ resourcePools: page.items, pagination: paginationJson(page.pagination) })
  },
  BindRPToWorkspace: (ctx) => {
    const pool = ctx.str("resource_pool_name")
    checkNotDefault(pool)
    const ids = workspaceIds(ctx)
    requireAdmin(ctx)
    add(ctx.world, ids, pool)
    return json({})
  },
  OverwriteRPWorkspaceBindings: (ctx) => {
    const pool = ctx.str("resource_pool_name")
    checkNotDefault(pool)
    const ids = workspaceIds(ctx)
    requireAdmin(ctx)
    const s = stateOf(ctx.world)
    if (!s.pools.includes(pool)) throw internal(`pool with name ${pool} doesn't exist`)
    const before = s.bindings
    s.bindings = s.bindings.filter((b) => b.pool !== pool)
    try {
      add(ctx.world, ids, pool)
    } catch (e) {
      s.bindings = before
      throw e
    }
    return json({})
  },
  UnbindRPFromWorkspace: (ctx) => {
    const pool = ctx.str("resource_pool_name")
    const ids = workspaceIds(ctx)
    requireAdmin(ctx)
    const s = stateOf(ctx.world)
    // RemoveRPWorkspaceBindings checks that each workspace has *some* binding, not one to this pool
    for (const id of ids) {
      if (!s.bindings.some((b) => b.workspaceId === id)) {
        throw internal(` workspace with id ${id} and pool with name  ${pool} binding doesn't exist`)
      }
    }
    s.bindings = s.bindings.filter((b) => !(b.pool === pool && ids.includes(b.workspaceId)))
    return json({})
  },
  ListWorkspacesBoundToRP: (ctx) => {
    const pool = ctx.str("resource_pool_name")
    const s = stateOf(ctx.world)
    if (!s.pools.includes(pool)) throw internal(`pool with name ${pool} doesn't exist or is not available`)
    const ids = s.bindings.filter((b) => b.pool === pool).map((b) => b.workspaceId)
    const page = pageInfo(ids, ctx.query.int("offset"), ctx.query.int("limit"))
    return json({ workspaceIds: [...page.items], pagination: paginationJson(page.pagination) })
  },
  ListRPsBoundToWorkspace: (ctx) => {
    const id = ctx.int("workspace_id")
    const s = stateOf(ctx.world)
    // bound to this workspace, then every unbound pool (a UNION ALL without ORDER BY)
    const names = [
      ...s.bindings.filter((b) => b.workspaceId === id).map((b) => b.pool),
      ...unboundPools(ctx.world)
    ]
    const page = pageInfo(names, ctx.query.int("offset"), ctx.query.int("limit"))
    return json({ resourcePools: [...page.items], pagination: paginationJson(page.pagination) })
  }
}
