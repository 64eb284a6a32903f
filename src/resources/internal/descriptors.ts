/**
 * The resources read by id, each declared once (kind, request, schema): the public modules and the internal
 * ones (watching, downloads, creation) read, store and invalidate through these, so there is one fetch per
 * resource and one cache rule set (`kinds.ts`).
 *
 * @internal
 */
import { path } from "../../services/DeterminedHttp.js"
import * as Kinds from "./kinds.js"
import * as Fast from "./models/fast.js"
import * as Models from "./models/model.js"
import * as Resource from "./resource.js"

/** @internal */
export const experiment = Resource.make({
  kind: Kinds.experiment,
  module: "Experiment",
  attribute: "determined.experiment.id",
  request: (id: number) => ({
    method: "GET",
    path: path`/api/v1/experiments/${id}`,
    notFound: { resource: "experiment", id }
  }),
  schema: Fast.ExperimentResponse,
  pick: (r) => r.experiment
})

/** @internal */
export const trial = Resource.make({
  kind: Kinds.trial,
  module: "Trial",
  attribute: "determined.trial.id",
  request: (id: number) => ({ method: "GET", path: path`/api/v1/trials/${id}`, notFound: { resource: "trial", id } }),
  schema: Fast.TrialResponse,
  pick: (r) => r.trial
})

/** @internal */
export const checkpoint = Resource.make({
  kind: Kinds.checkpoint,
  module: "Checkpoint",
  attribute: "determined.checkpoint.uuid",
  request: (uuid: string) => ({
    method: "GET",
    path: path`/api/v1/checkpoints/${uuid}`,
    notFound: { resource: "checkpoint", id: uuid }
  }),
  schema: Fast.CheckpointResponse,
  pick: (r) => r.checkpoint
})

/** A model by id (a number) or name (a string): one cache entry under both. @internal */
export const model = Resource.make({
  kind: Kinds.model,
  module: "Model",
  attribute: "determined.model.id",
  // the master reads an all-digit segment as an id and refuses model names made only of digits
  request: (ref: Models.ModelRef) => ({
    method: "GET",
    path: path`/api/v1/models/${String(ref)}`,
    notFound: { resource: "model", id: ref }
  }),
  schema: Models.ModelResponse,
  pick: (r) => r.model
})

/** A version of a model (by the model's id or name, and the version number). @internal */
export const modelVersion = Resource.make({
  kind: Kinds.modelVersion,
  module: "ModelVersion",
  attribute: "determined.modelVersion.id",
  request: ([ref, version]: readonly [Models.ModelRef, number]) => ({
    method: "GET",
    path: path`/api/v1/models/${String(ref)}/versions/${version}`,
    notFound: { resource: "modelVersion", id: `${ref}/${version}` }
  }),
  schema: Models.ModelVersionResponse,
  pick: (r) => r.modelVersion
})
