/**
 * effect-determined: an Effect-native SDK for the Determined AI master REST API.
 *
 * @since 0.1.0
 */
import * as Determined from "./Determined.js"

// The first module is imported and exported by name: docgen reads an export's documentation from its first
// leading comment, which for the first statement of a file is the module header.
export {
  /**
   * The whole SDK in one layer: configuration, session, HTTP client with retries, and the resource cache.
   *
   * @since 0.1.0
   * @category layers
   * @example
   * import { Effect } from "effect"
   * import { Determined, Experiment } from "effect-determined"
   *
   * const program = Experiment.list().pipe(Effect.provide(Determined.layerFromEnv))
   */
  Determined
}

/**
 * Where the master is, the credentials (`Redacted`), timeouts and TLS options, from code or the environment.
 *
 * @since 0.1.0
 * @category configuration
 * @example
 * import { DeterminedConfig } from "effect-determined"
 *
 * const config = DeterminedConfig.layer({ master: "det.example.com:8080", username: "alice", password: "s3cret" })
 */
export * as DeterminedConfig from "./services/DeterminedConfig.js"
/**
 * The closed set of errors the operations fail with (`Schema.TaggedError`s carrying method and path).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * // NotFound leaves the error type; every other error of Experiment.get stays in it
 * const orNull = Experiment.get(7).pipe(
 *   Effect.catchTag("NotFound", (e) => Effect.as(Effect.logWarning(e.message), null))
 * )
 */
export * as DeterminedError from "./DeterminedError.js"
/**
 * The snapshot cache behind `get` / `reload`: in memory (bounded LRU, optional expiry) or disabled.
 *
 * @since 0.1.0
 * @category services
 * @example
 * import { Effect } from "effect"
 * import { Experiment, ResourceCache } from "effect-determined"
 *
 * const fresh = Experiment.get(7).pipe(Effect.provide(ResourceCache.layerDisabled))
 */
export * as ResourceCache from "./services/ResourceCache.js"
/**
 * How transient failures are retried: a `Schedule` plus a predicate, for a program or for one call.
 *
 * @since 0.1.0
 * @category services
 * @example
 * import { Schedule } from "effect"
 * import { Experiment, RetryPolicy } from "effect-determined"
 *
 * const quick = Experiment.get(7).pipe(RetryPolicy.withPolicy({ schedule: Schedule.recurs(2) }))
 */
export * as RetryPolicy from "./services/RetryPolicy.js"
/**
 * Workspaces: get, list, create, patch, archive, delete, pin, and their projects.
 *
 * @since 0.1.0
 * @category resources
 * @example
 * import { Workspace } from "effect-determined"
 *
 * const workspaces = Workspace.list()
 */
export * as Workspace from "./resources/Workspace.js"
/**
 * Experiments: create from a config and a model directory, get, list and stream with filters, lifecycle verbs, waiting, trials.
 *
 * @since 0.1.0
 * @category resources
 * @example
 * import { Experiment } from "effect-determined"
 *
 * const experiment = Experiment.get(7)
 */
export * as Experiment from "./resources/Experiment.js"
/**
 * Trials: get, reload, list, kill, logs (followed with reconnect and resume), metrics, watch.
 *
 * @since 0.1.0
 * @category resources
 * @example
 * import { Trial } from "effect-determined"
 *
 * const trial = Trial.get(12)
 */
export * as Trial from "./resources/Trial.js"
/**
 * Checkpoints: get, list sorted by a metric, download (safe, atomic extraction), delete.
 *
 * @since 0.1.0
 * @category resources
 * @example
 * import { Checkpoint } from "effect-determined"
 *
 * const checkpoint = Checkpoint.get("2db6eed3-c86e-4720-876d-eae2af9a1aca")
 */
export * as Checkpoint from "./resources/Checkpoint.js"
/**
 * Models of the registry: create, get by name or id, list, patch, archive, register versions.
 *
 * @since 0.1.0
 * @category resources
 * @example
 * import { Model } from "effect-determined"
 *
 * const model = Model.get("mnist")
 */
