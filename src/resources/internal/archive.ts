/**
 * Safe, streamed extraction of a tar or tar.gz archive with `tar` (node-tar). Every entry is checked before it
 * is written: an absolute path, a `..` segment, a symbolic or hard link that resolves outside the target
 * (followed through the archive's own links, so chains cannot escape either), an entry written through or
 * over a link, a device, FIFO or other special entry, a total size or entry count over the limit, or a
 * corrupt archive fails with `UnsafeArchiveEntry`. A second line when writing: files are created with
 * `O_NOFOLLOW`, and a directory that exists already is checked with `lstat` to be one (not a link) before
 * anything is written under it. Extraction happens in a temporary directory next to the target, which is renamed
 * into place only when everything succeeded and removed otherwise, so a failure leaves no half-written target and
 * nothing outside it. The bytes are spooled to a temporary file beside it on the way (internal/spool.ts), read at
 * the network's speed. Memory is bounded whatever the number of entries (only symbolic links are remembered, by
 * the guard: about 215 bytes each); time is linear.
 *
 * The target must not exist, or be an empty directory (`OutputDirError{reason: "NotEmpty"}` otherwise).
 * File modes are restored exactly (like Python's `tarfile`: `mode & 0o7777`, whatever the umask; a directory's
 * with the owner's `rwx` added, as node-tar), mtimes too, owners are not.
 *
 * @internal
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as NodePath from "node:path"
import * as Zlib from "node:zlib"
import type * as Tar from "tar"
import type { Parser, ReadEntry } from "tar"
import * as Errors from "../../DeterminedError.js"
import { lazyModule } from "../../internal/lazy.js"
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

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY } = Fs.constants

/**
 * Create a file that does not exist yet, never through a symbolic link at its last component (the guard checked
 * every component before; this is the second line, as node-tar's `O_NOFOLLOW`). An existing entry of the same
 * name (an archive may hold a path twice; the later one wins) is removed first, which also keeps a hard link made
 * earlier from being written through.
 */
const CREATE_FILE = O_CREAT | O_EXCL | O_WRONLY | (O_NOFOLLOW ?? 0)

/** Directories extraction knows exist (created or checked), so that each is made once; cleared when full. */
const KNOWN_DIRECTORIES = 4096

const errnoOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string"
    ? (e as { code: string }).code
    : undefined

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** A file-system failure of one entry, as extraction reports it. */
const writeFailure = (directory: string, entry: string, e: unknown) => {
  if (e instanceof Errors.UnsafeArchiveEntry) return e
  // O_NOFOLLOW refused a symbolic link that the guard did not know of (one made outside extraction meanwhile)
  if (errnoOf(e) === "ELOOP") return unsafe(entry, "ThroughLink", `${entry} would be written through a symbolic link`)
  return new Errors.OutputDirError({
    path: directory,
    reason: "WriteFailed",
    message: `extraction failed: ${messageOf(e)}`
  })
}

/**
 * Writes checked entries into `root` with node:fs, one at a time in archive order. node:fs rather than the
 * platform `FileSystem`, and its synchronous calls but for the data: this is per entry (several calls for each of
 * up to `maxEntries` entries), it needs `O_NOFOLLOW` (which `FileSystem.open` cannot pass), and a call on the
 * thread pool costs far more than the call itself: 50,000 empty files took 26.5 s with one `await`ed
 * `fs/promises` call after another, 3.7 to 9.4 s with these (on the loaded 2-core machine, load 7;
 * docs/BENCHMARKS.md). The event loop is held for the calls of the entries in one chunk of input at most (16 KiB
 * from gunzip: 32 empty entries); the data of a file is written asynchronously, a chunk at a time.
 *
 * As node-tar with `chmod: true`: modes are restored exactly (`mode & 0o7777`, whatever the process umask), a
 * directory's with the owner's `rwx` added so that extraction can write into it; the directories an entry's
 * path implies get 0o777 less the umask; files and directories get the entry's mtime (and atime, or now),
 * links keep theirs; owners are not restored.
 */
class EntryWriter {
  private readonly directories = new Set<string>()
  /** The process umask: a file created with a mode it does not touch needs no `chmod`. */
  private readonly umask = process.umask()

  constructor(readonly root: string) {}

  /** Write the entry; a promise only while its data is written. */
  write(entry: ReadEntry, parts: ReadonlyArray<string>, halted: Halted): Promise<void> | undefined {
    if (parts.length === 0) {
      // "./": an archive may set the extraction directory's mode and times, not replace it
      if (entry.type === "Directory") this.attributes(this.root, entry, true)
      return undefined
    }
    const target = NodePath.join(this.root, ...parts)
    this.parents(parts)
    switch (entry.type) {
      case "Directory":
        return this.directory(target, entry)
      case "SymbolicLink":
        this.replacing(target, () => Fs.symlinkSync(entry.linkpath ?? "", target))
        return undefined
      case "Link":
        this.replacing(target, () => Fs.linkSync(NodePath.join(this.root, ...segments(entry.linkpath ?? "")), target))
        return undefined
      default:
        return this.file(target, entry, halted)
    }
  }

