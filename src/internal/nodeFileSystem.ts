/**
 * A minimal Node implementation of `@effect/platform`'s `FileSystem` over `node:fs/promises`, and the POSIX
 * `Path`, so the SDK reads and writes local files (model directories, downloads) through the platform
 * services without depending on `@effect/platform-node` (whose barrel pulls cluster, rpc and sql peers).
 * `watch` is not implemented and fails with a `BadArgument` that says so.
 *
 * @internal
 */
import * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as NFS from "node:fs"
import * as FS from "node:fs/promises"
import * as OS from "node:os"
import * as NodePath from "node:path"

const reasonOf = (code: string | undefined): PlatformError.SystemErrorReason => {
  switch (code) {
    case "ENOENT":
      return "NotFound"
    case "EACCES":
    case "EPERM":
      return "PermissionDenied"
    case "EEXIST":
    case "ENOTEMPTY":
      return "AlreadyExists"
    case "EISDIR":
    case "ENOTDIR":
    case "ELOOP":
      return "BadResource"
    case "EBUSY":
      return "Busy"
    case "ETIMEDOUT":
      return "TimedOut"
    case "EAGAIN":
      return "WouldBlock"
    default:
      return "Unknown"
  }
}

const systemError = (method: string, pathOrDescriptor: string | number | undefined) => (cause: unknown) => {
  const err = cause as NodeJS.ErrnoException
  return new PlatformError.SystemError({
    reason: reasonOf(err?.code),
    module: "FileSystem",
    method,
    ...(pathOrDescriptor === undefined ? {} : { pathOrDescriptor }),
    ...(err?.syscall === undefined ? {} : { syscall: err.syscall }),
    description: err?.message ?? String(cause),
    cause
  })
}

const call = <A>(method: string, path: string | number | undefined, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: systemError(method, path) })

const opt = <A>(
  a: A | undefined | null
): Option.Option<A> => (a === undefined || a === null ? Option.none() : Option.some(a))

const typeOf = (stat: NFS.Stats): FileSystem.File.Type =>
  stat.isFile()
    ? "File"
    : stat.isDirectory()
    ? "Directory"
    : stat.isSymbolicLink()
    ? "SymbolicLink"
    : stat.isBlockDevice()
    ? "BlockDevice"
    : stat.isCharacterDevice()
    ? "CharacterDevice"
    : stat.isFIFO()
    ? "FIFO"
    : stat.isSocket()
    ? "Socket"
    : "Unknown"

const dateOf = (d: Date): Option.Option<Date> => (Number.isNaN(d.getTime()) ? Option.none() : Option.some(d))

/** Convert Node stats to the platform's `File.Info`. @internal */
export const infoOf = (stat: NFS.Stats): FileSystem.File.Info => ({
  type: typeOf(stat),
  mtime: dateOf(stat.mtime),
  atime: dateOf(stat.atime),
  birthtime: dateOf(stat.birthtime),
  dev: stat.dev,
  ino: opt(stat.ino),
  mode: stat.mode,
  nlink: opt(stat.nlink),
  uid: opt(stat.uid),
  gid: opt(stat.gid),
  rdev: opt(stat.rdev),
  size: FileSystem.Size(stat.size),
  blksize: Option.map(opt(stat.blksize), FileSystem.Size),
  blocks: opt(stat.blocks)
})

const makeFile = (handle: FS.FileHandle, append: boolean): FileSystem.File => {
  let position = 0n
  const fd = FileSystem.FileDescriptor(handle.fd)
  const read = (buffer: Uint8Array) =>
    call("read", handle.fd, () => handle.read(buffer, 0, buffer.byteLength, Number(position))).pipe(
      Effect.map(({ bytesRead }) => {
        position += BigInt(bytesRead)
        return FileSystem.Size(bytesRead)
      })
    )
  const write = (buffer: Uint8Array) =>
    call("write", handle.fd, () => handle.write(buffer, 0, buffer.byteLength, append ? null : Number(position))).pipe(
      Effect.map(({ bytesWritten }) => {
        if (!append) position += BigInt(bytesWritten)
        return FileSystem.Size(bytesWritten)
      })
    )
  const writeAll = (buffer: Uint8Array): Effect.Effect<void, PlatformError.PlatformError> =>
    Effect.flatMap(write(buffer), (written) =>
      Number(written) === 0
        ? Effect.fail(
          new PlatformError.SystemError({
            reason: "WriteZero",
            module: "FileSystem",
            method: "writeAll",
            pathOrDescriptor: handle.fd,
            description: "write returned 0 bytes written"
          })
        )
        : Number(written) < buffer.byteLength
        ? writeAll(buffer.subarray(Number(written)))
        : Effect.void)
  return {
    [FileSystem.FileTypeId]: FileSystem.FileTypeId,
    fd,
    stat: call("stat", handle.fd, () => handle.stat()).pipe(Effect.map(infoOf)),
    seek: (offset, from) =>
      Effect.sync(() => {
        position = from === "start" ? BigInt(offset) : position + BigInt(offset)
      }),
    sync: call("sync", handle.fd, () => handle.sync()),
    read,
    readAlloc: (size) => {
      const buffer = new Uint8Array(Number(size))
      return Effect.map(
        read(buffer),
        (n) =>
          Number(n) === 0
            ? Option.none()
            : Option.some(Number(n) === buffer.byteLength ? buffer : buffer.subarray(0, Number(n)))
      )
    },
    truncate: (length) => call("truncate", handle.fd, () => handle.truncate(length === undefined ? 0 : Number(length))),
    write,
    writeAll
  }
}

