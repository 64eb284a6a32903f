/**
 * Models of the registry: named collections of checkpoints (their versions, see `ModelVersion`).
 *
 * A model is named by its name (a string) or its numeric id (a number), as upstream's `get_model(int_or_name)`:
 * the master reads an all-digit path segment as an id and refuses model names made only of digits (or with
 * slashes), so the two never collide. Snapshots are cached under both the name and the id.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type * as Errors from "../DeterminedError.js"
import { DeterminedHttp, path } from "../services/DeterminedHttp.js"
import * as Descriptors from "./internal/descriptors.js"
import * as Kinds from "./internal/kinds.js"
import * as Models from "./internal/models/model.js"
import * as Resource from "./internal/resource.js"
import * as Wire from "./internal/wire.js"
import * as ModelVersion from "./ModelVersion.js"

/**
 * An immutable snapshot of a registered model.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect, Schema } from "effect"
 * import { Model } from "effect-determined"
 *
 * // the class is also the schema of the master's JSON
 * const decoded = Schema.decodeUnknown(Model.Model)({
 *   id: 1,
 *   name: "mnist",
 *   creationTime: "2026-12-01T10:00:00Z",
 *   lastUpdatedTime: "2026-12-02T10:00:00Z"
 * }).pipe(Effect.map((model) => `${model.name}, ${model.numVersions} versions`))
 */
export const Model = Models.Model

/**
 * The type of a model snapshot (the instance type of `Model.Model`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Model } from "effect-determined"
 *
 * const describe = (model: Model.Model): string => `${model.name} (${model.labels.join(", ")}): ${model.numVersions} versions`
 * const line = Model.get("mnist").pipe(Effect.map(describe))
 */
export type Model = Models.Model

/**
 * A model is named by its name (a string) or its numeric id (a number).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Model } from "effect-determined"
 *
 * const byName: Model.ModelRef = "mnist"
 * const byId: Model.ModelRef = 1
 * const both = [Model.get(byName), Model.get(byId)]
 */
export type ModelRef = Models.ModelRef

/**
 * How models are sorted (`SORT_BY_*` on the wire; upstream `ModelSortBy`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Model } from "effect-determined"
 *
 * const sortBy: Model.SortBy = "LAST_UPDATED_TIME"
 * const recentlyUpdated = Model.list({ sortBy, orderBy: "desc", limit: 10 })
 */
export type SortBy = "NAME" | "DESCRIPTION" | "CREATION_TIME" | "LAST_UPDATED_TIME" | "NUM_VERSIONS" | "WORKSPACE"

const resource = Descriptors.model

const fetch = resource.fetch

/**
 * What reading one model can fail with.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Model } from "effect-determined"
 *
 * const describe = (e: Model.GetError): string => (e._tag === "NotFound" ? `no model ${e.id}` : e.message)
 * const versions = Model.get("mnist").pipe(Effect.map((model) => model.numVersions), Effect.mapError(describe))
 */
export type GetError = Errors.RequestError | Errors.NotFound

/**
 * What listing models can fail with (`InvalidRequest`: a filter the master refuses).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Model } from "effect-determined"
 *
 * const names = Model.list({ labels: ["production"] }).pipe(
 *   Effect.map((models) => models.map((model) => model.name)),
 *   Effect.tapError((e: Model.ListError) => Effect.logError(`${e._tag}: ${e.message}`))
 * )
 */
export type ListError = Errors.RequestError | Errors.InvalidRequest

/**
 * A model by name or id, from the cache when it holds one.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Model } from "effect-determined"
 *
 * const byName = Model.get("mnist")
 * const byId = Model.get(12).pipe(Effect.map((m) => m.name))
 */
export const get: (model: ModelRef) => Effect.Effect<Model, GetError, Resource.Requires> = resource.get

/**
 * Fetch a model again, store it in the cache and return it.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Model } from "effect-determined"
 *
 * const fresh = Model.reload("mnist")
 */
export const reload: (model: ModelRef) => Effect.Effect<Model, GetError, Resource.Requires> = resource.reload

/**
 * Filters of {@link list}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Model } from "effect-determined"
 *
 * const options: Model.ListOptions = { workspaceNames: ["research"], archived: false, sortBy: "NAME", orderBy: "asc" }
 * const models = Model.list(options)
 */
export interface ListOptions extends Resource.LimitOptions {
  /** Substring of the name. */
  readonly name?: string | undefined
  /** Substring of the description. */
  readonly description?: string | undefined
  /** Models carrying these labels. */
  readonly labels?: ReadonlyArray<string> | undefined
  readonly archived?: boolean | undefined
  /** Creators, by username. */
  readonly users?: ReadonlyArray<string> | undefined
  readonly userIds?: ReadonlyArray<number> | undefined
  readonly workspaceNames?: ReadonlyArray<string> | undefined
  readonly workspaceIds?: ReadonlyArray<number> | undefined
  /** Only the model with this id. */
  readonly id?: number | undefined
  /** Default: the master's (id). Upstream's `list_models` defaults to `NAME`. */
  readonly sortBy?: SortBy | undefined
  readonly orderBy?: Wire.OrderBy | undefined
}

