/**
 * The Core API: report training from any TypeScript program (a laptop run, a notebook, an evaluation job) as an
 * **unmanaged** experiment and trial of a Determined master, as Python's `determined.experimental.core_v2`
 * does off-cluster. docs/CORE-API.md has the whole story (lifecycle, retry rule, storage, Python names).
 *
 * `Core.init(options)` is a scoped resource. Acquiring it creates (or, with external ids, resumes) the experiment
 * and trial and starts a run; releasing it flushes the queued reports, stops the heartbeat and sets the trial's
 * final state from how the scope ended: `COMPLETED` on success, `ERROR` on failure, `CANCELED` on interruption.
 * So "the trial always ends in the right state" holds by construction of `Effect.scoped`.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Errors from "../DeterminedError.js"
import * as Log from "../internal/log.js"
import { DeterminedHttp, path } from "../services/DeterminedHttp.js"
import * as CoreLogs from "./internal/core/logs.js"
import * as Reports from "./internal/core/reports.js"
import * as Storage from "./internal/core/storage.js"
import type { Json, JsonObject } from "./internal/wire.js"
import { JsonObjectSchema } from "./internal/wire.js"

export {
  /**
   * The driver of the local storage types, `shared_fs` (`host_path` + `storage_path`) and `directory`
   * (`container_path`): checkpoints are directories on this machine's disk.
   *
   * @since 0.1.0
   * @category drivers
   * @example
   * import { Core } from "effect-determined"
   *
   * // the default drivers, stated explicitly
   * const drivers = Core.layerStorageDrivers([Core.localDriver])
   */
  localDriver,
  /**
   * Where a driver keeps checkpoints: a directory to write a checkpoint's files into, and how to store, restore and
   * remove it.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Core } from "effect-determined"
   *
   * // a backend that logs every checkpoint it stores
   * const logging = (backend: Core.StorageBackend): Core.StorageBackend => ({
   *   ...backend,
   *   store: (uuid, dir) => Effect.zipRight(Effect.log(`storing checkpoint ${uuid} from ${dir}`), backend.store(uuid, dir))
   * })
   */
  type StorageBackend,
  /**
   * A checkpoint storage config as the master's experiment config holds it: a `type` and its fields (snake_case).
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Core } from "effect-determined"
   *
   * const storage: Core.StorageConfig = { type: "shared_fs", host_path: "/mnt/checkpoints", storage_path: "mnist" }
   * const run = Core.init({ name: "mnist-ts", checkpointStorage: storage })
   */
  type StorageConfig,
  /**
   * A driver: the storage types it serves and how it builds a backend from a storage config.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Core } from "effect-determined"
   *
   * // s3 checkpoints of a bucket that this machine mounts under /mnt/<bucket>
   * const mountedS3: Core.StorageDriver = {
   *   types: ["s3"],
   *   make: (config) => Core.localDriver.make({ type: "directory", container_path: `/mnt/${String(config["bucket"])}` })
   * }
   * const drivers = Core.layerStorageDrivers([Core.localDriver, mountedS3])
   */
  type StorageDriver,
  /**
   * The storage drivers in use (a `Context.Reference`: `localDriver` unless `layerStorageDrivers` replaces them).
   *
   * @since 0.1.0
   * @category tags
   * @example
   * import { Effect } from "effect"
   * import { Core } from "effect-determined"
   *
   * const types = Effect.map(Core.StorageDrivers, (drivers) => drivers.flatMap((driver) => driver.types))
   */
  StorageDrivers
} from "./internal/core/storage.js"

/**
 * What {@link init} creates or resumes. Every field is optional, as in Python's `core_v2.Config`.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Core } from "effect-determined"
 *
 * const options: Core.Options = {
 *   name: "mnist-ts",
 *   hparams: { learning_rate: 0.01, batch_size: 64 },
 *   searcher: { name: "single", metric: "validation_loss", smaller_is_better: true },
 *   externalExperimentId: "mnist-sweep",
 *   externalTrialId: "lr-0.01",
 *   heartbeatInterval: "30 seconds"
 * }
 * const layer = Core.layer(options)
 */
