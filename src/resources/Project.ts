/**
 * Projects: the level between workspaces and experiments.
 *
 * `lastExperimentStartedAt` decodes to a `Date`, or `null` when no experiment was started. A value that is not an
 * RFC 3339 timestamp (such as `"None"`, which upstream's test fixture `project.json` carries after a hand edit)
 * is reported as a `DecodeError` whose `field` is `project.lastExperimentStartedAt`, never guessed at.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Errors from "../DeterminedError.js"
import { DeterminedHttp, path } from "../services/DeterminedHttp.js"
import type * as ResourceCache from "../services/ResourceCache.js"
import * as Experiment from "./Experiment.js"
import * as Kinds from "./internal/kinds.js"
import * as Projects from "./internal/models/project.js"
import * as Resource from "./internal/resource.js"
import type * as Wire from "./internal/wire.js"
import * as Workspace from "./Workspace.js"

/**
 * An immutable snapshot of a project.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect, Schema } from "effect"
 * import { Project } from "effect-determined"
 *
 * // the class is also the schema of the master's JSON
 * const decoded = Schema.decodeUnknown(Project.Project)({ id: 3, name: "vision", workspaceId: 2 }).pipe(
 *   Effect.map((project) => `${project.name} in workspace ${project.workspaceId}`)
 * )
 */
export const Project = Projects.Project

/**
 * The type of a project snapshot (the instance type of `Project.Project`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Project } from "effect-determined"
 *
 * const describe = (project: Project.Project): string =>
 *   `${project.key} ${project.name}: ${project.numActiveExperiments} of ${project.numExperiments} experiments active`
 * const line = Project.get(3).pipe(Effect.map(describe))
 */
export type Project = Projects.Project

/**
 * A note of a project: a title and Markdown contents.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Project } from "effect-determined"
 *
 * const readme = new Project.Note({ name: "README", contents: "# Vision\nImage models of the research team." })
 * const saved = Project.setNotes(3, [readme])
 */
export const Note = Projects.Note

/**
 * The type of a project note (the instance type of `Project.Note`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Project } from "effect-determined"
 *
 * const titles = Project.get(3).pipe(Effect.map((project) => project.notes.map((note: Project.Note) => note.name)))
 */
export type Note = Projects.Note

/**
 * Workspace states, reused for a project's deletion state.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Project } from "effect-determined"
 *
 * const deleting = Project.reload(3).pipe(
 *   Effect.map((project) => (project.state satisfies Project.ProjectState) === "DELETING")
 * )
 */
export type ProjectState = Wire.Open<"UNSPECIFIED" | "DELETING" | "DELETE_FAILED" | "DELETED">

const resource = Resource.make({
  kind: Kinds.project<Project>(),
  module: "Project",
  attribute: "determined.project.id",
  request: (id: number) => ({
    method: "GET",
    path: path`/api/v1/projects/${id}`,
    notFound: { resource: "project", id }
  }),
  schema: Projects.ProjectResponse,
  pick: (r) => r.project
})

const fetch = resource.fetch

/**
 * What reading one project can fail with.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Project } from "effect-determined"
 *
 * const describe = (e: Project.GetError): string => (e._tag === "NotFound" ? `no project ${e.id}` : e.message)
 * const name = Project.get(3).pipe(Effect.map((project) => project.name), Effect.mapError(describe))
 */
export type GetError = Errors.RequestError | Errors.NotFound

/**
 * A project by id, from the cache when it holds one.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Project } from "effect-determined"
 *
 * const name = Project.get(1).pipe(Effect.map((p) => p.name))
 */
export const get: (id: number) => Effect.Effect<Project, GetError, Resource.Requires> = resource.get

/**
 * Fetch a project again, store it in the cache and return it.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Project } from "effect-determined"
 *
 * const fresh = Project.reload(1)
 */
export const reload: (id: number) => Effect.Effect<Project, GetError, Resource.Requires> = resource.reload

/**
 * A project by its key (e.g. `UNC3F`). Always asks the master (keys can change); stores the answer under the
 * project's id.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Project } from "effect-determined"
 *
 * const project = Project.getByKey("VIS")
 */