const models = Resource.list({
  span: "Model.list",
  request: (options: ListOptions, page) => ({
    method: "GET",
    path: "/api/v1/models",
    query: {
      offset: page.offset,
      limit: page.limit,
      name: options.name,
      description: options.description,
      labels: options.labels,
      archived: options.archived,
      users: options.users,
      userIds: options.userIds,
      workspaceNames: options.workspaceNames,
      workspaceIds: options.workspaceIds,
      id: options.id,
      sortBy: options.sortBy === undefined ? undefined : Wire.enumToWire("SORT_BY_", options.sortBy),
      orderBy: Wire.orderByToWire(options.orderBy)
    },
    invalid: true
  }),
  schema: Models.ModelsPage,
  page: (r) => ({ items: r.models, pagination: r.pagination })
})

/**
 * Every model matching the filters (all pages).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Model } from "effect-determined"
 *
 * const prod = Model.list({ labels: ["prod"], archived: false, sortBy: "NAME", orderBy: "asc" })
 */
export const list = (options: ListOptions = {}): Effect.Effect<ReadonlyArray<Model>, ListError, DeterminedHttp> =>
  models.list(options)

/**
 * Models matching the filters as a lazy stream.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Stream } from "effect"
 * import { Model } from "effect-determined"
 *
 * const names = Model.stream({ workspaceNames: ["research"] }).pipe(Stream.map((m) => m.name))
 */
export const stream = (
  options: ListOptions = {}
): Stream.Stream<Model, ListError, DeterminedHttp> => models.stream(options)

/**
 * Options of {@link create}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Model } from "effect-determined"
 *
 * const options: Model.CreateOptions = {
 *   description: "digit classifier",
 *   labels: ["vision"],
 *   metadata: { framework: "pytorch" },
 *   workspace: "research"
 * }
 * const registered = Model.create("mnist", options)
 */
export interface CreateOptions {
  readonly description?: string | undefined
  readonly metadata?: Wire.JsonObject | undefined
  readonly labels?: ReadonlyArray<string> | undefined
  readonly notes?: string | undefined
  /** The workspace, by name (string) or id (number). Default: workspace 1 ("Uncategorized"). */
  readonly workspace?: string | number | undefined
}

/**
 * Register a new model. Never retried blindly (it creates); the new model is stored in the cache.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Model } from "effect-determined"
 *
 * const model = Model.create("mnist", { description: "digits", labels: ["cv"], workspace: "research" })
 */
export const create = Effect.fn("Model.create")(function*(name: string, options: CreateOptions = {}) {
  yield* Effect.annotateCurrentSpan("determined.model.name", name)
  const http = yield* DeterminedHttp
  const r = yield* http.json({
    method: "POST",
    path: "/api/v1/models",
    conflict: true,
    body: {
      name,
      description: options.description ?? "",
      metadata: options.metadata,
      labels: options.labels,
      notes: options.notes,
      workspaceName: typeof options.workspace === "string" ? options.workspace : undefined,
      workspaceId: typeof options.workspace === "number" ? options.workspace : undefined
    }
  }, Models.ModelResponse)
  yield* resource.store(r.model)
  return r.model
})

/**
 * Fields of a model to change; `undefined` leaves a field as it is.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Model } from "effect-determined"
 *
 * const fields: Model.Patch = { description: "digit classifier, v2 data", labels: ["vision", "production"] }
 * const patched = Model.patch("mnist", fields)
 */
export interface Patch {
  readonly name?: string | undefined
  readonly description?: string | undefined
  readonly notes?: string | undefined
  readonly labels?: ReadonlyArray<string> | undefined
  /** Replaces the whole metadata object (see {@link addMetadata} to merge). */
  readonly metadata?: Wire.JsonObject | undefined
  /** Move to this workspace, by name (string) or id (number). */
  readonly workspace?: string | number | undefined
}

// What a real master's PATCH answer can be trusted for: `update_model.sql` returns only these columns (every other
// field of the answer is a zero value: id 0, workspaceId 0, archived false, ...).
const PatchedModel = Schema.Struct({
  model: Schema.Struct({
    name: Schema.String,
    description: Schema.optionalWith(Schema.String, { default: () => "" }),
    notes: Schema.optionalWith(Schema.String, { default: () => "" }),
    metadata: Schema.optionalWith(Wire.JsonObjectSchema, { default: () => ({}), nullable: true }),
    labels: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [], nullable: true }),
    lastUpdatedTime: Schema.optionalWith(Schema.NullOr(Wire.Timestamp), { default: () => null })
  })
})

