/**
 * Config templates: a per-world table by name (the store's records are untouched), and what CreateExperiment does
 * with one (master/internal/core_experiment.go, parseCreateExperiment): the user's config is checked for
 * `resources.slots` first, then the template's config is merged under it (`schemas.Merge(config, template)`: the
 * experiment's values win, objects merge key by key). A template's own `resources.slots` is therefore accepted,
 * and kept in the merged config.
 *
 * @internal
 */
import type { Json, JsonObject } from "../json.js"
import { isObject } from "../json.js"
import { notFound } from "./errors.js"
import { parseConfigText, refuseUserSlots } from "./expconf.js"
import type { World } from "./store.js"

/** @internal */
export interface Template {
  name: string
  config: JsonObject
  workspaceId: number
}

const tables = new WeakMap<World, Map<string, Template>>()

/** The world's templates by name. @internal */
export const templatesOf = (world: World): Map<string, Template> => {
  let t = tables.get(world)
  if (t === undefined) {
    t = new Map()
    tables.set(world, t)
  }
  return t
}

/** `templatev1.Template`. @internal */
export const templateJson = (t: Template): JsonObject => ({
  name: t.name,
  config: t.config,
  workspaceId: t.workspaceId
})

/** `schemas.Merge(obj, src)`: values of `obj` win; objects merge recursively; `src` fills what `obj` lacks. */
const mergeUnder = (obj: Json | undefined, src: Json | undefined): Json | undefined => {
  if (obj === undefined || obj === null) return src === undefined ? obj : structuredClone(src)
  if (isObject(obj) && isObject(src)) {
    const out: JsonObject = { ...obj }
    for (const [k, v] of Object.entries(src)) {
      const merged = mergeUnder(out[k], v)
      if (merged !== undefined) out[k] = merged
    }
    return out
  }
  return obj
}

/**
 * Applies CreateExperiment's `template` to the user's parsed config: 404 `template '<name>' not found` for an
 * unknown template.
 *
 * @internal
 */
export const applyTemplate = (world: World, name: string | undefined, config: JsonObject): JsonObject => {
  if (name === undefined) return config
  const t = templatesOf(world).get(name)
  if (t === undefined) throw notFound("template", name)
  return mergeUnder(config, t.config) as JsonObject
}

/**
 * The config CreateExperiment goes on with (before defaults): the user's text parsed, its `resources.slots`
 * refused, then the template merged under it.
 *
 * @internal
 */
export const userConfigWithTemplate = (world: World, configText: string, template: string | undefined): JsonObject =>
  applyTemplate(world, template, refuseUserSlots(parseConfigText(configText)))