export interface Options {
  /** Experiment name. Default: `unmanaged-<externalExperimentId>`, else `unmanaged-<8 random hex digits>`. */
  readonly name?: string | undefined
  /** The trial's hyperparameters. */
  readonly hparams?: JsonObject | undefined
  /** Copied into the config as `data`. */
  readonly data?: JsonObject | undefined
  readonly description?: string | undefined
  readonly labels?: ReadonlyArray<string> | undefined
  /** Workspace and project names: give both or neither. */
  readonly workspace?: string | undefined
  readonly project?: string | undefined
  /** The config's `searcher`. Default `{name: "single", metric: "unmanaged"}`: set `metric` to get best validation. */
  readonly searcher?: JsonObject | undefined
  /**
   * Where checkpoints go: a path or `file://` URL (a `directory` storage), `s3://…`/`gs://…`, or a config object
   * (`{type: "shared_fs", host_path, storage_path?}`, `{type: "directory", container_path}`, ...). Default: the
   * directory `$XDG_DATA_HOME/determined/checkpoints` (`~/.local/share/...`).
   */
  readonly checkpointStorage?: string | Storage.StorageConfig | undefined
  /** Makes the experiment idempotent: the same id finds the same experiment (PutExperiment). */
  readonly externalExperimentId?: string | undefined
  /** With `externalExperimentId`: the same id finds the same trial (PutTrial), which then resumes. */
  readonly externalTrialId?: string | undefined
  /** Heartbeat period. Default 60 s (the master marks a running trial lost after 5 minutes without one). */
  readonly heartbeatInterval?: Duration.DurationInput | undefined
  /** Reports queued before `report*` waits for the master. Default 1000. */
  readonly queueCapacity?: number | undefined
  /** Log lines queued before new ones are dropped (and counted). Default 10000. */
  readonly logCapacity?: number | undefined
}

/**
 * Where the run stands, from the master's answers at start (Python's `core_v2.info`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect, Option } from "effect"
 * import { Core } from "effect-determined"
 *
 * // on a resume, restore from the latest checkpoint and start after its step
 * const resumeFrom = Effect.map(Core.Core, (core) => {
 *   const info: Core.Info = core.info
 *   return { step: info.stepsCompleted, checkpoint: Option.getOrNull(info.latestCheckpoint) }
 * })
 */
export interface Info {
  readonly experimentId: number
  readonly trialId: number
  /** 1 on the first run of the trial, then 2, 3, ... on each resume. */
  readonly trialRunId: number
  readonly taskId: string
  /** `steps_completed` of the latest checkpoint (0 on a first run). */
  readonly stepsCompleted: number
  /** The latest COMPLETED checkpoint of the trial, on a resume that has one: restore from it. */
  readonly latestCheckpoint: Option.Option<string>
  readonly hparams: JsonObject
  /** The master's id of the checkpoint storage. */
  readonly storageId: Option.Option<number>
  /** The checkpoint storage config in use. */
  readonly checkpointStorage: Storage.StorageConfig
}

/**
 * Why reporting failed: the master refused a report (`MetricConflict`, `StaleRun`) or could not be reached.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Core } from "effect-determined"
 *
 * const describe = (e: Core.ReportError): string => (e._tag === "StaleRun" ? "another process took over" : e.message)
 * const flushed = Core.flush.pipe(
 *   Effect.catchTag("CoreClosed", () => Effect.void),
 *   Effect.mapError(describe)
 * )
 */
export type ReportError = Reports.CoreRequestError | Errors.MetricConflict | Errors.StaleRun

/**
 * What {@link init} can fail with.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { NodeContext } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { Core } from "effect-determined"
 *
 * const started = Effect.scoped(Effect.map(Core.init({ name: "mnist-ts" }), (core) => core.info.trialId)).pipe(
 *   Effect.catchTag("InvalidReport", (e: Core.InitError) => Effect.fail(e.message)),
 *   Effect.provide(NodeContext.layer)
 * )
 */
export type InitError =
  | Reports.CoreRequestError
  | Errors.InvalidReport
  | Errors.InvalidExperimentConfig
  | Errors.NotUnmanaged
  | Errors.UnsupportedStorage

/**
 * Checkpoints of the run, in the storage of {@link Info.checkpointStorage}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { FileSystem } from "@effect/platform"
 * import { Effect } from "effect"
 * import { Core } from "effect-determined"
 *
 * // write the weights into a fresh checkpoint directory; it is stored and reported when the write succeeds
 * const saved = Effect.gen(function*() {
 *   const checkpoints: Core.Checkpoints = yield* Core.checkpoints
 *   const fs = yield* FileSystem.FileSystem
 *   return yield* checkpoints.storePath({ steps_completed: 100 }, (dir) =>
 *     fs.writeFileString(`${dir}/weights.json`, JSON.stringify([0.1, 0.2])))
 * })
 */
