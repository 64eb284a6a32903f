/**
 * Checkpoints: get, metadata, patch, delete (asynchronous GC), remove files by glob, metrics.
 *
 * @internal
 */
import type { Checkpoint, World } from "../domain/store.js"
import type { Routes } from "../router.js"
import { checkpointJson } from "../views.js"
import { internal, invalidArgument, json, notFound } from "../wire.js"

/** @internal */
export const UUID_RE = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/

const GC_DELAY = 1000

const checkUuid = (uuid: string, asInvalidArgument: boolean) => {
  if (!UUID_RE.test(uuid)) {
    const msg = `invalid UUID length: ${uuid.length}`
    throw asInvalidArgument ? invalidArgument(`converting checkpoint: ${msg}`) : internal(msg)
  }
}

/** Replaces a checkpoint's resources; empty → DELETED, a different set → PARTIALLY_DELETED. @internal */
export const setResources = (c: Checkpoint, resources: Record<string, number>): void => {
  const keys = Object.keys(resources)
  if (keys.length === 0) {
    c.state = "STATE_DELETED"
    return
  }
  const same = keys.length === Object.keys(c.resources).length && keys.every((k) => c.resources[k] === resources[k])
  if (!same) {
    c.resources = resources
    c.state = "STATE_PARTIALLY_DELETED"
  }
}

const globToRegExp = (glob: string): RegExp => {
  let re = ""
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!
    if (ch === "*") {
      if (glob[i + 1] === "*") {
        re += ".*"
        i++
      } else re += "[^/]*"
    } else if (ch === "?") re += "[^/]"
    else re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&")
  }
  return new RegExp(`^${re}(/.*)?$`)
}

const registered = (world: World, uuids: ReadonlyArray<string>): Array<string> =>
  uuids.filter((u) => world.isModelVersionCheckpoint(u))

/** @internal */
export const routes: Routes = {
  GetCheckpoint: (ctx) => {
    const uuid = ctx.str("checkpoint_uuid")
    checkUuid(uuid, false)
    return json({ checkpoint: checkpointJson(ctx.world, ctx.world.checkpoint(uuid)) })
  },
  PostCheckpointMetadata: (ctx) => {
    const uuid = ctx.str("checkpoint.uuid")
    checkUuid(uuid, false)
    const c = ctx.world.checkpoint(uuid)
    const body = ctx.body.body("checkpoint")
    const metadata = body?.object("metadata") ?? {}
    c.metadata = structuredClone(metadata) as typeof c.metadata
    return json({ checkpoint: checkpointJson(ctx.world, c) })
  },
  PatchCheckpoints: (ctx) => {
    const world = ctx.world
    const items = ctx.body.array("checkpoints") ?? []
    const patches = items.map((item) => {
      const o = (item ?? {}) as Record<string, unknown>
      const uuid = typeof o.uuid === "string" ? o.uuid : ""
      checkUuid(uuid, true)
      const c = world.checkpoint(uuid)
      const res = o.resources as Record<string, unknown> | null | undefined
      return { c, resources: res === undefined || res === null ? undefined : (res.resources ?? {}) }
    })
    const reg = registered(world, patches.map((p) => p.c.uuid))
    if (reg.length > 0) {
      throw invalidArgument(
        `this subset of checkpoints provided are in the model registry and cannot be deleted: [${reg}]`
      )
    }
    for (const p of patches) {
      if (p.resources === undefined) continue
      const out: Record<string, number> = {}
      for (const [k, v] of Object.entries(p.resources as Record<string, unknown>)) out[k] = Number(v)
      setResources(p.c, out)
    }
    return json({})
  },
  DeleteCheckpoints: (ctx) => {
    const world = ctx.world
    const uuids = ctx.body.strings("checkpointUuids")
    for (const u of uuids) checkUuid(u, true)
    const reg = registered(world, uuids)
    if (reg.length > 0) {
      throw invalidArgument(
        `this subset of checkpoints provided are in the model registry and cannot be deleted: [${reg}]`
      )
    }
    const ckpts = uuids.map((u) => world.checkpoint(u))
    world.schedule(world.now + GC_DELAY, () => {
      for (const c of ckpts) c.state = "STATE_DELETED"
    })
    return json({})
  },
  CheckpointsRemoveFiles: (ctx) => {
    const world = ctx.world
    const uuids = ctx.body.strings("checkpointUuids")
    const globs = ctx.body.strings("checkpointGlobs")
    for (const u of uuids) checkUuid(u, true)
    const reg = registered(world, uuids)
    if (reg.length > 0) {
      throw invalidArgument(
        `this subset of checkpoints provided are in the model registry and cannot be deleted: [${reg}]`
      )
    }
    const ckpts = uuids.map((u) => world.checkpoint(u))
    const res = globs.map(globToRegExp)
    world.schedule(world.now + GC_DELAY, () => {
      for (const c of ckpts) {
        const remaining: Record<string, number> = {}
        for (const [k, v] of Object.entries(c.resources)) if (!res.some((r) => r.test(k))) remaining[k] = v
        setResources(c, remaining)
      }
    })
    return json({})
  },
  GetTrialMetricsByCheckpoint: (ctx) => {
    const uuid = ctx.str("checkpoint_uuid")
    checkUuid(uuid, false)
    ctx.world.checkpoint(uuid)
    return json({ metrics: [] })
  }
}

/** @internal */
export { notFound }
