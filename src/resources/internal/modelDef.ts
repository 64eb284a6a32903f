/**
 * Packing a model directory into the master's `modelDefinition`, exactly as upstream's
 * `determined.common.context.read_v1_context` does: one `util.v1.File` per file and directory (the root itself
 * is not emitted), POSIX paths relative to the root, `type` 48 (file) or 53 (directory), base64 `content`
 * (`""` for directories), `mtime` as whole Unix seconds in a string, the full `st_mode`, uid and gid 0.
 * Ignore rules: upstream's built-in list plus `<root>/.detignore` (gitignore semantics, via `ignore`); the
 * `.detignore` file itself is never sent and ignored directories are not descended. An include is emitted
 * under its base name (a file as one entry; a directory as its own entry plus its contents, with its own
 * `.detignore`). The walk visits, in each directory, the sub-directories first and then the files, and
 * descends depth first, like `os.walk`; names are sorted so the body is reproducible (upstream uses the
 * filesystem's order).
 *
 * Two passes, so nothing is read before the size is known: the walk collects paths and sizes through
 * `FileSystem.stat`, the 95 MiB cap (upstream's `MAX_CONTEXT_SIZE`, counted as upstream on base64-decoded
 * sizes) is checked, and only then are the files read.
 *
 * Differences from upstream, deliberate: a symbolic link (upstream follows file links and lists directory
 * links without their contents) fails with `ModelDirError{reason: "SymbolicLink"}`; an unreadable file
 * (upstream prints a message and skips it) fails with `ModelDirError{reason: "Unreadable"}`; sockets, FIFOs
 * and devices (upstream would try to read them) fail the same way.
 *
 * @internal
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Errors from "../../DeterminedError.js"
import { lazyModule } from "../../internal/lazy.js"
import * as Log from "../../internal/log.js"

/**
 * One entry of `CreateExperimentRequest.modelDefinition` (`util.v1.File`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ModelDefFile {
  readonly path: string
  /** `48` (`'0'`, regular file) or `53` (`'5'`, directory): the tar type byte. */
  readonly type: 48 | 53
  /** base64 of the bytes; `""` for a directory. */
  readonly content: string
  /** Unix seconds, as a decimal string (int64 on the wire). */
  readonly mtime: string
  /** The full `st_mode`, e.g. `33188` (0o100644) or `16877` (0o40755). */
  readonly mode: number
  readonly uid: 0
  readonly gid: 0
}

/**
 * Upstream's `MAX_CONTEXT_SIZE`: 96 MiB (the master's message limit) minus 1 MiB of envelope.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_CONTEXT_SIZE = 96 * 1024 * 1024 - 1024 * 1024

/**
 * Upstream's `DEFAULT_DETIGNORE`, applied before the lines of `.detignore`.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_DETIGNORE: ReadonlyArray<string> = [
  "__pycache__/",
  "*.py[co]",
  "*$py.class",
  "terraform",
  "terraform_data",
  "terraform.tfstate*",
  "terraform.tfvars*",
  ".terraform*",
  ".git/",
  ".vscode/",
  ".idea/",
  ".mypy_cache/",
  "/shared_fs"
]

/**
 * @since 0.1.0
 * @category models
 */
export interface PackOptions {
  /** Extra files or directories, each added under its base name. */
  readonly includes?: ReadonlyArray<string> | undefined
  /** Size cap in bytes (decoded). Default {@link MAX_CONTEXT_SIZE}. */
  readonly limitBytes?: number | undefined
}

/** A planned entry: everything but the content, which is read after the size check. */
interface Planned {
  readonly path: string
  readonly type: 48 | 53
  readonly local: string
  readonly size: number
  readonly mtime: string
  readonly mode: number
}

/** Upstream counts `len(base64) // 4 * 3`, i.e. the size rounded up to a multiple of 3. */
const countedSize = (bytes: number) => Math.ceil(bytes / 3) * 3

const mtimeOf = (info: FileSystem.File.Info) =>
  String(Option.match(info.mtime, { onNone: () => 0, onSome: (d) => Math.trunc(d.getTime() / 1000) }))

const modelDirError = (path: string, reason: Errors.ModelDirError["reason"], message: string) =>
  new Errors.ModelDirError({ path, reason, message })

