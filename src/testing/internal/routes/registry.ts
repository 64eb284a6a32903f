/**
 * The model registry: models and model versions.
 *
 * @internal
 */
import type { Model, ModelVersion, World } from "../domain/store.js"
import type { JsonObject } from "../json.js"
import type { Routes } from "../router.js"
import { modelJson, modelVersionJson, paginationJson } from "../views.js"
import type { Body } from "../wire.js"
import {
  alreadyExists,
  compareBy,
  failedPrecondition,
  internal,
  invalidArgument,
  json,
  paginate,
  requireUser,
  WireError
} from "../wire.js"

const checkName = (name: string) => {
  if (name.trim() === "") throw invalidArgument("model names cannot be blank")
  if (name.includes("  ")) throw invalidArgument("model names cannot have excessive spacing")
  if (name.includes("/") || name.includes("\\")) throw invalidArgument("model names cannot have slashes")
  if (/^\d+$/.test(name)) throw invalidArgument("model names cannot be only numbers")
}

const workspaceIdOf = (world: World, b: Body): number | undefined => {
  const id = b.int("workspaceId")
  if (id !== undefined && id !== 0) return world.workspace(id).id
  const name = b.string("workspaceName")
  if (name !== undefined && name !== "") {
    const ws = [...world.workspaces.values()].find((w) => w.name === name)
    if (ws === undefined) throw new WireError(5, `workspace '${name}' not found`)
    return ws.id
  }
  return undefined
}

const labelsFrom = (v: unknown): Array<string> => {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) throw invalidArgument("labels must be a list")
  return [...new Set(v.map(String))]
}

const versionNum = (world: World, model: Model, n: number, name: string): ModelVersion => {
  const v = world.versionsOf(model.id).find((x) => x.version === n)
  if (v === undefined) throw new WireError(5, `version ${n} for model "${name}" not found`)
  return v
}

const mutable = (m: Model) => {
  if (m.archived) throw internal(`model "${m.name}" is archived and cannot have attributes updated.`)
}

