/**
 * `Checkpoint.download`: upstream's MASTER download mode. The master streams the checkpoint's files as a
 * tar.gz from `GET /checkpoints/{uuid}` (an echo route outside `/api/v1`) when asked with
 * `Accept: application/gzip`; the body is extracted while it arrives, safely and atomically, and
 * `metadata.json` is written from the checkpoint's metadata as upstream (`json.dump(metadata, indent=2)`).
 *
 * @internal
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Errors from "../../DeterminedError.js"
import { DeterminedHttp, path as urlPath } from "../../services/DeterminedHttp.js"
import * as Archive from "./archive.js"
import * as Descriptors from "./descriptors.js"
import type * as Wire from "./wire.js"

/** Documented where it is exported: `Checkpoint.DownloadOptions`. @internal */
export interface DownloadOptions extends Archive.ExtractOptions {}

const downloadable = new Set(["COMPLETED", "PARTIALLY_DELETED"])

const fetchCheckpoint = (uuid: string, refresh: boolean) =>
  refresh ? Descriptors.checkpoint.reload(uuid) : Descriptors.checkpoint.get(uuid)

/**
 * `json.dumps(value, indent=2)` of Python: two-space indentation, `", "`/`": "` separators as
 * `JSON.stringify` writes them with an indent, and non-ASCII escaped as `\uXXXX` (`ensure_ascii`).
 *
 * @internal
 */
export const pythonJsonDump = (value: Wire.Json): string =>
  JSON.stringify(value, null, 2).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`
  )

/** Documented where it is exported: `Checkpoint.download`. @internal */
export const download = Effect.fn("Checkpoint.download")(function*(
  uuid: string,
  outputDir?: string,
  options: DownloadOptions = {}
) {
  yield* Effect.annotateCurrentSpan("determined.checkpoint.uuid", uuid)
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const target = path.resolve(outputDir ?? path.join("checkpoints", uuid))

  let checkpoint = yield* fetchCheckpoint(uuid, false)
  // a cached snapshot may predate completion: look again once before refusing
  if (!downloadable.has(checkpoint.state)) checkpoint = yield* fetchCheckpoint(uuid, true)
  if (!downloadable.has(checkpoint.state)) {
    return yield* new Errors.CheckpointNotDownloadable({
      uuid,
      state: checkpoint.state,
      message:
        `only COMPLETED or PARTIALLY_DELETED checkpoints can be downloaded; checkpoint ${uuid} is ${checkpoint.state}`
    })
  }
  const writeFailed = (message: string) => new Errors.OutputDirError({ path: target, reason: "WriteFailed", message })
  const metadataText = yield* Effect.try({
    try: () => pythonJsonDump(checkpoint.metadata),
    // metadata nested too deeply for the stack (it parsed and decoded, JSON.stringify recurses)
    catch: () =>
      new Errors.DecodeError({
        method: "GET",
        path: urlPath`/api/v1/checkpoints/${uuid}`,
        status: 200,
        field: "checkpoint.metadata",
        message: "unexpected response at checkpoint.metadata: JSON nested too deeply to write metadata.json"
      })
  })
  const writeMetadataIfMissing = (directory: string) =>
    Effect.gen(function*() {
      const file = path.join(directory, "metadata.json")
      if (yield* fs.exists(file).pipe(Effect.orElseSucceed(() => false))) return
      yield* fs.writeFileString(file, metadataText).pipe(Effect.mapError((e) => writeFailed(e.message)))
    })

  const present = yield* Effect.forEach(
    ["metadata.json", "MLmodel"],
    (name) => fs.exists(path.join(target, name)).pipe(Effect.orElseSucceed(() => false))
  )
  if (present.some((p) => p)) {
    yield* writeMetadataIfMissing(target)
    return target
  }
  if (checkpoint.training === null) {
    return yield* new Errors.CheckpointNotDownloadable({
      uuid,
      state: checkpoint.state,
      message: `checkpoint ${uuid} does not come from a trial; non-training checkpoints cannot be downloaded`
    })
  }

  const http = yield* DeterminedHttp
  const request = {
    method: "GET" as const,
    path: urlPath`/checkpoints/${uuid}`,
    accept: "application/gzip",
    notFound: { resource: "checkpoint", id: uuid }
  }
  return yield* Archive.extract(http.bytes(request), target, options, writeMetadataIfMissing)
})
