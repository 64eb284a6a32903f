/**
 * Experiments: get, list, label, annotate, control (activate, pause, cancel, kill), archive, move and delete
 * them; list their trials and checkpoints.
 *
 * Every operation takes the experiment id, so nothing is fetched that the operation does not need:
 * `Effect.forEach(ids, Experiment.kill)` is one POST per experiment and no GET. `get` reads through the
 * `ResourceCache`, `reload` always fetches; setters whose response carries the new experiment (`setName`,
 * `setDescription`, `setNotes`, `setLabels`) store it, label edits and archive flags update the cached entry
 * from what the server confirmed, and state changes (`activate`, `pause`, `cancel`, `kill`, `delete`, moves)
 * invalidate it because the state changes later on the server. List rows are trimmed by the master and are
 * never stored in the cache.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import type * as Errors from "../DeterminedError.js"
import * as Http from "../internal/http.js"
import { DeterminedHttp, path } from "../services/DeterminedHttp.js"
import * as CheckpointList from "./internal/checkpointList.js"
import * as Descriptors from "./internal/descriptors.js"
import type { Checkpoint } from "./internal/models/checkpoint.js"
import * as Models from "./internal/models/experiment.js"
import * as Fast from "./internal/models/fast.js"
import * as Projects from "./internal/models/project.js"
import type { SearchedExperiment } from "./internal/models/run.js"
import type { Trial } from "./internal/models/trial.js"
import type { TrialSortBy, TrialState } from "./internal/models/trial.js"
import * as Resource from "./internal/resource.js"
import * as SearchRun from "./internal/search/run.js"
import * as Wire from "./internal/wire.js"
import * as QueryModule from "./Query.js"
import * as Workspace from "./Workspace.js"

export {
  /**
   * An experiment as the master describes it (GetExperiment): id, name, state, config, labels, owner, project,
   * progress, its trials' ids and its place in the job queue.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Experiment } from "effect-determined"
   *
   * const summary = Experiment.get(7).pipe(
   *   Effect.map((experiment: Experiment.Experiment) => `${experiment.name} (${experiment.state}), labels ${experiment.labels.join(", ")}`)
   * )
   */
  Experiment,
  /**
   * The states an experiment never leaves: COMPLETED, CANCELED, DELETED and ERROR.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Experiment } from "effect-determined"
   *
   * const ended = Experiment.get(7).pipe(Effect.map((experiment) => Experiment.terminalStates.has(experiment.state)))
   */
  experimentTerminalStates as terminalStates,
  /**
   * An active experiment's place in the job queue: its scheduling state and how many jobs are ahead of it.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect, Schema } from "effect"
   * import { Experiment } from "effect-determined"
   *
   * // the master's JSON (`job.v1.JobSummary`, enum prefixes and all) decoded
   * const ahead = Schema.decodeUnknown(Experiment.JobSummary)({ state: "STATE_QUEUED", jobsAhead: 3 }).pipe(
   *   Effect.map((summary) => `${summary.state}, ${summary.jobsAhead} jobs ahead`)
   * )
   */
  JobSummary,
  /**
   * One step of an experiment's validation history: the trial that improved the searcher metric, when, and its
   * value.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Experiment } from "effect-determined"
   *
   * const improvements = Experiment.validationHistory(7).pipe(
   *   Effect.map((history: ReadonlyArray<Experiment.ValidationHistoryEntry>) =>
   *     history.map((entry) => `trial ${entry.trialId}: ${entry.searcherMetric}`))
   * )
   */
  ValidationHistoryEntry
} from "./internal/models/experiment.js"

export type {
  /**
   * The orders of list and stream (`sortBy`), as the master names them without the `SORT_BY_` prefix.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Experiment } from "effect-determined"
   *
   * const sortBy: Experiment.ExperimentSortBy = "START_TIME"
   * const newest = Experiment.list({ sortBy, orderBy: "desc", limit: 10 })
   */
  ExperimentSortBy,
  /**
   * An experiment's state, without the `STATE_` prefix (states added by a newer master arrive as their names).
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Experiment } from "effect-determined"
   *
   * const states: ReadonlyArray<Experiment.ExperimentState> = ["ACTIVE", "PAUSED"]
   * const unfinished = Experiment.list({ states })
   */
  ExperimentState
} from "./internal/models/experiment.js"

export type {
  /**
   * Options of {@link listCheckpoints}.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Experiment } from "effect-determined"
   *
   * const options: Experiment.ListCheckpointsOptions = { sortBy: "validation_loss", orderBy: "asc", maxResults: 3 }
   * const best3 = Experiment.listCheckpoints(7, options)
   */
  ListCheckpointsOptions,
  /**
   * Options of {@link topCheckpoint}: nothing (the searcher metric, in the searcher's direction), or a validation
   * metric with its direction.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Experiment } from "effect-determined"
   *
   * const options: Experiment.TopCheckpointOptions = { sortBy: "accuracy", smallerIsBetter: false }
   * const mostAccurate = Experiment.topCheckpoint(7, options)
   */
  TopCheckpointOptions
} from "./internal/checkpointList.js"

