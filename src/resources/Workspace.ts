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
import * as Kinds from "./internal/kinds.js"
import * as Projects from "./internal/models/project.js"
import { AgentUserGroup } from "./internal/models/user.js"
import * as Resource from "./internal/resource.js"
import * as Wire from "./internal/wire.js"

/**
 * Workspace states of the master (`WORKSPACE_STATE_*` on the wire).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Workspace } from "effect-determined"
 *
 * // a deleted workspace lingers as DELETING until the master has removed its contents
 * const gone = (id: number) =>
 *   Workspace.reload(id).pipe(
 *     Effect.map((ws) => (ws.state satisfies Workspace.WorkspaceState) === "DELETED"),
 *     Effect.catchTag("NotFound", () => Effect.succeed(true))
 *   )
 */
export type WorkspaceState = Wire.Open<"UNSPECIFIED" | "DELETING" | "DELETE_FAILED" | "DELETED">

/**
 * An immutable snapshot of a workspace.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Workspace } from "effect-determined"
 *
 * const summary = Workspace.get(1).pipe(
 *   Effect.map((ws: Workspace.Workspace) => `${ws.name}: ${ws.numProjects} projects, ${ws.numExperiments} experiments`)
 * )
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
  defaultAuxPool: Schema.optionalWith(Schema.String, { default: () => "" }),
  /** POSIX user and group override for the workspace's tasks; `null` when none. */
  agentUserGroup: Schema.optionalWith(Schema.NullOr(AgentUserGroup), { default: () => null }),
  /** Kubernetes namespace created for the workspace, `""` when none. */
  autoCreatedNamespace: Schema.optionalWith(Schema.String, { default: () => "" })
}) {}

const WorkspaceResponse = Schema.Struct({ workspace: Workspace })
const WorkspacesResponse = Schema.Struct({
  workspaces: Schema.Array(Workspace),
  pagination: Schema.optional(Schema.NullOr(Pagination.Pagination))
})

const kind = Kinds.workspace<Workspace>()

const resource = Resource.make({
  kind,
  module: "Workspace",
  attribute: "determined.workspace.id",
  request: (id: number) => ({
    method: "GET",
    path: path`/api/v1/workspaces/${id}`,
    notFound: { resource: "workspace", id }
  }),
  schema: WorkspaceResponse,
  pick: (r) => r.workspace
})

/**
 * What reading one workspace can fail with.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Workspace } from "effect-determined"
 *
 * const describe = (e: Workspace.GetError): string => (e._tag === "NotFound" ? `no workspace ${e.id}` : e.message)
 * const name = Workspace.get(2).pipe(Effect.map((ws) => ws.name), Effect.mapError(describe))
 */
export type GetError = Errors.RequestError | Errors.NotFound

/**
 * What listing workspaces can fail with (`InvalidRequest`: a filter the master refuses).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Workspace } from "effect-determined"
 *
 * const names = Workspace.list({ archived: false }).pipe(
 *   Effect.map((all) => all.map((ws) => ws.name)),
 *   Effect.tapError((e: Workspace.ListError) => Effect.logError(`${e._tag}: ${e.message}`))
 * )
 */
export type ListError = Errors.RequestError | Errors.InvalidRequest

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
export const get: (id: number) => Effect.Effect<Workspace, GetError, Resource.Requires> = resource.get

/**
 * Fetch a workspace again, store it in the cache and return it.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Workspace } from "effect-determined"
 *
 * // poll a deleting workspace until the master is done with it
 * const state = Workspace.reload(2).pipe(Effect.map((ws) => ws.state))
 */
export const reload: (id: number) => Effect.Effect<Workspace, GetError, Resource.Requires> = resource.reload

/**
 * Filters of {@link list}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const options: Workspace.ListOptions = { pinned: true, archived: false, sortBy: "name", orderBy: "asc" }
 * const pinned = Workspace.list(options)
 */