export interface Checkpoints {
  /**
   * A fresh checkpoint directory for `use`: write the files into it; when `use` succeeds, `metadata.json` is
   * written, the files are stored and the checkpoint is reported. When `use` fails, nothing is reported and the
   * directory is removed. `use` runs in its own scope, closed before the checkpoint is stored. `metadata` must
   * hold `steps_completed`.
   */
  readonly storePath: <A, E, R>(
    metadata: JsonObject,
    use: (dir: string, uuid: string) => Effect.Effect<A, E, R>
  ) => Effect.Effect<
    { readonly uuid: string; readonly value: A },
    E | Errors.InvalidReport | Errors.CheckpointStorageError | Reports.CoreRequestError | Errors.CoreClosed,
    Exclude<R, Scope.Scope>
  >
  /** Store a copy of an existing directory and report it; returns the new checkpoint's uuid. */
  readonly upload: (
    dir: string,
    metadata: JsonObject
  ) => Effect.Effect<
    string,
    Errors.InvalidReport | Errors.CheckpointStorageError | Reports.CoreRequestError | Errors.CoreClosed
  >
  /** The local directory of a stored checkpoint (for `shared_fs` / `directory`: where it is stored). */
  readonly restorePath: (uuid: string) => Effect.Effect<string, Errors.CheckpointStorageError>
  /** The `metadata.json` of a stored checkpoint. */
  readonly readMetadata: (uuid: string) => Effect.Effect<JsonObject, Errors.CheckpointStorageError>
  /** Delete a checkpoint's files and mark it `DELETED` on the master. */
  readonly delete: (uuid: string) => Effect.Effect<void, Errors.CheckpointStorageError | Reports.CoreRequestError>
}

/**
 * A started run.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Core } from "effect-determined"
 *
 * const epoch = (core: Core.Service, n: number) =>
 *   Effect.gen(function*() {
 *     yield* core.reportTrainingMetrics(n * 100, { loss: 1 / n })
 *     yield* core.reportProgress(n / 10)
 *     yield* core.setStatus(`epoch ${n} of 10`)
 *   })
 */
export interface Service {
  readonly info: Info
  /** Queue a `training` report (waits while the queue is full). `batchMetrics`: one object per batch. */
  readonly reportTrainingMetrics: (
    steps: number,
    metrics: JsonObject,
    batchMetrics?: ReadonlyArray<JsonObject>
  ) => Effect.Effect<void, ReportError | Errors.InvalidReport | Errors.CoreClosed>
  /** Queue a `validation` report. */
  readonly reportValidationMetrics: (
    steps: number,
    metrics: JsonObject
  ) => Effect.Effect<void, ReportError | Errors.InvalidReport | Errors.CoreClosed>
  /** Queue a report of any group (non-empty, without `.`). */
  readonly reportMetrics: (
    group: string,
    steps: number,
    metrics: JsonObject
  ) => Effect.Effect<void, ReportError | Errors.InvalidReport | Errors.CoreClosed>
  /** Wait until every report queued so far is stored. */
  readonly flush: Effect.Effect<void, ReportError | Errors.CoreClosed>
  /** The experiment's progress, in [0, 1]. */
  readonly reportProgress: (
    progress: number
  ) => Effect.Effect<void, Reports.CoreRequestError | Errors.InvalidReport | Errors.CoreClosed>
  /** Free-text status of the run (the trial's `runnerState`). */
  readonly setStatus: (status: string) => Effect.Effect<void, Reports.CoreRequestError | Errors.CoreClosed>
  /** The run's metadata (`{}` until set). */
  readonly getMetadata: Effect.Effect<JsonObject, Reports.CoreRequestError>
  /** Replace the run's metadata wholesale (the master validates keys and sizes: `InvalidRequest`). */
  readonly setMetadata: (
    metadata: JsonObject
  ) => Effect.Effect<JsonObject, Reports.CoreRequestError | Errors.CoreClosed>
  readonly checkpoint: Checkpoints
  /** An Effect `Logger` that ships the program's log lines to the trial's logs: add it with {@link layerLogger}. */
  readonly logger: Logger.Logger<unknown, void>
}

/**
 * The run in scope (provided by {@link layer}).
 *
 * @since 0.1.0
 * @category tags
 * @example
 * import { Effect } from "effect"
 * import { Core } from "effect-determined"
 *
 * const trialId = Effect.map(Core.Core, (core) => core.info.trialId)
 */
export class Core extends Context.Tag("effect-determined/Core")<Core, Service>() {}

// ---------------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------------

const invalid = (operation: string, field: string, message: string) =>
  new Errors.InvalidReport({ operation, field, message })

const checkSteps = (operation: string, steps: number) =>
  Number.isSafeInteger(steps) && steps >= 0
    ? Effect.void
    : Effect.fail(invalid(operation, "steps", `steps must be a non-negative integer, got ${steps}`))

const checkGroup = (operation: string, group: string) =>
  group === ""
    ? Effect.fail(invalid(operation, "group", "metric group cannot be empty"))
    : group.includes(".")
    ? Effect.fail(invalid(operation, "group", `metric group cannot contain '.': ${group}`))
    : Effect.void