type Experiment = Models.Experiment

const notFound = (id: number) => ({ resource: "experiment", id })

const resource = Descriptors.experiment

/**
 * What reading one experiment can fail with: any request's errors, and `NotFound`.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const describe = (e: Experiment.GetError): string => (e._tag === "NotFound" ? "no such experiment" : e.message)
 * const name = Experiment.get(7).pipe(
 *   Effect.map((experiment) => experiment.name),
 *   Effect.catchAll((e) => Effect.succeed(describe(e)))
 * )
 */
export type GetError = Errors.RequestError | Errors.NotFound

/**
 * What listing experiments can fail with: any request's errors, `InvalidRequest` (a filter the master refuses)
 * and `NotFound` (the `projectId` filter names no project).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * // a projectId that names no project is NotFound; a filter the master refuses is InvalidRequest
 * const inProject = (projectId: number) =>
 *   Experiment.list({ projectId }).pipe(
 *     Effect.catchTag("NotFound", () => Effect.succeed([])),
 *     Effect.tapErrorTag("InvalidRequest", (e: Experiment.ListError) => Effect.logError(e.message))
 *   )
 */
export type ListError = Errors.RequestError | Errors.InvalidRequest | Errors.NotFound

/**
 * What a change to an experiment (setters, labels, control, archive, move, delete) can fail with: any
 * request's errors, `NotFound`, and `InvalidRequest` (a state or input the master refuses, e.g. archiving a
 * running experiment).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * // archiving a running experiment is refused (InvalidRequest): kill it first
 * const archived = (id: number): Effect.Effect<void, Experiment.MutationError, unknown> =>
 *   Experiment.archive(id).pipe(
 *     Effect.catchTag("InvalidRequest", () => Effect.zipRight(Experiment.kill(id), Experiment.archive(id)))
 *   )
 */
export type MutationError = Errors.RequestError | Errors.NotFound | Errors.InvalidRequest

/**
 * An experiment by id, from the cache when it holds one.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const state = Experiment.get(7).pipe(Effect.map((exp) => exp.state))
 */
export const get: (id: number) => Effect.Effect<Experiment, GetError, Resource.Requires> = resource.get

/**
 * Fetch an experiment again, store it in the cache and return it. Snapshots obtained earlier do not change.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const progress = Experiment.reload(7).pipe(Effect.map((exp) => exp.progress))
 */
export const reload: (id: number) => Effect.Effect<Experiment, GetError, Resource.Requires> = resource.reload

/**
 * The experiment's config (merged with the master's defaults), read through the cache as {@link get}.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const searcher = Experiment.getConfig(7).pipe(Effect.map((config) => config["searcher"]))
 */
export const getConfig = Effect.fn("Experiment.getConfig")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  const exp = yield* get(id)
  return exp.config ?? {}
})

/**
 * `config.integrations.pachyderm` of the experiment, if it has one (upstream's `get_pachyderm_config`, which
 * raises instead of returning none).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const pachyderm = Experiment.pachydermConfig(7)
 */
export const pachydermConfig = Effect.fn("Experiment.pachydermConfig")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  const config = yield* getConfig(id)
  const integrations = config["integrations"]
  const pachyderm = typeof integrations === "object" && integrations !== null && !Array.isArray(integrations)
    ? (integrations as Wire.JsonObject)["pachyderm"]
    : undefined
  return pachyderm === undefined || pachyderm === null ? Option.none() : Option.some(pachyderm)
})

/**
 * An id range filter of {@link list} (`experimentIdFilter.*`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const idFilter: Experiment.IdFilter = { gte: 100, lt: 200, notIn: [150] }
 * const range = Experiment.list({ experimentIdFilter: idFilter })
 */
export interface IdFilter {
  readonly lt?: number | undefined
  readonly lte?: number | undefined
  readonly gt?: number | undefined
  readonly gte?: number | undefined
  /** Only these ids. */
  readonly incl?: ReadonlyArray<number> | undefined
  /** Not these ids. */
  readonly notIn?: ReadonlyArray<number> | undefined
}

/**
 * Filters of {@link list} and {@link stream}: every query parameter of `GET /api/v1/experiments`.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const options: Experiment.ListOptions = {
 *   projectId: 1,
 *   labels: ["baseline"],
 *   states: ["COMPLETED"],
 *   sortBy: "END_TIME",
 *   orderBy: "desc",
 *   showTrialData: true
 * }
 * const finishedBaselines = Experiment.list(options)
 */
