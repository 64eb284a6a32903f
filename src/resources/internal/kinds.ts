/**
 * Every kind of cached resource, declared once: its cache key (and aliases), the entities a snapshot mentions, and
 * so what goes stale with it. This is the one place that decides cache coherence; resource modules only say
 * "this entity changed" (`Resource.stale`) or "here is its new snapshot" (`Resource.store`).
 *
 * The rules, as they follow from the links below (when an entity goes stale, so do the entities its snapshot
 * mentions and the snapshots that mention it):
 *
 * | a mutation of                                   | makes stale                                                |
 * |-------------------------------------------------|------------------------------------------------------------|
 * | an experiment (kill, pause, cancel, activate, delete, move) | it, its cached trials (they link it) and checkpoints (they link it) |
 * | a trial (kill)                                  | it, its experiment (linked both ways; every cached experiment when the cache cannot tell which), its checkpoints |
 * | a checkpoint (delete, metadata)                 | it, its trial and experiment (their checkpoint counts and sizes), the model versions that register it; every cached trial, experiment and version when the cache cannot tell which |
 * | a model version (delete, edits)                 | it, its model (`numVersions`, `lastUpdatedTime`); every cached model when the cache cannot tell which |
 * | a model (delete, archive, edits)                | it (by id and by name: one entry), its cached versions     |
 * | a project (delete, move, archive)               | it, its workspace (project counts)                         |
 * | a workspace (delete, archive)                   | it, its cached projects                                    |
 *
 * @internal
 */
import * as ResourceCache from "../../services/ResourceCache.js"
import type { Checkpoint as CheckpointSnapshot } from "./models/checkpoint.js"
import type { Experiment as ExperimentSnapshot } from "./models/experiment.js"
import type { Model as ModelSnapshot, ModelRef, ModelVersion as ModelVersionSnapshot } from "./models/model.js"
import type { Trial as TrialSnapshot } from "./models/trial.js"
import type { User as UserSnapshot } from "./models/user.js"

/**
 * A kind of cached resource.
 * @internal
 */
export interface Kind<Id, A> {
  /** The cache's kind name, e.g. `experiment`. */
  readonly name: string
  /** The key of the entity `id` names (an alias when the entity has several names). */
  readonly key: (id: Id) => ResourceCache.Key<A>
  /** Every key a snapshot is known under (its own first) and the entities it mentions. */
  readonly identify: (value: A) => ResourceCache.Identity
  /**
   * Kinds that go stale as a whole when an entity of this kind changes and the cache knows nothing of it (not
   * cached, mentioned by nothing cached), because one of their entries may mention it.
   */
  readonly otherwiseKinds: ReadonlyArray<string>
}

const kind = <Id, A>(
  name: string,
  spec: {
    readonly id?: ((id: Id) => string | number) | undefined
    readonly keys?: ((value: A) => ReadonlyArray<Id>) | undefined
    readonly links?: ((value: A) => ReadonlyArray<ResourceCache.Key<unknown>>) | undefined
    readonly otherwiseKinds?: ReadonlyArray<string> | undefined
    readonly self: (value: A) => Id
  }
): Kind<Id, A> => {
  const key = (id: Id) => ResourceCache.key<A>(name, spec.id === undefined ? (id as string | number) : spec.id(id))
  return {
    name,
    key,
    identify: (value) => ({
      keys: [key(spec.self(value)), ...(spec.keys?.(value) ?? []).map(key)],
      links: spec.links?.(value) ?? []
    }),
    otherwiseKinds: spec.otherwiseKinds ?? []
  }
}

const known = <A>(values: ReadonlyArray<A | null | undefined>): ReadonlyArray<A> =>
  values.filter((v): v is A => v !== null && v !== undefined)

/** @internal */
export const experiment: Kind<number, ExperimentSnapshot> = kind("experiment", {
  self: (e) => e.id,
  links: (e) => e.trialIds.map((id) => trial.key(id))
})

/** @internal */
export const trial: Kind<number, TrialSnapshot> = kind("trial", {
  self: (t) => t.id,
  links: (t) => [experiment.key(t.experimentId)],
  otherwiseKinds: ["experiment"]
})

/** @internal */
export const checkpoint: Kind<string, CheckpointSnapshot> = kind("checkpoint", {
  self: (c) => c.uuid,
  links: (c) => [
    ...known([c.training?.trialId]).map((id) => trial.key(id)),
    ...known([c.training?.experimentId]).map((id) => experiment.key(id))
  ],
  otherwiseKinds: ["trial", "experiment", "modelVersion"]
})

const modelId = (ref: ModelRef) => (typeof ref === "number" ? `id:${ref}` : `name:${ref}`)

/** A model, under its id and its name (one entry). @internal */
export const model: Kind<ModelRef, ModelSnapshot> = kind("model", {
  id: modelId,
  self: (m) => m.id,
  keys: (m) => [m.name]
})

/** A version of a model, under the model's id and its name (one entry). @internal */
export const modelVersion: Kind<readonly [ModelRef, number], ModelVersionSnapshot> = kind("modelVersion", {
  id: ([ref, version]) => `${modelId(ref)}/${version}`,
  self: (v) => [v.model.id, v.version] as const,
  keys: (v) => [[v.model.name, v.version] as const],
  // the model under both names: it may go stale by either while the cache holds no entry for it
  links: (v) => [
    model.key(v.model.id),
    model.key(v.model.name),
    ...known([v.checkpoint?.uuid]).map((uuid) => checkpoint.key(uuid))
  ],
  otherwiseKinds: ["model"]
})

/** @internal */
export const workspace = <A extends { readonly id: number } = { readonly id: number }>(): Kind<number, A> =>
  kind<number, A>("workspace", { self: (w) => w.id })

/** @internal */
export const project = <A extends { readonly id: number; readonly workspaceId: number }>(): Kind<number, A> =>
  kind<number, A>("project", {
    self: (p) => p.id,
    links: (p) => [workspace().key(p.workspaceId)],
    otherwiseKinds: ["workspace"]
  })

/** @internal */
export const user: Kind<number, UserSnapshot> = kind("user", { self: (u) => u.id })

/** @internal */
export const template = <A extends { readonly name: string }>(): Kind<string, A> =>
  kind<string, A>("template", { self: (t) => t.name })