const checkMetrics = (operation: string, metrics: JsonObject) => {
  for (const [k, v] of Object.entries(metrics)) {
    if (v === null || v === undefined) {
      return Effect.fail(invalid(operation, `metrics.${k}`, `metric ${k} has no value (null)`))
    }
    if ((k === "epoch" || k === "epochs") && typeof v !== "number") {
      return Effect.fail(invalid(operation, `metrics.${k}`, `${k} must be a number, got ${JSON.stringify(v)}`))
    }
  }
  return Effect.void
}

// ---------------------------------------------------------------------------------------------------------------
// Wire
// ---------------------------------------------------------------------------------------------------------------

const ExperimentResponse = Schema.Struct({ experiment: Schema.Struct({ id: Schema.Number }) })
const TrialResponse = Schema.Struct({ trial: Schema.Struct({ id: Schema.Number, taskId: Schema.String }) })
const StartResponse = Schema.Struct({
  trialRunId: Schema.Number,
  stepsCompleted: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  latestCheckpoint: Schema.optional(Schema.String)
})
const PrepareResponse = Schema.Struct({ storageId: Schema.optional(Schema.Number) })
const MetadataResponse = Schema.Struct({ metadata: JsonObjectSchema })

// These convert some ServerErrors (by message) and keep the others: a boolean predicate, so the types keep
// ServerError too (a refinement would claim to remove every ServerError; eslint.config.mjs forbids it).
const serverErrorMatching = (e: unknown, pattern: RegExp): e is Errors.ServerError =>
  Errors.isHttpError(e) && e._tag === "ServerError" && pattern.test(e.message)

const asConfigError = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.catchIf(
    self,
    (e): boolean => serverErrorMatching(e, /invalid experiment configuration|failed to parse exp config/),
    (e) => Effect.fail(new Errors.InvalidExperimentConfig({ message: (e as Errors.ServerError).message }))
  )

const asNotUnmanaged = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.catchIf(
    self,
    (e): boolean => serverErrorMatching(e, /only unmanaged|can only be created on unmanaged/),
    (e) => Effect.fail(new Errors.NotUnmanaged({ message: (e as Errors.ServerError).message }))
  )

const defaultStorage = Effect.gen(function*() {
  const path = yield* Path.Path
  const xdg = yield* Config.option(Config.string("XDG_DATA_HOME"))
  const home = yield* Config.option(Config.string("HOME"))
  const base = Option.getOrElse(xdg, () =>
    Option.match(home, {
      onNone: () => path.resolve(".local", "share"),
      onSome: (h) => path.join(h, ".local", "share")
    }))
  return { type: "directory", container_path: path.join(base, "determined", "checkpoints") }
}).pipe(Effect.orElseSucceed(() => ({ type: "directory", container_path: "checkpoints" })))

const finalState = (exit: Exit.Exit<unknown, unknown>): "STATE_COMPLETED" | "STATE_ERROR" | "STATE_CANCELED" =>
  Exit.isSuccess(exit) ? "STATE_COMPLETED" : Cause.isInterruptedOnly(exit.cause) ? "STATE_CANCELED" : "STATE_ERROR"

// ---------------------------------------------------------------------------------------------------------------
// init
// ---------------------------------------------------------------------------------------------------------------

/**
 * Create or resume an unmanaged experiment and trial, start a run, and return it; the run ends when the scope
 * closes (final state from the scope's exit). Calls, in Python's order: PutExperiment (or CreateExperiment),
 * PutTrial (or CreateTrial), StartTrial, RunPrepareForReporting, PatchTrial RUNNING; then a heartbeat every
 * `heartbeatInterval`.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Effect } from "effect"
 * import { Core } from "effect-determined"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const core = yield* Core.init({ name: "mnist-ts", externalExperimentId: "mnist", externalTrialId: "lr-0.1" })
 *   for (let step = 1; step <= 100; step++) {
 *     yield* core.reportTrainingMetrics(step, { loss: 1 / step })
 *   }
 *   yield* core.reportValidationMetrics(100, { accuracy: 0.97 })
 * }))
 */