export interface ListOptions extends Resource.LimitOptions {
  readonly sortBy?: Models.ExperimentSortBy | undefined
  readonly orderBy?: Wire.OrderBy | undefined
  /** Case-insensitive substring of the name. */
  readonly name?: string | undefined
  /** Case-insensitive substring of the description. */
  readonly description?: string | undefined
  /** Experiments carrying all of these labels. */
  readonly labels?: ReadonlyArray<string> | undefined
  readonly archived?: boolean | undefined
  /**
   * Stored states; the master never matches `QUEUED`, `PULLING`, `STARTING` or `RUNNING` here (use `ACTIVE`).
   */
  readonly states?: ReadonlyArray<Models.ExperimentState> | undefined
  /** Usernames of the owners. */
  readonly users?: ReadonlyArray<string> | undefined
  readonly userIds?: ReadonlyArray<number> | undefined
  /** 404 `NotFound{resource: "project"}` when the project does not exist. */
  readonly projectId?: number | undefined
  /** Only these ids (upstream's `experiment_ids`; merged into `experimentIdFilter.incl`). */
  readonly experimentIds?: ReadonlyArray<number> | undefined
  readonly experimentIdFilter?: IdFilter | undefined
  /** Fill `bestTrialSearcherMetric` and `bestTrialId` of each row. */
  readonly showTrialData?: boolean | undefined
}

const experimentsRequest = (options: ListOptions, page: Resource.PageRequest) => {
  const filter = options.experimentIdFilter ?? {}
  const incl = options.experimentIds === undefined && filter.incl === undefined
    ? undefined
    : [...(filter.incl ?? []), ...(options.experimentIds ?? [])]
  return {
    method: "GET",
    path: "/api/v1/experiments",
    query: {
      offset: page.offset,
      limit: page.limit,
      sortBy: options.sortBy === undefined ? undefined : Wire.enumToWire("SORT_BY_", options.sortBy),
      orderBy: Wire.orderByToWire(options.orderBy),
      name: options.name,
      description: options.description,
      labels: options.labels,
      archived: options.archived,
      states: options.states?.map((s) => Wire.enumToWire("STATE_", s)),
      users: options.users,
      userIds: options.userIds,
      projectId: options.projectId,
      "experimentIdFilter.lt": filter.lt,
      "experimentIdFilter.lte": filter.lte,
      "experimentIdFilter.gt": filter.gt,
      "experimentIdFilter.gte": filter.gte,
      "experimentIdFilter.incl": incl,
      "experimentIdFilter.notIn": filter.notIn,
      showTrialData: options.showTrialData
    },
    invalid: true,
    notFound: options.projectId === undefined ? undefined : { resource: "project", id: options.projectId }
  } as const
}

// Pages arrive with raw rows; the rows are decoded in a later stage, while the next page is already requested.
const experiments = Resource.listDecoded({
  span: "Experiment.list",
  request: experimentsRequest,
  schema: Fast.ExperimentsPageRaw,
  page: (r) => ({ items: r.experiments, pagination: r.pagination }),
  // rows fetched raw are decoded here, with a DecodeError naming the request and the field
  decode: (options: ListOptions, rows) =>
    Http.decodeValue(
      experimentsRequest(options, { offset: 0, limit: undefined }),
      200,
      Fast.ExperimentRows,
      rows,
      "experiments"
    )
})

/**
 * Every experiment matching the filters (all pages). List rows are trimmed by the master (`trialIds: []`,
 * `originalConfig: ""`, `notes: "omitted"`), so they are not stored in the cache.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const mine = Experiment.list({ users: ["alice"], states: ["ACTIVE"], sortBy: "START_TIME", orderBy: "desc" })
 */
export const list = (
  options: ListOptions = {}
): Effect.Effect<ReadonlyArray<Experiment>, ListError, DeterminedHttp> => experiments.list(options)

/**
 * Experiments matching the filters as a lazy stream (one page of read-ahead).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Stream } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const first10 = Experiment.stream({ archived: false }).pipe(Stream.take(10), Stream.runCollect)
 */
export const stream = (
  options: ListOptions = {}
): Stream.Stream<Experiment, ListError, DeterminedHttp> => experiments.stream(options)

// ---------------------------------------------------------------------------------------------------------------
// setters

const patch = (id: number, fields: Record<string, unknown>) =>
  Effect.gen(function*() {
    const http = yield* DeterminedHttp
    const response = yield* http.json(
      {
        method: "PATCH",
        path: path`/api/v1/experiments/${id}`,
        body: { id, ...fields },
        notFound: notFound(id)
      },
      Models.PatchExperimentResponse
    )
    if (response.experiment === null) {
      yield* resource.stale(id)
      return yield* Effect.flatMap(resource.fetch(id), resource.store)
    }
    // The PATCH answer is the single-experiment view (full notes, trial ids): store it as the fresh entry.
    return yield* resource.store(response.experiment)
  })

/**
 * Rename an experiment. Returns the updated experiment and stores it in the cache; a blank name is rejected by
 * the master (`InvalidRequest`).
 *
 * @since 0.1.0
 * @category setters
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const renamed = Experiment.setName(7, "resnet-sweep")
 */
export const setName = Effect.fn("Experiment.setName")(function*(id: number, name: string) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  return yield* patch(id, { name })
})

/**
 * Set an experiment's description. Returns the updated experiment and stores it in the cache.
 *
 * @since 0.1.0
 * @category setters
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const described = Experiment.setDescription(7, "lr sweep, 16 trials")
 */
export const setDescription = Effect.fn("Experiment.setDescription")(function*(id: number, description: string) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  return yield* patch(id, { description })
})

