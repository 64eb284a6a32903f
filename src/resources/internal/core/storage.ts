/**
 * Checkpoint storage of the Core API: the config a program gives (a path, a `file://`, `s3://` or `gs://` URL, or
 * a config object as in an experiment's `checkpoint_storage`), the drivers that store files for a type, and the
 * `shared_fs` / `directory` driver on `@effect/platform`'s `FileSystem`: a checkpoint is the directory
 * `<base>/<uuid>` holding the files and a `metadata.json`, where `<base>` is `host_path` joined with
 * `storage_path` (shared_fs) or `container_path` (directory).
 *
 * @internal
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Errors from "../../../DeterminedError.js"
import type { JsonObject } from "../wire.js"

/**
 * A checkpoint storage config, as in an experiment config's `checkpoint_storage` (`type` plus the type's
 * fields, snake_case as the master stores them).
 *
 * @since 0.1.0
 * @category models
 */
export interface StorageConfig {
  readonly type: string
  readonly [field: string]: unknown
}

/**
 * Where a driver keeps checkpoints. Paths are local: `directory` returns where files may be written before they
 * are stored, `store` makes them the checkpoint (a local driver writes in place, a remote one would upload).
 *
 * @since 0.1.0
 * @category models
 */
export interface StorageBackend {
  /** The storage config type this backend serves, e.g. `shared_fs`. */
  readonly type: string
  /** A fresh local directory to write the checkpoint's files into. */
  readonly directory: (uuid: string) => Effect.Effect<string, Errors.CheckpointStorageError>
  /** Make the files in `dir` the checkpoint `uuid` (after `directory(uuid)` they are already there locally). */
  readonly store: (uuid: string, dir: string) => Effect.Effect<void, Errors.CheckpointStorageError>
  /** A local directory holding the checkpoint's files (for a local storage: the stored directory itself). */
  readonly restorePath: (uuid: string) => Effect.Effect<string, Errors.CheckpointStorageError>
  /** Delete the checkpoint's files. */
  readonly remove: (uuid: string) => Effect.Effect<void, Errors.CheckpointStorageError>
}

/**
 * A driver: builds the backend of a storage config of one of its `types`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StorageDriver {
  readonly types: ReadonlyArray<string>
  readonly make: (
    config: StorageConfig
  ) => Effect.Effect<StorageBackend, Errors.UnsupportedStorage, FileSystem.FileSystem | Path.Path>
}

const fsError = (path: string, uuid?: string) => (e: { readonly message: string }) =>
  new Errors.CheckpointStorageError({ path, message: e.message, ...(uuid === undefined ? {} : { uuid }) })

const str = (v: unknown): string | undefined => typeof v === "string" && v !== "" ? v : undefined

const unsupported = (type: string, why: string) =>
  new Errors.UnsupportedStorage({
    storageType: type,
    supported: ["shared_fs", "directory"],
    message: why
  })

/**
 * The local driver: `shared_fs` (`host_path` + optional `storage_path`) and `directory` (`container_path`).
 *
 * @since 0.1.0
 * @category drivers
 */
export const localDriver: StorageDriver = {
  types: ["shared_fs", "directory"],
  make: (config) =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      let base: string
      if (config.type === "directory") {
        const p = str(config.container_path)
        if (p === undefined) {
          return yield* Effect.fail(unsupported("directory", "directory storage needs container_path"))
        }
        base = p
      } else {
        const host = str(config.host_path)
        if (host === undefined) return yield* Effect.fail(unsupported("shared_fs", "shared_fs storage needs host_path"))
        const sp = str(config.storage_path)
        base = sp === undefined ? host : path.isAbsolute(sp) ? sp : path.join(host, sp)
      }
      base = path.resolve(base)
      const dirOf = (uuid: string) => path.join(base, uuid)
      const backend: StorageBackend = {
        type: config.type,
        directory: (uuid) =>
          fs.makeDirectory(dirOf(uuid), { recursive: true }).pipe(
            Effect.as(dirOf(uuid)),
            Effect.mapError(fsError(dirOf(uuid), uuid))
          ),
        store: (uuid, dir) =>
          dir === dirOf(uuid)
            ? Effect.void
            : fs.copy(dir, dirOf(uuid), { overwrite: true }).pipe(Effect.mapError(fsError(dirOf(uuid), uuid))),
        restorePath: (uuid) =>
          fs.exists(dirOf(uuid)).pipe(
            Effect.mapError(fsError(dirOf(uuid), uuid)),
            Effect.filterOrFail(
              (exists) => exists,
              () =>
                new Errors.CheckpointStorageError({
                  uuid,
                  path: dirOf(uuid),
                  message: `checkpoint ${uuid} is not in the storage at ${base}`
                })
            ),
            Effect.as(dirOf(uuid))
          ),
        remove: (uuid) =>
          fs.remove(dirOf(uuid), { recursive: true, force: true }).pipe(Effect.mapError(fsError(dirOf(uuid), uuid)))
      }
      return backend
    })
}

