/**
 * Model versions: checkpoints registered under a model of the registry, numbered 1, 2, 3, ...
 *
 * A version is named by its model (name or id) and its number. Snapshots are cached under both the model's
 * name and its id, so `get("mnist", 3)` and `get(12, 3)` share an entry once either was read.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type * as Errors from "../DeterminedError.js"
import { DeterminedHttp, path } from "../services/DeterminedHttp.js"
import * as Pagination from "../services/Pagination.js"
import * as Descriptors from "./internal/descriptors.js"
import * as Kinds from "./internal/kinds.js"
import * as MetricsInternal from "./internal/metrics.js"
import * as Models from "./internal/models/model.js"
import * as Resource from "./internal/resource.js"
import * as Wire from "./internal/wire.js"

/**
 * An immutable snapshot of a model version.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { ModelVersion } from "effect-determined"
 *
 * // versions are instances of the class: its getters name the model
 * const modelOf = ModelVersion.get("mnist", 3).pipe(
 *   Effect.map((version) => version instanceof ModelVersion.ModelVersion && version.modelName === "mnist")
 * )
 */
export const ModelVersion = Models.ModelVersion

/**
 * The type of a version snapshot (the instance type of `ModelVersion.ModelVersion`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect, Option } from "effect"
 * import { ModelVersion } from "effect-determined"
 *
 * const describe = (v: ModelVersion.ModelVersion): string => `${v.modelName} v${v.version}: checkpoint ${v.checkpoint?.uuid ?? "-"}`
 * const line = ModelVersion.latest("mnist").pipe(Effect.map(Option.map(describe)))
 */
export type ModelVersion = Models.ModelVersion

/**
 * A model is named by its name (a string) or its numeric id (a number).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const model: ModelVersion.ModelRef = "mnist"
 * const third = ModelVersion.get(model, 3)
 */
export type ModelRef = Models.ModelRef

/**
 * How versions are sorted (`SORT_BY_*` on the wire).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const sortBy: ModelVersion.SortBy = "CREATION_TIME"
 * const oldestFirst = ModelVersion.list("mnist", { sortBy, orderBy: "asc" })
 */
export type SortBy = "VERSION" | "CREATION_TIME"

const resource = Descriptors.modelVersion

/**
 * What reading one model version can fail with.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { ModelVersion } from "effect-determined"
 *
 * const describe = (e: ModelVersion.GetError): string => (e._tag === "NotFound" ? `no version ${e.id}` : e.message)
 * const uuid = ModelVersion.get("mnist", 3).pipe(Effect.map((v) => v.checkpoint?.uuid), Effect.mapError(describe))
 */
export type GetError = Errors.RequestError | Errors.NotFound

/**
 * What listing or streaming the versions of a model can fail with: the model does not exist (`NotFound`), or any
 * request's error.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { ModelVersion } from "effect-determined"
 *
 * const describe = (e: ModelVersion.ListError): string => (e._tag === "NotFound" ? `no model ${e.id}` : e.message)
 * const numbers = ModelVersion.list("mnist").pipe(
 *   Effect.map((versions) => versions.map((v) => v.version)),
 *   Effect.mapError(describe)
 * )
 */
export type ListError = Errors.RequestError | Errors.NotFound

const versionId = (model: ModelRef, version: number) => `${model}/${version}`

const fetch = (model: ModelRef, version: number) => resource.fetch([model, version])

/**
 * A version of a model, from the cache when it holds one.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { ModelVersion } from "effect-determined"
 *
 * const uuid = ModelVersion.get("mnist", 3).pipe(Effect.map((v) => v.checkpointUuid))
 */
export const get = (
  model: ModelRef,
  version: number
): Effect.Effect<ModelVersion, GetError, Resource.Requires> => resource.get([model, version])

/**
 * Fetch a version again, store it in the cache and return it.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const fresh = ModelVersion.reload("mnist", 3)
 */
export const reload = (
  model: ModelRef,
  version: number
): Effect.Effect<ModelVersion, GetError, Resource.Requires> => resource.reload([model, version])

