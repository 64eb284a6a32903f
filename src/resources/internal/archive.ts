/**
 * Safe, streamed extraction of a tar or tar.gz archive with `tar` (node-tar). Every entry is checked before it
 * is written: an absolute path, a `..` segment, a symbolic or hard link that resolves outside the target
 * (followed through the archive's own links, so chains cannot escape either), an entry written through or
 * over a link, a device, FIFO or other special entry, a total size or entry count over the limit, or a
 * corrupt archive fails with `UnsafeArchiveEntry`; node-tar's own path checks are a second line. Extraction
 * happens in a temporary directory next to the target, which is renamed into place only when everything
 * succeeded and removed otherwise, so a failure leaves no half-written target and nothing outside it. The bytes
 * are spooled to a temporary file beside it on the way (internal/spool.ts), read at the network's speed.
 *
 * The target must not exist, or be an empty directory (`OutputDirError{reason: "NotEmpty"}` otherwise).
 * File modes are restored exactly (like Python's `tarfile`), owners are not.
 *
 * @internal
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Zlib from "node:zlib"
import { type ReadEntry, Unpack } from "tar"
import * as Errors from "../../DeterminedError.js"
import { spooled } from "./spool.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface ExtractOptions {
  /** Limit on the sum of the entries' sizes, in bytes. Default 10 GiB. */
  readonly maxBytes?: number | undefined
  /** Limit on the number of entries. Default 1,000,000. */
  readonly maxEntries?: number | undefined
}

/** Default limit on the extracted size. @internal */
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024 * 1024

/** Default limit on the number of entries. @internal */
export const DEFAULT_MAX_ENTRIES = 1_000_000

const allowedTypes = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"])

const unsafe = (entry: string, reason: Errors.UnsafeArchiveEntry["reason"], message: string) =>
  new Errors.UnsafeArchiveEntry({ entry, reason, message })

const isAbsolute = (p: string) => p.startsWith("/") || p.startsWith("\\") || /^[a-zA-Z]:/.test(p)

const segments = (p: string) => p.split(/[/\\]/).filter((s) => s !== "" && s !== ".")

/** A key that treats case and Unicode variants as the same name (conservative on case-insensitive disks). */
const keyOf = (parts: ReadonlyArray<string>) => parts.join("/").normalize("NFD").toLowerCase()

/**
 * The checks, as a small state machine over the entries in archive order. The extraction directory starts
 * empty, so the archive's own symbolic links are the only links that exist in it.
 *
 * A new symbolic link can change where earlier links lead (a link `a -> b/c` escapes once `b -> ../..` exists),
 * so earlier links are checked again, but only those whose resolution went through the new link's path: each
 * link's resolution records the paths it went through. Time and memory are linear in the entries (times the
 * depth of their paths); only links are remembered.
 *
 * @internal
 */
export class EntryGuard {
  private readonly symlinks = new Map<string, { readonly dir: ReadonlyArray<string>; readonly target: string }>()
  /** For a path, the links whose resolution went through it. */
  private readonly traversedBy = new Map<string, Set<string>>()
  private bytes = 0
  private entries = 0

  constructor(readonly maxBytes: number, readonly maxEntries: number) {}

  /**
   * Resolve `rel` from the directory `from` physically, following known links; undefined when it escapes.
   * Every path the resolution goes through is added to `through`.
   */
  private resolve(
    from: ReadonlyArray<string>,
    rel: string,
    through: Set<string>,
    depth = 0
  ): ReadonlyArray<string> | undefined {
    if (depth > 40 || isAbsolute(rel)) return undefined
    let stack = [...from]
    for (const part of segments(rel)) {
      if (part === "..") {
        if (stack.length === 0) return undefined
        stack.pop()
        continue
      }
      stack.push(part)
      const key = keyOf(stack)
      through.add(key)
      const link = this.symlinks.get(key)
      if (link !== undefined) {
        const resolved = this.resolve(link.dir, link.target, through, depth + 1)
        if (resolved === undefined) return undefined
        stack = [...resolved]
      }
    }
    return stack
  }

  /** Resolve the link at `key` and remember what it went through; false when it escapes. */
  private checkLink(key: string): boolean {
    const link = this.symlinks.get(key)!
    const through = new Set<string>()
    const inside = this.resolve(link.dir, link.target, through) !== undefined
    for (const t of through) {
      let links = this.traversedBy.get(t)
      if (links === undefined) {
        links = new Set()
        this.traversedBy.set(t, links)
      }
      links.add(key)
    }
    return inside
  }