  /** Make the directories `parts` implies, checking that an existing one is a directory and not a link. */
  private parents(parts: ReadonlyArray<string>): void {
    if (parts.length < 2 || this.directories.has(parts.slice(0, -1).join("/"))) return
    for (let i = 1; i < parts.length; i++) {
      const key = parts.slice(0, i).join("/")
      if (this.directories.has(key)) continue
      const directory = NodePath.join(this.root, ...parts.slice(0, i))
      try {
        Fs.mkdirSync(directory, 0o777)
      } catch (e) {
        if (errnoOf(e) !== "EEXIST") throw e
        const stat = Fs.lstatSync(directory)
        if (stat.isSymbolicLink()) {
          throw unsafe(
            parts.join("/"),
            "ThroughLink",
            `${parts.join("/")} would be written through the symbolic link ${key}`
          )
        }
        if (!stat.isDirectory()) throw new Error(`${key} is not a directory (ENOTDIR)`)
      }
      if (this.directories.size >= KNOWN_DIRECTORIES) this.directories.clear()
      this.directories.add(key)
    }
  }

  /** `create`, after removing what exists at `target` (a file, a link, an empty directory) if it fails so. */
  private replacing<A>(target: string, create: () => A): A {
    try {
      return create()
    } catch (e) {
      if (errnoOf(e) !== "EEXIST") throw e
    }
    if (Fs.lstatSync(target).isDirectory()) Fs.rmdirSync(target)
    else Fs.unlinkSync(target)
    this.directories.clear()
    return create()
  }

  private directory(target: string, entry: ReadEntry): undefined {
    try {
      Fs.mkdirSync(target, 0o700)
    } catch (e) {
      if (errnoOf(e) !== "EEXIST") throw e
      // a directory the archive's paths implied earlier (or named twice) is kept; anything else is replaced
      if (!Fs.lstatSync(target).isDirectory()) {
        Fs.unlinkSync(target)
        Fs.mkdirSync(target, 0o700)
      }
    }
    this.attributes(target, entry, true)
    if (this.directories.size >= KNOWN_DIRECTORIES) this.directories.clear()
    this.directories.add(NodePath.relative(this.root, target).split(NodePath.sep).join("/"))
    return undefined
  }

  private attributes(target: string, entry: ReadEntry, directory: boolean): void {
    if (typeof entry.mode === "number") Fs.chmodSync(target, (entry.mode & 0o7777) | (directory ? 0o700 : 0))
    if (entry.mtime !== undefined) Fs.utimesSync(target, entry.atime ?? new Date(), entry.mtime)
  }

  private file(target: string, entry: ReadEntry, halted: Halted): Promise<void> | undefined {
    const mode = typeof entry.mode === "number" ? entry.mode & 0o7777 : 0o666
    const fd = this.replacing(target, () => Fs.openSync(target, CREATE_FILE, mode))
    const finish = () => {
      try {
        if (!halted.halted && entry.mtime !== undefined) Fs.futimesSync(fd, entry.atime ?? new Date(), entry.mtime)
      } finally {
        Fs.closeSync(fd)
      }
    }
    try {
      if (typeof entry.mode === "number" && (mode & this.umask) !== 0) Fs.fchmodSync(fd, mode)
      if (entry.remain === 0 && entry.size === 0) return void finish()
    } catch (e) {
      Fs.closeSync(fd)
      throw e
    }
    return consume(entry, fd, halted).then(finish, (e) => {
      Fs.closeSync(fd)
      throw e
    })
  }
}

/** Whether extraction stopped (failed or interrupted), with the callbacks to run when it does. */
interface Halted {
  readonly halted: boolean
  readonly onHalt: Set<() => void>
}

/**
 * Write the entry's data to `handle` as it arrives, one chunk at a time: the entry is paused while a chunk is
 * written, so the parser (and through it the input) waits for the disk. Resolves once the entry ended and its
 * data is written, or once extraction halted and no write is in flight.
 */