/**
 * Set an experiment's notes (free text, usually Markdown). Returns the updated experiment and stores it.
 *
 * @since 0.1.0
 * @category setters
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const noted = Experiment.setNotes(7, "# Findings\nlr 1e-3 is best")
 */
export const setNotes = Effect.fn("Experiment.setNotes")(function*(id: number, notes: string) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  return yield* patch(id, { notes })
})

/**
 * Replace an experiment's labels (the master removes duplicates and does not keep order). Returns the updated
 * experiment and stores it in the cache.
 *
 * @since 0.1.0
 * @category setters
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const labelled = Experiment.setLabels(7, ["baseline", "resnet"])
 */
export const setLabels = Effect.fn("Experiment.setLabels")(function*(id: number, labels: Iterable<string>) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  return yield* patch(id, { labels: Array.from(new Set(labels)) })
})

const withLabels = (labels: ReadonlyArray<string>) => (exp: Experiment) =>
  Models.Experiment.make({ ...exp, labels: [...labels] })

/**
 * Add a label (idempotent on the master). Returns all labels of the experiment afterwards, and updates the
 * labels of the cached entry, if any.
 *
 * @since 0.1.0
 * @category setters
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const labels = Experiment.addLabel(7, "best")
 */
export const addLabel = Effect.fn("Experiment.addLabel")(function*(id: number, label: string) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  const http = yield* DeterminedHttp
  const { labels } = yield* http.json(
    { method: "PUT", path: path`/api/v1/experiments/${id}/labels/${label}`, notFound: notFound(id) },
    Models.LabelsResponse
  )
  yield* resource.update(id, withLabels(labels))
  return labels
})

/**
 * Remove a label (idempotent on the master). Returns the remaining labels, and updates the cached entry, if any.
 *
 * @since 0.1.0
 * @category setters
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const labels = Experiment.removeLabel(7, "wip")
 */
export const removeLabel = Effect.fn("Experiment.removeLabel")(function*(id: number, label: string) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  const http = yield* DeterminedHttp
  const { labels } = yield* http.json(
    { method: "DELETE", path: path`/api/v1/experiments/${id}/labels/${label}`, notFound: notFound(id) },
    Models.LabelsResponse
  )
  yield* resource.update(id, withLabels(labels))
  return labels
})

// ---------------------------------------------------------------------------------------------------------------
// control

const post = (id: number, action: string) =>
  Effect.flatMap(DeterminedHttp, (http) =>
    http.void({
      method: "POST",
      path: path`/api/v1/experiments/${id}/${action}`,
      idempotent: true,
      notFound: notFound(id)
    }))

// The state changes later on the server: the experiment, its trials and checkpoints go stale (kinds.ts).
const invalidate = resource.stale

/**
 * Activate (start or resume) an experiment. The state changes on the server later, so the cached entry is
 * dropped. No GET is made.
 *
 * @since 0.1.0
 * @category control
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const resumed = Experiment.activate(7)
 */
export const activate = Effect.fn("Experiment.activate")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  yield* post(id, "activate")
  yield* invalidate(id)
})

/**
 * Pause an experiment (its trials are checkpointed and descheduled). Drops the cached entry; no GET is made.
 *
 * @since 0.1.0
 * @category control
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const paused = Experiment.pause(7)
 */
export const pause = Effect.fn("Experiment.pause")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  yield* post(id, "pause")
  yield* invalidate(id)
})

/**
 * Cancel an experiment: trials stop at their next checkpoint and it ends `CANCELED`. A no-op on experiments
 * already stopping or ended. Drops the cached entry; no GET is made.
 *
 * @since 0.1.0
 * @category control
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const canceled = Experiment.cancel(7)
 */
export const cancel = Effect.fn("Experiment.cancel")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  yield* post(id, "cancel")
  yield* invalidate(id)
})

/**
 * Kill an experiment: trials stop at once and it ends `CANCELED`. A no-op on experiments already ended. Drops
 * the cached entry; no GET is made, so killing many experiments by id costs one POST each.
 *
 * @since 0.1.0
 * @category control
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const killAll = Effect.forEach([7, 8, 9], Experiment.kill, { concurrency: 4, discard: true })
 */
export const kill = Effect.fn("Experiment.kill")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  yield* post(id, "kill")
  yield* invalidate(id)
})

/**
 * Archive an ended experiment. On success the cached entry, if any, is marked archived (the only field that
 * changes). The master refuses (`InvalidRequest`) experiments not ended or already archived.
 *
 * @since 0.1.0
 * @category control
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const archived = Experiment.archive(7)
 */
export const archive = Effect.fn("Experiment.archive")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  yield* post(id, "archive")
  yield* resource.update(id, (exp) => Models.Experiment.make({ ...exp, archived: true }))
})

/**
 * Unarchive an experiment. On success the cached entry, if any, is marked not archived.
 *
 * @since 0.1.0
 * @category control
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const restored = Experiment.unarchive(7)
 */
export const unarchive = Effect.fn("Experiment.unarchive")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  yield* post(id, "unarchive")
  yield* resource.update(id, (exp) => Models.Experiment.make({ ...exp, archived: false }))
})

