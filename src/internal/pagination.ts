/**
 * Pagination whose rows are decoded in a later stage than the request, so that decoding a page overlaps the request
 * of the next (used by `Experiment.list` / `stream`, whose rows are the costliest to decode).
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Pagination from "../services/Pagination.js"

/**
 * Like `Pagination.stream`, for pages fetched as raw JSON rows and decoded in a later stage: the next page is requested
 * as soon as the current one has arrived, and its rows are decoded while that request is in flight, so decoding
 * overlaps the server's work instead of adding to it.
 *
 * @internal
 */
export const streamDecoded = <Raw, A, E, R, E2, R2>(
  fetchPage: (offset: number) => Effect.Effect<Pagination.Page<Raw>, E, R>,
  decode: (rows: ReadonlyArray<Raw>) => Effect.Effect<ReadonlyArray<A>, E2, R2>,
  options: Pagination.Options = {}
): Stream.Stream<A, E | E2, R | R2> =>
  Stream.mapChunksEffect(
    Pagination.stream(fetchPage, options),
    (rows) => Effect.map(decode(Chunk.toReadonlyArray(rows)), (decoded) => Chunk.unsafeFromArray(decoded as Array<A>))
  )

/**
 * `streamDecoded`, collected.
 *
 * @internal
 */
export const collectDecoded = <Raw, A, E, R, E2, R2>(
  fetchPage: (offset: number) => Effect.Effect<Pagination.Page<Raw>, E, R>,
  decode: (rows: ReadonlyArray<Raw>) => Effect.Effect<ReadonlyArray<A>, E2, R2>,
  options: Pagination.Options = {}
): Effect.Effect<ReadonlyArray<A>, E | E2, R | R2> =>
  Effect.map(Stream.runCollect(streamDecoded(fetchPage, decode, options)), Chunk.toReadonlyArray)
