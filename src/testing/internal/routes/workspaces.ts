/**
 * Workspaces and projects.
 *
 * @internal
 */
import { DELETE_DELAY } from "../domain/constants.js"
import type { Project, Workspace, World } from "../domain/store.js"
import type { JsonObject } from "../json.js"
import type { Routes } from "../router.js"
import { paginationJson, projectJson, workspaceJson } from "../views.js"
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
import { removeExperiment } from "./experiments.js"

const checkWorkspaceName = (world: World, name: string, self: number | undefined) => {
  if (name.length < 1) throw invalidArgument(`name '${name}' must be at least 1 character long`)
  if (name.length > 80) throw invalidArgument(`name '${name}' must be at most 53 character long`)
  if (name.trim() === "") throw invalidArgument("name must contain at least non-whitespace letter")
  for (const w of world.workspaces.values()) {
    if (w.id !== self && w.name.toLowerCase() === name.toLowerCase()) {
      throw alreadyExists("avoid names equal to other workspaces (case-insensitive)")
    }
  }
}

const checkKey = (world: World, key: string, self: number | undefined): string => {
  if (key.length === 0 || key.length > 5 || !/^[A-Za-z0-9]+$/.test(key)) {
    throw invalidArgument(`project key cannot be longer than 5 characters and must be alphanumeric: '${key}'`)
  }
  const upper = key.toUpperCase()
  for (const p of world.projects.values()) {
    if (p.id !== self && p.key === upper) {
      throw alreadyExists(`error creating project, provided key '${upper}' already in use: duplicate record`)
    }
  }
  return upper
}

const generateKey = (world: World, name: string): string => {
  const prefix = name.replace(/[^a-zA-Z0-9]/g, "").toUpperCase().slice(0, 3)
  for (let i = 0; i < 100; i++) {
    const key = prefix + world.rng.alnumUpper(5 - prefix.length)
    if (![...world.projects.values()].some((p) => p.key === key)) return key
  }
  throw internal("could not generate a unique project key")
}

const deleteWorkspaceContents = (world: World, w: Workspace) => {
  for (const p of [...world.projects.values()]) {
    if (p.workspaceId !== w.id) continue
    for (const e of [...world.experiments.values()]) if (e.projectId === p.id) removeExperiment(world, e.id)
    world.projects.delete(p.id)
  }
  world.workspaces.delete(w.id)
}

const notesFrom = (v: unknown): Array<{ name: string; contents: string }> => {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) throw invalidArgument("notes must be a list")
  return v.map((n) => {
    const o = (n ?? {}) as Record<string, unknown>
    return {
      name: typeof o.name === "string" ? o.name : "",
      contents: typeof o.contents === "string" ? o.contents : ""
    }
  })
}