/**
 * Options of {@link list} and {@link stream}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const options: ModelVersion.ListOptions = { sortBy: "VERSION", orderBy: "asc" }
 * const inOrder = ModelVersion.list("mnist", options)
 */
export interface ListOptions {
  /** Default `VERSION`. */
  readonly sortBy?: SortBy | undefined
  /** Default `desc` (newest first), as upstream's `Model.list_versions`. */
  readonly orderBy?: Wire.OrderBy | undefined
}

const VersionsResponse = Schema.Struct({
  modelVersions: Schema.Array(Models.ModelVersion),
  pagination: Schema.optional(Schema.NullOr(Pagination.Pagination))
})

const page =
  (segment: string, model: ModelRef, options: ListOptions & { readonly limit?: number }) => (offset: number) =>
    Effect.flatMap(DeterminedHttp, (http) =>
      http.json({
        method: "GET",
        path: path`/api/v1/models/${segment}/versions`,
        query: {
          offset,
          limit: options.limit,
          sortBy: Wire.enumToWire("SORT_BY_", options.sortBy ?? "VERSION"),
          orderBy: Wire.orderByToWire(options.orderBy ?? "desc")
        },
        notFound: { resource: "model", id: model }
      }, VersionsResponse)).pipe(Effect.map((r) => ({ items: r.modelVersions, pagination: r.pagination })))

/**
 * Every version of a model (all pages), newest first unless told otherwise.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const oldestFirst = ModelVersion.list("mnist", { orderBy: "asc" })
 */
export const list = Effect.fn("ModelVersion.list")(function*(model: ModelRef, options: ListOptions = {}) {
  yield* Effect.annotateCurrentSpan("determined.model.id", model)
  const segment = yield* Models.modelSegment(model)
  return yield* Pagination.collect(page(segment, model, options))
})

/**
 * The versions of a model as a lazy stream.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Stream } from "effect"
 * import { ModelVersion } from "effect-determined"
 *
 * const firstTen = ModelVersion.stream("mnist").pipe(Stream.take(10))
 */
export const stream = (
  model: ModelRef,
  options: ListOptions = {}
): Stream.Stream<ModelVersion, ListError, DeterminedHttp> =>
  Pagination.stream((offset) =>
    Effect.flatMap(Models.modelSegment(model), (segment) => page(segment, model, options)(offset))
  )

/**
 * The highest-numbered version of a model, or none when it has no version (upstream `get_version()`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect, Option } from "effect"
 * import { ModelVersion } from "effect-determined"
 *
 * const latestUuid = ModelVersion.latest("mnist").pipe(Effect.map(Option.map((v) => v.checkpointUuid)))
 */
export const latest = Effect.fn("ModelVersion.latest")(function*(model: ModelRef) {
  yield* Effect.annotateCurrentSpan("determined.model.id", model)
  const segment = yield* Models.modelSegment(model)
  const first = yield* page(segment, model, { sortBy: "VERSION", orderBy: "desc", limit: 1 })(0)
  return Option.fromNullable(first.items[0])
})

/**
 * Options of {@link register}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const options: ModelVersion.RegisterOptions = {
 *   name: "december",
 *   comment: "retrained on the December data",
 *   labels: ["candidate"],
 *   metadata: { accuracy: 0.991 }
 * }
 * const registered = ModelVersion.register("mnist", "2db6eed3-c86e-4720-876d-eae2af9a1aca", options)
 */
export interface RegisterOptions {
  readonly name?: string | undefined
  readonly comment?: string | undefined
  readonly notes?: string | undefined
  readonly labels?: ReadonlyArray<string> | undefined
  readonly metadata?: Wire.JsonObject | undefined
}

/**
 * Register a (completed) checkpoint as the next version of a model. Never retried blindly (it creates).
 *
 * The master's answer to this request leaves out some fields (the version's notes and owner id, the model's
 * owner and workspace), so it is not stored in the cache: a later `get` fetches the full version.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const v = ModelVersion.register("mnist", "8f3a2c4e-...", { name: "best so far" })
 */