export const getByKey = Effect.fn("Project.getByKey")(function*(key: string) {
  yield* Effect.annotateCurrentSpan("determined.project.key", key)
  const http = yield* DeterminedHttp
  const r = yield* http.json(
    { method: "GET", path: path`/api/v1/projects/key/${key}`, notFound: { resource: "project", id: key } },
    Projects.ProjectResponse
  )
  return yield* resource.store(r.project)
})

/**
 * A workspace is named by its exact name (a string) or its id (a number).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Project } from "effect-determined"
 *
 * const byName: Project.WorkspaceRef = "research"
 * const byId: Project.WorkspaceRef = 2
 * const same = [Project.getByName(byName, "vision"), Project.getByName(byId, "vision")]
 */
export type WorkspaceRef = string | number

const workspaceId = (workspace: WorkspaceRef) =>
  typeof workspace === "number" ? Effect.succeed(workspace) : Effect.map(Workspace.getByName(workspace), (w) => w.id)

/**
 * The project with exactly this name in a workspace (given by name or id). Fails with
 * `NotFound{resource: "workspace" | "project"}`.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Project } from "effect-determined"
 *
 * const project = Project.getByName("research", "vision")
 */
export const getByName = Effect.fn("Project.getByName")(function*(workspace: WorkspaceRef, name: string) {
  yield* Effect.annotateCurrentSpan("determined.workspace.id", workspace)
  yield* Effect.annotateCurrentSpan("determined.project.name", name)
  return yield* Projects.projectByName(yield* workspaceId(workspace), name)
})

/**
 * Filters of {@link list}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Project } from "effect-determined"
 *
 * const options: Project.ListOptions = { archived: false, users: ["alice"], sortBy: "LAST_EXPERIMENT_START_TIME", orderBy: "desc" }
 * const recent = Project.list("research", options)
 */
export type ListOptions = Projects.ListProjectsOptions

/**
 * Every project of a workspace (given by name or id; id `0` means every workspace).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Project } from "effect-determined"
 *
 * const all = Project.list(0, { archived: false })
 */
export const list = Effect.fn("Project.list")(function*(workspace: WorkspaceRef, options: ListOptions = {}) {
  yield* Effect.annotateCurrentSpan("determined.workspace.id", workspace)
  return yield* Projects.projects.list({ ...options, workspaceId: yield* workspaceId(workspace) })
})

/**
 * The projects of a workspace as a lazy stream.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Project } from "effect-determined"
 *
 * const projects = Project.stream(1)
 */
export const stream = (
  workspace: WorkspaceRef,
  options: ListOptions = {}
): Stream.Stream<Project, Projects.ListProjectsError, DeterminedHttp | ResourceCache.ResourceCache> =>
  Stream.unwrap(Effect.map(workspaceId(workspace), (id) => Projects.projects.stream({ ...options, workspaceId: id })))

/**
 * Create a project in a workspace (given by name or id). Never retried blindly. The answer of a real master
 * leaves out the workspace name, notes and counts, so it is not cached: a later `get` reads the full project.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Project } from "effect-determined"
 *
 * const project = Project.create("research", "vision", { key: "VIS" })
 */
export const create = Effect.fn("Project.create")(
  function*(workspace: WorkspaceRef, name: string, options: Projects.CreateProjectOptions = {}) {
    yield* Effect.annotateCurrentSpan("determined.workspace.id", workspace)
    yield* Effect.annotateCurrentSpan("determined.project.name", name)
    return yield* Projects.createProject(yield* workspaceId(workspace), name, options)
  }
)

/**
 * Fields of a project to change; `undefined` leaves a field as it is.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Project } from "effect-determined"
 *
 * const fields: Project.Patch = { key: "VIS", description: "image models" }
 * const patched = Project.patch(3, fields)
 */
export interface Patch {
  readonly name?: string | undefined
  readonly description?: string | undefined
  readonly key?: string | undefined
}