export interface ListOptions extends Resource.LimitOptions {
  /** Case-insensitive name match. */
  readonly name?: string | undefined
  readonly archived?: boolean | undefined
  readonly pinned?: boolean | undefined
  readonly users?: ReadonlyArray<string> | undefined
  readonly userIds?: ReadonlyArray<number> | undefined
  readonly sortBy?: "id" | "name" | undefined
  readonly orderBy?: Wire.OrderBy | undefined
}

const workspaces = Resource.list({
  span: "Workspace.list",
  request: (options: ListOptions, page) => ({
    method: "GET",
    path: "/api/v1/workspaces",
    query: {
      offset: page.offset,
      limit: page.limit,
      name: options.name,
      archived: options.archived,
      pinned: options.pinned,
      users: options.users,
      userIds: options.userIds,
      sortBy: options.sortBy === undefined ? undefined : `SORT_BY_${options.sortBy.toUpperCase()}`,
      orderBy: Wire.orderByToWire(options.orderBy)
    },
    invalid: true
  }),
  schema: WorkspacesResponse,
  page: (r) => ({ items: r.workspaces, pagination: r.pagination })
})

/**
 * Every workspace matching the filters (all pages).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Workspace } from "effect-determined"
 *
 * const mine = Workspace.list({ users: ["alice"] }).pipe(Effect.map((all) => all.map((ws) => ws.name)))
 */
export const list = (
  options: ListOptions = {}
): Effect.Effect<ReadonlyArray<Workspace>, ListError, DeterminedHttp> => workspaces.list(options)

/**
 * Workspaces matching the filters as a lazy stream.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect, Stream } from "effect"
 * import { Workspace } from "effect-determined"
 *
 * const logged = Workspace.stream({ archived: false }).pipe(
 *   Stream.runForEach((ws) => Effect.log(`${ws.id} ${ws.name}`))
 * )
 */
export const stream = (
  options: ListOptions = {}
): Stream.Stream<Workspace, ListError, DeterminedHttp> => workspaces.stream(options)

/**
 * A workspace by exact name (one `GET /api/v1/workspaces?name=`, as upstream's `get_workspace`). Fails with
 * `NotFound{resource: "workspace", id: name}` when none has that name. The list row is not cached (the master
 * trims it); `get(ws.id)` reads the full workspace.
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
  // Not cached: the master's list rows (get_workspaces.sql) leave out `checkpointStorageConfig`, and a trimmed
  // row must not stand in for the full workspace of a later `get`.
  return first
})

/**
 * Settings of a workspace at creation or in a {@link patch}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const settings: Workspace.Settings = {
 *   defaultComputePool: "gpu",
 *   defaultAuxPool: "cpu",
 *   checkpointStorageConfig: { type: "shared_fs", host_path: "/mnt/checkpoints" }
 * }
 * const created = Workspace.create("vision", settings)
 */
export interface Settings {
  /** Default resource pool for compute tasks (experiments). */
  readonly defaultComputePool?: string | undefined
  /** Default resource pool for auxiliary tasks (notebooks, TensorBoards, ...). */
  readonly defaultAuxPool?: string | undefined
  /** Checkpoint storage for the workspace's experiments, as in an experiment config's `checkpoint_storage`. */
  readonly checkpointStorageConfig?: Wire.JsonObject | undefined
  /** POSIX user and group override for the workspace's tasks. */
  readonly agentUserGroup?: {
    readonly agentUid?: number | undefined
    readonly agentGid?: number | undefined
    readonly agentUser?: string | undefined
    readonly agentGroup?: string | undefined
  } | undefined
}

const WriteResponse = Schema.Struct({ workspace: Workspace })

/**
 * Create a workspace (upstream `create_workspace`). Never retried blindly; the new workspace is stored in the
 * cache.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const ws = Workspace.create("research", { defaultComputePool: "gpu" })
 */
export const create = Effect.fn("Workspace.create")(function*(name: string, settings: Settings = {}) {
  yield* Effect.annotateCurrentSpan("determined.workspace.name", name)
  const http = yield* DeterminedHttp
  const r = yield* http.json(
    // a name taken (case-insensitively) is a 409
    { method: "POST", path: "/api/v1/workspaces", body: { name, ...settings }, conflict: true },
    WriteResponse
  )
  return yield* resource.store(r.workspace)
})