export * as Model from "./resources/Model.js"
/**
 * Versions of a registered model: register, get, list, latest, patch, delete.
 *
 * @since 0.1.0
 * @category resources
 * @example
 * import { ModelVersion } from "effect-determined"
 *
 * const versions = ModelVersion.list("mnist")
 */
export * as ModelVersion from "./resources/ModelVersion.js"
/**
 * Training and validation metrics of trials as constant-memory streams.
 *
 * @since 0.1.0
 * @category resources
 * @example
 * import { Metrics } from "effect-determined"
 *
 * const validations = Metrics.stream([12, 13], { group: "validation" })
 */
export * as Metrics from "./resources/Metrics.js"
/**
 * Stop trials whose metric stopped improving: a pure rule and a stream operator that kills them.
 *
 * @since 0.1.0
 * @category resources
 * @example
 * import { EarlyStopping } from "effect-determined"
 *
 * const stop = EarlyStopping.killWhenStalled({ metric: "validation_loss", smallerIsBetter: true, patience: 5 })
 */
export * as EarlyStopping from "./resources/EarlyStopping.js"
/**
 * Projects: get by id, key or name, list, create, patch, move, archive, delete.
 *
 * @since 0.1.0
 * @category resources
 * @example
 * import { Project } from "effect-determined"
 *
 * const project = Project.get(1)
 */
export * as Project from "./resources/Project.js"
/**
 * Users: the session's user, get, list, create, patch, passwords.
 *
 * @since 0.1.0
 * @category resources
 * @example
 * import { User } from "effect-determined"
 *
 * const me = User.whoami()
 */
export * as User from "./resources/User.js"
/**
 * Resource pools: list and bindings to workspaces.
 *
 * @since 0.1.0
 * @category resources
 * @example
 * import { ResourcePool } from "effect-determined"
 *
 * const pools = ResourcePool.list()
 */
export * as ResourcePool from "./resources/ResourcePool.js"
/**
 * The master itself: version and information, cluster messages, OAuth clients.
 *
 * @since 0.1.0
 * @category resources
 * @example
 * import { Master } from "effect-determined"
 *
 * const info = Master.info()
 */
export * as Master from "./resources/Master.js"
/**
 * The Core API: a program reports its own training as an unmanaged experiment (`Core.init` is a scoped run).
 *
 * @since 0.1.0
 * @category resources
 * @example
 * import { Core } from "effect-determined"
 *
 * const report = Core.reportTrainingMetrics(100, { loss: 0.5 })
 */
export * as Core from "./resources/Core.js"
/**
 * Config templates: get, list, create, patch, delete.
 *
 * @since 0.1.0
 * @category resources
 * @example
 * import { Template } from "effect-determined"
 *
 * const templates = Template.list()
 */
export * as Template from "./resources/Template.js"
/**
 * Typed filters for searching experiments and runs: what runs on the master and what runs locally.
 *
 * @since 0.1.0
 * @category resources
 * @example
 * import { pipe } from "effect"
 * import { Experiment, Query } from "effect-determined"
 *
 * const best = Experiment.searchList(
 *   pipe(
 *     Query.where(Query.field("state").eq("COMPLETED"), Query.validation("validation_loss").min.lt(0.2)),
 *     Query.sortBy(Query.asc(Query.validation("validation_loss").min)),
 *     Query.limit(5)
 *   )
 * )
 */
export * as Query from "./resources/Query.js"
/**
 * Runs (the trials of every experiment, flat): search with typed filters.
 *
 * @since 0.1.0
 * @category resources
 * @example
 * import { Query, Run } from "effect-determined"
 *
 * const failed = Run.list(Query.run("state").eq("ERROR"), { projectId: 1 })
 */
export * as Run from "./resources/Run.js"
