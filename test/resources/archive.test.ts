import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Stream } from "effect"
import type { DeterminedError } from "effect-determined"
import * as FS from "node:fs"
import * as OS from "node:os"
import * as NodePath from "node:path"
import { gzipSync } from "node:zlib"
import * as Archive from "../../src/resources/internal/archive.js"
import { type Spec, tarball } from "../utils/tar.js"

// Safe extraction: malicious archives fail with UnsafeArchiveEntry and leave the file system exactly as it was
// (the listing of the whole scratch directory is compared before and after); good archives land atomically.

/** A scratch directory with a file outside the extraction target, removed with the scope. */
const scratch = Effect.acquireRelease(
  Effect.sync(() => {
    const dir = FS.mkdtempSync(NodePath.join(OS.tmpdir(), "det-archive-"))
    FS.writeFileSync(NodePath.join(dir, "outside.txt"), "original\n")
    FS.mkdirSync(NodePath.join(dir, "parent"))
    return dir
  }),
  (dir) => Effect.sync(() => FS.rmSync(dir, { recursive: true, force: true }))
)

/** Every path under dir with its type, mode and content (symlinks by target). */
const snapshot = (dir: string): Array<string> => {
  const out: Array<string> = []
  const visit = (rel: string) => {
    for (const name of FS.readdirSync(NodePath.join(dir, rel)).sort()) {
      const r = rel === "" ? name : `${rel}/${name}`
      const st = FS.lstatSync(NodePath.join(dir, r))
      if (st.isSymbolicLink()) out.push(`${r} -> ${FS.readlinkSync(NodePath.join(dir, r))}`)
      else if (st.isDirectory()) {
        out.push(`${r}/ ${(st.mode & 0o7777).toString(8)}`)
        visit(r)
      } else {out.push(
          `${r} ${(st.mode & 0o7777).toString(8)} ${FS.readFileSync(NodePath.join(dir, r)).toString("hex")}`
        )}
    }
  }
  visit("")
  return out
}

const chunked = (bytes: Uint8Array, size = 97) => {
  const parts: Array<Uint8Array> = []
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size))
  return Stream.fromChunk(Chunk.unsafeFromArray(parts))
}

const extract = (bytes: Uint8Array, target: string, options: Archive.ExtractOptions = {}) =>
  Archive.extract(chunked(bytes), target, options).pipe(Effect.provide(NodeContext.layer))

type UnsafeArchiveEntry = DeterminedError.UnsafeArchiveEntry

/** Run a malicious archive: it must fail with this reason and change nothing on disk. */
const rejects = (
  entries: ReadonlyArray<Spec>,
  reason: UnsafeArchiveEntry["reason"],
  options: Archive.ExtractOptions = {}
) =>
  Effect.gen(function*() {
    const dir = yield* scratch
    const before = snapshot(dir)
    const target = NodePath.join(dir, "parent", "out")
    const error = yield* Effect.flip(extract(tarball(entries), target, options))
    assert.strictEqual(error._tag, "UnsafeArchiveEntry")
    assert.strictEqual(error._tag === "UnsafeArchiveEntry" && error.reason, reason)
    assert.deepStrictEqual(snapshot(dir), before)
    assert.isFalse(FS.existsSync(target))
    assert.isFalse(FS.existsSync("/tmp/det-archive-absolute-evil.txt"))
  })