/**
 * Fields of a workspace to change; `undefined` leaves a field as it is.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const fields: Workspace.Patch = { name: "vision-2026", defaultComputePool: "a100" }
 * const patched = Workspace.patch(2, fields)
 */
export interface Patch extends Settings {
  readonly name?: string | undefined
}

/**
 * Change fields of a workspace (`PATCH`); the cached entry is replaced by the master's answer.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const ws = Workspace.patch(2, { name: "research-2025", defaultAuxPool: "cpu" })
 */
export const patch = Effect.fn("Workspace.patch")(function*(id: number, fields: Patch) {
  yield* Effect.annotateCurrentSpan("determined.workspace.id", id)
  const http = yield* DeterminedHttp
  const r = yield* http.json({
    method: "PATCH",
    path: path`/api/v1/workspaces/${id}`,
    body: fields,
    idempotent: true,
    conflict: true,
    notFound: { resource: "workspace", id }
  }, WriteResponse)
  return yield* resource.store(r.workspace)
})

/**
 * Rename a workspace.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const ws = Workspace.setName(2, "research-2025")
 */
export const setName = (id: number, name: string) => patch(id, { name })

const action = (id: number, name: "archive" | "unarchive" | "pin" | "unpin") =>
  Effect.gen(function*() {
    yield* Effect.annotateCurrentSpan("determined.workspace.id", id)
    const http = yield* DeterminedHttp
    yield* http.void({
      method: "POST",
      path: path`/api/v1/workspaces/${id}/${name}`,
      idempotent: true,
      notFound: { resource: "workspace", id }
    })
    yield* resource.stale(id)
  })

/**
 * Archive a workspace (idempotent). The answer carries no workspace, so the cached entry is dropped.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const done = Workspace.archive(2)
 */
export const archive = Effect.fn("Workspace.archive")((id: number) => action(id, "archive"))

/**
 * Unarchive a workspace (idempotent). The cached entry is dropped.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const done = Workspace.unarchive(2)
 */
export const unarchive = Effect.fn("Workspace.unarchive")((id: number) => action(id, "unarchive"))

/**
 * Pin a workspace for the current user (idempotent). The cached entry is dropped.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const done = Workspace.pin(2)
 */
export const pin = Effect.fn("Workspace.pin")((id: number) => action(id, "pin"))

/**
 * Unpin a workspace for the current user (idempotent). The cached entry is dropped.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const done = Workspace.unpin(2)
 */
export const unpin = Effect.fn("Workspace.unpin")((id: number) => action(id, "unpin"))

/**
 * Delete a workspace with its projects and experiments. The master deletes asynchronously: the result is
 * `true` when it finished at once, `false` when the workspace is still `DELETING` (poll {@link reload} until it
 * is gone). The cached entry is dropped.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const completed = Workspace.delete(2)
 */
export const del = Effect.fn("Workspace.delete")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.workspace.id", id)
  const http = yield* DeterminedHttp
  const r = yield* http.json(
    { method: "DELETE", path: path`/api/v1/workspaces/${id}`, notFound: { resource: "workspace", id } },
    Projects.DeleteResponse
  )
  // its cached projects go stale with it (kinds.ts)
  yield* resource.stale(id)
  return r.completed
})

export {
  /**
   * Delete a workspace (`delete` is a reserved word: import it as `Workspace.delete`).
   *
   * @since 0.1.0
   * @category operations
   * @example
   * import { Effect } from "effect"
   * import { Workspace } from "effect-determined"
   *
   * const removed = Workspace.delete(2).pipe(
   *   Effect.tap((completed) => (completed ? Effect.void : Effect.log("workspace 2 is still being deleted")))
   * )
   */
  del as delete
}

/**
 * Delete the workspace with this exact name (upstream `delete_workspace(name)`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const completed = Workspace.deleteByName("scratch")
 */
export const deleteByName = Effect.fn("Workspace.deleteByName")(function*(name: string) {
  const ws = yield* getByName(name)
  return yield* del(ws.id)
})