export const init = (
  options: Options = {}
): Effect.Effect<Service, InitError, DeterminedHttp | FileSystem.FileSystem | Path.Path | Scope.Scope> =>
  Effect.gen(function*() {
    if (options.externalTrialId !== undefined && options.externalExperimentId === undefined) {
      return yield* Effect.fail(
        invalid("init", "externalTrialId", "externalTrialId needs externalExperimentId (as in Python's core_v2)")
      )
    }
    if ((options.workspace === undefined) !== (options.project === undefined)) {
      return yield* Effect.fail(invalid("init", "workspace", "give both workspace and project, or neither"))
    }
    const capacity = options.queueCapacity ?? 1000
    if (!(Number.isSafeInteger(capacity) && capacity > 0)) {
      return yield* Effect.fail(invalid("init", "queueCapacity", "queueCapacity must be a positive integer"))
    }
    const storageConfig: Storage.StorageConfig = options.checkpointStorage === undefined
      ? yield* defaultStorage
      : typeof options.checkpointStorage === "string"
      ? Storage.fromShortcut(options.checkpointStorage)
      : options.checkpointStorage
    // an unsupported storage fails before anything is created on the master
    const backend = yield* Storage.backendFor(storageConfig)
    const fs = yield* FileSystem.FileSystem
    const pathService = yield* Path.Path
    const services = yield* Effect.context<DeterminedHttp | FileSystem.FileSystem | Path.Path>()
    const http = yield* DeterminedHttp
    const name = options.name ??
      (options.externalExperimentId !== undefined
        ? `unmanaged-${options.externalExperimentId}`
        : `unmanaged-${(yield* Random.nextIntBetween(0, 2 ** 32)).toString(16).padStart(8, "0")}`)
    const config: Record<string, Json> = {
      name,
      data: options.data ?? null,
      description: options.description ?? null,
      labels: options.labels === undefined ? null : [...options.labels],
      searcher: options.searcher ?? { name: "single", metric: "unmanaged" },
      workspace: options.workspace ?? null,
      project: options.project ?? null,
      checkpoint_storage: storageConfig as unknown as Json
    }
    const hparams = options.hparams ?? {}

    const start = Effect.gen(function*() {
      const createBody = { config: JSON.stringify(config), unmanaged: true }
      const experimentId = (yield* asConfigError(
        options.externalExperimentId === undefined
          ? http.json({ method: "POST", path: "/api/v1/experiments", body: createBody }, ExperimentResponse)
          : http.json({
            method: "PUT",
            path: path`/api/v1/experiments/by-external-id/${options.externalExperimentId}`,
            body: createBody
          }, ExperimentResponse)
      )).experiment.id
      const trialBody = { experimentId, hparams, unmanaged: true }
      const trial = (yield* asNotUnmanaged(
        options.externalTrialId === undefined
          ? http.json({ method: "POST", path: "/api/v1/trials", body: trialBody }, TrialResponse)
          : http.json({
            method: "PUT",
            path: "/api/v1/trials",
            body: { createTrialRequest: trialBody, externalTrialId: options.externalTrialId }
          }, TrialResponse)
      )).trial
      const trialId = trial.id
      const notFound = { resource: "trial", id: trialId }
      // a repeated StartTrial only moves the run id on: the answer of the last one is the run's
      const started = yield* asNotUnmanaged(http.json({
        method: "POST",
        path: path`/api/v1/trials/${trialId}/start`,
        body: { trialId, resume: true },
        idempotent: true,
        notFound
      }, StartResponse))
      const prepared = yield* http.json({
        method: "POST",
        path: "/api/v1/runs/start",
        body: { runId: trialId, checkpointStorage: storageConfig },
        idempotent: true,
        notFound
      }, PrepareResponse)
      yield* http.void({
        method: "PATCH",
        path: path`/api/v1/trials/${trialId}`,
        body: { trialId, state: "STATE_RUNNING" },
        idempotent: true,
        notFound
      })
      const info: Info = {
        experimentId,
        trialId,
        trialRunId: started.trialRunId,
        taskId: trial.taskId,
        stepsCompleted: started.stepsCompleted,
        latestCheckpoint: Option.fromNullable(started.latestCheckpoint),
        hparams,
        storageId: Option.fromNullable(prepared.storageId),
        checkpointStorage: storageConfig
      }
      return info
    })

    const acquire = Effect.gen(function*() {
      const info = yield* start
      const { trialId } = info
      const notFound = { resource: "trial", id: trialId }
      const reports = yield* Reports.make(trialId, info.trialRunId, capacity)
      const logs = yield* CoreLogs.make(info.taskId, options.logCapacity ?? 10_000)
      const beat = http.void({
        method: "PATCH",
        path: path`/api/v1/trials/${trialId}`,
        body: { trialId },
        idempotent: true,
        notFound
      }).pipe(
        Effect.as(true),
        Effect.catchAll((e) =>
          Log.debug("Core.heartbeat", `heartbeat of trial ${trialId} failed (${e._tag}); again in 10 s`).pipe(
            Effect.as(false)
          )
        )
      )
      const interval = Duration.decode(options.heartbeatInterval ?? Duration.seconds(60))
      // the first beat at once, then every interval; 10 s after a failed one (as Python)
      // interruptible: forked while acquiring (an uninterruptible region); stopped by the release
      const heartbeat = yield* Effect.forkDaemon(Effect.interruptible(
        Effect.repeat(
          beat,
          Schedule.identity<boolean>().pipe(Schedule.addDelay((ok) => (ok ? interval : Duration.seconds(10))))
        )
      ))
      let closed = false
      return { info, reports, logs, heartbeat, isClosed: () => closed, close: () => (closed = true) }
    })

    const release = (
      state: Effect.Effect.Success<typeof acquire>,
      exit: Exit.Exit<unknown, unknown>
    ) =>
      Effect.gen(function*() {
        const { info } = state
        // 1. every queued report reaches the master before the terminal state
        const flushed = yield* Effect.either(state.reports.reporter.flush)
        yield* Fiber.interrupt(state.reports.fiber)
        state.close()
        // 2. the heartbeat stops, 3. the final state
        yield* Fiber.interrupt(state.heartbeat)
        const final = flushed._tag === "Left" ? "STATE_ERROR" : finalState(exit)
        const patched = yield* Effect.either(http.void({
          method: "PATCH",
          path: path`/api/v1/trials/${info.trialId}`,
          body: { trialId: info.trialId, state: final },
          idempotent: true,
          notFound: { resource: "trial", id: info.trialId }
        }))
        // 4. the logs
        yield* Fiber.interrupt(state.logs.fiber)
        yield* state.logs.drain
        if (patched._tag === "Left") {
          yield* Log.warning(
            "Core.close",
            `trial ${info.trialId}: the final state ${final} could not be set (${patched.left.message}); the master ` +
              `marks it ERROR 5 minutes after the last heartbeat`
          )
        }
        if (flushed._tag === "Left") {
          // a finalizer cannot fail with a typed error: `flush` before the scope closes to handle it
          return yield* Effect.die(flushed.left)
        }
      })

    const state = yield* Effect.acquireRelease(acquire, release)
    const { info } = state
    const { trialId } = info
    const notFound = { resource: "trial", id: trialId }
    const open = (operation: string) =>
      Effect.suspend(() =>
        state.isClosed()
          ? Effect.fail(
            new Errors.CoreClosed({
              trialId,
              operation,
              message: `${operation}: the run of trial ${trialId} is closed (its scope ended)`
            })
          )
          : Effect.void
      )

    const report = (
      operation: string,
      group: string,
      steps: number,
      metrics: JsonObject,
      batch?: ReadonlyArray<JsonObject>
    ) =>
      Effect.gen(function*() {
        yield* open(operation)
        yield* checkGroup(operation, group)
        yield* checkSteps(operation, steps)
        yield* checkMetrics(operation, metrics)
        yield* state.reports.reporter.offer({
          group,
          steps,
          metrics: Reports.wireMetrics(metrics),
          batchMetrics: batch?.map(Reports.wireMetrics)
        })
      })

    const reportCheckpoint = (uuid: string, resources: Record<string, string>, metadata: JsonObject) =>
      Effect.gen(function*() {
        const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
        const request = {
          method: "POST" as const,
          path: "/api/v1/checkpoints",
          idempotent: false,
          body: {
            uuid,
            taskId: info.taskId,
            allocationId: null,
            reportTime: new Date(now).toISOString(),
            resources,
            metadata,
            training: {},
            state: "STATE_COMPLETED",
            ...Option.match(info.storageId, { onNone: () => ({}), onSome: (storageId) => ({ storageId }) })
          }
        }
        // the uuid is ours: after an ambiguous failure, the checkpoint exists or it is sent again
        const exists = http.void({
          method: "GET",
          path: path`/api/v1/checkpoints/${uuid}`,
          notFound: { resource: "checkpoint", id: uuid }
        }).pipe(
          Effect.as(true),
          Effect.catchTag("NotFound", () => Effect.succeed(false))
        )
        yield* http.void(request).pipe(
          Effect.catchIf(
            Reports.isAmbiguous,
            () => Effect.flatMap(exists, (found) => found ? Effect.void : http.void({ ...request, idempotent: true }))
          )
        )
      })

    const checkMetadata = (operation: string, metadata: JsonObject) =>
      typeof metadata.steps_completed === "number"
        ? Effect.void
        : Effect.fail(invalid(operation, "metadata.steps_completed", "checkpoint metadata needs steps_completed"))

    // a v4 uuid from Effect's Random (the client names checkpoints, as Python's uuid4)
    const newUuid = Effect.map(
      Effect.all(Array.from({ length: 16 }, () => Random.nextIntBetween(0, 256))),
      (bytes) => {
        bytes[6] = (bytes[6]! & 0x0f) | 0x40
        bytes[8] = (bytes[8]! & 0x3f) | 0x80
        const hex = bytes.map((b) => b.toString(16).padStart(2, "0")).join("")
        return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
      }
    )

    const checkpoint: Checkpoints = {
      storePath: <A, E, R>(metadata: JsonObject, use: (dir: string, uuid: string) => Effect.Effect<A, E, R>) =>
        Effect.gen(function*() {
          yield* open("checkpoint.storePath")
          yield* checkMetadata("checkpoint.storePath", metadata)
          const uuid = yield* newUuid
          const dir = yield* backend.directory(uuid)
          const value = yield* Effect.scoped(use(dir, uuid)).pipe(
            Effect.onError(() => Effect.ignore(backend.remove(uuid)))
          )
          const resources = yield* Storage.finishDirectory(dir, metadata, uuid)
          yield* backend.store(uuid, dir)
          yield* reportCheckpoint(uuid, resources, metadata)
          return { uuid, value }
        }).pipe(Effect.provide(services)) as Effect.Effect<
          { readonly uuid: string; readonly value: A },
          E | Errors.InvalidReport | Errors.CheckpointStorageError | Reports.CoreRequestError | Errors.CoreClosed,
          Exclude<R, Scope.Scope>
        >,
      upload: (dir, metadata) =>
        Effect.gen(function*() {
          yield* open("checkpoint.upload")
          yield* checkMetadata("checkpoint.upload", metadata)
          yield* Storage.requireDirectory(dir)
          const uuid = yield* newUuid
          const target = yield* backend.directory(uuid)
          yield* fs.copy(dir, target, { overwrite: true }).pipe(
            Effect.mapError((e) => new Errors.CheckpointStorageError({ uuid, path: target, message: e.message }))
          )
          const resources = yield* Storage.finishDirectory(target, metadata, uuid)
          yield* backend.store(uuid, target)
          yield* reportCheckpoint(uuid, resources, metadata)
          return uuid
        }).pipe(Effect.provide(services)),
      restorePath: backend.restorePath,
      readMetadata: (uuid) =>
        Effect.gen(function*() {
          const dir = yield* backend.restorePath(uuid)
          const file = pathService.join(dir, "metadata.json")
          const text = yield* fs.readFileString(file).pipe(
            Effect.mapError((e) => new Errors.CheckpointStorageError({ uuid, path: file, message: e.message }))
          )
          return yield* Effect.try({
            try: () => JSON.parse(text) as JsonObject,
            catch: () => new Errors.CheckpointStorageError({ uuid, path: file, message: "metadata.json is not JSON" })
          })
        }),
      delete: (uuid) =>
        Effect.gen(function*() {
          yield* backend.remove(uuid)
          yield* http.void({
            method: "PATCH",
            path: "/api/v1/checkpoints",
            body: { checkpoints: [{ uuid, resources: { resources: {} } }] },
            idempotent: true,
            notFound: { resource: "checkpoint", id: uuid }
          })
        })
    }

    const service: Service = {
      info,
      reportTrainingMetrics: (steps, metrics, batchMetrics) =>
        report("reportTrainingMetrics", "training", steps, metrics, batchMetrics),
      reportValidationMetrics: (steps, metrics) => report("reportValidationMetrics", "validation", steps, metrics),
      reportMetrics: (group, steps, metrics) => report("reportMetrics", group, steps, metrics),
      flush: Effect.zipRight(open("flush"), state.reports.reporter.flush),
      reportProgress: (progress) =>
        Effect.gen(function*() {
          yield* open("reportProgress")
          if (!(progress >= 0 && progress <= 1)) {
            return yield* Effect.fail(
              invalid("reportProgress", "progress", `progress must be in [0, 1], got ${progress}`)
            )
          }
          yield* http.void({
            method: "POST",
            path: path`/api/v1/trials/${trialId}/progress`,
            body: { trialId, progress, isRaw: true },
            idempotent: true,
            notFound
          })
        }),
      setStatus: (status) =>
        Effect.zipRight(
          open("setStatus"),
          http.void({
            method: "POST",
            path: path`/api/v1/trials/${trialId}/runner/metadata`,
            body: { state: status },
            idempotent: true,
            notFound
          })
        ),
      getMetadata: http.json(
        { method: "GET", path: path`/api/v1/runs/${trialId}/metadata`, notFound },
        MetadataResponse
      )
        .pipe(Effect.map((r) => r.metadata)),
      setMetadata: (metadata) =>
        Effect.zipRight(
          open("setMetadata"),
          http.json({
            method: "POST",
            path: path`/api/v1/runs/${trialId}/metadata`,
            body: { runId: trialId, metadata },
            idempotent: true,
            notFound
          }, MetadataResponse).pipe(Effect.map((r) => r.metadata))
        ),
      checkpoint,
      logger: state.logs.logger
    }
    return service
  }).pipe(Effect.withSpan("Core.init"))

