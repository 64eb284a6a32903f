/**
 * Checkpoints: get, reload, edit metadata, delete, remove files.
 *
 * Every operation takes the checkpoint uuid. `get` reads through the `ResourceCache`, `reload` always fetches.
 * Metadata edits read the checkpoint fresh from the master, change it and write the whole dict back (the master
 * replaces metadata wholesale), then store the checkpoint the master answers with. Unlike upstream, a checkpoint
 * you never fetched does not lose its server metadata (upstream quirk: `add_metadata` on a directly-built
 * `Checkpoint` overwrote it), and a stale cached copy never overwrites keys someone else added since.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Errors from "../DeterminedError.js"
import { DeterminedHttp, path } from "../services/DeterminedHttp.js"
import * as Descriptors from "./internal/descriptors.js"
import type * as Models from "./internal/models/checkpoint.js"
import * as Fast from "./internal/models/fast.js"
import type * as Resource from "./internal/resource.js"
import type * as Wire from "./internal/wire.js"

export {
  /**
   * A checkpoint as the master describes it: uuid, state, files and their sizes (`resources`, `size`), user
   * metadata, and where it came from (`training`).
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Checkpoint } from "effect-determined"
   *
   * const described = Checkpoint.get("2db6eed3-c86e-4720-876d-eae2af9a1aca").pipe(
   *   Effect.map((checkpoint: Checkpoint.Checkpoint) => ({
   *     state: checkpoint.state,
   *     megabytes: checkpoint.size / 1e6,
   *     steps: checkpoint.metadata["steps_completed"],
   *     trialId: checkpoint.trialId
   *   }))
   * )
   */
  Checkpoint,
  /**
   * The fixed orders of checkpoint lists, as a type and as upstream's enum (`CheckpointSortBy.BATCH_NUMBER`); a
   * metric name sorts by that metric.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Checkpoint, Experiment } from "effect-determined"
   *
   * const byBatch = Experiment.listCheckpoints(7, { sortBy: Checkpoint.CheckpointSortBy.BATCH_NUMBER, orderBy: "desc" })
   */
  CheckpointSortBy,
  /**
   * The training side of a checkpoint: its trial and experiment, their config and hyperparameters, and the metrics
   * reported at its step.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Checkpoint } from "effect-determined"
   *
   * const hparams = Checkpoint.get("2db6eed3-c86e-4720-876d-eae2af9a1aca").pipe(
   *   Effect.map((checkpoint) => (checkpoint.training satisfies Checkpoint.CheckpointTraining | null)?.hparams ?? null)
   * )
   */
  CheckpointTraining,
  /**
   * The metrics reported at a checkpoint's step: the averages and the per-batch values.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Checkpoint } from "effect-determined"
   *
   * const validationAtCheckpoint = Checkpoint.get("2db6eed3-c86e-4720-876d-eae2af9a1aca").pipe(
   *   Effect.map((checkpoint) => {
   *     const record: Checkpoint.MetricsRecord | null = checkpoint.training?.validationMetrics ?? null
   *     return record?.avgMetrics ?? null
   *   })
   * )
   */
  MetricsRecord
} from "./internal/models/checkpoint.js"

export type {
  /**
   * A checkpoint's state, without the `STATE_` prefix.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Checkpoint, Experiment } from "effect-determined"
   *
   * const states: ReadonlyArray<Checkpoint.CheckpointState> = ["COMPLETED", "PARTIALLY_DELETED"]
   * const downloadable = Experiment.listCheckpoints(7, { states })
   */
  CheckpointState
} from "./internal/models/checkpoint.js"

export type {
  /**
   * What a checkpoint list sorts by: a fixed order, `{ metric }`, or a metric name.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Checkpoint, Experiment } from "effect-determined"
   *
   * const sortBy: Checkpoint.CheckpointSort = { metric: "accuracy" }
   * const mostAccurate = Experiment.listCheckpoints(7, { sortBy, orderBy: "desc", maxResults: 1 })
   */
  CheckpointSort,
  /**
   * Options of the checkpoint lists of experiments and trials: a limit, states, and `sortBy` with `orderBy`.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Checkpoint, Experiment } from "effect-determined"
   *
   * const options: Checkpoint.ListCheckpointsOptions = { sortBy: "SEARCHER_METRIC", orderBy: "asc", limit: 5 }
   * const top5 = Experiment.listCheckpoints(7, options)
   */
  ListCheckpointsOptions
} from "./internal/checkpointList.js"

type Checkpoint = Models.Checkpoint

const notFound = (uuid: string) => ({ resource: "checkpoint", id: uuid })

const resource = Descriptors.checkpoint

const fetch = resource.fetch