const unsupported = (method: string) =>
  new PlatformError.BadArgument({
    module: "FileSystem",
    method,
    description:
      `${method} is not supported by the SDK's built-in Node file system; provide one from @effect/platform-node`
  })

const tempParent = (directory: string | undefined) => directory ?? OS.tmpdir()

const fileSystem: FileSystem.FileSystem = FileSystem.make({
  access: (path, options) =>
    call("access", path, () =>
      FS.access(
        path,
        (options?.readable ? NFS.constants.R_OK : 0) | (options?.writable ? NFS.constants.W_OK : 0) |
          NFS.constants.F_OK
      )),
  copy: (from, to, options) =>
    call("copy", from, () =>
      FS.cp(from, to, {
        recursive: true,
        force: options?.overwrite ?? false,
        errorOnExist: !(options?.overwrite ?? false),
        preserveTimestamps: options?.preserveTimestamps ?? false
      })),
  copyFile: (from, to) => call("copyFile", from, () => FS.copyFile(from, to)),
  chmod: (path, mode) => call("chmod", path, () => FS.chmod(path, mode)),
  chown: (path, uid, gid) => call("chown", path, () => FS.chown(path, uid, gid)),
  link: (from, to) => call("link", from, () => FS.link(from, to)),
  makeDirectory: (path, options) =>
    call("makeDirectory", path, () =>
      FS.mkdir(path, {
        recursive: options?.recursive ?? false,
        ...(options?.mode === undefined ? {} : { mode: options.mode })
      })).pipe(Effect.asVoid),
  makeTempDirectory: (options) =>
    call(
      "makeTempDirectory",
      options?.directory,
      () => FS.mkdtemp(NodePath.join(tempParent(options?.directory), options?.prefix ?? ""))
    ),
  makeTempDirectoryScoped: (options) =>
    Effect.acquireRelease(
      call(
        "makeTempDirectoryScoped",
        options?.directory,
        () => FS.mkdtemp(NodePath.join(tempParent(options?.directory), options?.prefix ?? ""))
      ),
      (dir) => Effect.promise(() => FS.rm(dir, { recursive: true, force: true }))
    ),
  makeTempFile: (options) =>
    call("makeTempFile", options?.directory, async () => {
      const dir = await FS.mkdtemp(NodePath.join(tempParent(options?.directory), options?.prefix ?? ""))
      const file = NodePath.join(dir, `file${options?.suffix ?? ""}`)
      await FS.writeFile(file, new Uint8Array(0))
      return file
    }),
  makeTempFileScoped: (options) =>
    Effect.acquireRelease(
      call("makeTempFileScoped", options?.directory, async () => {
        const dir = await FS.mkdtemp(NodePath.join(tempParent(options?.directory), options?.prefix ?? ""))
        const file = NodePath.join(dir, `file${options?.suffix ?? ""}`)
        await FS.writeFile(file, new Uint8Array(0))
        return file
      }),
      (file) => Effect.promise(() => FS.rm(NodePath.dirname(file), { recursive: true, force: true }))
    ),
  open: (path, options) =>
    Effect.acquireRelease(
      call("open", path, () => FS.open(path, options?.flag ?? "r", options?.mode)),
      (handle) => Effect.promise(() => handle.close())
    ).pipe(Effect.map((handle) => makeFile(handle, (options?.flag ?? "r").startsWith("a")))),
  readDirectory: (path, options) =>
    call("readDirectory", path, () => FS.readdir(path, { recursive: options?.recursive ?? false })),
  readFile: (path) => call("readFile", path, () => FS.readFile(path)),
  readLink: (path) => call("readLink", path, () => FS.readlink(path)),
  realPath: (path) => call("realPath", path, () => FS.realpath(path)),
  remove: (path, options) =>
    call("remove", path, () => FS.rm(path, { recursive: options?.recursive ?? false, force: options?.force ?? false })),
  rename: (from, to) => call("rename", from, () => FS.rename(from, to)),
  stat: (path) => call("stat", path, () => FS.stat(path)).pipe(Effect.map(infoOf)),
  symlink: (target, path) => call("symlink", path, () => FS.symlink(target, path)),
  truncate: (path, length) =>
    call("truncate", path, () => FS.truncate(path, length === undefined ? 0 : Number(length))),
  utimes: (path, atime, mtime) => call("utimes", path, () => FS.utimes(path, atime, mtime)),
  watch: () => Stream.fail(unsupported("watch")),
  writeFile: (path, data, options) =>
    call("writeFile", path, () =>
      FS.writeFile(path, data, {
        flag: options?.flag ?? "w",
        ...(options?.mode === undefined ? {} : { mode: options.mode })
      }))
})

/**
 * Is `path` a symbolic link? The platform interface has no `lstat`; `readLink` succeeds exactly on links, so
 * this works with any `FileSystem` implementation.
 *
 * @internal
 */
export const isSymbolicLink = (fs: FileSystem.FileSystem, path: string): Effect.Effect<boolean> =>
  fs.readLink(path).pipe(Effect.as(true), Effect.orElseSucceed(() => false))

/** The Node `FileSystem` service. @internal */
export const layerFileSystem: Layer.Layer<FileSystem.FileSystem> = Layer.succeed(FileSystem.FileSystem, fileSystem)

/** `FileSystem` and POSIX `Path` for Node. @internal */
export const layer: Layer.Layer<FileSystem.FileSystem | Path.Path> = Layer.merge(layerFileSystem, Path.layer)
