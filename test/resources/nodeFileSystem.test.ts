import { FileSystem, Path } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { Determined } from "effect-determined"
import * as FS from "node:fs"

// The SDK's minimal Node FileSystem (Determined.layerNodePlatform): the operations the SDK and users rely on.

describe("Determined.layerNodePlatform", () => {
  it.scoped("temp directories, write/read, stream and sink, stat, links, rename, remove; watch is refused clearly", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "det-fs-" })
      const file = path.join(dir, "a", "b.txt")
      yield* fs.makeDirectory(path.join(dir, "a"), { recursive: true })
      yield* fs.writeFileString(file, "hello world")
      assert.strictEqual(yield* fs.readFileString(file), "hello world")
      const info = yield* fs.stat(file)
      assert.strictEqual(info.type, "File")
      assert.strictEqual(Number(info.size), 11)
      const chunks = yield* Stream.runCollect(fs.stream(file, { chunkSize: 4 }))
      assert.strictEqual(Buffer.concat(Chunk.toReadonlyArray(chunks)).toString(), "hello world")
      const copy = path.join(dir, "copy.txt")
      yield* Stream.make(new TextEncoder().encode("abc"), new TextEncoder().encode("def")).pipe(
        Stream.run(fs.sink(copy))
      )
      assert.strictEqual(yield* fs.readFileString(copy), "abcdef")
      yield* fs.symlink("copy.txt", path.join(dir, "link"))
      assert.strictEqual(yield* fs.readLink(path.join(dir, "link")), "copy.txt")
      yield* fs.chmod(copy, 0o600)
      assert.strictEqual((yield* fs.stat(copy)).mode & 0o777, 0o600)
      yield* fs.rename(copy, path.join(dir, "moved.txt"))
      assert.isFalse(yield* fs.exists(copy))
      assert.deepStrictEqual((yield* fs.readDirectory(dir)).sort(), ["a", "link", "moved.txt"])
      const missing = yield* Effect.flip(fs.stat(path.join(dir, "nope")))
      assert.strictEqual(missing._tag === "SystemError" && missing.reason, "NotFound")
      const watch = yield* Effect.flip(Stream.runDrain(fs.watch(dir)))
      assert.strictEqual(watch._tag, "BadArgument")
      yield* fs.remove(path.join(dir, "a"), { recursive: true })
      assert.isFalse(FS.existsSync(path.join(dir, "a")))
      return dir
    }).pipe(Effect.provide(Determined.layerNodePlatform)))
})