/**
 * What reading one checkpoint can fail with: any request's errors, and `NotFound`.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Checkpoint } from "effect-determined"
 *
 * const describe = (e: Checkpoint.GetError): string => (e._tag === "NotFound" ? `no checkpoint ${e.id}` : e.message)
 * const state = Checkpoint.get("2db6eed3-c86e-4720-876d-eae2af9a1aca").pipe(
 *   Effect.map((checkpoint) => checkpoint.state),
 *   Effect.mapError(describe)
 * )
 */
export type GetError = Errors.RequestError | Errors.NotFound

/**
 * A checkpoint by uuid, from the cache when it holds one.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Checkpoint } from "effect-determined"
 *
 * const steps = Checkpoint.get("2db6eed3-c86e-4720-876d-eae2af9a1aca").pipe(
 *   Effect.map((c) => c.metadata["steps_completed"])
 * )
 */
export const get: (uuid: string) => Effect.Effect<Checkpoint, GetError, Resource.Requires> = resource.get

/**
 * Fetch a checkpoint again, store it in the cache and return it.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Checkpoint } from "effect-determined"
 *
 * const state = Checkpoint.reload("2db6eed3-c86e-4720-876d-eae2af9a1aca").pipe(Effect.map((c) => c.state))
 */
export const reload: (uuid: string) => Effect.Effect<Checkpoint, GetError, Resource.Requires> = resource.reload

const writeMetadata = (uuid: string, metadata: Wire.JsonObject) =>
  Effect.gen(function*() {
    const http = yield* DeterminedHttp
    const r = yield* http.json(
      {
        method: "POST",
        path: path`/api/v1/checkpoints/${uuid}/metadata`,
        // the body upstream sends; the master only reads uuid and metadata
        body: { checkpoint: { uuid, metadata, resources: {}, training: {}, state: "STATE_UNSPECIFIED" } },
        // replacing metadata with the same dict twice gives the same result
        idempotent: true,
        notFound: notFound(uuid)
      },
      Fast.CheckpointResponse
    )
    return yield* resource.store(r.checkpoint)
  })

/**
 * Merge keys into a checkpoint's metadata (top level; a key given here replaces the key there). Reads the
 * checkpoint fresh, writes the merged dict, stores and returns the updated checkpoint. The master has no
 * compare-and-set, so two writers racing between the read and the write can still lose one's keys.
 *
 * @since 0.1.0
 * @category setters
 * @example
 * import { Checkpoint } from "effect-determined"
 *
 * const tagged = Checkpoint.addMetadata("2db6eed3-c86e-4720-876d-eae2af9a1aca", { promoted: true })
 */
export const addMetadata = Effect.fn("Checkpoint.addMetadata")(function*(uuid: string, metadata: Wire.JsonObject) {
  yield* Effect.annotateCurrentSpan("determined.checkpoint.uuid", uuid)
  const current = yield* fetch(uuid)
  return yield* writeMetadata(uuid, { ...current.metadata, ...metadata })
})

/**
 * Remove top-level keys from a checkpoint's metadata. Reads the checkpoint fresh, writes the pruned dict,
 * stores and returns the updated checkpoint. Keys that are not there are ignored.
 *
 * @since 0.1.0
 * @category setters
 * @example
 * import { Checkpoint } from "effect-determined"
 *
 * const untagged = Checkpoint.removeMetadata("2db6eed3-c86e-4720-876d-eae2af9a1aca", ["promoted"])
 */
export const removeMetadata = Effect.fn("Checkpoint.removeMetadata")(function*(
  uuid: string,
  keys: ReadonlyArray<string>
) {
  yield* Effect.annotateCurrentSpan("determined.checkpoint.uuid", uuid)
  const current = yield* fetch(uuid)
  const drop = new Set(keys)
  const pruned: Record<string, Wire.Json> = {}
  for (const [key, value] of Object.entries(current.metadata)) if (!drop.has(key)) pruned[key] = value
  return yield* writeMetadata(uuid, pruned)
})

const del = Effect.fn("Checkpoint.delete")(function*(uuid: string) {
  yield* Effect.annotateCurrentSpan("determined.checkpoint.uuid", uuid)
  const http = yield* DeterminedHttp
  yield* http.void({
    method: "DELETE",
    path: "/api/v1/checkpoints",
    body: { checkpointUuids: [uuid] },
    notFound: notFound(uuid)
  })
  // its trial, experiment and the model versions that register it go stale with it (kinds.ts)
  yield* resource.stale(uuid)
})

export {
  /**
   * Delete a checkpoint's files and mark it deleted. Asynchronous on the master (a garbage collection task
   * later moves it to `DELETED`); drops the cached entry. Checkpoints registered as model versions cannot be
   * deleted (`InvalidRequest`).
   *
   * @since 0.1.0
   * @category control
   * @example
   * import { Checkpoint } from "effect-determined"
   *
   * const gone = Checkpoint.delete("2db6eed3-c86e-4720-876d-eae2af9a1aca")
   */
  del as delete
}