/**
 * The run as a layer: {@link init} in the layer's scope, so the run ends when the program the layer is provided
 * to ends, with that program's exit.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Effect } from "effect"
 * import { Core } from "effect-determined"
 *
 * const train = Effect.gen(function*() {
 *   yield* Core.reportTrainingMetrics(1, { loss: 0.9 })
 * }).pipe(Effect.provide(Core.layer({ externalExperimentId: "nightly", externalTrialId: "eval" })))
 */
export const layer = (
  options: Options = {}
): Layer.Layer<Core, InitError, DeterminedHttp | FileSystem.FileSystem | Path.Path> => Layer.scoped(Core, init(options))

/**
 * The run's log shipper as the program's extra logger: every log line of the program becomes a trial log line
 * too (`Trial.logs`).
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Effect, Layer } from "effect"
 * import { Core } from "effect-determined"
 *
 * const logged = Effect.log("epoch 1 done").pipe(Effect.provide(Core.layerLogger))
 */
export const layerLogger: Layer.Layer<never, never, Core> = Layer.unwrapEffect(
  Effect.map(Core, (core) => Logger.add(core.logger))
)

/**
 * Replace the storage drivers (for example to add an `s3` driver beside {@link localDriver}).
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Core } from "effect-determined"
 *
 * const onlyLocal = Core.layerStorageDrivers([Core.localDriver])
 */
