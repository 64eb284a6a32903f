/**
 * Config templates: named experiment-config fragments stored on the master and merged under an experiment's
 * config when it is created with `template` (`Experiment.create({ template })`; the experiment's own values win).
 * The Python SDK has no template class (the CLI's `det template` does this); the operations follow the master's
 * template API.
 *
 * Templates are identified by name. Errors as the master answers them: an unknown name is
 * `NotFound{resource: "template"}` on {@link get}, while {@link setConfig}, {@link rename} and {@link del} get the
 * master's plain 500 `not found` (a `ServerError`).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type * as Errors from "../DeterminedError.js"
import { DeterminedHttp, path } from "../services/DeterminedHttp.js"
import * as Pagination from "../services/Pagination.js"
import * as Kinds from "./internal/kinds.js"
import * as Resource from "./internal/resource.js"
import * as Wire from "./internal/wire.js"

/**
 * An immutable snapshot of a template.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Template } from "effect-determined"
 *
 * const resources = Template.get("gpu-defaults").pipe(
 *   Effect.map((template: Template.Template) => template.config?.["resources"] ?? null)
 * )
 */
export class Template extends Schema.Class<Template>("effect-determined/Template")({
  name: Schema.String,
  /** The config fragment (any subset of an experiment config). */
  config: Schema.optionalWith(Schema.NullOr(Wire.JsonObjectSchema), { default: () => null }),
  workspaceId: Schema.optionalWith(Schema.Number, { default: () => 0 })
}) {}

const TemplateResponse = Schema.Struct({ template: Template })
const TemplatesResponse = Schema.Struct({
  templates: Schema.Array(Template),
  pagination: Schema.optional(Schema.NullOr(Pagination.Pagination))
})

const kind = Kinds.template<Template>()

const resource = Resource.make({
  kind,
  module: "Template",
  attribute: "determined.template.name",
  request: (name: string) => ({
    method: "GET",
    path: path`/api/v1/templates/${name}`,
    notFound: { resource: "template", id: name }
  }),
  schema: TemplateResponse,
  pick: (r) => r.template
})

/**
 * What reading one template can fail with.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Template } from "effect-determined"
 *
 * const describe = (e: Template.GetError): string => (e._tag === "NotFound" ? `no template ${e.id}` : e.message)
 * const config = Template.get("gpu-defaults").pipe(Effect.map((template) => template.config), Effect.mapError(describe))
 */
export type GetError = Errors.RequestError | Errors.NotFound

/**
 * What listing templates can fail with (`InvalidRequest`: a filter the master refuses).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Template } from "effect-determined"
 *
 * const names = Template.list().pipe(
 *   Effect.map((templates) => templates.map((t) => t.name)),
 *   Effect.tapError((e: Template.ListError) => Effect.logError(`${e._tag}: ${e.message}`))
 * )
 */
export type ListError = Errors.RequestError | Errors.InvalidRequest

/**
 * A template by name, from the cache when it holds one.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Template } from "effect-determined"
 *
 * const config = Template.get("gpu-defaults").pipe(Effect.map((t) => t.config))
 */
export const get: (name: string) => Effect.Effect<Template, GetError, Resource.Requires> = resource.get

/**
 * Fetch a template again, store it in the cache and return it.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Template } from "effect-determined"
 *
 * const fresh = Template.reload("gpu-defaults")
 */
export const reload: (name: string) => Effect.Effect<Template, GetError, Resource.Requires> = resource.reload

/**
 * Filters of {@link list}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Template } from "effect-determined"
 *
 * const options: Template.ListOptions = { name: "gpu", workspaceIds: [1], orderBy: "asc" }
 * const gpuTemplates = Template.list(options)
 */
export interface ListOptions extends Resource.LimitOptions {
  /** Case-insensitive substring of the name. */
  readonly name?: string | undefined
  readonly workspaceIds?: ReadonlyArray<number> | undefined
  /** By name (the only order the master offers). */
  readonly orderBy?: Wire.OrderBy | undefined
}

const templates = Resource.list({
  span: "Template.list",
  request: (options: ListOptions, page) => ({
    method: "GET",
    path: "/api/v1/templates",
    query: {
      offset: page.offset,
      limit: page.limit,
      name: options.name,
      workspaceIds: options.workspaceIds,
      sortBy: "SORT_BY_NAME",
      orderBy: Wire.orderByToWire(options.orderBy)
    },
    invalid: true
  }),
  schema: TemplatesResponse,
  page: (r) => ({ items: r.templates, pagination: r.pagination })
})