/**
 * Delete the files of a checkpoint that match any of the glob patterns (as upstream's `remove_files`;
 * `["**\/*.pth"]`, `["optimizer/*"]`). Asynchronous on the master: afterwards the checkpoint's `resources` lose
 * those files and its state becomes `PARTIALLY_DELETED` (or `DELETED` when nothing is left). An empty list only
 * refreshes `resources` from storage. Drops the cached entry.
 *
 * @since 0.1.0
 * @category control
 * @example
 * import { Checkpoint } from "effect-determined"
 *
 * const slimmer = Checkpoint.removeFiles("2db6eed3-c86e-4720-876d-eae2af9a1aca", ["optimizer*"])
 */
export const removeFiles = Effect.fn("Checkpoint.removeFiles")(function*(
  uuid: string,
  globs: ReadonlyArray<string>
) {
  yield* Effect.annotateCurrentSpan("determined.checkpoint.uuid", uuid)
  const http = yield* DeterminedHttp
  yield* http.void({
    method: "POST",
    path: "/api/v1/checkpoints/rm",
    body: { checkpointGlobs: [...globs], checkpointUuids: [uuid] },
    idempotent: true,
    notFound: notFound(uuid)
  })
  yield* resource.stale(uuid)
})

/**
 * The Pachyderm commit the checkpoint's experiment trained on (`integrations.pachyderm.dataset.commit` of the
 * experiment config in `training`), if any (upstream's `get_pachyderm_commit`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Checkpoint } from "effect-determined"
 *
 * const commit = Checkpoint.pachydermCommit("2db6eed3-c86e-4720-876d-eae2af9a1aca")
 */
export const pachydermCommit = Effect.fn("Checkpoint.pachydermCommit")(function*(uuid: string) {
  yield* Effect.annotateCurrentSpan("determined.checkpoint.uuid", uuid)
  const checkpoint = yield* get(uuid)
  let node: Wire.Json | undefined = checkpoint.training?.experimentConfig ?? null
  for (const key of ["integrations", "pachyderm", "dataset", "commit"]) {
    node = typeof node === "object" && node !== null && !Array.isArray(node)
      ? (node as Wire.JsonObject)[key]
      : undefined
  }
  return typeof node === "string" ? Option.some(node) : Option.none()
})

// metrics of the trials that used the checkpoint (src/resources/internal/metrics.ts)
export {
  /**
   * The metric reports of the trials that used a checkpoint (inference or fine-tuning runs linked to it), all
   * groups or one.
   *
   * @since 0.1.0
   * @category metrics
   * @example
   * import { Effect } from "effect"
   * import { Checkpoint } from "effect-determined"
   *
   * const inference = Checkpoint.metrics("2db6eed3-c86e-4720-876d-eae2af9a1aca", { group: "inference" }).pipe(
   *   Effect.map((reports) => reports.map((report) => report.metrics))
   * )
   */
  checkpointMetrics as metrics,
  /**
   * Options of `metrics`: one group, and which link between the trials and the checkpoint (`INFERENCE` by
   * default, or `FINE_TUNING`).
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Checkpoint } from "effect-determined"
   *
   * const options: Checkpoint.MetricsOptions = { sourceType: "FINE_TUNING", group: "validation" }
   * const fineTuned = Checkpoint.metrics("2db6eed3-c86e-4720-876d-eae2af9a1aca", options)
   */
  type SourceMetricsOptions as MetricsOptions
} from "./internal/metrics.js"

// download through the master (src/resources/internal/checkpointDownload.ts)
export {
  /**
   * Download a checkpoint through the master into `outputDir` (default `checkpoints/<uuid>`, as upstream) and
   * return its absolute path. Skips the download when the directory already holds a checkpoint
   * (`metadata.json` or `MLmodel`), and writes `metadata.json` when it is missing, as upstream. The checkpoint
   * must be `COMPLETED` or `PARTIALLY_DELETED` and come from a trial (`CheckpointNotDownloadable`).
   *
   * @since 0.1.0
   * @category operations
   * @example
   * import { Effect } from "effect"
   * import { Checkpoint, Experiment } from "effect-determined"
   *
   * const best = Experiment.listCheckpoints(7, { sortBy: "validation_loss", orderBy: "asc", maxResults: 1 }).pipe(
   *   Effect.flatMap(([top]) => Checkpoint.download(top!.uuid, "./best"))
   * )
   */
  download,
  /**
   * Options of {@link download}.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { NodeContext } from "@effect/platform-node"
   * import { Effect } from "effect"
   * import { Checkpoint } from "effect-determined"
   *
   * // refuse archives over 2 GB or 10,000 files
   * const options: Checkpoint.DownloadOptions = { maxBytes: 2e9, maxEntries: 10_000 }
   * const dir = Checkpoint.download("2db6eed3-c86e-4720-876d-eae2af9a1aca", "./best", options).pipe(
   *   Effect.provide(NodeContext.layer)
   * )
   */
  type DownloadOptions
} from "./internal/checkpointDownload.js"