/** @internal */
export const routes: Routes = {
  GetWorkspaces: (ctx) => {
    const world = ctx.world
    const q = ctx.query
    const viewer = ctx.user?.id ?? 0
    const sortBy = q.enumValue("sortBy", "determined.api.v1.GetWorkspacesRequest.SortBy")
    const desc = q.enumValue("orderBy", "determined.api.v1.OrderBy") === "ORDER_BY_DESC"
    const name = q.string("name").toLowerCase()
    const exact = q.string("nameCaseSensitive")
    const archived = q.bool("archived")
    const pinned = q.bool("pinned")
    const users = q.all("users")
    const userIds = q.ints("userIds")
    let rows = [...world.workspaces.values()].filter((w) =>
      (name === "" || w.name.toLowerCase().includes(name)) &&
      (exact === "" || w.name === exact) &&
      (archived === undefined || w.archived === archived) &&
      (pinned === undefined || w.pins.has(viewer) === pinned) &&
      (users.length === 0 || users.includes(world.users.get(w.userId)?.username ?? "")) &&
      (userIds.length === 0 || userIds.includes(w.userId))
    )
    rows = rows.sort(compareBy((w) => (sortBy === "SORT_BY_NAME" ? w.name : w.id), desc, (w) => w.id))
    const page = paginate(rows, q.int("offset"), q.int("limit"))
    return json({
      workspaces: page.items.map((w) => workspaceJson(world, w, viewer)),
      pagination: paginationJson(page.pagination)
    })
  },
  GetWorkspace: (ctx) => {
    const w = ctx.world.workspace(ctx.int("id"))
    return json({ workspace: workspaceJson(ctx.world, w, ctx.user?.id ?? 0) })
  },
  PostWorkspace: (ctx) => {
    const world = ctx.world
    const user = requireUser(ctx.user)
    const b = ctx.body
    const name = b.string("name") ?? ""
    checkWorkspaceName(world, name, undefined)
    const id = world.nextId("workspace")
    const w: Workspace = {
      id,
      name,
      archived: false,
      userId: user.id,
      immutable: false,
      state: "WORKSPACE_STATE_UNSPECIFIED",
      errorMessage: "",
      checkpointStorageConfig: b.object("checkpointStorageConfig") as JsonObject | undefined,
      agentUserGroup: b.object("agentUserGroup") as JsonObject | undefined,
      defaultComputePool: b.string("defaultComputePool") ?? "",
      defaultAuxPool: b.string("defaultAuxPool") ?? "",
      pins: new Map([[user.id, world.now]])
    }
    world.workspaces.set(id, w)
    return json({ workspace: workspaceJson(world, w, user.id), namespaceBindings: {} })
  },
  PatchWorkspace: (ctx) => {
    const world = ctx.world
    const w = world.workspace(ctx.int("id"))
    if (w.immutable) throw failedPrecondition(`workspace (${w.id}) is immutable`)
    const b = ctx.body
    const name = b.string("name")
    if (name !== undefined && name !== w.name) {
      checkWorkspaceName(world, name, w.id)
      w.name = name
    }
    const csc = b.object("checkpointStorageConfig")
    if (csc !== undefined) w.checkpointStorageConfig = csc as JsonObject
    const aug = b.object("agentUserGroup")
    if (aug !== undefined) w.agentUserGroup = aug as JsonObject
    const dcp = b.string("defaultComputePool") ?? b.string("defaultComputeResourcePool")
    if (dcp !== undefined) w.defaultComputePool = dcp
    const dap = b.string("defaultAuxPool") ?? b.string("defaultAuxResourcePool")
    if (dap !== undefined) w.defaultAuxPool = dap
    return json({ workspace: workspaceJson(world, w, ctx.user?.id ?? 0), namespaceBindings: {} })
  },
  DeleteWorkspace: (ctx) => {
    const world = ctx.world
    const w = world.workspace(ctx.int("id"))
    if (w.immutable) throw failedPrecondition(`workspace (${w.id}) is immutable and cannot be deleted`)
    for (const m of world.models.values()) {
      if (m.workspaceId === w.id) {
        throw failedPrecondition(`workspace (${w.id}) contains models; move or delete models first`)
      }
    }
    w.state = "WORKSPACE_STATE_DELETING"
    world.schedule(world.now + DELETE_DELAY, (wd) => deleteWorkspaceContents(wd, w))
    return json({ completed: false })
  },
  ArchiveWorkspace: (ctx) => {
    const w = ctx.world.workspace(ctx.int("id"))
    if (w.immutable) throw failedPrecondition(`workspace (${w.id}) is immutable and cannot be archived`)
    if (w.archived) throw failedPrecondition(`workspace (${w.id}) is already archived`)
    w.archived = true
    return json({})
  },
  UnarchiveWorkspace: (ctx) => {
    const w = ctx.world.workspace(ctx.int("id"))
    if (!w.archived) throw failedPrecondition(`workspace (${w.id}) is not archived`)
    w.archived = false
    return json({})
  },
  PinWorkspace: (ctx) => {
    const w = ctx.world.workspace(ctx.int("id"))
    const user = requireUser(ctx.user)
    if (!w.pins.has(user.id)) w.pins.set(user.id, ctx.world.now)
    return json({})
  },
  UnpinWorkspace: (ctx) => {
    const w = ctx.world.workspace(ctx.int("id"))
    w.pins.delete(requireUser(ctx.user).id)
    return json({})
  },
  GetWorkspaceProjects: (ctx) => {
    const world = ctx.world
    const q = ctx.query
    const wsId = ctx.int("id")
    if (wsId !== 0) world.workspace(wsId)
    const sortBy = q.enumValue("sortBy", "determined.api.v1.GetWorkspaceProjectsRequest.SortBy")
    const desc = q.enumValue("orderBy", "determined.api.v1.OrderBy") === "ORDER_BY_DESC"
    const name = q.string("name").toLowerCase()
    const archived = q.bool("archived")
    const users = q.all("users")
    const userIds = q.ints("userIds")
    let rows = [...world.projects.values()].filter((p) =>
      (wsId === 0 || p.workspaceId === wsId) &&
      (name === "" || p.name.toLowerCase().includes(name)) &&
      (archived === undefined || p.archived === archived) &&
      (users.length === 0 || users.includes(world.users.get(p.userId)?.username ?? "")) &&
      (userIds.length === 0 || userIds.includes(p.userId))
    )
    const lastStart = (p: Project) => {
      let last: number | null = null
      for (const e of world.experiments.values()) {
        if (e.projectId === p.id && (last === null || e.startTime > last)) last = e.startTime
      }
      return last
    }
    const key = (p: Project): string | number | null =>
      sortBy === "SORT_BY_NAME"
        ? p.name
        : sortBy === "SORT_BY_DESCRIPTION"
        ? p.description
        : sortBy === "SORT_BY_LAST_EXPERIMENT_START_TIME"
        ? lastStart(p)
        : p.id
    rows = rows.sort(compareBy(key, desc, (p) => p.id))
    const page = paginate(rows, q.int("offset"), q.int("limit"))
    return json({ projects: page.items.map((p) => projectJson(world, p)), pagination: paginationJson(page.pagination) })
  },
  GetProject: (ctx) => json({ project: projectJson(ctx.world, ctx.world.project(ctx.int("id"))) }),
  GetProjectByKey: (ctx) => {
    const key = ctx.str("key").toUpperCase()
    const p = [...ctx.world.projects.values()].find((x) => x.key === key)
    if (p === undefined) throw new WireError(5, `project '${ctx.str("key")}' not found`)
    return json({ project: projectJson(ctx.world, p) })
  },
  PostProject: (ctx) => {
    const world = ctx.world
    const user = requireUser(ctx.user)
    const w = world.workspace(ctx.int("workspace_id"))
    const b = ctx.body
    if (w.immutable) throw internal(`workspace (${w.id}) is immutable and cannot add new projects`)
    if (w.archived) throw internal(`workspace (${w.id}) is archived and cannot add new projects`)
    const name = b.string("name") ?? ""
    if (name.trim() === "") throw invalidArgument("name must contain at least non-whitespace letter")
    for (const p of world.projects.values()) {
      if (p.workspaceId === w.id && p.name === name) {
        throw alreadyExists(`project name '${name}' is already in use in this workspace: duplicate record`)
      }
    }
    const requested = b.string("key")
    const key = requested === undefined ? generateKey(world, name) : checkKey(world, requested, undefined)
    const id = world.nextId("project")
    const p: Project = {
      id,
      name,
      workspaceId: w.id,
      description: b.string("description") ?? "",
      notes: [],
      archived: false,
      userId: user.id,
      immutable: false,
      state: "WORKSPACE_STATE_UNSPECIFIED",
      errorMessage: "",
      key
    }
    world.projects.set(id, p)
    return json({ project: projectJson(world, p) })
  },
  PatchProject: (ctx) => {
    const world = ctx.world
    const p = world.project(ctx.int("id"))
    if (p.immutable) throw failedPrecondition(`project (${p.id}) is immutable`)
    const b = ctx.body
    const name = b.string("name")
    if (name !== undefined) {
      if (name.trim() === "") throw invalidArgument("name must contain at least non-whitespace letter")
      p.name = name
    }
    const description = b.string("description")
    if (description !== undefined) p.description = description
    const key = b.string("key")
    if (key !== undefined) p.key = checkKey(world, key, p.id)
    return json({ project: projectJson(world, p) })
  },
  DeleteProject: (ctx) => {
    const world = ctx.world
    const p = world.project(ctx.int("id"))
    if (p.immutable) throw failedPrecondition(`project (${p.id}) is immutable and cannot be deleted`)
    const exps = [...world.experiments.values()].filter((e) => e.projectId === p.id)
    if (exps.length === 0) {
      world.projects.delete(p.id)
      return json({ completed: true })
    }
    p.state = "WORKSPACE_STATE_DELETING"
    world.schedule(world.now + DELETE_DELAY, (w) => {
      for (const e of exps) removeExperiment(w, e.id)
      w.projects.delete(p.id)
    })
    return json({ completed: false })
  },
  ArchiveProject: (ctx) => {
    const p = ctx.world.project(ctx.int("id"))
    if (p.immutable) throw failedPrecondition(`project (${p.id}) is immutable and cannot be archived`)
    if (ctx.world.workspaces.get(p.workspaceId)?.archived === true) {
      throw internal("This project belongs to an archived workspace. To make changes, first unarchive the workspace.")
    }
    p.archived = true
    return json({})
  },
  UnarchiveProject: (ctx) => {
    const p = ctx.world.project(ctx.int("id"))
    if (ctx.world.workspaces.get(p.workspaceId)?.archived === true) {
      throw internal("This project belongs to an archived workspace. To make changes, first unarchive the workspace.")
    }
    p.archived = false
    return json({})
  },
  MoveProject: (ctx) => {
    const world = ctx.world
    const p = world.project(ctx.int("project_id"))
    const dest = world.workspace(ctx.body.int("destinationWorkspaceId") ?? 0)
    if (p.immutable) throw failedPrecondition(`project (${p.id}) is immutable and cannot be moved`)
    if (dest.archived) throw internal(`workspace (${dest.id}) is archived and cannot add new projects`)
    if (dest.immutable) throw internal(`workspace (${dest.id}) is immutable and cannot add new projects`)
    for (const o of world.projects.values()) {
      if (o.workspaceId === dest.id && o.name === p.name && o.id !== p.id) {
        throw internal(`project with name '${p.name}' already exists in target workspace`)
      }
    }
    p.workspaceId = dest.id
    return json({})
  },
  AddProjectNote: (ctx) => {
    const p = ctx.world.project(ctx.int("project_id"))
    const b = ctx.body
    p.notes = [...p.notes, { name: b.string("name") ?? "", contents: b.string("contents") ?? "" }]
    return json({ notes: p.notes.map((n) => ({ name: n.name, contents: n.contents })) })
  },
  PutProjectNotes: (ctx) => {
    const p = ctx.world.project(ctx.int("project_id"))
    p.notes = notesFrom(ctx.body.get("notes"))
    return json({ notes: p.notes.map((n) => ({ name: n.name, contents: n.contents })) })
  }
}