/**
 * Every template matching the filters (all pages), by name.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Template } from "effect-determined"
 *
 * const all = Template.list({ name: "gpu" })
 */
export const list = (
  options: ListOptions = {}
): Effect.Effect<ReadonlyArray<Template>, ListError, DeterminedHttp> => templates.list(options)

/**
 * Templates matching the filters as a lazy stream.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Template } from "effect-determined"
 *
 * const templates = Template.stream({ name: "gpu" })
 */
export const stream = (
  options: ListOptions = {}
): Stream.Stream<Template, ListError, DeterminedHttp> => templates.stream(options)

const store = resource.store

/**
 * Create a template (`POST`); the master refuses an existing name (500). Workspace 1 unless given. Never retried
 * blindly; the new template is cached.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Template } from "effect-determined"
 *
 * const t = Template.create("gpu-defaults", { resources: { slots_per_trial: 2 } })
 */
export const create = Effect.fn("Template.create")(
  function*(name: string, config: Wire.JsonObject, options: { readonly workspaceId?: number | undefined } = {}) {
    yield* Effect.annotateCurrentSpan("determined.template.name", name)
    const http = yield* DeterminedHttp
    const r = yield* http.json({
      method: "POST",
      path: path`/api/v1/templates/${name}`,
      body: { name, config, workspaceId: options.workspaceId ?? 0 }
    }, TemplateResponse)
    return yield* store(r.template)
  }
)

/**
 * Create or update a template (`PUT`, upsert; idempotent). When it creates, the master answers with the request
 * itself (workspace 0 when none was given), so the cached entry is dropped rather than replaced.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Template } from "effect-determined"
 *
 * const t = Template.put("gpu-defaults", { resources: { slots_per_trial: 4 } })
 */
export const put = Effect.fn("Template.put")(
  function*(name: string, config: Wire.JsonObject, options: { readonly workspaceId?: number | undefined } = {}) {
    yield* Effect.annotateCurrentSpan("determined.template.name", name)
    const http = yield* DeterminedHttp
    const r = yield* http.json({
      method: "PUT",
      path: path`/api/v1/templates/${name}`,
      body: { name, config, workspaceId: options.workspaceId ?? 0 },
      idempotent: true
    }, TemplateResponse)
    yield* resource.stale(name)
    return r.template
  }
)

/**
 * Replace a template's whole config (`PATCH`); the cached entry is replaced by the master's answer.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Template } from "effect-determined"
 *
 * const t = Template.setConfig("gpu-defaults", { resources: { slots_per_trial: 8 } })
 */
export const setConfig = Effect.fn("Template.setConfig")(function*(name: string, config: Wire.JsonObject) {
  yield* Effect.annotateCurrentSpan("determined.template.name", name)
  const http = yield* DeterminedHttp
  const r = yield* http.json({
    method: "PATCH",
    path: path`/api/v1/templates/${name}`,
    body: config,
    idempotent: true,
    notFound: { resource: "template", id: name }
  }, TemplateResponse)
  return yield* store(r.template)
})

/**
 * Rename a template. The old name's cached entry is dropped and the renamed template cached.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Template } from "effect-determined"
 *
 * const t = Template.rename("gpu-defaults", "gpu-2025")
 */
export const rename = Effect.fn("Template.rename")(function*(oldName: string, newName: string) {
  yield* Effect.annotateCurrentSpan("determined.template.name", oldName)
  const http = yield* DeterminedHttp
  const r = yield* http.json({
    method: "PATCH",
    path: "/api/v1/template/rename",
    body: { oldName, newName },
    notFound: { resource: "template", id: oldName }
  }, TemplateResponse)
  yield* resource.stale(oldName)
  return yield* store(r.template)
})

const del = Effect.fn("Template.delete")(function*(name: string) {
  yield* Effect.annotateCurrentSpan("determined.template.name", name)
  const http = yield* DeterminedHttp
  yield* http.void({
    method: "DELETE",
    path: path`/api/v1/templates/${name}`,
    notFound: { resource: "template", id: name }
  })
  yield* resource.stale(name)
})

export {
  /**
   * Delete a template. The cached entry is dropped.
   *
   * @since 0.1.0
   * @category operations
   * @example
   * import { Template } from "effect-determined"
   *
   * const done = Template.delete("gpu-2025")
   */
  del as delete
}