/**
 * A project of a workspace (the snapshot class of `Project`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Workspace } from "effect-determined"
 *
 * const projectNames = Workspace.listProjects(1).pipe(
 *   Effect.map((projects: ReadonlyArray<Workspace.Project>) => projects.map((p) => p.name))
 * )
 */
export type Project = Projects.Project

/**
 * Filters of {@link listProjects}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const options: Workspace.ListProjectsOptions = { archived: false, sortBy: "NAME", orderBy: "asc" }
 * const projects = Workspace.listProjects(1, options)
 */
export type ListProjectsOptions = Projects.ListProjectsOptions

/**
 * Every project of a workspace (all pages; upstream `list_projects`). Workspace id `0` lists the projects of
 * every workspace.
 *
 * @since 0.1.0
 * @category projects
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const projects = Workspace.listProjects(1, { archived: false, sortBy: "NAME" })
 */
export const listProjects = Effect.fn("Workspace.listProjects")(
  function*(id: number, options: ListProjectsOptions = {}) {
    yield* Effect.annotateCurrentSpan("determined.workspace.id", id)
    return yield* Projects.projects.list({ ...options, workspaceId: id })
  }
)

/**
 * The projects of a workspace as a lazy stream.
 *
 * @since 0.1.0
 * @category projects
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const projects = Workspace.streamProjects(1)
 */
export const streamProjects = (
  id: number,
  options: ListProjectsOptions = {}
): Stream.Stream<Project, Projects.ListProjectsError, DeterminedHttp> =>
  Projects.projects.stream({ ...options, workspaceId: id })

/**
 * The project of a workspace with exactly this name (upstream `get_project`). Fails with
 * `NotFound{resource: "project", id: name}` when there is none.
 *
 * @since 0.1.0
 * @category projects
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const project = Workspace.getProject(1, "vision")
 */
export const getProject = Effect.fn("Workspace.getProject")(function*(id: number, name: string) {
  yield* Effect.annotateCurrentSpan("determined.workspace.id", id)
  yield* Effect.annotateCurrentSpan("determined.project.name", name)
  return yield* Projects.projectByName(id, name)
})

/**
 * Create a project in a workspace (upstream `create_project`). Never retried blindly.
 *
 * @since 0.1.0
 * @category projects
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const project = Workspace.createProject(1, "vision", { description: "image models", key: "VIS" })
 */
export const createProject = Effect.fn("Workspace.createProject")(
  function*(id: number, name: string, options: Projects.CreateProjectOptions = {}) {
    yield* Effect.annotateCurrentSpan("determined.workspace.id", id)
    yield* Effect.annotateCurrentSpan("determined.project.name", name)
    return yield* Projects.createProject(id, name, options)
  }
)

/**
 * Delete the project of a workspace with exactly this name (upstream `delete_project`). `true` when the master
 * finished at once (the project had no experiments).
 *
 * @since 0.1.0
 * @category projects
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const completed = Workspace.deleteProject(1, "vision")
 */
export const deleteProject = Effect.fn("Workspace.deleteProject")(function*(id: number, name: string) {
  yield* Effect.annotateCurrentSpan("determined.workspace.id", id)
  yield* Effect.annotateCurrentSpan("determined.project.name", name)
  const project = yield* Projects.projectByName(id, name)
  return yield* Projects.deleteProject(project.id)
})

const PoolsResponse = Schema.Struct({
  resourcePools: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [], nullable: true }),
  pagination: Schema.optional(Schema.NullOr(Pagination.Pagination))
})

/**
 * Names of the resource pools a workspace may use (all pages; upstream `list_pools`, which wraps each name in
 * a `ResourcePool`; the master answers with names only).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const pools = Workspace.listPools(1) // ["default"]
 */
export const listPools = Effect.fn("Workspace.listPools")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.workspace.id", id)
  const http = yield* DeterminedHttp
  return yield* Pagination.collect((offset) =>
    http.json({
      method: "GET",
      path: path`/api/v1/workspaces/${id}/available-resource-pools`,
      query: { offset },
      notFound: { resource: "workspace", id }
    }, PoolsResponse).pipe(Effect.map((r) => ({ items: r.resourcePools, pagination: r.pagination })))
  )
})