const patchWith = (model: ModelRef, fields: Patch, base: Option.Option<Model>) =>
  Effect.gen(function*() {
    yield* Effect.annotateCurrentSpan("determined.model.id", model)
    const http = yield* DeterminedHttp
    const segment = yield* Models.modelSegment(model)
    const { workspace, ...rest } = fields
    const r = yield* http.json({
      method: "PATCH",
      path: path`/api/v1/models/${segment}`,
      conflict: true,
      body: {
        ...rest,
        workspaceName: typeof workspace === "string" ? workspace : undefined,
        workspaceId: typeof workspace === "number" ? workspace : undefined
      },
      idempotent: true,
      notFound: { resource: "model", id: model }
    }, PatchedModel)
    // by the reference used: the entry is found under either name (a rename changes one of them)
    yield* resource.stale(model)
    const patched = r.model
    if (Option.isSome(base) && workspace === undefined) {
      const merged = new Models.Model({
        ...base.value,
        name: patched.name,
        description: patched.description,
        notes: patched.notes,
        metadata: patched.metadata,
        labels: patched.labels,
        lastUpdatedTime: patched.lastUpdatedTime ?? base.value.lastUpdatedTime
      })
      return yield* resource.store(merged)
    }
    // Nothing to merge the answer into (or the workspace changed, which the answer does not say): read it once.
    const fresh = yield* fetch(Option.isSome(base) ? base.value.id : typeof model === "number" ? model : patched.name)
    return yield* resource.store(fresh)
  })

/**
 * Change fields of a model (`PATCH`). A real master answers with only the model's name, description, notes,
 * metadata, labels and times (the rest are zero values), so the answer is merged into the cached snapshot;
 * when none is cached, or the workspace changed, the model is read once more (`GET`). A rename drops the old
 * name's cache entry.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Model } from "effect-determined"
 *
 * const m = Model.patch("mnist", { description: "handwritten digits", labels: ["cv", "prod"] })
 */
export const patch = Effect.fn("Model.patch")(function*(model: ModelRef, fields: Patch) {
  return yield* patchWith(model, fields, yield* Resource.cached(Kinds.model, model))
})

/**
 * Rename a model.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Model } from "effect-determined"
 *
 * const m = Model.setName("mnist", "mnist-v2")
 */
export const setName = (model: ModelRef, name: string) => patch(model, { name })

/**
 * Replace a model's description (upstream `set_description`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Model } from "effect-determined"
 *
 * const m = Model.setDescription("mnist", "handwritten digits")
 */
export const setDescription = (model: ModelRef, description: string) => patch(model, { description })

/**
 * Replace a model's notes.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Model } from "effect-determined"
 *
 * const m = Model.setNotes("mnist", "# Model card\n...")
 */
export const setNotes = (model: ModelRef, notes: string) => patch(model, { notes })

/**
 * Replace a model's labels (upstream `set_labels`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Model } from "effect-determined"
 *
 * const m = Model.setLabels("mnist", ["cv", "prod"])
 */
export const setLabels = (model: ModelRef, labels: ReadonlyArray<string>) => patch(model, { labels })

/**
 * Move a model to another workspace, by name or id (upstream `move_to_workspace`, which takes a name). Unlike
 * upstream, the cached snapshot then has the new `workspaceId`.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Model } from "effect-determined"
 *
 * const m = Model.moveToWorkspace("mnist", "production")
 */
export const moveToWorkspace = (model: ModelRef, workspace: string | number) => patch(model, { workspace })

/**
 * Merge keys into a model's metadata. The current metadata is read from the master (not from the cache), so
 * unlike upstream's `add_metadata` on a model it never loaded, nothing on the server is overwritten by accident.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Model } from "effect-determined"
 *
 * const m = Model.addMetadata("mnist", { owner: "vision-team" })
 */
export const addMetadata = Effect.fn("Model.addMetadata")(function*(model: ModelRef, metadata: Wire.JsonObject) {
  const current = yield* fetch(model)
  return yield* patchWith(current.id, { metadata: { ...current.metadata, ...metadata } }, Option.some(current))
})

/**
 * Remove top-level keys from a model's metadata (read from the master, then written back).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Model } from "effect-determined"
 *
 * const m = Model.removeMetadata("mnist", ["owner"])
 */
export const removeMetadata = Effect.fn("Model.removeMetadata")(
  function*(model: ModelRef, keys: ReadonlyArray<string>) {
    const current = yield* fetch(model)
    const next: Record<string, Wire.Json> = { ...current.metadata }
    for (const key of keys) delete next[key]
    return yield* patchWith(current.id, { metadata: next }, Option.some(current))
  }
)