  /** Fails with the reason this entry is unsafe, or returns nothing. */
  check(entry: Pick<ReadEntry, "path" | "type" | "size" | "linkpath">): Errors.UnsafeArchiveEntry | undefined {
    const path = entry.path
    this.entries++
    if (this.entries > this.maxEntries) {
      return unsafe(path, "TooManyEntries", `the archive has more than ${this.maxEntries} entries`)
    }
    if (!allowedTypes.has(entry.type)) {
      return unsafe(
        path,
        "SpecialFile",
        `${path} is a ${entry.type} entry; only files, directories and links are extracted`
      )
    }
    if (isAbsolute(path)) return unsafe(path, "AbsolutePath", `${path} is an absolute path`)
    const parts = segments(path)
    if (parts.includes("..")) return unsafe(path, "ParentTraversal", `${path} contains a '..' segment`)
    if (parts.some((p) => /^GNUSparseFile\.\d+$/.test(p))) {
      // a GNU sparse file in PAX format 0.1/1.0: its data is a sparse map that node-tar would write as is
      return unsafe(path, "SpecialFile", `${path} is a GNU sparse file, which is not extracted`)
    }
    for (let i = 1; i <= parts.length; i++) {
      if (this.symlinks.has(keyOf(parts.slice(0, i)))) {
        return unsafe(
          path,
          "ThroughLink",
          i === parts.length
            ? `${path} would replace a symbolic link extracted before`
            : `${path} would be written through the symbolic link ${parts.slice(0, i).join("/")}`
        )
      }
    }
    const size = entry.size ?? 0
    this.bytes += size
    if (this.bytes > this.maxBytes) {
      return unsafe(path, "TooLarge", `the archive's entries exceed the limit of ${this.maxBytes} bytes`)
    }
    if (entry.type === "Link") {
      const target = entry.linkpath ?? ""
      if (isAbsolute(target) || segments(target).includes("..") || this.resolve([], target, new Set()) === undefined) {
        return unsafe(path, "LinkOutside", `hard link ${path} points outside the target: ${target}`)
      }
      const targetParts = segments(target)
      for (let i = 1; i <= targetParts.length; i++) {
        if (this.symlinks.has(keyOf(targetParts.slice(0, i)))) {
          return unsafe(path, "ThroughLink", `hard link ${path} points through a symbolic link: ${target}`)
        }
      }
    }
    if (entry.type === "SymbolicLink") {
      const target = entry.linkpath ?? ""
      const dir = parts.slice(0, -1)
      const key = keyOf(parts)
      if (target === "") return unsafe(path, "LinkOutside", `symbolic link ${path} has no target`)
      this.symlinks.set(key, { dir, target })
      if (!this.checkLink(key)) {
        return unsafe(path, "LinkOutside", `symbolic link ${path} points outside the target: ${target}`)
      }
      // the earlier links that went through this path now go through the new link
      const affected = this.traversedBy.get(key)
      if (affected !== undefined) {
        for (const other of [...affected]) {
          if (other !== key && !this.checkLink(other)) {
            return unsafe(path, "LinkOutside", `symbolic link ${path} makes ${other} point outside the target`)
          }
        }
      }
    }
    return undefined
  }
}

const tarWarning = (
  code: string,
  message: string,
  data: Record<string, unknown>
): Errors.UnsafeArchiveEntry | Error => {
  const entry = typeof data.path === "string" ? data.path : ""
  if (code === "TAR_BAD_ARCHIVE" || code === "TAR_ABORT") return unsafe(entry, "Malformed", message)
  const errno = typeof data.code === "string" && /^E[A-Z]+$/.test(data.code) ? data.code : undefined
  if (errno !== undefined && data.code !== "TAR_SYMLINK_ERROR") return new Error(`${message} (${errno})`)
  if (/symbolic link/i.test(message)) return unsafe(entry, "ThroughLink", message)
  if (/\.\.|escape/i.test(message)) return unsafe(entry, "ParentTraversal", message)
  return unsafe(entry, "Malformed", message)
}

/**
 * How many entries node-tar has queued and not finished writing (its private `pending` count), when it can be
 * read. node-tar reads entries as fast as bytes arrive and queues their file-system work without back-pressure:
 * 200,000 empty entries (1.2 MB of tar.gz) took 837 MB. Writing waits while too many are queued.
 */
