import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Ref, Stream } from "effect"
import { Pagination } from "effect-determined/advanced"

// A server of `total` rows answering like the master: pageSize rows from the offset (0 = page_info default 100,
// or everything for in_memory), with endIndex exclusive.
const server = (total: number, pageSize: (offset: number) => number) =>
  Effect.gen(function*() {
    const offsets = yield* Ref.make<ReadonlyArray<number>>([])
    const fetch = (offset: number) =>
      Effect.gen(function*() {
        yield* Ref.update(offsets, (xs) => [...xs, offset])
        const end = Math.min(total, offset + pageSize(offset))
        const items = Array.from({ length: Math.max(0, end - offset) }, (_, i) => offset + i)
        return { items, pagination: { offset, limit: pageSize(offset), startIndex: offset, endIndex: end, total } }
      })
    return { offsets, fetch }
  })

describe("Pagination", () => {
  it.effect("page_info style: pages of 100", () =>
    Effect.gen(function*() {
      const { fetch, offsets } = yield* server(250, () => 100)
      const rows = yield* Pagination.collect(fetch)
      assert.deepStrictEqual(rows, Array.from({ length: 250 }, (_, i) => i))
      assert.deepStrictEqual(yield* Ref.get(offsets), [0, 100, 200])
    }))

  it.effect("in_memory style: everything in one page", () =>
    Effect.gen(function*() {
      const { fetch, offsets } = yield* server(1234, () => 100_000)
      assert.strictEqual((yield* Pagination.collect(fetch)).length, 1234)
      assert.deepStrictEqual(yield* Ref.get(offsets), [0])
    }))

  it.effect("a short page continues from where it really ended: no row skipped", () =>
    Effect.gen(function*() {
      const { fetch, offsets } = yield* server(30, (offset) => (offset === 0 ? 7 : 10))
      const rows = yield* Pagination.collect(fetch)
      assert.deepStrictEqual(rows, Array.from({ length: 30 }, (_, i) => i))
      assert.deepStrictEqual(yield* Ref.get(offsets), [0, 7, 17, 27])
    }))

  it.effect("an empty page or a missing pagination ends the stream (no infinite loop)", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const liar = (offset: number) =>
        Effect.as(Ref.update(calls, (n) => n + 1), {
          items: [] as Array<number>,
          pagination: { offset, limit: 10, startIndex: offset, endIndex: offset, total: 100 }
        })
      assert.deepStrictEqual(yield* Pagination.collect(liar), [])
      assert.strictEqual(yield* Ref.get(calls), 1)
      const none = () => Effect.succeed({ items: [1, 2], pagination: null })
      assert.deepStrictEqual(yield* Pagination.collect(none), [1, 2])
    }))

  it.effect("maxItems stops requesting pages", () =>
    Effect.gen(function*() {
      const { fetch, offsets } = yield* server(1000, () => 100)
      const rows = yield* Pagination.collect(fetch, { maxItems: 150 })
      assert.strictEqual(rows.length, 150)
      assert.deepStrictEqual(yield* Ref.get(offsets), [0, 100])
    }))

  it.effect("the stream is lazy: taking 5 rows fetches at most the page ahead", () =>
    Effect.gen(function*() {
      const { fetch, offsets } = yield* server(1000, () => 100)
      const rows = yield* Pagination.stream(fetch).pipe(Stream.take(5), Stream.runCollect)
      assert.deepStrictEqual(Chunk.toReadonlyArray(rows), [0, 1, 2, 3, 4])
      assert.isAtMost((yield* Ref.get(offsets)).length, 2)
    }))
})