const del = Effect.fn("Experiment.delete")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  const http = yield* DeterminedHttp
  yield* http.void({ method: "DELETE", path: path`/api/v1/experiments/${id}`, notFound: notFound(id) })
  yield* invalidate(id)
})

export {
  /**
   * Delete an ended experiment with its checkpoints. Asynchronous on the master: it answers at once with the
   * experiment `DELETING`, which later disappears (404) or becomes `DELETE_FAILED`. Drops the cached entry.
   *
   * @since 0.1.0
   * @category control
   * @example
   * import { Experiment } from "effect-determined"
   *
   * const gone = Experiment.delete(7)
   */
  del as delete
}

/**
 * Delete the TensorBoard files the experiment's trials wrote to checkpoint storage.
 *
 * @since 0.1.0
 * @category control
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const cleaned = Experiment.deleteTensorboardFiles(7)
 */
export const deleteTensorboardFiles = Effect.fn("Experiment.deleteTensorboardFiles")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  const http = yield* DeterminedHttp
  yield* http.void({
    method: "DELETE",
    path: path`/api/v1/experiments/${id}/tensorboard-files`,
    notFound: notFound(id)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// moving

/**
 * Where {@link moveToProject} moves an experiment: a project id, or a workspace and project by name.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const destination: Experiment.Destination = { workspace: "research", project: "vision" }
 * const moved = Experiment.moveToProject(7, destination)
 */
export type Destination =
  | { readonly projectId: number }
  | { readonly workspace: string; readonly project: string }

// The id of the project named `project` in the workspace named `workspace` (exact names, through the Workspace and
// Project lookups); `NotFound{resource: "workspace" | "project"}` when either does not exist. Public as
// `Project.getByName(workspace, project)`.
const resolveProject = Effect.fn("Experiment.resolveProject")(function*(workspace: string, project: string) {
  yield* Effect.annotateCurrentSpan("determined.workspace.name", workspace)
  yield* Effect.annotateCurrentSpan("determined.project.name", project)
  const ws = yield* Workspace.getByName(workspace)
  const found = yield* Projects.projectByName(ws.id, project)
  return found.id
})

/**
 * Move an experiment into another project, given by id or by workspace and project names (resolved with two
 * GETs, as upstream). Drops the cached entry (project and workspace names change with it).
 *
 * @since 0.1.0
 * @category control
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const byName = Experiment.moveToProject(7, { workspace: "research", project: "vision" })
 * const byId = Experiment.moveToProject(7, { projectId: 12 })
 */
export const moveToProject = Effect.fn("Experiment.moveToProject")(function*(id: number, destination: Destination) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  const projectId = "projectId" in destination
    ? destination.projectId
    : yield* resolveProject(destination.workspace, destination.project)
  yield* Effect.annotateCurrentSpan("determined.project.id", projectId)
  const http = yield* DeterminedHttp
  yield* http.void({
    method: "POST",
    path: path`/api/v1/experiments/${id}/move`,
    body: { experimentId: id, destinationProjectId: projectId },
    idempotent: true,
    notFound: notFound(id)
  })
  yield* invalidate(id)
})

// ---------------------------------------------------------------------------------------------------------------
// trials

/**
 * Options of {@link listTrials} and {@link streamTrials}. Defaults as upstream: sorted by id, ascending.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const options: Experiment.ListTrialsOptions = { states: ["ACTIVE"], sortBy: "START_TIME", orderBy: "desc" }
 * const running = Experiment.listTrials(7, options)
 */
export interface ListTrialsOptions extends Resource.LimitOptions {
  readonly sortBy?: TrialSortBy | undefined
  readonly orderBy?: Wire.OrderBy | undefined
  /**
   * Stored states of the trials (the wire type is the experiment state enum, as the master declares it; an
   * active trial is stored as `ACTIVE`).
   */
  readonly states?: ReadonlyArray<TrialState | Models.ExperimentState> | undefined
}

const trials = Resource.list({
  span: "Experiment.listTrials",
  request: (options: ListTrialsOptions & { readonly experimentId: number }, page) => ({
    method: "GET",
    path: path`/api/v1/experiments/${options.experimentId}/trials`,
    query: {
      offset: page.offset,
      limit: page.limit,
      sortBy: Wire.enumToWire("SORT_BY_", options.sortBy ?? "ID"),
      orderBy: Wire.orderByToWire(options.orderBy ?? "asc"),
      states: options.states?.map((s) => Wire.enumToWire("STATE_", s))
    },
    invalid: true,
    notFound: notFound(options.experimentId)
  }),
  schema: Fast.TrialsResponse,
  page: (r) => ({ items: r.trials, pagination: r.pagination })
})

/**
 * What listing an experiment's trials can fail with.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const report = (e: Experiment.ListTrialsError): string => (e._tag === "NotFound" ? `no experiment ${e.id}` : e.message)
 * const trialIds = Experiment.listTrials(7).pipe(
 *   Effect.map((trials) => trials.map((trial) => trial.id)),
 *   Effect.mapError(report)
 * )
 */
export type ListTrialsError = Errors.RequestError | Errors.NotFound | Errors.InvalidRequest

/**
 * All trials of an experiment (all pages). Rows are not stored in the cache.
 *
 * @since 0.1.0
 * @category trials
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const best = Experiment.listTrials(7, { sortBy: "BEST_VALIDATION_METRIC", orderBy: "asc" })
 */
export const listTrials = Effect.fn("Experiment.listTrials")(function*(id: number, options: ListTrialsOptions = {}) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  return yield* trials.list({ ...options, experimentId: id })
})

