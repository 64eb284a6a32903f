/**
 * internal/chunks.ts: the SDK's streams emit chunks of at most MAX_CHUNK items, in order, nothing held back, so
 * that Effect's own folds (which recurse once per item of a chunk) never overflow the stack on them.
 */
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { boundChunks, bounded, MAX_CHUNK } from "../../src/internal/chunks.js"

describe("bounded chunks", () => {
  it("splits into chunks of at most MAX_CHUNK, in order", () => {
    for (const n of [0, 1, MAX_CHUNK - 1, MAX_CHUNK, MAX_CHUNK + 1, 5 * MAX_CHUNK + 3]) {
      const items = Array.from({ length: n }, (_, i) => i)
      const chunks = bounded(items)
      assert.isTrue(chunks.every((c) => c.length > 0 && c.length <= MAX_CHUNK))
      assert.deepStrictEqual(chunks.flatMap((c) => Chunk.toArray(c)), items)
      assert.strictEqual(chunks.length, Math.ceil(n / MAX_CHUNK))
    }
  })

  it.effect("boundChunks splits the long chunks of a stream, keeps the others, and its fold does not overflow", () =>
    Effect.gen(function*() {
      const big = Chunk.unsafeFromArray(Array.from({ length: 50_000 }, (_, i) => i))
      const source = Stream.concat(Stream.fromChunk(Chunk.make(-1, -2)), Stream.fromChunk(big))
      const sizes = yield* Stream.runCollect(Stream.mapChunks(boundChunks(source), (c) => Chunk.of(c.length)))
      assert.deepStrictEqual(Chunk.toArray(sizes).slice(0, 2), [2, MAX_CHUNK])
      assert.isTrue(Chunk.every(sizes, (n) => n <= MAX_CHUNK))
      const sum = yield* Stream.runFold(boundChunks(source), 0, (a, b) => a + b)
      assert.strictEqual(sum, -3 + (50_000 * 49_999) / 2)
    }))
})
