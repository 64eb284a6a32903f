/**
 * The project snapshot and the requests that both `Workspace` (its projects) and `Project` make, kept here so
 * that `Workspace` does not import `Project` (which imports `Experiment`, which imports `Workspace`).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Errors from "../../../DeterminedError.js"
import { DeterminedHttp, path } from "../../../services/DeterminedHttp.js"
import * as Pagination from "../../../services/Pagination.js"
import * as Kinds from "../kinds.js"
import * as Resource from "../resource.js"
import * as Wire from "../wire.js"

/**
 * A note of a project: a title and Markdown contents.
 *
 * @since 0.1.0
 * @category models
 */
export class Note extends Schema.Class<Note>("effect-determined/Project/Note")({
  name: Schema.String,
  contents: Schema.String
}) {}

/**
 * An immutable snapshot of a project.
 *
 * `lastExperimentStartedAt` is `null` when no experiment was started in the project. A value that is not an
 * RFC 3339 timestamp (such as the `"None"` of upstream's hand-edited test fixture) is not guessed at: decoding
 * fails with a `DecodeError` whose `field` is `project.lastExperimentStartedAt`.
 *
 * @since 0.1.0
 * @category models
 */
export class Project extends Schema.Class<Project>("effect-determined/Project")({
  id: Schema.Number,
  name: Schema.String,
  workspaceId: Schema.Number,
  description: Schema.optionalWith(Schema.String, { default: () => "" }),
  lastExperimentStartedAt: Schema.optionalWith(Schema.NullOr(Wire.Timestamp), { default: () => null }),
  notes: Schema.optionalWith(Schema.Array(Note), { default: () => [], nullable: true }),
  numExperiments: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  numActiveExperiments: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  archived: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  username: Schema.optionalWith(Schema.String, { default: () => "" }),
  immutable: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  userId: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  workspaceName: Schema.optionalWith(Schema.String, { default: () => "" }),
  /** Deletion state (`WORKSPACE_STATE_*` on the wire, as for workspaces). */
  state: Schema.optionalWith(
    Wire.Enum("WORKSPACE_STATE_", ["UNSPECIFIED", "DELETING", "DELETE_FAILED", "DELETED"]),
    { default: () => "UNSPECIFIED" }
  ),
  errorMessage: Schema.optionalWith(Schema.String, { default: () => "" }),
  /** Short key of the project (up to 5 alphanumerics, upper case), e.g. `UNC3F`. */
  key: Schema.optionalWith(Schema.String, { default: () => "" }),
  numRuns: Schema.optionalWith(Schema.Number, { default: () => 0 })
}) {}

/** @internal */
export const ProjectResponse = Schema.Struct({ project: Project })

/** @internal */
export const ProjectsResponse = Schema.Struct({
  projects: Schema.optionalWith(Schema.Array(Project), { default: () => [], nullable: true }),
  pagination: Schema.optional(Schema.NullOr(Pagination.Pagination))
})

/**
 * Sort keys of a workspace's projects (`SORT_BY_*`).
 *
 * @since 0.1.0
 * @category models
 */
export type ProjectSortBy = "CREATION_TIME" | "LAST_EXPERIMENT_START_TIME" | "NAME" | "DESCRIPTION" | "ID"

/**
 * Filters of a workspace's projects.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListProjectsOptions extends Resource.LimitOptions {
  /** Name filter of the master (case-insensitive); the SDK's by-name lookups also compare exactly. */
  readonly name?: string | undefined
  readonly archived?: boolean | undefined
  readonly users?: ReadonlyArray<string> | undefined
  readonly userIds?: ReadonlyArray<number> | undefined
  readonly sortBy?: ProjectSortBy | undefined
  readonly orderBy?: Wire.OrderBy | undefined
}

/**
 * The projects of a workspace (`workspaceId` 0: every workspace), as a list and a stream.
 * @internal
 */
export const projects = Resource.list({
  span: "Project.list",
  request: (options: ListProjectsOptions & { readonly workspaceId: number }, page) => ({
    method: "GET",
    path: path`/api/v1/workspaces/${options.workspaceId}/projects`,
    query: {
      offset: page.offset,
      limit: page.limit,
      name: options.name,
      archived: options.archived,
      users: options.users,
      userIds: options.userIds,
      sortBy: options.sortBy === undefined ? undefined : Wire.enumToWire("SORT_BY_", options.sortBy),
      orderBy: Wire.orderByToWire(options.orderBy)
    },
    invalid: true,
    notFound: { resource: "workspace", id: options.workspaceId }
  }),
  schema: ProjectsResponse,
  page: (r) => ({ items: r.projects, pagination: r.pagination })
})

/**
 * What listing projects can fail with: `NotFound` (the workspace), `InvalidRequest` (a filter refused).
 *
 * @since 0.1.0
 * @category errors
 */
export type ListProjectsError = Errors.RequestError | Errors.NotFound | Errors.InvalidRequest

/** The project of a workspace with exactly this name (a list row: not cached). @internal */
export const projectByName = (workspaceId: number, name: string) =>
  Effect.gen(function*() {
    const all = yield* projects.list({ name, workspaceId })
    const found = all.find((p) => p.name === name)
    if (found === undefined) {
      return yield* new Errors.NotFound({
        method: "GET",
        path: path`/api/v1/workspaces/${workspaceId}/projects`,
        resource: "project",
        id: name,
        message: `no project named ${JSON.stringify(name)} in workspace ${workspaceId}`
      })
    }
    // Not stored in the cache: the master's list rows leave out `workspaceName` (get_workspace_projects.sql), and
    // a trimmed row must not stand in for the full project of a later `get`.
    return found
  })

/**
 * Options of project creation.
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateProjectOptions {
  readonly description?: string | undefined
  /** Up to 5 alphanumerics; generated from the name when absent. */
  readonly key?: string | undefined
}

/** Create a project in a workspace (never retried blindly; the trimmed answer is not cached). @internal */
export const createProject = (workspaceId: number, name: string, options: CreateProjectOptions) =>
  Effect.gen(function*() {
    const http = yield* DeterminedHttp
    const r = yield* http.json({
      method: "POST",
      path: path`/api/v1/workspaces/${workspaceId}/projects`,
      body: { name, workspaceId, description: options.description, key: options.key },
      conflict: true,
      notFound: { resource: "workspace", id: workspaceId }
    }, ProjectResponse)
    // Not cached: a real master's answer (`insert_project.sql`) leaves out the workspace name, notes and counts.
    return r.project
  })

/** @internal */
export const DeleteResponse = Schema.Struct({
  completed: Schema.optionalWith(Schema.Boolean, { default: () => false })
})

/** Delete a project; `true` when the master finished at once. @internal */
export const deleteProject = (id: number) =>
  Effect.gen(function*() {
    const http = yield* DeterminedHttp
    const r = yield* http.json(
      { method: "DELETE", path: path`/api/v1/projects/${id}`, notFound: { resource: "project", id } },
      DeleteResponse
    )
    // its workspace (project counts) goes stale with it (kinds.ts)
    yield* Resource.stale(Kinds.project<Project>(), id)
    return r.completed
  })