/**
 * The storage drivers in use: {@link localDriver} unless a program provides more.
 *
 * @since 0.1.0
 * @category tags
 */
export class StorageDrivers extends Context.Reference<StorageDrivers>()("effect-determined/Core/StorageDrivers", {
  defaultValue: (): ReadonlyArray<StorageDriver> => [localDriver]
}) {}

/**
 * The storage config of a shortcut string, as Python's `_shortcut_to_config` off-cluster: a path or `file://`
 * URL is a `directory` storage, `s3://bucket/prefix` and `gs://bucket/prefix` the cloud types.
 *
 * @internal
 */
export const fromShortcut = (s: string): StorageConfig => {
  const cloud = /^(s3|gs):\/\/([^/]+)\/?(.*)$/.exec(s)
  if (cloud !== null) {
    return { type: cloud[1] === "s3" ? "s3" : "gcs", bucket: cloud[2]!, prefix: cloud[3] === "" ? null : cloud[3]! }
  }
  return { type: "directory", container_path: s.startsWith("file://") ? s.slice("file://".length) : s }
}

/** The backend of a config, or `UnsupportedStorage` naming the type. @internal */
export const backendFor = (config: StorageConfig) =>
  Effect.flatMap(StorageDrivers, (drivers) => {
    const driver = drivers.find((d) => d.types.includes(config.type))
    if (driver === undefined) {
      return Effect.fail(
        new Errors.UnsupportedStorage({
          storageType: config.type,
          supported: drivers.flatMap((d) => d.types),
          message: `no driver for checkpoint storage type ${JSON.stringify(config.type)}: the SDK stores ` +
            `${drivers.flatMap((d) => d.types).join(", ")}; add a driver with Core.layerStorageDrivers`
        })
      )
    }
    return driver.make(config)
  })

/**
 * Writes `metadata.json` into `dir` and lists the directory as the master's `resources` map: every file with
 * its size, every directory as `"sub/": "0"`, paths relative to `dir`.
 *
 * @internal
 */
export const finishDirectory = (dir: string, metadata: JsonObject, uuid: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const metadataPath = path.join(dir, "metadata.json")
    yield* fs.writeFileString(metadataPath, JSON.stringify(metadata, null, 2)).pipe(
      Effect.mapError(fsError(metadataPath, uuid))
    )
    const entries = yield* fs.readDirectory(dir, { recursive: true }).pipe(Effect.mapError(fsError(dir, uuid)))
    const resources: Record<string, string> = {}
    for (const entry of [...entries].sort()) {
      const full = path.join(dir, entry)
      const info = yield* fs.stat(full).pipe(Effect.mapError(fsError(full, uuid)))
      const rel = entry.split(path.sep).join("/")
      if (info.type === "Directory") resources[`${rel}/`] = "0"
      else resources[rel] = String(info.size)
    }
    return resources
  })

/** Is `dir` an existing directory? Else a storage error naming it. @internal */
export const requireDirectory = (dir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const info = yield* fs.stat(dir).pipe(Effect.mapError(fsError(dir)))
    if (info.type !== "Directory") {
      return yield* Effect.fail(new Errors.CheckpointStorageError({ path: dir, message: `${dir} is not a directory` }))
    }
  })
