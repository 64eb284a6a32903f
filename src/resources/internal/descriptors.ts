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