/**
 * The trials of an experiment as a lazy stream, page by page (upstream's `iter_trials`).
 *
 * @since 0.1.0
 * @category trials
 * @example
 * import { Stream } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const ids = Experiment.streamTrials(7, { pageSize: 50 }).pipe(Stream.map((t) => t.id), Stream.runCollect)
 */
export const streamTrials = (
  id: number,
  options: ListTrialsOptions = {}
): Stream.Stream<Trial, ListTrialsError, DeterminedHttp> => trials.stream({ ...options, experimentId: id })

// ---------------------------------------------------------------------------------------------------------------
// checkpoints

/**
 * Checkpoints of an experiment, sorted on the server as upstream's `list_checkpoints`:
 *
 * - `sortBy` is a `CheckpointSortBy` (`"BATCH_NUMBER"`, ...) sent as `sortByAttr`, or a validation metric name
 *   (a bare string that is not a `CheckpointSortBy`, or `{ metric }`) sent as `sortByMetric`;
 * - `orderBy` is required with `sortBy` and only with it (checked by the type, and at run time with
 *   `InvalidRequest{reason: "ClientValidation"}`);
 * - without either, `sortByAttr=SORT_BY_SEARCHER_METRIC`: best first according to the searcher's
 *   `smaller_is_better`, checkpoints without a searcher metric last;
 * - `maxResults` reads one page of that many checkpoints; otherwise every page;
 * - only `COMPLETED` checkpoints, unless `states` says otherwise.
 *
 * @since 0.1.0
 * @category checkpoints
 * @example
 * import { Checkpoint, Experiment } from "effect-determined"
 *
 * const best = Experiment.listCheckpoints(7, { sortBy: "validation_loss", orderBy: "asc", maxResults: 1 })
 * const latest = Experiment.listCheckpoints(7, { sortBy: Checkpoint.CheckpointSortBy.BATCH_NUMBER, orderBy: "desc" })
 */
export const listCheckpoints = Effect.fn("Experiment.listCheckpoints")(function*(
  id: number,
  options: CheckpointList.ListCheckpointsOptions = {}
) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  return yield* CheckpointList.list(path`/api/v1/experiments/${id}/checkpoints`, notFound(id), options, ["COMPLETED"])
})

/**
 * The checkpoints of {@link listCheckpoints} as a lazy stream.
 *
 * @since 0.1.0
 * @category checkpoints
 * @example
 * import { Stream } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const uuids = Experiment.streamCheckpoints(7).pipe(Stream.map((c) => c.uuid), Stream.runCollect)
 */
export const streamCheckpoints = (
  id: number,
  options: CheckpointList.ListCheckpointsOptions = {}
): Stream.Stream<Checkpoint, CheckpointList.ListError, DeterminedHttp> =>
  CheckpointList.stream(path`/api/v1/experiments/${id}/checkpoints`, notFound(id), options, ["COMPLETED"])

/**
 * What {@link topCheckpoint} can fail with: any request's errors, `NotFound` (the experiment), and
 * `InvalidRequest` (options checked before sending, or a metric the master refuses).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect, Option } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const describe = (e: Experiment.TopCheckpointError): string =>
 *   e._tag === "InvalidRequest" ? `bad sort: ${e.message}` : e._tag === "NotFound" ? `no experiment ${e.id}` : e.message
 * const bestUuid = Experiment.topCheckpoint(7, { sortBy: "validation_loss", smallerIsBetter: true }).pipe(
 *   Effect.map(Option.map((checkpoint) => checkpoint.uuid)),
 *   Effect.mapError(describe)
 * )
 */
export type TopCheckpointError = Errors.RequestError | Errors.NotFound | Errors.InvalidRequest

/**
 * The experiment's best `COMPLETED` checkpoint, as upstream's `top_checkpoint(sort_by, smaller_is_better)`; none
 * when it has no completed checkpoint (upstream raises `AssertionError`).
 *
 * - Without options: by the searcher metric, in the direction of the searcher's `smaller_is_better` (the master
 *   sorts; one request of one row). Checkpoints without a validation at their step rank last.
 * - With `{ sortBy, smallerIsBetter }`: by that validation metric, in that direction (`smallerIsBetter` is
 *   required: upstream's default, descending, is rarely what a loss wants). Checkpoints without the metric rank
 *   last (a master sorting ascending puts them first; they are skipped here).
 *
 * @since 0.1.0
 * @category checkpoints
 * @example
 * import { Effect, Option } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const best = Experiment.topCheckpoint(7).pipe(Effect.map(Option.map((c) => c.uuid)))
 * const mostAccurate = Experiment.topCheckpoint(7, { sortBy: "accuracy", smallerIsBetter: false })
 */