export const layerStorageDrivers = (drivers: ReadonlyArray<Storage.StorageDriver>): Layer.Layer<never> =>
  Layer.succeed(Storage.StorageDrivers, drivers) as unknown as Layer.Layer<never>

/**
 * {@link Service.reportTrainingMetrics} of the run in context.
 *
 * @since 0.1.0
 * @category reporting
 * @example
 * import { Core } from "effect-determined"
 *
 * const step = Core.reportTrainingMetrics(100, { loss: 0.25 })
 */
export const reportTrainingMetrics = (steps: number, metrics: JsonObject, batchMetrics?: ReadonlyArray<JsonObject>) =>
  Effect.flatMap(Core, (core) => core.reportTrainingMetrics(steps, metrics, batchMetrics))

/**
 * {@link Service.reportValidationMetrics} of the run in context.
 *
 * @since 0.1.0
 * @category reporting
 * @example
 * import { Core } from "effect-determined"
 *
 * const validated = Core.reportValidationMetrics(100, { accuracy: 0.91 })
 */
export const reportValidationMetrics = (steps: number, metrics: JsonObject) =>
  Effect.flatMap(Core, (core) => core.reportValidationMetrics(steps, metrics))

/**
 * {@link Service.reportMetrics} of the run in context.
 *
 * @since 0.1.0
 * @category reporting
 * @example
 * import { Core } from "effect-determined"
 *
 * const inference = Core.reportMetrics("inference", 100, { latency_ms: 12 })
 */