// `FileSystem.stat` follows links; `readLink` succeeds only on a symbolic link
const isSymbolicLink = (fs: FileSystem.FileSystem, path: string): Effect.Effect<boolean> =>
  fs.readLink(path).pipe(Effect.as(true), Effect.orElseSucceed(() => false))

const statOrFail = (fs: FileSystem.FileSystem, local: string) =>
  fs.stat(local).pipe(
    Effect.mapError((e) =>
      e._tag === "SystemError" && e.reason === "NotFound"
        ? modelDirError(local, "NotFound", `${local} does not exist`)
        : modelDirError(local, "Unreadable", `cannot read ${local}: ${e.message}`)
    )
  )

// loaded at the first model directory walked (internal/lazy.ts)
const ignoreModule = lazyModule(() => import("ignore"))

/** Walk one root (the model directory or an included directory) the way `os.walk` + detignore does. */
const walk = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  root: string,
  prefix: string,
  out: Array<Planned>
): Effect.Effect<void, Errors.ModelDirError> =>
  Effect.gen(function*() {
    const { default: ignore } = yield* ignoreModule
    const rules = ignore().add([...DEFAULT_DETIGNORE])
    const detignore = path.join(root, ".detignore")
    const detignoreInfo = yield* Effect.option(fs.stat(detignore))
    if (Option.isSome(detignoreInfo) && detignoreInfo.value.type === "File") {
      const text = yield* fs.readFileString(detignore).pipe(
        Effect.mapError((e) => modelDirError(detignore, "Unreadable", `cannot read ${detignore}: ${e.message}`))
      )
      rules.add(text)
    }
    const entryPath = (rel: string) => (prefix === "" ? rel : `${prefix}/${rel}`)

    const visit = (dirRel: string): Effect.Effect<void, Errors.ModelDirError> =>
      Effect.gen(function*() {
        const dirLocal = dirRel === "" ? root : path.join(root, ...dirRel.split("/"))
        const names = yield* fs.readDirectory(dirLocal).pipe(
          Effect.mapError((e) => modelDirError(dirLocal, "Unreadable", `cannot list ${dirLocal}: ${e.message}`))
        )
        names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        const dirs: Array<string> = []
        const files: Array<Planned> = []
        for (const name of names) {
          const rel = dirRel === "" ? name : `${dirRel}/${name}`
          const local = path.join(dirLocal, name)
          if (yield* isSymbolicLink(fs, local)) {
            if (rules.ignores(rel) || rules.ignores(`${rel}/`)) continue
            return yield* modelDirError(
              local,
              "SymbolicLink",
              `${local} is a symbolic link; the SDK does not follow links in a model directory ` +
                `(copy the target in, or list it in .detignore)`
            )
          }
          const info = yield* statOrFail(fs, local)
          if (info.type === "Directory") {
            if (rules.ignores(rel) || rules.ignores(`${rel}/`)) continue
            dirs.push(rel)
            out.push({ path: entryPath(rel), type: 53, local, size: 0, mtime: mtimeOf(info), mode: info.mode })
          } else {
            if (name === ".detignore" || rules.ignores(rel)) continue
            if (info.type !== "File") {
              return yield* modelDirError(local, "Unreadable", `${local} is not a regular file (${info.type})`)
            }
            files.push({
              path: entryPath(rel),
              type: 48,
              local,
              size: Number(info.size),
              mtime: mtimeOf(info),
              mode: info.mode
            })
          }
        }
        out.push(...files)
        for (const dir of dirs) yield* visit(dir)
      })
    yield* visit("")
  })

