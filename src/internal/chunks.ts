/**
 * The largest chunk the SDK's streams emit, and the means to keep to it.
 *
 * Effect's own folds over a stream (`Stream.runFold`, `Stream.runFoldWhile`, `Sink.fold`) recurse once per item
 * of a chunk (`foldChunkSplit` in effect's sink): on Node 20 a chunk of 8,192 numbers folded at the top of the
 * stack already overflows it (4,096 do not), and deeper in a program less is enough. Reading a network chunk's
 * lines together (internal/http.ts `ndjson`, up to 1 MiB of read-ahead: thousands of log lines, or 5,000 metric
 * reports in five lines) would make chunks that large, so every chunk the SDK emits holds at most
 * {@link MAX_CHUNK} items: still one Stream step per thousand items.
 *
 * @internal
 */
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Stream from "effect/Stream"

/** Most items in one emitted chunk. @internal */
export const MAX_CHUNK = 1024

/** `items` as chunks of at most {@link MAX_CHUNK}, in order (none for no items). @internal */
export const bounded = <A>(items: ReadonlyArray<A>): Array<Chunk.Chunk<A>> => {
  if (items.length <= MAX_CHUNK) return items.length === 0 ? [] : [Chunk.unsafeFromArray(items)]
  const out: Array<Chunk.Chunk<A>> = []
  for (let start = 0; start < items.length; start += MAX_CHUNK) {
    out.push(Chunk.unsafeFromArray(items.slice(start, start + MAX_CHUNK)))
  }
  return out
}

/** A channel step that writes `items` (in chunks of at most {@link MAX_CHUNK}) and goes on with `next`. @internal */
export const writeBounded = <A, InElem, OutErr, InErr, OutDone, InDone, R>(
  items: ReadonlyArray<A>,
  next: Channel.Channel<Chunk.Chunk<A>, InElem, OutErr, InErr, OutDone, InDone, R>
): Channel.Channel<Chunk.Chunk<A>, InElem, OutErr, InErr, OutDone, InDone, R> => {
  const chunks = bounded(items)
  if (chunks.length === 0) return next
  return Channel.zipRight(chunks.length === 1 ? Channel.write(chunks[0]!) : Channel.writeAll(...chunks), next)
}

/**
 * `self` with every chunk longer than {@link MAX_CHUNK} split (one step per chunk; shorter chunks pass as they
 * are, nothing is held back).
 * @internal
 */
export const boundChunks = <A, E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<A, E, R> => {
  const splitter: Channel.Channel<Chunk.Chunk<A>, Chunk.Chunk<A>, E, E, unknown, unknown> = Channel.readWithCause({
    onInput: (chunk: Chunk.Chunk<A>) =>
      chunk.length <= MAX_CHUNK
        ? Channel.zipRight(Channel.write(chunk), splitter)
        : writeBounded(Chunk.toReadonlyArray(chunk), splitter),
    onFailure: (cause) => Channel.failCause(cause),
    onDone: () => Channel.void
  })
  return Stream.pipeThroughChannel(self, splitter)
}