describe("Archive.extract: malicious archives", () => {
  it.scoped("a '..' segment", () =>
    rejects([{ path: "ok.txt", content: "fine" }, { path: "../outside.txt", content: "pwned" }], "ParentTraversal"))

  it.scoped("a '..' segment in the middle", () =>
    rejects([{ path: "a/../../../outside.txt", content: "pwned" }], "ParentTraversal"))

  it.scoped("an absolute path", () =>
    rejects([{ path: "/tmp/det-archive-absolute-evil.txt", content: "pwned" }], "AbsolutePath"))

  it.scoped("a symbolic link pointing outside, relative or absolute", () =>
    Effect.gen(function*() {
      yield* rejects([{ path: "link", type: "SymbolicLink", linkpath: "../../outside.txt" }], "LinkOutside")
      yield* rejects([{ path: "sub/link", type: "SymbolicLink", linkpath: "/etc" }], "LinkOutside")
    }))

  it.scoped("a chain of links that escapes only when followed, in either order", () =>
    Effect.gen(function*() {
      yield* rejects([
        { path: "a", type: "SymbolicLink", linkpath: "." },
        { path: "b", type: "SymbolicLink", linkpath: "a/.." }
      ], "LinkOutside")
      yield* rejects([
        { path: "b", type: "SymbolicLink", linkpath: "r/.." },
        { path: "r", type: "SymbolicLink", linkpath: "." }
      ], "LinkOutside")
    }))

  it.scoped("writing through a link extracted before, or replacing it", () =>
    Effect.gen(function*() {
      yield* rejects([
        { path: "sub", type: "Directory" },
        { path: "l", type: "SymbolicLink", linkpath: "sub" },
        { path: "l/x.txt", content: "through" }
      ], "ThroughLink")
      yield* rejects([
        { path: "l", type: "SymbolicLink", linkpath: "x.txt" },
        { path: "l", content: "over" }
      ], "ThroughLink")
    }))

  it.scoped("a hard link to a file outside", () =>
    rejects([{ path: "h", type: "Link", linkpath: "../outside.txt" }], "LinkOutside"))

  it.scoped("devices and FIFOs", () =>
    Effect.gen(function*() {
      yield* rejects([{ path: "null0", type: "CharacterDevice" }], "SpecialFile")
      yield* rejects([{ path: "disk0", type: "BlockDevice" }], "SpecialFile")
      yield* rejects([{ path: "pipe", type: "FIFO" }], "SpecialFile")
    }))

  it.scoped("over the size limit, and over the entry limit", () =>
    Effect.gen(function*() {
      yield* rejects(
        [{ path: "a.bin", content: new Uint8Array(600) }, { path: "b.bin", content: new Uint8Array(600) }],
        "TooLarge",
        { maxBytes: 1000 }
      )
      yield* rejects(
        Array.from({ length: 5 }, (_, i) => ({ path: `f${i}.txt`, content: "x" })),
        "TooManyEntries",
        { maxEntries: 3 }
      )
    }))

  it.scoped("a truncated gzip stream and bytes that are not an archive are Malformed", () =>
    Effect.gen(function*() {
      const dir = yield* scratch
      const before = snapshot(dir)
      const target = NodePath.join(dir, "parent", "out")
      const whole = tarball([{ path: "a.bin", content: new Uint8Array(200_000).map((_, i) => (i * 13) & 0xff) }])
      const cut = yield* Effect.flip(extract(whole.subarray(0, Math.floor(whole.length / 2)), target))
      assert.strictEqual(cut._tag === "UnsafeArchiveEntry" && cut.reason, "Malformed")
      const junk = yield* Effect.flip(
        extract(new TextEncoder().encode("this is not a tar archive at all".repeat(40)), target)
      )
      assert.strictEqual(junk._tag === "UnsafeArchiveEntry" && junk.reason, "Malformed")
      // a plain tar cut inside a file's data, and a tar.gz inside the tar.gz (node-tar would decompress it again,
      // without the back-pressure extraction puts on the outer one)
      const plain = tarball([{ path: "a.bin", content: new Uint8Array(20_000) }], false)
      const cutPlain = yield* Effect.flip(extract(plain.subarray(0, 8_000), target))
      assert.strictEqual(cutPlain._tag === "UnsafeArchiveEntry" && cutPlain.reason, "Malformed")
      const nested = yield* Effect.flip(extract(gzipSync(tarball([{ path: "a.txt", content: "a" }])), target))
      assert.strictEqual(nested._tag === "UnsafeArchiveEntry" && nested.reason, "Malformed")
      assert.deepStrictEqual(snapshot(dir), before)
    }))

  it.scoped("a file where the archive needs a directory is OutputDirError{WriteFailed}, nothing left", () =>
    Effect.gen(function*() {
      const dir = yield* scratch
      const before = snapshot(dir)
      const target = NodePath.join(dir, "parent", "out")
      const error = yield* Effect.flip(
        extract(tarball([{ path: "a", content: "file" }, { path: "a/b.txt", content: "under a file" }]), target)
      )
      assert.strictEqual(error._tag === "OutputDirError" && error.reason, "WriteFailed", String(error))
      assert.deepStrictEqual(snapshot(dir), before)
    }))
})