const consume = (entry: ReadEntry, fd: number, halted: Halted) =>
  new Promise<void>((resolve, reject) => {
    let writing = false
    let ended = false
    let settled = false
    const settle = (error?: unknown) => {
      if (settled) return
      settled = true
      halted.onHalt.delete(check)
      entry.removeListener("data", onData)
      entry.removeListener("end", onEnd)
      if (error === undefined) resolve()
      else reject(error)
    }
    const check = () => {
      if (!writing && (ended || halted.halted)) settle()
    }
    const writeAll = (chunk: Buffer, at = 0): Promise<void> =>
      at >= chunk.length ?
        Promise.resolve() :
        new Promise<number>((resolve, reject) =>
          Fs.write(fd, chunk, at, chunk.length - at, null, (e, written) => (e === null ? resolve(written) : reject(e)))
        ).then((written) => writeAll(chunk, at + written))
    const onData = (chunk: Buffer) => {
      if (settled || halted.halted) return
      writing = true
      entry.pause()
      writeAll(chunk).then(() => {
        writing = false
        if (!halted.halted) entry.resume()
        check()
      }, settle)
    }
    const onEnd = () => {
      ended = true
      check()
    }
    halted.onHalt.add(check)
    entry.on("end", onEnd)
    entry.on("data", onData)
    check()
  })

/**
 * One extraction: node-tar's `Parser` reads entries from the (decompressed) bytes, each is checked by the
 * `EntryGuard` and written by the `EntryWriter` before the next is read.
 *
 * Memory is bounded whatever the number of entries. The parser hands out one entry at a time (the next once the
 * one before is consumed, which is once it is written) and its `write` returns `false` while it holds entries or
 * data not taken yet; the input is paused then until it drains: gunzip's output while gzip is decompressed here,
 * or the source. So at most one chunk (16 KiB from gunzip, 64 KiB from the spool) of entries waits in the parser.
 * This replaces node-tar's `Unpack`, which queues the file-system work of every entry it parses and keeps about
 * 2.9 KB of each reachable until it closes (200,000 empty entries: +461 MiB; docs/RELIABILITY.md).
 *
 * Extraction is quiescent once `pending` is 0 and it halted or the parser ended: no write of it is in flight
 * then, nor can one start, so the temporary directory can be removed.
 */
class Extraction implements Halted {
  failure: Errors.UnsafeArchiveEntry | Errors.OutputDirError | undefined
  halted = false
  readonly onHalt = new Set<() => void>()
  private readonly parser: Parser
  private readonly writer: EntryWriter
  private gunzip: Zlib.Gunzip | undefined
  private started = false
  /** The first bytes of the tar stream, until there are enough to tell it is not compressed once more. */
  private head: Buffer | undefined = Buffer.alloc(0)
  private parserEnded = false
  /** Whether the input can be written (true) or waits for a `drain`. */
  private ready = true
  /** Entries checked and not yet written; `tail` writes them in order. */
  private pending = 0
  private tail: Promise<void> = Promise.resolve()
  private readonly waiters = new Set<() => void>()

  constructor(
    readonly directory: string,
    private readonly guard: EntryGuard,
    tar: typeof Tar
  ) {
    this.writer = new EntryWriter(directory)
    // zstd: false, and gzip refused below: the bytes reach it decompressed, and a compressed archive inside the
    // compressed one would be decompressed by node-tar without back-pressure
    this.parser = new tar.Parser({ strict: false, zstd: false })
    this.parser.on("entry", (entry: ReadEntry) => this.onEntry(entry))
    // node-tar skips entries of types it does not know (a GNU sparse file, a tape volume header, ...): refuse
    // them rather than lose a file silently
    this.parser.on("ignoredEntry", (entry: ReadEntry) => {
      if (!entry.meta) {
        this.fail(unsafe(
          entry.path,
          "SpecialFile",
          `${entry.path} is a ${entry.type} entry; only files, directories and links are extracted`
        ))
      }
    })
    this.parser.on("warn", (code: string, message: unknown, data: { entry?: ReadEntry; path?: unknown }) => {
      if (code === "TAR_ENTRY_INFO") return
      const entry = data?.entry?.path ?? (typeof data?.path === "string" ? data.path : "")
      this.fail(unsafe(entry, "Malformed", messageOf(message)))
    })
    this.parser.on("error", (e: unknown) => this.fail(unsafe("", "Malformed", messageOf(e))))
    this.parser.on("drain", () => {
      if (this.halted) return
      if (this.gunzip !== undefined) this.gunzip.resume()
      else this.ready = true
      this.notify()
    })
    this.parser.on("end", () => {
      this.parserEnded = true
      this.notify()
    })
  }

  private notify() {
    for (const waiter of [...this.waiters]) waiter()
  }