export const reportMetrics = (group: string, steps: number, metrics: JsonObject) =>
  Effect.flatMap(Core, (core) => core.reportMetrics(group, steps, metrics))

/**
 * {@link Service.reportProgress} of the run in context.
 *
 * @since 0.1.0
 * @category reporting
 * @example
 * import { Core } from "effect-determined"
 *
 * const half = Core.reportProgress(0.5)
 */
export const reportProgress = (progress: number) => Effect.flatMap(Core, (core) => core.reportProgress(progress))

/**
 * {@link Service.setStatus} of the run in context.
 *
 * @since 0.1.0
 * @category reporting
 * @example
 * import { Core } from "effect-determined"
 *
 * const status = Core.setStatus("evaluating")
 */
export const setStatus = (status: string) => Effect.flatMap(Core, (core) => core.setStatus(status))

/**
 * {@link Service.flush} of the run in context.
 *
 * @since 0.1.0
 * @category reporting
 * @example
 * import { Core } from "effect-determined"
 *
 * const delivered = Core.flush
 */
export const flush = Effect.flatMap(Core, (core) => core.flush)

/**
 * {@link Service.getMetadata} of the run in context.
 *
 * @since 0.1.0
 * @category metadata
 * @example
 * import { Core } from "effect-determined"
 *
 * const metadata = Core.getMetadata
 */
export const getMetadata = Effect.flatMap(Core, (core) => core.getMetadata)

/**
 * {@link Service.setMetadata} of the run in context.
 *
 * @since 0.1.0
 * @category metadata
 * @example
 * import { Core } from "effect-determined"
 *
 * const tagged = Core.setMetadata({ dataset: "v3" })
 */
export const setMetadata = (metadata: JsonObject) => Effect.flatMap(Core, (core) => core.setMetadata(metadata))

/**
 * The run in context's checkpoints.
 *
 * @since 0.1.0
 * @category checkpoints
 * @example
 * import { Effect } from "effect"
 * import { Core } from "effect-determined"
 *
 * const uuid = Effect.flatMap(Core.checkpoints, (c) => c.upload("./model", { steps_completed: 100 }))
 */
export const checkpoints = Effect.map(Core, (core) => core.checkpoint)