describe("Archive.extract: good archives", () => {
  it.scoped("files, directories, modes and contained links land atomically; no temporary directory is left", () =>
    Effect.gen(function*() {
      const dir = yield* scratch
      const target = NodePath.join(dir, "parent", "out")
      const binary = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff)
      const result = yield* extract(
        tarball([
          { path: "data", type: "Directory", mode: 0o750 },
          { path: "data/a.bin", content: binary, mode: 0o600 },
          { path: "run.sh", content: "#!/bin/sh\n", mode: 0o755 },
          { path: "latest", type: "SymbolicLink", linkpath: "data/a.bin" },
          { path: "data/nested/up", type: "SymbolicLink", linkpath: "../../run.sh" },
          { path: "copy.bin", type: "Link", linkpath: "data/a.bin" }
        ]),
        target
      )
      assert.strictEqual(result, target)
      assert.deepStrictEqual(FS.readdirSync(NodePath.join(dir, "parent")), ["out"])
      assert.deepStrictEqual(new Uint8Array(FS.readFileSync(NodePath.join(target, "latest"))), binary)
      assert.deepStrictEqual(new Uint8Array(FS.readFileSync(NodePath.join(target, "copy.bin"))), binary)
      assert.strictEqual(FS.statSync(NodePath.join(target, "data")).mode & 0o7777, 0o750)
      assert.strictEqual(FS.statSync(NodePath.join(target, "data/a.bin")).mode & 0o7777, 0o600)
      assert.strictEqual(FS.statSync(NodePath.join(target, "run.sh")).mode & 0o7777, 0o755)
      assert.strictEqual(FS.readlinkSync(NodePath.join(target, "data/nested/up")), "../../run.sh")
      assert.strictEqual(FS.statSync(NodePath.join(target, "run.sh")).mtimeMs, 1_700_000_000_000)
    }))

  it.scoped("modes exactly as archived whatever the umask; a path named twice is the later entry, links not written through", () =>
    Effect.gen(function*() {
      const dir = yield* scratch
      const target = NodePath.join(dir, "parent", "out")
      yield* extract(
        tarball([
          { path: "./", type: "Directory", mode: 0o750 },
          { path: "open", type: "Directory", mode: 0o777 },
          { path: "open/shared.txt", content: "rw for all", mode: 0o666 },
          { path: "twice.txt", content: "first", mode: 0o644 },
          { path: "first.txt", type: "Link", linkpath: "twice.txt" },
          { path: "twice.txt", content: "second", mode: 0o600 }
        ]),
        target
      )
      const mode = (rel: string) => FS.statSync(NodePath.join(target, rel)).mode & 0o7777
      assert.deepStrictEqual([mode("."), mode("open"), mode("open/shared.txt")], [0o750, 0o777, 0o666])
      assert.strictEqual(FS.readFileSync(NodePath.join(target, "twice.txt"), "utf8"), "second")
      assert.strictEqual(mode("twice.txt"), 0o600)
      assert.strictEqual(FS.readFileSync(NodePath.join(target, "first.txt"), "utf8"), "first")
    }))

  it.scoped("an existing empty directory is replaced; a non-empty one is refused untouched", () =>
    Effect.gen(function*() {
      const dir = yield* scratch
      const empty = NodePath.join(dir, "parent", "empty")
      FS.mkdirSync(empty)
      yield* extract(tarball([{ path: "a.txt", content: "a" }], false), empty)
      assert.strictEqual(FS.readFileSync(NodePath.join(empty, "a.txt"), "utf8"), "a")
      const before = snapshot(dir)
      const error = yield* Effect.flip(extract(tarball([{ path: "b.txt", content: "b" }]), empty))
      assert.strictEqual(error._tag === "OutputDirError" && error.reason, "NotEmpty")
      assert.deepStrictEqual(snapshot(dir), before)
    }))

  it.scopedLive("interrupted while a file's data is written: nothing is left once the interruption returns", () =>
    Effect.gen(function*() {
      const dir = yield* scratch
      const before = snapshot(dir)
      const target = NodePath.join(dir, "parent", "out")
      const bytes = tarball([{ path: "big.bin", content: new Uint8Array(600_000).map((_, i) => (i * 5) & 0xff) }])
      // half the archive, then a source that never ends: extraction waits inside the file's data
      const source = Stream.concat(chunked(bytes.subarray(0, bytes.length / 2), 4096), Stream.never)
      const fiber = yield* Effect.fork(Archive.extract(source, target).pipe(Effect.provide(NodeContext.layer)))
      const partial = () =>
        FS.readdirSync(NodePath.join(dir, "parent")).find((name) => name.startsWith(".out.partial-"))
      for (let i = 0; i < 500 && !FS.existsSync(NodePath.join(dir, "parent", partial() ?? "-", "big.bin")); i++) {
        yield* Effect.sleep("10 millis")
      }
      assert.isTrue(
        FS.existsSync(NodePath.join(dir, "parent", partial() ?? "-", "big.bin")),
        "the file is being written"
      )
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(snapshot(dir), before)
    }))

  it.scoped("a source that fails half way fails with its error and leaves nothing behind", () =>
    Effect.gen(function*() {
      const dir = yield* scratch
      const before = snapshot(dir)
      const target = NodePath.join(dir, "parent", "out")
      const bytes = tarball([{ path: "big.bin", content: new Uint8Array(300_000).map((_, i) => (i * 11) & 0xff) }])
      const source = Stream.concat(chunked(bytes.subarray(0, bytes.length / 2), 4096), Stream.fail("connection reset"))
      const error = yield* Effect.flip(
        Archive.extract(source, target).pipe(Effect.provide(NodeContext.layer))
      )
      assert.strictEqual(error, "connection reset")
      assert.deepStrictEqual(snapshot(dir), before)
    }))
})