/** @internal */
export const routes: Routes = {
  PostModel: (ctx) => {
    const world = ctx.world
    const user = requireUser(ctx.user)
    const b = ctx.body
    const name = b.string("name") ?? ""
    checkName(name)
    for (const m of world.models.values()) {
      if (m.name === name) throw alreadyExists("avoid names equal to other models (case-sensitive)")
    }
    const workspaceId = workspaceIdOf(world, b) ?? 1
    const id = world.nextId("model")
    const model: Model = {
      id,
      name,
      description: b.string("description") ?? "",
      metadata: (b.object("metadata") ?? {}) as JsonObject,
      creationTime: world.now,
      lastUpdatedTime: world.now,
      labels: labelsFrom(b.get("labels")),
      userId: user.id,
      workspaceId,
      archived: false,
      notes: b.string("notes") ?? ""
    }
    world.models.set(id, model)
    return json({ model: modelJson(world, model) })
  },
  GetModel: (ctx) => json({ model: modelJson(ctx.world, ctx.world.model(ctx.str("model_name"))) }),
  GetModels: (ctx) => {
    const world = ctx.world
    const q = ctx.query
    const sortBy = q.enumValue("sortBy", "determined.api.v1.GetModelsRequest.SortBy")
    const desc = q.enumValue("orderBy", "determined.api.v1.OrderBy") === "ORDER_BY_DESC"
    const name = q.string("name").toLowerCase()
    const description = q.string("description").toLowerCase()
    const labels = q.all("labels")
    const archived = q.bool("archived")
    const users = q.all("users")
    const userIds = q.ints("userIds")
    const id = q.int("id")
    const workspaceIds = q.ints("workspaceIds")
    const workspaceNames = q.all("workspaceNames")
    const wsByName = new Set(
      [...world.workspaces.values()].filter((w) => workspaceNames.includes(w.name)).map((w) => w.id)
    )
    let rows = [...world.models.values()].filter((m) =>
      (name === "" || m.name.toLowerCase().includes(name)) &&
      (description === "" || m.description.toLowerCase().includes(description)) &&
      labels.every((l) => m.labels.includes(l)) &&
      (archived === undefined || m.archived === archived) &&
      (users.length === 0 || users.includes(world.users.get(m.userId)?.username ?? "")) &&
      (userIds.length === 0 || userIds.includes(m.userId)) &&
      (id === 0 || m.id === id) &&
      (workspaceIds.length === 0 || workspaceIds.includes(m.workspaceId)) &&
      (workspaceNames.length === 0 || wsByName.has(m.workspaceId))
    )
    const key = (m: Model): string | number =>
      sortBy === "SORT_BY_NAME"
        ? m.name
        : sortBy === "SORT_BY_DESCRIPTION"
        ? m.description
        : sortBy === "SORT_BY_CREATION_TIME"
        ? m.creationTime
        : sortBy === "SORT_BY_LAST_UPDATED_TIME"
        ? m.lastUpdatedTime
        : sortBy === "SORT_BY_NUM_VERSIONS"
        ? world.versionsOf(m.id).length
        : sortBy === "SORT_BY_WORKSPACE"
        ? m.workspaceId
        : m.id
    rows = rows.sort(compareBy(key, desc, (m) => m.id))
    const page = paginate(rows, q.int("offset"), q.int("limit"))
    return json({ models: page.items.map((m) => modelJson(world, m)), pagination: paginationJson(page.pagination) })
  },
  PatchModel: (ctx) => {
    const world = ctx.world
    const m = world.model(ctx.str("model_name"))
    mutable(m)
    const b = ctx.body
    const name = b.string("name")
    if (name !== undefined && name !== m.name) {
      checkName(name)
      for (const o of world.models.values()) {
        if (o.name === name) throw alreadyExists("avoid names equal to other models (case-sensitive)")
      }
      m.name = name
    }
    const description = b.string("description")
    if (description !== undefined) m.description = description
    const metadata = b.object("metadata")
    if (metadata !== undefined) m.metadata = metadata as JsonObject
    if (b.get("labels") !== undefined) m.labels = labelsFrom(b.get("labels"))
    const notes = b.string("notes")
    if (notes !== undefined) m.notes = notes
    const ws = workspaceIdOf(world, b)
    if (ws !== undefined) m.workspaceId = ws
    m.lastUpdatedTime = world.now
    return json({ model: modelJson(world, m) })
  },
  ArchiveModel: (ctx) => {
    const m = ctx.world.model(ctx.str("model_name"))
    m.archived = true
    m.lastUpdatedTime = ctx.world.now
    return json({})
  },
  UnarchiveModel: (ctx) => {
    const m = ctx.world.model(ctx.str("model_name"))
    m.archived = false
    m.lastUpdatedTime = ctx.world.now
    return json({})
  },
  MoveModel: (ctx) => {
    const world = ctx.world
    const m = world.model(ctx.str("model_name"))
    const ws = world.workspace(ctx.body.int("destinationWorkspaceId") ?? 0)
    if (ws.archived) throw failedPrecondition(`workspace (${ws.id}) is archived`)
    m.workspaceId = ws.id
    return json({})
  },
  DeleteModel: (ctx) => {
    const world = ctx.world
    const m = world.model(ctx.str("model_name"))
    for (const v of world.versionsOf(m.id)) world.modelVersions.delete(v.id)
    world.models.delete(m.id)
    return json({})
  },
  GetModelLabels: (ctx) => {
    const ws = ctx.query.has("workspaceId") ? ctx.query.int("workspaceId") : undefined
    const counts = new Map<string, number>()
    for (const m of ctx.world.models.values()) {
      if (ws !== undefined && ws !== 0 && m.workspaceId !== ws) continue
      for (const l of m.labels) counts.set(l, (counts.get(l) ?? 0) + 1)
    }
    return json({
      labels: [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([l]) => l)
    })
  },
  GetModelVersion: (ctx) => {
    const world = ctx.world
    const name = ctx.str("model_name")
    const m = world.model(name)
    return json({ modelVersion: modelVersionJson(world, versionNum(world, m, ctx.int("model_version_num"), name)) })
  },
  GetModelVersions: (ctx) => {
    const world = ctx.world
    const m = world.model(ctx.str("model_name"))
    const q = ctx.query
    const sortBy = q.enumValue("sortBy", "determined.api.v1.GetModelVersionsRequest.SortBy")
    const desc = q.enumValue("orderBy", "determined.api.v1.OrderBy") === "ORDER_BY_DESC"
    const key = (v: ModelVersion) => (sortBy === "SORT_BY_CREATION_TIME" ? v.creationTime : v.version)
    const rows = world.versionsOf(m.id).sort(compareBy(key, desc, (v) => v.version))
    const page = paginate(rows, q.int("offset"), q.int("limit"))
    return json({
      model: modelJson(world, m),
      modelVersions: page.items.map((v) => modelVersionJson(world, v)),
      pagination: paginationJson(page.pagination)
    })
  },
  PostModelVersion: (ctx) => {
    const world = ctx.world
    const user = requireUser(ctx.user)
    const name = ctx.str("model_name")
    const m = world.model(name)
    const b = ctx.body
    const uuid = b.string("checkpointUuid") ?? ""
    const c = world.checkpoint(uuid)
    if (m.archived) throw internal(`model "${m.name}" is archived and cannot register new versions`)
    if (c.state !== "STATE_COMPLETED") {
      throw internal(
        `checkpoint ${c.uuid} is in ${c.state} state. checkpoints for model versions must be in a COMPLETED state`
      )
    }
    const versions = world.versionsOf(m.id)
    const version = versions.length === 0 ? 1 : Math.max(...versions.map((v) => v.version)) + 1
    const id = world.nextId("modelVersion")
    const mv: ModelVersion = {
      id,
      modelId: m.id,
      version,
      checkpointUuid: c.uuid,
      creationTime: world.now,
      lastUpdatedTime: world.now,
      name: b.string("name") ?? "",
      comment: b.string("comment") ?? "",
      metadata: (b.object("metadata") ?? {}) as JsonObject,
      labels: labelsFrom(b.get("labels")),
      notes: b.string("notes") ?? "",
      userId: user.id
    }
    world.modelVersions.set(id, mv)
    return json({ modelVersion: modelVersionJson(world, mv) })
  },
  PatchModelVersion: (ctx) => {
    const world = ctx.world
    const name = ctx.str("model_name")
    const m = world.model(name)
    const v = versionNum(world, m, ctx.int("model_version_num"), name)
    mutable(m)
    const b = ctx.body
    const n = b.string("name")
    if (n !== undefined) v.name = n
    const comment = b.string("comment")
    if (comment !== undefined) v.comment = comment
    const metadata = b.object("metadata")
    if (metadata !== undefined) v.metadata = metadata as JsonObject
    if (b.get("labels") !== undefined) v.labels = labelsFrom(b.get("labels"))
    const notes = b.string("notes")
    if (notes !== undefined) v.notes = notes
    v.lastUpdatedTime = world.now
    return json({ modelVersion: modelVersionJson(world, v) })
  },
  DeleteModelVersion: (ctx) => {
    const world = ctx.world
    const name = ctx.str("model_name")
    const m = world.model(name)
    const v = versionNum(world, m, ctx.int("model_version_num"), name)
    world.modelVersions.delete(v.id)
    return json({})
  }
}