const pendingOf = (unpack: Unpack): () => number => {
  const symbol = Object.getOwnPropertySymbols(unpack).find((s) => s.description === "pending")
  if (symbol === undefined) return () => 0
  return () => (unpack as unknown as Record<symbol, number>)[symbol] ?? 0
}

/** Entries node-tar may have queued before writing more waits. @internal */
export const MAX_PENDING_ENTRIES = 512

/** One turn of the event loop (file-system callbacks run), not on the `Clock`: node-tar's work is real I/O. */
const nextTurn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/**
 * Feed `source` (tar or tar.gz bytes) into node-tar extracting into `directory` (which exists and is empty).
 *
 * gzip is decompressed here (node:zlib), not by node-tar: node-tar aborts on a truncated gzip stream (an
 * interrupted download) and reports it before its queued writes finish, so a clean-up then raced them. Fed plain
 * tar, node-tar always ends with `close` once every entry is written, which this waits for however extraction
 * ends (done, failed, interrupted): nothing is written into the directory after this returns.
 * @internal
 */
const unpackInto = <E, R>(
  source: Stream.Stream<Uint8Array, E, R>,
  directory: string,
  options: ExtractOptions
): Effect.Effect<void, E | Errors.UnsafeArchiveEntry | Errors.OutputDirError, R> =>
  Effect.suspend(() => {
    const guard = new EntryGuard(options.maxBytes ?? DEFAULT_MAX_BYTES, options.maxEntries ?? DEFAULT_MAX_ENTRIES)
    let failure: Errors.UnsafeArchiveEntry | Errors.OutputDirError | undefined
    let settled = false
    const record = (e: Errors.UnsafeArchiveEntry | Error) => {
      if (failure !== undefined) return
      failure = e instanceof Errors.UnsafeArchiveEntry ? e : new Errors.OutputDirError({
        path: directory,
        reason: "WriteFailed",
        message: `extraction failed: ${e.message}`
      })
    }
    const unpack = new Unpack({
      cwd: directory,
      strict: false,
      preserveOwner: false,
      chmod: true,
      processUmask: 0,
      filter: (_path, entry) => {
        if (failure !== undefined) return false
        const problem = guard.check(entry as ReadEntry)
        if (problem !== undefined) {
          record(problem)
          return false
        }
        return true
      },
      onwarn: (code, message, data) => {
        if (code === "TAR_ENTRY_INFO") return
        record(tarWarning(code, String(message), data as unknown as Record<string, unknown>))
      }
    })
    // node-tar skips entries of types it does not know (a GNU sparse file, a tape volume header, ...) without
    // asking the filter: refuse them rather than lose a file silently
    unpack.on("ignoredEntry", (entry: ReadEntry) => {
      if (failure === undefined && !entry.meta) {
        record(unsafe(
          entry.path,
          "SpecialFile",
          `${entry.path} is a ${entry.type} entry; only files, directories and links are extracted`
        ))
      }
    })
    const pending = pendingOf(unpack)
    const throttle: Effect.Effect<void> = Effect.suspend(() =>
      pending() > MAX_PENDING_ENTRIES && !settled ? Effect.zipRight(nextTurn, throttle) : Effect.void
    )
    // listeners stay attached for the stream's whole life, so a late error never becomes an uncaught one
    const done = new Promise<void>((resolve) => {
      unpack.on("close", () => {
        settled = true
        resolve()
      })
      unpack.on("error", (e: Error & { tarCode?: string; code?: string }) => {
        record(tarWarning(e.tarCode ?? "TAR_ABORT", e.message, e as unknown as Record<string, unknown>))
        settled = true
        resolve()
      })
    })
    let gunzip: Zlib.Gunzip | undefined
    let inputEnded = false
    let unpackEnded = false
    const endUnpack = () => {
      if (unpackEnded) return
      unpackEnded = true
      unpack.end()
    }
    // end the input once: through gunzip (which ends node-tar when it has flushed, or fails), or node-tar directly
    const endInput = () => {
      if (inputEnded) return
      inputEnded = true
      if (gunzip !== undefined) gunzip.end()
      else endUnpack()
    }
    let sink: NodeJS.WritableStream = unpack
    let started = false
    const start = (first: Uint8Array) => {
      started = true
      if (first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b) {
        gunzip = Zlib.createGunzip()
        gunzip.on("error", (e) => {
          record(unsafe("", "Malformed", `the archive is not valid gzip: ${e.message}`))
          // what was decompressed is in node-tar already: end it so that it finishes its queued work
          endUnpack()
        })
        gunzip.on("end", endUnpack)
        // zlib hands out 16 KiB at a time: pause it while node-tar has too many entries queued
        gunzip.on("data", (data: Buffer) => {
          unpack.write(data)
          if (pending() > MAX_PENDING_ENTRIES) {
            gunzip!.pause()
            void Effect.runPromise(throttle).then(() => gunzip!.resume())
          }
        })
        sink = gunzip
      }
    }
    const write = (chunk: Uint8Array): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (!started) start(chunk)
        if (settled) return Effect.void
        const drained = sink.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        const wait = drained ? Effect.void : Effect.async<void>((resume) => {
          const onDrain = () => {
            sink.removeListener("drain", onDrain)
            resume(Effect.void)
          }
          sink.on("drain", onDrain)
          void done.then(onDrain)
          return Effect.sync(() => sink.removeListener("drain", onDrain))
        })
        return Effect.zipRight(wait, throttle)
      })
    const finish = Effect.async<void>((resume) => {
      if (!settled) endInput()
      void done.then(() => setImmediate(() => resume(Effect.void)))
    })
    return source.pipe(
      Stream.runForEachWhile((chunk) => Effect.map(write(chunk), () => failure === undefined && !settled)),
      // uninterruptible: an interrupted download still waits for node-tar's queued writes before clean-up
      Effect.onExit(() => Effect.uninterruptible(finish)),
      Effect.flatMap(() => (failure === undefined ? Effect.void : Effect.fail(failure)))
    )
  })