/**
 * Change fields of a project (`PATCH`). A real master's answer carries only the project's own columns, so it is
 * merged into the cached snapshot; when none is cached, the project is read once more (`GET`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Project } from "effect-determined"
 *
 * const p = Project.patch(3, { name: "vision-2", description: "image models" })
 */
export const patch = Effect.fn("Project.patch")(function*(id: number, fields: Patch) {
  yield* Effect.annotateCurrentSpan("determined.project.id", id)
  const http = yield* DeterminedHttp
  const r = yield* http.json({
    method: "PATCH",
    path: path`/api/v1/projects/${id}`,
    body: fields,
    idempotent: true,
    conflict: true,
    notFound: { resource: "project", id }
  }, Projects.ProjectResponse)
  // A real master answers with the project's own columns only (id, name, description, key, archived, immutable,
  // workspaceId); notes, counts, owner name and workspace name are zero values. Merge into the cached entry,
  // or read the project once when none is cached.
  const base = yield* Resource.cached(Kinds.project<Project>(), id)
  const patched = r.project
  const updated = Option.isSome(base)
    ? new Projects.Project({
      ...base.value,
      name: patched.name,
      description: patched.description,
      key: patched.key,
      archived: patched.archived,
      workspaceId: patched.workspaceId
    })
    : yield* fetch(id)
  return yield* resource.store(updated)
})

/**
 * Rename a project (upstream `set_name`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Project } from "effect-determined"
 *
 * const p = Project.setName(3, "vision-2")
 */
export const setName = (id: number, name: string) => patch(id, { name })

/**
 * Replace a project's description (upstream `set_description`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Project } from "effect-determined"
 *
 * const p = Project.setDescription(3, "image models")
 */
export const setDescription = (id: number, description: string) => patch(id, { description })

/**
 * Replace a project's key (upstream `set_key`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Project } from "effect-determined"
 *
 * const p = Project.setKey(3, "VIS2")
 */
export const setKey = (id: number, key: string) => patch(id, { key })

const action = (id: number, name: "archive" | "unarchive") =>
  Effect.gen(function*() {
    yield* Effect.annotateCurrentSpan("determined.project.id", id)
    const http = yield* DeterminedHttp
    yield* http.void({
      method: "POST",
      path: path`/api/v1/projects/${id}/${name}`,
      idempotent: true,
      notFound: { resource: "project", id }
    })
    yield* resource.stale(id)
  })

/**
 * Archive a project (idempotent). The answer carries no project, so the cached entry is dropped.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Project } from "effect-determined"
 *
 * const done = Project.archive(3)
 */
export const archive = Effect.fn("Project.archive")((id: number) => action(id, "archive"))

/**
 * Unarchive a project (idempotent). The cached entry is dropped.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Project } from "effect-determined"
 *
 * const done = Project.unarchive(3)
 */
export const unarchive = Effect.fn("Project.unarchive")((id: number) => action(id, "unarchive"))

/**
 * Delete a project. `true` when the master finished at once (no experiments), `false` when it deletes
 * asynchronously. The cached entry is dropped.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Project } from "effect-determined"
 *
 * const completed = Project.delete(3)
 */
export const del = Effect.fn("Project.delete")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.project.id", id)
  return yield* Projects.deleteProject(id)
})

export {
  /**
   * Delete a project (`delete` is a reserved word: import it as `Project.delete`).
   *
   * @since 0.1.0
   * @category operations
   * @example
   * import { Effect } from "effect"
   * import { Project } from "effect-determined"
   *
   * const removed = Project.delete(3).pipe(
   *   Effect.tap((completed) => (completed ? Effect.void : Effect.log("project 3 is still being deleted")))
   * )
   */
  del as delete
}

/**
 * Move a project to another workspace (given by name or id). The cached entry is dropped.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Project } from "effect-determined"
 *
 * const done = Project.move(3, "production")
 */
export const move = Effect.fn("Project.move")(function*(id: number, destination: WorkspaceRef) {
  yield* Effect.annotateCurrentSpan("determined.project.id", id)
  const destinationWorkspaceId = yield* workspaceId(destination)
  const http = yield* DeterminedHttp
  yield* http.void({
    method: "POST",
    path: path`/api/v1/projects/${id}/move`,
    body: { projectId: id, destinationWorkspaceId },
    idempotent: true,
    notFound: { resource: "project", id }
  })
  yield* resource.stale(id)
})