export const register = Effect.fn("ModelVersion.register")(
  function*(model: ModelRef, checkpointUuid: string, options: RegisterOptions = {}) {
    yield* Effect.annotateCurrentSpan("determined.model.id", model)
    yield* Effect.annotateCurrentSpan("determined.checkpoint.uuid", checkpointUuid)
    const http = yield* DeterminedHttp
    const segment = yield* Models.modelSegment(model)
    const r = yield* http.json({
      method: "POST",
      path: path`/api/v1/models/${segment}/versions`,
      body: {
        modelName: segment,
        checkpointUuid,
        name: options.name,
        comment: options.comment,
        notes: options.notes,
        labels: options.labels,
        metadata: options.metadata
      },
      notFound: { resource: "model", id: model }
    }, Models.ModelVersionResponse)
    // the model's numVersions changed
    yield* Descriptors.model.stale(model)
    return r.modelVersion
  }
)

/**
 * Fields of a version to change; `undefined` leaves a field as it is.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const fields: ModelVersion.Patch = { labels: ["production"], comment: "promoted on 2026-12-03" }
 * const promoted = ModelVersion.patch("mnist", 3, fields)
 */
export interface Patch {
  readonly name?: string | undefined
  readonly comment?: string | undefined
  readonly notes?: string | undefined
  readonly labels?: ReadonlyArray<string> | undefined
  /** Replaces the whole metadata object (see {@link addMetadata} to merge). */
  readonly metadata?: Wire.JsonObject | undefined
}

/**
 * Change fields of a version (`PATCH`); the cached entry is replaced by the master's answer (completed with the
 * owner from the cached entry, or from one more `GET`, as a real master's answer leaves it out).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const renamed = ModelVersion.patch("mnist", 3, { name: "prod", comment: "promoted" })
 */
export const patch = Effect.fn("ModelVersion.patch")(function*(model: ModelRef, version: number, fields: Patch) {
  yield* Effect.annotateCurrentSpan("determined.model.id", model)
  yield* Effect.annotateCurrentSpan("determined.modelVersion.version", version)
  const http = yield* DeterminedHttp
  const segment = yield* Models.modelSegment(model)
  const r = yield* http.json({
    method: "PATCH",
    path: path`/api/v1/models/${segment}/versions/${version}`,
    body: fields,
    idempotent: true,
    notFound: { resource: "modelVersion", id: versionId(model, version) }
  }, Models.ModelVersionResponse)
  // A real master's answer (`update_model_version.sql`) leaves out the version's owner: keep the cached one, or
  // read the version once when none is cached.
  const base = yield* Resource.cached(Kinds.modelVersion, [model, version] as const)
  const patched = r.modelVersion
  const updated = Option.isSome(base)
    ? new Models.ModelVersion({
      ...patched,
      username: patched.username === "" ? base.value.username : patched.username,
      userId: patched.userId === 0 ? base.value.userId : patched.userId,
      lastUpdatedTime: patched.lastUpdatedTime ?? base.value.lastUpdatedTime
    })
    : patched.username === "" || patched.userId === 0
    ? yield* fetch(model, version)
    : patched
  return yield* resource.store(updated)
})

/**
 * Rename a version (upstream `set_name`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const v = ModelVersion.setName("mnist", 3, "prod")
 */
export const setName = (model: ModelRef, version: number, name: string) => patch(model, version, { name })

/**
 * Replace a version's notes (upstream `set_notes`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const v = ModelVersion.setNotes("mnist", 3, "trained on the March data")
 */
export const setNotes = (model: ModelRef, version: number, notes: string) => patch(model, version, { notes })

/**
 * Replace a version's comment.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const v = ModelVersion.setComment("mnist", 3, "looks good")
 */
export const setComment = (model: ModelRef, version: number, comment: string) => patch(model, version, { comment })

/**
 * Replace a version's labels.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const v = ModelVersion.setLabels("mnist", 3, ["prod"])
 */