  /** Wait until `condition` holds; re-checked whenever extraction's state changes. */
  private until(condition: () => boolean): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      if (condition()) return resume(Effect.void)
      const waiter = () => {
        if (!condition()) return
        this.waiters.delete(waiter)
        resume(Effect.void)
      }
      this.waiters.add(waiter)
      return Effect.sync(() => this.waiters.delete(waiter))
    })
  }

  private fail(failure: Errors.UnsafeArchiveEntry | Errors.OutputDirError) {
    if (this.failure === undefined) this.failure = failure
    this.halt()
  }

  private halt() {
    if (this.halted) return
    this.halted = true
    this.gunzip?.destroy()
    for (const f of [...this.onHalt]) f()
    this.notify()
  }

  private onEntry(entry: ReadEntry) {
    if (this.halted) return void entry.resume()
    const problem = this.guard.check(entry)
    if (problem !== undefined) {
      this.fail(problem)
      return void entry.resume()
    }
    const parts = segments(entry.path)
    this.pending++
    this.tail = this.tail
      .then(() => (this.halted ? undefined : this.writer.write(entry, parts, this)))
      .then(
        () => entry.resume(),
        (e) => this.fail(writeFailure(this.directory, entry.path, e))
      )
      .finally(() => {
        this.pending--
        this.notify()
      })
  }

  /** Hand decompressed tar bytes to the parser; false when it asks to wait for its `drain`. */
  private toParser(data: Buffer): boolean {
    if (this.head !== undefined) {
      const head = Buffer.concat([this.head, data.subarray(0, 2)])
      if (head.length >= 2) {
        this.head = undefined
        if (head[0] === 0x1f && head[1] === 0x8b) {
          this.fail(unsafe("", "Malformed", "the archive holds a compressed archive, not a tar archive"))
          return true
        }
      } else this.head = head
    }
    return this.parser.write(data)
  }

  private start(first: Uint8Array) {
    this.started = true
    if (first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b) {
      const gunzip = Zlib.createGunzip()
      this.gunzip = gunzip
      gunzip.on("error", (e) => this.fail(unsafe("", "Malformed", `the archive is not valid gzip: ${e.message}`)))
      gunzip.on("data", (data: Buffer) => {
        if (!this.halted && !this.toParser(data)) gunzip.pause()
      })
      gunzip.on("drain", () => {
        this.ready = true
        this.notify()
      })
      gunzip.on("end", () => {
        if (!this.halted) this.parser.end()
      })
    }
  }

  /** Write a chunk of the archive, waiting while the input is paused; false once extraction halted. */
  write(chunk: Uint8Array): Effect.Effect<boolean> {
    return Effect.suspend(() => {
      if (!this.started) this.start(chunk)
      if (this.halted) return Effect.succeed(false)
      const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      this.ready = this.gunzip !== undefined ? this.gunzip.write(bytes) : this.toParser(bytes)
      return Effect.map(this.until(() => this.ready || this.halted), () => !this.halted)
    })
  }

  /** Stop, and wait until no write is in flight. */
  readonly stop: Effect.Effect<void> = Effect.suspend(() => {
    this.halt()
    return this.until(() => this.pending === 0)
  })

  /** End the input, and wait until every entry is written (or extraction failed and stopped). */
  readonly finish: Effect.Effect<void> = Effect.suspend(() => {
    if (this.halted) return this.stop
    if (this.gunzip !== undefined) this.gunzip.end()
    else this.parser.end()
    return Effect.zipRight(
      this.until(() => this.halted || (this.parserEnded && this.pending === 0)),
      this.stop
    )
  })
}

// loaded at the first extraction (internal/lazy.ts)
const tarModule = lazyModule(() => import("tar"))

/**
 * Feed `source` (tar or tar.gz bytes) into an extraction into `directory` (which exists and is empty).
 *
 * gzip is decompressed here (node:zlib), not by node-tar, so that its output waits for the parser. However
 * extraction ends (done, failed, interrupted), this returns only once it is quiescent: nothing is written into
 * the directory after this returns.
 * @internal
 */
const unpackInto = <E, R>(
  source: Stream.Stream<Uint8Array, E, R>,
  directory: string,
  options: ExtractOptions
): Effect.Effect<void, E | Errors.UnsafeArchiveEntry | Errors.OutputDirError, R> =>
  Effect.flatMap(tarModule, (tar) => {
    const extraction = new Extraction(
      directory,
      new EntryGuard(options.maxBytes ?? DEFAULT_MAX_BYTES, options.maxEntries ?? DEFAULT_MAX_ENTRIES),
      tar
    )
    return source.pipe(
      Stream.runForEachWhile((chunk) => extraction.write(chunk)),
      // uninterruptible: an interrupted download still waits for the write in flight before clean-up
      Effect.onExit((exit) => Effect.uninterruptible(Exit.isSuccess(exit) ? extraction.finish : extraction.stop)),
      Effect.flatMap(() => (extraction.failure === undefined ? Effect.void : Effect.fail(extraction.failure)))
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
      // extraction is quiescent by now (unpackInto waits for it), so the removal cannot race a write
      Effect.onExit((exit) =>
        Exit.isSuccess(exit)
          ? Effect.void
          : fs.remove(temp, { recursive: true, force: true }).pipe(Effect.retry({ times: 3 }), Effect.ignore)
      )
    )
  })