const NotesResponse = Schema.Struct({
  notes: Schema.optionalWith(Schema.Array(Projects.Note), { default: () => [], nullable: true })
})

const putNotes = (project: Project, notes: ReadonlyArray<{ readonly name: string; readonly contents: string }>) =>
  Effect.gen(function*() {
    const http = yield* DeterminedHttp
    const r = yield* http.json({
      method: "PUT",
      path: path`/api/v1/projects/${project.id}/notes`,
      body: { projectId: project.id, notes: notes.map((n) => ({ name: n.name, contents: n.contents })) },
      notFound: { resource: "project", id: project.id }
    }, NotesResponse)
    // The answer is the complete list of notes; the rest of the project is what we just read.
    const updated = new Projects.Project({ ...project, notes: r.notes })
    return yield* resource.store(updated)
  })

/**
 * Replace all notes of a project (`PUT`); returns the project with the master's list of notes.
 *
 * @since 0.1.0
 * @category notes
 * @example
 * import { Project } from "effect-determined"
 *
 * const p = Project.setNotes(3, [{ name: "README", contents: "# Vision" }])
 */
export const setNotes = Effect.fn("Project.setNotes")(
  function*(id: number, notes: ReadonlyArray<{ readonly name: string; readonly contents: string }>) {
    yield* Effect.annotateCurrentSpan("determined.project.id", id)
    return yield* putNotes(yield* fetch(id), notes)
  }
)

/**
 * Add a note (upstream `add_note`): reads the project's notes from the master, appends, writes them all back.
 *
 * @since 0.1.0
 * @category notes
 * @example
 * import { Project } from "effect-determined"
 *
 * const p = Project.addNote(3, "results", "accuracy 0.98")
 */
export const addNote = Effect.fn("Project.addNote")(function*(id: number, name: string, contents: string) {
  yield* Effect.annotateCurrentSpan("determined.project.id", id)
  const current = yield* fetch(id)
  return yield* putNotes(current, [...current.notes, { name, contents }])
})

/**
 * Remove the note with this name (upstream `remove_note`). Fails with `InvalidRequest` (reason
 * `ClientValidation`, nothing written) unless exactly one note has that name.
 *
 * @since 0.1.0
 * @category notes
 * @example
 * import { Project } from "effect-determined"
 *
 * const p = Project.removeNote(3, "results")
 */
export const removeNote = Effect.fn("Project.removeNote")(function*(id: number, name: string) {
  yield* Effect.annotateCurrentSpan("determined.project.id", id)
  const current = yield* fetch(id)
  const matching = current.notes.filter((n) => n.name === name).length
  if (matching !== 1) {
    return yield* new Errors.InvalidRequest({
      method: "PUT",
      path: path`/api/v1/projects/${id}/notes`,
      status: 0,
      reason: "ClientValidation",
      message: matching === 0
        ? `project ${id} has no note named ${JSON.stringify(name)}`
        : `project ${id} has ${matching} notes named ${JSON.stringify(name)}; remove by setNotes instead`
    })
  }
  return yield* putNotes(current, current.notes.filter((n) => n.name !== name))
})

/**
 * Every experiment of a project (upstream `list_experiments`), with the filters of `Experiment.list`.
 *
 * @since 0.1.0
 * @category experiments
 * @example
 * import { Project } from "effect-determined"
 *
 * const experiments = Project.listExperiments(3)
 */
export const listExperiments = (id: number, options: Omit<Experiment.ListOptions, "projectId"> = {}) =>
  Experiment.list({ ...options, projectId: id })

/**
 * The experiments of a project as a lazy stream.
 *
 * @since 0.1.0
 * @category experiments
 * @example
 * import { Project } from "effect-determined"
 *
 * const experiments = Project.streamExperiments(3)
 */
export const streamExperiments = (id: number, options: Omit<Experiment.ListOptions, "projectId"> = {}) =>
  Experiment.stream({ ...options, projectId: id })