/**
 * Extract a tar or tar.gz byte stream into `outputDir` atomically. `finalize` runs on the extracted temporary
 * directory before it is renamed into place. Returns the absolute path of `outputDir`.
 *
 * @internal
 */
export const extract = <E, R, E2 = never, R2 = never>(
  source: Stream.Stream<Uint8Array, E, R>,
  outputDir: string,
  options: ExtractOptions = {},
  finalize?: (directory: string) => Effect.Effect<void, E2, R2>
): Effect.Effect<
  string,
  E | E2 | Errors.UnsafeArchiveEntry | Errors.OutputDirError,
  R | R2 | FileSystem.FileSystem | Path.Path
> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const target = path.resolve(outputDir)
    const writeFailed = (message: string) => new Errors.OutputDirError({ path: target, reason: "WriteFailed", message })
    const existing = yield* Effect.option(fs.stat(target))
    if (Option.isSome(existing)) {
      if (existing.value.type !== "Directory") {
        return yield* new Errors.OutputDirError({
          path: target,
          reason: "NotADirectory",
          message: `${target} exists and is not a directory`
        })
      }
      const names = yield* fs.readDirectory(target).pipe(Effect.mapError((e) => writeFailed(e.message)))
      if (names.length > 0) {
        return yield* new Errors.OutputDirError({
          path: target,
          reason: "NotEmpty",
          message: `${target} exists and is not empty; choose a new directory or remove it first`
        })
      }
    }
    const parent = path.dirname(target)
    yield* fs.makeDirectory(parent, { recursive: true }).pipe(Effect.mapError((e) => writeFailed(e.message)))
    const temp = yield* fs.makeTempDirectory({ directory: parent, prefix: `.${path.basename(target)}.partial-` }).pipe(
      Effect.mapError((e) => writeFailed(e.message))
    )
    return yield* Effect.gen(function*() {
      yield* fs.chmod(temp, 0o755).pipe(Effect.mapError((e) => writeFailed(e.message)))
      // the body is spooled to a file next to the target: read at the network's speed, so that a server's idle
      // timeout never closes a connection that waits for a slow extraction
      yield* unpackInto(spooled(source, parent, `.${path.basename(target)}.download-`), temp, options)
      if (finalize !== undefined) yield* finalize(temp)
      // rename(2) replaces an empty directory atomically, and refuses one that is no longer empty
      yield* fs.rename(temp, target).pipe(Effect.mapError((e) => writeFailed(e.message)))
      return target
    }).pipe(
      // node-tar has finished writing by now (unpackInto waits for it), so the removal cannot race it
      Effect.onExit((exit) =>
        Exit.isSuccess(exit)
          ? Effect.void
          : fs.remove(temp, { recursive: true, force: true }).pipe(Effect.retry({ times: 3 }), Effect.ignore)
      )
    )
  })
