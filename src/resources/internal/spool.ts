/**
 * Reading a download at the network's speed whatever its consumer does. A consumer slower than the network
 * (extraction writing many files) back-pressures the connection: the server's socket sees no progress, and a
 * server or proxy with an idle timeout closes it ("other side closed"), failing the download. Spooling writes
 * the body to a temporary file as fast as it arrives and hands its bytes to the consumer from that file, as fast
 * as the consumer takes them: memory stays bounded (one chunk in each direction), the connection never waits
 * for the consumer, and the idle timeout of the body (`DeterminedConfig.streamIdleTimeout`) measures the
 * network alone.
 *
 * The file lives in a temporary directory of its own in `directory` (the download's destination, so on the disk
 * the user chose), and is removed when the stream ends, fails or is interrupted. It holds the whole body until
 * then: a download needs its own size on the disk once more while it runs.
 *
 * @internal
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as Errors from "../../DeterminedError.js"

/** Bytes handed to the consumer at a time. */
const READ_SIZE = 64 * 1024

/**
 * `source`, read at its own speed into a temporary file in `directory`, whose bytes are emitted as the consumer
 * pulls them. Fails with `source`'s failure once the bytes before it were emitted, and with
 * `OutputDirError{reason: "WriteFailed"}` when the file cannot be written or read.
 *
 * @internal
 */
export const spooled = <E, R>(
  source: Stream.Stream<Uint8Array, E, R>,
  directory: string,
  prefix: string
): Stream.Stream<Uint8Array, E | Errors.OutputDirError, R | FileSystem.FileSystem> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const failed = (e: { readonly message: string }) =>
      new Errors.OutputDirError({
        path: directory,
        reason: "WriteFailed",
        message: `spooling the download failed: ${e.message}`
      })
    // scoped, released in reverse order: the writer fiber is interrupted, both handles closed, the file removed
    const file = yield* fs.makeTempFileScoped({ directory, prefix }).pipe(Effect.mapError(failed))
    const writer = yield* fs.open(file, { flag: "w" }).pipe(Effect.mapError(failed))
    const reader = yield* fs.open(file, { flag: "r" }).pipe(Effect.mapError(failed))
    // what the writer has written, and how it ended; `changed` wakes the reader (one pending signal is enough)
    let written = 0
    let read = 0
    let ended: Exit.Exit<void, E | Errors.OutputDirError> | undefined
    const changed = yield* Queue.sliding<void>(1)
    yield* source.pipe(
      Stream.runForEach((chunk) =>
        Effect.zipRight(
          Effect.mapError(writer.writeAll(chunk), failed),
          Effect.suspend(() => {
            written += chunk.byteLength
            return changed.offer(undefined)
          })
        )
      ),
      Effect.exit,
      Effect.flatMap((exit) => {
        ended = exit
        return changed.offer(undefined)
      }),
      Effect.forkScoped
    )
    const next: Effect.Effect<Uint8Array, Option.Option<E | Errors.OutputDirError>> = Effect.suspend(() => {
      if (read < written) {
        return reader.readAlloc(Math.min(READ_SIZE, written - read)).pipe(
          Effect.mapError((e) => Option.some(failed(e))),
          Effect.flatMap(Option.match({
            onNone: () => Effect.fail(Option.some(failed({ message: "the spool file ended early" }))),
            onSome: (bytes) => {
              read += bytes.byteLength
              return Effect.succeed(bytes)
            }
          }))
        )
      }
      if (ended !== undefined) {
        return ended._tag === "Success"
          ? Effect.fail(Option.none())
          : Effect.failCause(Cause.map(ended.cause, Option.some))
      }
      return Effect.zipRight(changed.take, next)
    })
    return Stream.repeatEffectOption(next)
  }))
