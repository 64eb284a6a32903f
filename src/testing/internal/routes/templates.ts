/**
 * Config templates (master/internal/templates/api.go): list, get, put (upsert), post, patch config, rename,
 * delete, and the `template` of CreateExperiment (the template's config merged under the experiment's, as
 * `schemas.Merge(config, template)` does: the experiment's values win, objects merge key by key).
 *
 * The table, the merge and CreateExperiment's use of a template are the domain's (domain/templates.ts).
 *
 * @internal
 */
import type { World } from "../domain/store.js"
import type { Template } from "../domain/templates.js"
import { templateJson, templatesOf } from "../domain/templates.js"
import type { JsonObject } from "../json.js"
import { isObject } from "../json.js"
import type { Routes } from "../router.js"
import { paginationJson } from "../views.js"
import type { Page } from "../wire.js"
import { Code, internal, invalidArgument, json, notFound, pageInfo, WireError } from "../wire.js"

const duplicate = (what: string) =>
  internal(`${what}: ERROR #23505 duplicate key value violates unique constraint "templates_pkey"`)

/** `bunutils.Paginate` (page_info rules), except that limit -2 yields every row from the start (bun's Limit(0)
 * quirk). */
const bunPaginate = <A>(all: ReadonlyArray<A>, offset: number, limit: number): Page<A> => {
  const page = pageInfo(all, offset, limit)
  return limit === -2 ? { ...page, items: all.slice(page.pagination.startIndex) } : page
}

const configOf = (v: unknown, field: string): JsonObject => {
  if (v === undefined || v === null) return {}
  if (!isObject(v)) throw invalidArgument(`json: invalid value for field ${field}`)
  return v
}

const workspaceExists = (world: World, id: number) => {
  if (!world.workspaces.has(id)) throw notFound("workspace", id)
}

const byName = (world: World, name: string): Template => {
  const t = templatesOf(world).get(name)
  // TemplateByName's bare db.ErrNotFound: a plain error, so 500 "not found"
  if (t === undefined) throw internal("not found")
  return t
}

const post = (world: World, name: string, config: JsonObject, workspaceId: number): Template => {
  if (name === "") throw invalidArgument("name is required")
  const ws = workspaceId === 0 ? 1 : workspaceId
  workspaceExists(world, ws)
  const table = templatesOf(world)
  if (table.has(name)) throw duplicate(`failed to create template ${name}`)
  const t: Template = { name, config, workspaceId: ws }
  table.set(name, t)
  return t
}

/** @internal */
export const routes: Routes = {
  GetTemplates: (ctx) => {
    const q = ctx.query
    const desc = q.enumValue("orderBy", "determined.api.v1.OrderBy") === "ORDER_BY_DESC"
    const name = q.string("name").toLowerCase()
    const wsIds = q.ints("workspaceIds")
    const rows = [...templatesOf(ctx.world).values()]
      .filter((t) => ctx.world.workspaces.has(t.workspaceId))
      .filter((t) => name === "" || t.name.toLowerCase().includes(name))
      .filter((t) => wsIds.length === 0 || wsIds.includes(t.workspaceId))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) * (desc ? -1 : 1))
    const page = bunPaginate(rows, q.int("offset"), q.int("limit"))
    return json({ templates: page.items.map(templateJson), pagination: paginationJson(page.pagination) })
  },
  GetTemplate: (ctx) => {
    const name = ctx.str("template_name")
    if (name === "") throw invalidArgument("name is required")
    const t = templatesOf(ctx.world).get(name)
    if (t === undefined) throw notFound("template", name)
    return json({ template: templateJson(t) })
  },
  PutTemplate: (ctx) => {
    const name = ctx.str("template.name")
    const b = ctx.body
    const existing = templatesOf(ctx.world).get(name)
    if (existing === undefined) {
      // upsert: created as PostTemplate would, answered with the request's template
      if (name === "") throw invalidArgument("name is required")
      const config = configOf(b.get("config"), "config")
      const t = post(ctx.world, name, config, b.int("workspaceId") ?? 0)
      return json({ template: { name, config: t.config, workspaceId: b.int("workspaceId") ?? 0 } })
    }
    if (b.get("config") !== undefined) existing.config = configOf(b.get("config"), "config")
    const ws = b.int("workspaceId") ?? 0
    if (ws !== 0) {
      workspaceExists(ctx.world, ws)
      existing.workspaceId = ws
    }
    return json({ template: templateJson(existing) })
  },
  PostTemplate: (ctx) => {
    const b = ctx.body
    const t = post(ctx.world, ctx.str("template.name"), configOf(b.get("config"), "config"), b.int("workspaceId") ?? 0)
    return json({ template: templateJson(t) })
  },
  PatchTemplateConfig: (ctx) => {
    const name = ctx.str("template_name")
    if (name === "") throw invalidArgument("name is required")
    const t = byName(ctx.world, name)
    // the body is the whole new config (google.protobuf.Struct)
    t.config = { ...(ctx.body.raw as JsonObject) }
    return json({ template: templateJson(t) })
  },
  PatchTemplateName: (ctx) => {
    const oldName = ctx.body.string("oldName") ?? ""
    const newName = ctx.body.string("newName") ?? ""
    const table = templatesOf(ctx.world)
    const t = byName(ctx.world, oldName)
    if (newName !== oldName && table.has(newName)) throw duplicate("failed to update template name")
    table.delete(oldName)
    t.name = newName
    table.set(newName, t)
    return json({ template: templateJson(t) })
  },
  DeleteTemplate: (ctx) => {
    const name = ctx.str("template_name")
    if (name === "") throw new WireError(Code.Internal, "error deleting template: empty name")
    byName(ctx.world, name)
    templatesOf(ctx.world).delete(name)
    return json({})
  }
}