export const setLabels = (model: ModelRef, version: number, labels: ReadonlyArray<string>) =>
  patch(model, version, { labels })

/**
 * Merge keys into a version's metadata: reads the current metadata from the master (not from the cache, so
 * nothing written meanwhile is lost), merges, and writes the result.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const v = ModelVersion.addMetadata("mnist", 3, { accuracy: 0.98 })
 */
export const addMetadata = Effect.fn("ModelVersion.addMetadata")(
  function*(model: ModelRef, version: number, metadata: Wire.JsonObject) {
    const current = yield* fetch(model, version)
    return yield* patch(model, version, { metadata: { ...current.metadata, ...metadata } })
  }
)

/**
 * Remove top-level keys from a version's metadata (read from the master, then written back).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const v = ModelVersion.removeMetadata("mnist", 3, ["accuracy"])
 */
export const removeMetadata = Effect.fn("ModelVersion.removeMetadata")(
  function*(model: ModelRef, version: number, keys: ReadonlyArray<string>) {
    const current = yield* fetch(model, version)
    const next: Record<string, Wire.Json> = { ...current.metadata }
    for (const key of keys) delete next[key]
    return yield* patch(model, version, { metadata: next })
  }
)

/**
 * Delete a version. Its cached entries and its model's are dropped.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const gone = ModelVersion.delete("mnist", 3)
 */
export const del = Effect.fn("ModelVersion.delete")(function*(model: ModelRef, version: number) {
  yield* Effect.annotateCurrentSpan("determined.model.id", model)
  yield* Effect.annotateCurrentSpan("determined.modelVersion.version", version)
  const http = yield* DeterminedHttp
  const segment = yield* Models.modelSegment(model)
  yield* http.void({
    method: "DELETE",
    path: path`/api/v1/models/${segment}/versions/${version}`,
    notFound: { resource: "modelVersion", id: versionId(model, version) }
  })
  // the version under both names of its model, and the model (`numVersions`; kinds.ts)
  yield* resource.stale([model, version])
})

export {
  /**
   * Delete a version (`delete` is a reserved word: import it as `ModelVersion.delete`).
   *
   * @since 0.1.0
   * @category operations
   * @example
   * import { Effect } from "effect"
   * import { ModelVersion } from "effect-determined"
   *
   * const removed = ModelVersion.delete("mnist", 2).pipe(Effect.catchTag("NotFound", () => Effect.void))
   */
  del as delete
}

/**
 * Options of {@link metrics}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const options: ModelVersion.MetricsOptions = { group: "inference", sourceType: "INFERENCE" }
 * const reports = ModelVersion.metrics("mnist", 3, options)
 */
export type MetricsOptions = MetricsInternal.SourceMetricsOptions

/**
 * Metrics reported by trials that used this version's checkpoint, e.g. batch inference (upstream
 * `ModelVersion.iter_metrics`, with `trialSourceInfoType=INFERENCE` unless told otherwise), optionally of one
 * group, as `TrialMetrics` (the same shape as `Checkpoint.metrics`). A single request, not paginated.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const reports = ModelVersion.metrics("mnist", 3, { group: "inference" })
 */
export const metrics = Effect.fn("ModelVersion.metrics")(
  function*(model: ModelRef, version: number, options: MetricsOptions = {}) {
    yield* Effect.annotateCurrentSpan("determined.model.id", model)
    yield* Effect.annotateCurrentSpan("determined.modelVersion.version", version)
    const http = yield* DeterminedHttp
    const segment = yield* Models.modelSegment(model)
    const r = yield* http.json({
      method: "GET",
      path: path`/api/v1/models/${segment}/versions/${version}/metrics`,
      query: {
        trialSourceInfoType: `TRIAL_SOURCE_INFO_TYPE_${options.sourceType ?? "INFERENCE"}`,
        metricGroup: options.group
      },
      notFound: { resource: "modelVersion", id: versionId(model, version) }
    }, MetricsInternal.ReportsResponse)
    return r.metrics.map(MetricsInternal.fromReport)
  }
)