export const topCheckpoint: (
  id: number,
  options?: CheckpointList.TopCheckpointOptions
) => Effect.Effect<Option.Option<Checkpoint>, TopCheckpointError, DeterminedHttp> = Effect.fn(
  "Experiment.topCheckpoint"
)(function*(id: number, options: CheckpointList.TopCheckpointOptions = {}) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  return yield* CheckpointList.top(path`/api/v1/experiments/${id}/checkpoints`, notFound(id), options, "experiment")
})

// ---------------------------------------------------------------------------------------------------------------
// searcher

/**
 * The experiment's validation history: each validation that improved on the best searcher metric so far.
 *
 * @since 0.1.0
 * @category searcher
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const history = Experiment.validationHistory(7)
 */
export const validationHistory = Effect.fn("Experiment.validationHistory")(function*(id: number) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  const http = yield* DeterminedHttp
  const r = yield* http.json(
    { method: "GET", path: path`/api/v1/experiments/${id}/validation-history`, notFound: notFound(id) },
    Models.ValidationHistoryResponse
  )
  return r.validationHistory
})

/**
 * The best searcher metric value any validation of the experiment reported, none before the first (the master
 * answers that case with a 404 "no validations for experiment", which this maps to none).
 *
 * @since 0.1.0
 * @category searcher
 * @example
 * import { Effect, Option } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const best = Experiment.bestSearcherValidationMetric(7).pipe(Effect.map(Option.getOrUndefined))
 */
export const bestSearcherValidationMetric = Effect.fn("Experiment.bestSearcherValidationMetric")(
  function*(id: number) {
    yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
    const http = yield* DeterminedHttp
    const r = yield* http.json(
      {
        method: "GET",
        path: path`/api/v1/experiments/${id}/searcher/best_searcher_validation_metric`,
        notFound: notFound(id)
      },
      Models.BestSearcherValidationMetricResponse
    ).pipe(
      // the master answers 404 "no validations for experiment" before the first validation (and 404
      // "experiment ... not found" for an unknown id, which stays an error)
      Effect.catchTag(
        "NotFound",
        (e) => /no validations/i.test(e.message) ? Effect.succeed({ metric: null }) : Effect.fail(e)
      )
    )
    return Option.fromNullable(r.metric)
  }
)

// waiting and watching (src/resources/internal/watch.ts)
export {
  /**
   * Wait until the experiment has a trial and return it: polls every second by default, fails with
   * `ExperimentEnded` when the experiment ends first and with `WaitTimeout` after `timeout`.
   *
   * @since 0.1.0
   * @category waiting
   * @example
   * import { Effect } from "effect"
   * import { Experiment } from "effect-determined"
   *
   * const firstTrialId = Experiment.awaitFirstTrial(7, { every: "2 seconds", timeout: "10 minutes" }).pipe(
   *   Effect.map((trial) => trial.id)
   * )
   */
  awaitFirstTrial,
  /**
   * The terminal state `wait` returns.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Experiment } from "effect-determined"
   *
   * const succeeded = Experiment.wait(7).pipe(Effect.map((state: Experiment.EndState) => state === "COMPLETED"))
   */
  type EndState,
  /**
   * Wait until the experiment reaches a terminal state and return it (one GET per poll, every 5 seconds by
   * default); `ExperimentPaused` when it is paused, `WaitTimeout` after `timeout`.
   *
   * @since 0.1.0
   * @category waiting
   * @example
   * import { Effect, Schedule } from "effect"
   * import { Experiment } from "effect-determined"
   *
   * const done = Experiment.wait(7, { schedule: Schedule.spaced("10 seconds"), timeout: "2 hours" }).pipe(
   *   Effect.tap((state) => Effect.log(`experiment 7 ended ${state}`))
   * )
   */
  wait,
  /**
   * Options of the waits: the poll schedule (or `every`) and an overall timeout.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Experiment } from "effect-determined"
   *
   * const options: Experiment.WaitOptions = { every: "30 seconds", timeout: "6 hours" }
   * const ended = Experiment.wait(7, options)
   */
  type WaitOptions,
  /**
   * The snapshots of an experiment's trials that changed since the previous poll (one paged list per poll, every
   * 5 seconds by default); the stream ends once the experiment has ended.
   *
   * @since 0.1.0
   * @category watching
   * @example
   * import { Effect, Stream } from "effect"
   * import { Experiment } from "effect-determined"
   *
   * const logged = Experiment.watchTrials(7, { every: "10 seconds" }).pipe(
   *   Stream.runForEach((trial) => Effect.log(`trial ${trial.id}: ${trial.state}`))
   * )
   */
  watchTrials,
  /**
   * Options of `watchTrials`: the poll schedule (or `every`) and the page size of each list.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Experiment } from "effect-determined"
   *
   * const options: Experiment.WatchTrialsOptions = { every: "1 minute", pageSize: 500 }
   * const trials = Experiment.watchTrials(7, options)
   */
  type WatchTrialsOptions
} from "./internal/watch.js"