const plan = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  modelDir: string | undefined,
  includes: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<Planned>, Errors.ModelDirError> =>
  Effect.gen(function*() {
    const out: Array<Planned> = []
    const resolveRoot = (local: string) =>
      fs.realPath(local).pipe(
        Effect.mapError((e) =>
          e._tag === "SystemError" && e.reason === "NotFound"
            ? modelDirError(local, "NotFound", `${local} does not exist`)
            : modelDirError(local, "Unreadable", `cannot read ${local}: ${e.message}`)
        )
      )
    if (modelDir !== undefined) {
      const root = yield* resolveRoot(modelDir)
      const info = yield* statOrFail(fs, root)
      if (info.type !== "Directory") {
        return yield* modelDirError(
          modelDir,
          "NotADirectory",
          `model directory ${modelDir} must be a directory; pass a single file in \`includes\` instead`
        )
      }
      yield* walk(fs, path, root, "", out)
    }
    for (const include of includes) {
      const root = yield* resolveRoot(include)
      const name = path.basename(root)
      if (name === "") {
        return yield* modelDirError(include, "InvalidInclude", `unable to determine the name of include ${include}`)
      }
      const info = yield* statOrFail(fs, root)
      if (info.type === "File") {
        out.push({ path: name, type: 48, local: root, size: Number(info.size), mtime: mtimeOf(info), mode: info.mode })
      } else if (info.type === "Directory") {
        out.push({ path: name, type: 53, local: root, size: 0, mtime: mtimeOf(info), mode: info.mode })
        yield* walk(fs, path, root, name, out)
      } else {
        return yield* modelDirError(include, "Unreadable", `${include} is not a regular file or directory`)
      }
    }
    const seen = new Set<string>()
    for (const entry of out) {
      if (entry.path.includes("/")) continue
      if (seen.has(entry.path)) {
        return yield* modelDirError(
          entry.local,
          "DuplicatePath",
          `duplicate path detected: ${JSON.stringify(entry.path)} (an include clashes with the model directory or ` +
            `another include)`
        )
      }
      seen.add(entry.path)
    }
    return out
  })

const formatSize = (bytes: number) => {
  let value = bytes
  for (const unit of ["", "K", "M", "G", "T"]) {
    if (Math.abs(value) < 1024) return `${value.toFixed(1)}${unit}B`
    value /= 1024
  }
  return `${value.toFixed(1)}PB`
}

const checkSize = (
  where: string,
  entries: ReadonlyArray<Pick<Planned, "path" | "size">>,
  limitBytes: number
): Effect.Effect<void, Errors.ModelDirTooLarge> => {
  const total = entries.reduce((sum, e) => sum + countedSize(e.size), 0)
  if (total <= limitBytes) return Effect.void
  const largest = [...entries].sort((a, b) => b.size - a.size).slice(0, 10).map((e) => ({
    path: e.path,
    bytes: e.size
  }))
  return Effect.fail(
    new Errors.ModelDirTooLarge({
      path: where,
      totalBytes: total,
      limitBytes,
      largest,
      message: `the model definition is ${formatSize(total)}, over the limit of ${formatSize(limitBytes)}; ` +
        `largest files: ${largest.slice(0, 5).map((e) => `${e.path} (${formatSize(e.bytes)})`).join(", ")}. ` +
        `List what the experiment does not need in .detignore.`
    })
  )
}

/**
 * Pack a model directory and includes into `modelDefinition` entries. Fails before reading any file when the
 * total is over the cap.
 *
 * @since 0.1.0
 * @category constructors
 */
export const pack = Effect.fn("Experiment.packModelDir")(function*(
  modelDir: string | undefined,
  options: PackOptions = {}
) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const includes = options.includes ?? []
  const limitBytes = options.limitBytes ?? MAX_CONTEXT_SIZE
  const where = modelDir ?? includes[0] ?? ""
  const planned = yield* plan(fs, path, modelDir, includes)
  yield* checkSize(where, planned, limitBytes)
  const files: Array<ModelDefFile> = []
  const actual: Array<{ path: string; size: number }> = []
  for (const entry of planned) {
    if (entry.type === 53) {
      files.push({ path: entry.path, type: 53, content: "", mtime: entry.mtime, mode: entry.mode, uid: 0, gid: 0 })
      continue
    }
    const bytes = yield* fs.readFile(entry.local).pipe(
      Effect.mapError((e) => modelDirError(entry.local, "Unreadable", `cannot read ${entry.local}: ${e.message}`))
    )
    actual.push({ path: entry.path, size: bytes.byteLength })
    files.push({
      path: entry.path,
      type: 48,
      content: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"),
      mtime: entry.mtime,
      mode: entry.mode,
      uid: 0,
      gid: 0
    })
  }
  // files may have grown between the walk and the read
  yield* checkSize(where, actual, limitBytes)
  const total = actual.reduce((sum, e) => sum + e.size, 0)
  yield* Log.debug("Experiment.create", `Prepared ${files.length} entries (${formatSize(total)}) to send to the master`)
  yield* Effect.annotateCurrentSpan("determined.model_def.entries", files.length)
  yield* Effect.annotateCurrentSpan("determined.model_def.bytes", total)
  return files as ReadonlyArray<ModelDefFile>
})
