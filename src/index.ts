/**
 * effect-determined: an Effect-native SDK for the Determined AI master REST API.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Determined from "./Determined.js"
/** @since 0.1.0 */
export * as DeterminedConfig from "./services/DeterminedConfig.js"
/** @since 0.1.0 */
export * as DeterminedError from "./DeterminedError.js"
/** @since 0.1.0 */
export * as ResourceCache from "./services/ResourceCache.js"
/** @since 0.1.0 */
export * as RetryPolicy from "./services/RetryPolicy.js"
/** @since 0.1.0 */
export * as Workspace from "./resources/Workspace.js"
/** @since 0.1.0 */
export * as Experiment from "./resources/Experiment.js"
/** @since 0.1.0 */
export * as Trial from "./resources/Trial.js"
/** @since 0.1.0 */
export * as Checkpoint from "./resources/Checkpoint.js"
/** @since 0.1.0 */
export * as Model from "./resources/Model.js"
/** @since 0.1.0 */
export * as ModelVersion from "./resources/ModelVersion.js"
/** @since 0.1.0 */
export * as Metrics from "./resources/Metrics.js"
/** @since 0.1.0 */
export * as EarlyStopping from "./resources/EarlyStopping.js"
/** @since 0.1.0 */
export * as Project from "./resources/Project.js"
/** @since 0.1.0 */
export * as User from "./resources/User.js"
/** @since 0.1.0 */
export * as ResourcePool from "./resources/ResourcePool.js"
/** @since 0.1.0 */
export * as Master from "./resources/Master.js"
/** @since 0.1.0 */
export * as Core from "./resources/Core.js"
export * as Template from "./resources/Template.js"
/** @since 0.1.0 */
export * as Query from "./resources/Query.js"
/** @since 0.1.0 */
export * as Run from "./resources/Run.js"
