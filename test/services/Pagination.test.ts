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

  it.effect("the stream is lazy: taking 5 rows (or the first) fetches one page", () =>
    Effect.gen(function*() {
      const { fetch, offsets } = yield* server(1000, () => 100)
      const rows = yield* Pagination.stream(fetch).pipe(Stream.take(5), Stream.runCollect)
      assert.deepStrictEqual(Chunk.toReadonlyArray(rows), [0, 1, 2, 3, 4])
      assert.deepStrictEqual(yield* Ref.get(offsets), [0])
      const half = yield* Pagination.stream(fetch).pipe(Stream.take(50), Stream.runCollect)
      assert.strictEqual(Chunk.size(half), 50)
      assert.deepStrictEqual(yield* Ref.get(offsets), [0, 0])
      const head = yield* Stream.runHead(Pagination.stream(fetch))
      assert.deepStrictEqual(head._tag === "Some" && head.value, 0)
      assert.deepStrictEqual(yield* Ref.get(offsets), [0, 0, 0])
    }))

  it.effect("read-ahead: the second page once the consumer reaches the first page's second half, then one page ahead", () =>
    Effect.gen(function*() {
      const { fetch, offsets } = yield* server(1000, () => 100)
      const requestedWhen: Array<[number, ReadonlyArray<number>]> = []
      yield* Pagination.stream(fetch).pipe(
        Stream.tap((row) =>
          [49, 50, 150, 250].includes(row)
            ? Effect.map(Ref.get(offsets), (os) => void requestedWhen.push([row, os]))
            : Effect.void
        ),
        Stream.take(300),
        Stream.runDrain
      )
      assert.deepStrictEqual(requestedWhen, [
        [49, [0]],
        [50, [0, 100]],
        [150, [0, 100, 200]],
        [250, [0, 100, 200, 300]]
      ])
      // Stream.take(60) of pages of 100 reads the page ahead (it reached the second half)
      yield* Ref.set(offsets, [])
      yield* Pagination.stream(fetch).pipe(Stream.take(60), Stream.runDrain)
      assert.deepStrictEqual(yield* Ref.get(offsets), [0, 100])
    }))

  it.effect("readAhead: 0 fetches strictly on demand", () =>
    Effect.gen(function*() {
      const { fetch, offsets } = yield* server(1000, () => 100)
      yield* Pagination.stream(fetch, { readAhead: 0 }).pipe(Stream.take(100), Stream.runDrain)
      assert.deepStrictEqual(yield* Ref.get(offsets), [0])
    }))
})