// the model under both its names, and its cached versions (kinds.ts)
const invalidateKnown = resource.stale

const action = (name: "archive" | "unarchive", model: ModelRef) =>
  Effect.gen(function*() {
    yield* Effect.annotateCurrentSpan("determined.model.id", model)
    const http = yield* DeterminedHttp
    const segment = yield* Models.modelSegment(model)
    yield* http.void({
      method: "POST",
      path: `${path`/api/v1/models/${segment}`}/${name}`,
      idempotent: true,
      notFound: { resource: "model", id: model }
    })
    yield* invalidateKnown(model)
  })

/**
 * Archive a model (idempotent). The answer carries no model, so the cached entry is dropped.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Model } from "effect-determined"
 *
 * const done = Model.archive("mnist")
 */
export const archive = Effect.fn("Model.archive")((model: ModelRef) => action("archive", model))

/**
 * Unarchive a model (idempotent). The cached entry is dropped.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Model } from "effect-determined"
 *
 * const done = Model.unarchive("mnist")
 */
export const unarchive = Effect.fn("Model.unarchive")((model: ModelRef) => action("unarchive", model))

/**
 * Delete a model and its versions. The cached entry is dropped.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Model } from "effect-determined"
 *
 * const gone = Model.delete("mnist")
 */
export const del = Effect.fn("Model.delete")(function*(model: ModelRef) {
  yield* Effect.annotateCurrentSpan("determined.model.id", model)
  const http = yield* DeterminedHttp
  const segment = yield* Models.modelSegment(model)
  yield* http.void({
    method: "DELETE",
    path: path`/api/v1/models/${segment}`,
    notFound: { resource: "model", id: model }
  })
  yield* invalidateKnown(model)
})

export {
  /**
   * Delete a model (`delete` is a reserved word: import it as `Model.delete`).
   *
   * @since 0.1.0
   * @category operations
   * @example
   * import { Effect } from "effect"
   * import { Model } from "effect-determined"
   *
   * const removed = Model.delete("mnist-scratch").pipe(Effect.catchTag("NotFound", () => Effect.void))
   */
  del as delete
}

const LabelsResponse = Schema.Struct({
  labels: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
})

/**
 * Every label used on models, most used first (upstream `get_model_labels`), optionally of one workspace.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Model } from "effect-determined"
 *
 * const labels = Model.labels()
 */
export const labels = Effect.fn("Model.labels")(function*(options: { readonly workspaceId?: number | undefined } = {}) {
  const http = yield* DeterminedHttp
  const r = yield* http.json(
    { method: "GET", path: "/api/v1/model/labels", query: { workspaceId: options.workspaceId } },
    LabelsResponse
  )
  return r.labels
})

/**
 * Every version of a model (upstream `list_versions`; newest first by default, as upstream).
 *
 * @since 0.1.0
 * @category versions
 * @example
 * import { Model } from "effect-determined"
 *
 * const versions = Model.listVersions("mnist")
 */
export const listVersions = (model: ModelRef, options?: ModelVersion.ListOptions) => ModelVersion.list(model, options)

/**
 * The versions of a model as a lazy stream.
 *
 * @since 0.1.0
 * @category versions
 * @example
 * import { Model } from "effect-determined"
 *
 * const versions = Model.streamVersions("mnist", { orderBy: "asc" })
 */
export const streamVersions = (model: ModelRef, options?: ModelVersion.ListOptions) =>
  ModelVersion.stream(model, options)

/**
 * One version by number (upstream `get_version(n)`): fails with `NotFound` when it does not exist.
 *
 * @since 0.1.0
 * @category versions
 * @example
 * import { Model } from "effect-determined"
 *
 * const v3 = Model.getVersion("mnist", 3)
 */
export const getVersion = (model: ModelRef, version: number) => ModelVersion.get(model, version)

/**
 * The latest version, or none (upstream `get_version()` with no argument).
 *
 * @since 0.1.0
 * @category versions
 * @example
 * import { Model } from "effect-determined"
 *
 * const latest = Model.latestVersion("mnist")
 */
export const latestVersion = (model: ModelRef) => ModelVersion.latest(model)

/**
 * Register a checkpoint as the next version (upstream `register_version`).
 *
 * @since 0.1.0
 * @category versions
 * @example
 * import { Model } from "effect-determined"
 *
 * const v = Model.registerVersion("mnist", "8f3a2c4e-...")
 */
export const registerVersion = (model: ModelRef, checkpointUuid: string, options?: ModelVersion.RegisterOptions) =>
  ModelVersion.register(model, checkpointUuid, options)