// creation from a model directory and code download (src/resources/internal/experimentCreate.ts)
export {
  /**
   * Create an experiment from a config and, optionally, a model directory packed as upstream. The directory
   * is checked and packed before anything is sent. The request is never repeated once it may have reached the
   * master: a connection lost or a timeout after sending fails with `ExperimentMayExist`.
   *
   * Reading a model directory, an include or a config file needs the disk: then the effect requires `FileSystem`
   * and `Path` of `@effect/platform` (on Node, provide `NodeContext.layer` of `@effect/platform-node`). A config
   * given as an object, with no model directory and no includes, needs neither.
   *
   * @since 0.1.0
   * @category operations
   * @example
   * import { NodeContext } from "@effect/platform-node"
   * import { Effect } from "effect"
   * import { Experiment } from "effect-determined"
   *
   * // reads ./mnist from the disk: requires FileSystem and Path
   * const launch = Experiment.create({
   *   config: { name: "mnist-lr-0.01", entrypoint: "python3 train.py", hyperparameters: { lr: 0.01 } },
   *   modelDir: "./mnist"
   * }).pipe(
   *   Effect.catchTag("ExperimentMayExist", (e) => Effect.logWarning(e.message)),
   *   Effect.provide(NodeContext.layer)
   * )
   *
   * // a config object alone touches no disk
   * const bare = Experiment.create({ config: { name: "no-code", entrypoint: "sleep 1" } })
   */
  create,
  /**
   * What {@link create} takes.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Experiment } from "effect-determined"
   *
   * const options: Experiment.CreateOptions = {
   *   config: { name: "mnist", entrypoint: "python3 train.py", searcher: { name: "single", metric: "validation_loss" } },
   *   projectId: 1,
   *   activate: false
   * }
   * const paused = Experiment.create(options)
   */
  type CreateOptions,
  /**
   * Download an experiment's model definition and extract it into `outputDir` (which must not exist or be
   * empty), safely and atomically. Returns the absolute path of `outputDir`. Writes to the disk through the
   * `FileSystem` and `Path` of `@effect/platform` the application provides (on Node, `NodeContext.layer`).
   *
   * @since 0.1.0
   * @category operations
   * @example
   * import { Experiment } from "effect-determined"
   *
   * const dir = Experiment.downloadCode(7, "./exp-7-code")
   */
  downloadCode
} from "./internal/experimentCreate.js"

// searching with the filter language (src/resources/Query.ts, src/resources/internal/search/)

export {
  /**
   * An experiment found by a search, with its best trial (`null` before it has one).
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect, Stream } from "effect"
   * import { Experiment, Query } from "effect-determined"
   *
   * const bestTrials = Experiment.search(Query.field("state").eq("COMPLETED")).pipe(
   *   Stream.map((found: Experiment.SearchedExperiment) => ({ id: found.experiment.id, bestTrial: found.bestTrial?.id })),
   *   Stream.runCollect,
   *   Effect.map((rows) => Array.from(rows))
   * )
   */
  SearchedExperiment
} from "./internal/models/run.js"

/**
 * Experiments matching a query (`Query`), each with its best trial, as a lazy stream with one page of
 * read-ahead. The planner sends what the master can evaluate to SearchExperiments (or, with `via: "list"`, to the
 * older GetExperiments parameters) and evaluates the rest on the rows received, with the master's semantics;
 * `options.onExplain` receives the explanation with its counts when the stream ends. Metric names are checked
 * against the project's columns first when `projectId` is given (`UnknownColumn`).
 *
 * @since 0.1.0
 * @category search
 * @example
 * import { Stream } from "effect"
 * import { Experiment, Query } from "effect-determined"
 *
 * const good = Experiment.search(
 *   Query.where(Query.field("state").eq("COMPLETED"), Query.validation("validation_loss").min.lt(0.2))
 * ).pipe(Stream.take(10), Stream.runCollect)
 */
export const search = (
  query: QueryModule.Query | QueryModule.Filter,
  options: SearchRun.SearchOptions = {}
): Stream.Stream<SearchedExperiment, SearchRun.SearchError, DeterminedHttp> =>
  SearchRun.search<SearchedExperiment>("experiments", QueryModule.make(query), options)

/**
 * Every experiment matching a query, collected, with the explanation of what ran where and how many rows the
 * local part read.
 *
 * @since 0.1.0
 * @category search
 * @example
 * import { Effect } from "effect"
 * import { Experiment, Query } from "effect-determined"
 *
 * const program = Effect.gen(function*() {
 *   const { items, explanation } = yield* Experiment.searchList(Query.field("name").contains("mnist"))
 *   yield* Effect.log(Query.formatExplanation(explanation))
 *   return items.map((x) => x.experiment.id)
 * })
 */
export const searchList = Effect.fn("Experiment.searchList")(function*(
  query: QueryModule.Query | QueryModule.Filter,
  options: SearchRun.SearchOptions = {}
) {
  return yield* SearchRun.searchAll<SearchedExperiment>("experiments", QueryModule.make(query), options)
})
