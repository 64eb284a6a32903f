/**
 * Snapshot classes of the model registry, shared by `Model` and `ModelVersion` (kept here so that the two
 * namespaces do not import each other).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Pagination from "../../../services/Pagination.js"
import * as Wire from "../wire.js"
import { Checkpoint } from "./checkpoint.js"

/**
 * An immutable snapshot of a registered model.
 *
 * `userId` and `workspaceId` are `0` in the copy of the model embedded in some model-version responses, which
 * the master sends without them; a model read with `Model.get` always has them.
 *
 * @since 0.1.0
 * @category models
 */
export class Model extends Schema.Class<Model>("effect-determined/Model")({
  id: Schema.Number,
  name: Schema.String,
  description: Schema.optionalWith(Schema.String, { default: () => "" }),
  /** Free-form user metadata (`{}` when none). */
  metadata: Schema.optionalWith(Wire.JsonObjectSchema, { default: () => ({}), nullable: true }),
  creationTime: Wire.Timestamp,
  lastUpdatedTime: Wire.Timestamp,
  numVersions: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  labels: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [], nullable: true }),
  username: Schema.optionalWith(Schema.String, { default: () => "" }),
  userId: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  workspaceId: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  archived: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  notes: Schema.optionalWith(Schema.String, { default: () => "" })
}) {}

/**
 * An immutable snapshot of one version of a registered model.
 *
 * @since 0.1.0
 * @category models
 */
export class ModelVersion extends Schema.Class<ModelVersion>("effect-determined/ModelVersion")({
  /** Global id of the version (not its number within the model: that is `version`). */
  id: Schema.Number,
  /** Version number within the model: 1, 2, 3, ... */
  version: Schema.Number,
  model: Model,
  /** The registered checkpoint (Python: `checkpoint`), training metadata included. */
  checkpoint: Schema.NullOr(Checkpoint),
  creationTime: Wire.Timestamp,
  lastUpdatedTime: Schema.optionalWith(Schema.NullOr(Wire.Timestamp), { default: () => null }),
  name: Schema.optionalWith(Schema.String, { default: () => "" }),
  metadata: Schema.optionalWith(Wire.JsonObjectSchema, { default: () => ({}), nullable: true }),
  comment: Schema.optionalWith(Schema.String, { default: () => "" }),
  username: Schema.optionalWith(Schema.String, { default: () => "" }),
  userId: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  labels: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [], nullable: true }),
  notes: Schema.optionalWith(Schema.String, { default: () => "" })
}) {
  /** Name of the model this is a version of (Python: `model_name`). */
  get modelName(): string {
    return this.model.name
  }
  /** Id of the model this is a version of (Python: `model_id`). */
  get modelId(): number {
    return this.model.id
  }
  /** UUID of the registered checkpoint. */
  get checkpointUuid(): string | undefined {
    return this.checkpoint?.uuid
  }
}

/**
 * A model is named by its name (a string) or its numeric id (a number).
 *
 * @since 0.1.0
 * @category models
 */
export type ModelRef = string | number

/**
 * The `{modelName}` path segment for a model reference: the name, or the id as digits (the master reads an
 * all-digit segment as an id, and refuses model names made only of digits, so the two never collide).
 * @internal
 */
export const modelSegment = (ref: ModelRef): Effect.Effect<string> => Effect.succeed(String(ref))

/** @internal */
export const ModelResponse = Schema.Struct({ model: Model })

/** @internal */
export const ModelVersionResponse = Schema.Struct({ modelVersion: ModelVersion })

/** @internal */
export const ModelsPage = Schema.Struct({
  models: Schema.Array(Model),
  pagination: Schema.optional(Schema.NullOr(Pagination.Pagination))
})
