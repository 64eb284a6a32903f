/**
 * Streaming a response body straight from its source, a Node `Readable` (the platform's undici client) or a web
 * `ReadableStream` (fetch, LocalMaster), instead of through the platform's `response.stream`.
 *
 * Why (measured, docs/BENCHMARKS.md "Third pass"): `response.stream` is `NodeStream.fromReadable` (undici) or
 * `Stream.fromReadableStream` (fetch), and the idle timeout was `Stream.timeoutFailCause` over it: a fiber, a
 * clock timer and a dozen Effect steps for every network chunk, and one Stream chunk per network chunk through
 * every stage after it. Here the bytes are queued as they arrive (bounded: the source is paused past
 * {@link highWaterMark} bytes, so a slow consumer holds the server back instead of growing the queue), and each
 * pull takes everything queued as one Stream chunk, without an Effect step when bytes are waiting; the idle timer
 * runs only while the queue is empty and the body still open, i.e. while waiting for the network.
 *
 * @internal
 */
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { MAX_CHUNK } from "./chunks.js"
import type { NodeReadable } from "./nodeBody.js"

/** What a source tells the queue: chunks, then at most one of `end` or `fail`. */
interface Sink {
  readonly data: (chunk: Uint8Array) => void
  readonly end: () => void
  readonly fail: (cause: unknown) => void
}

/** A body that pushes its chunks and can be paused, resumed and released. @internal */
export interface Source {
  /** Start delivering to `sink` (called once, when the stream starts). */
  readonly start: (sink: Sink) => void
  readonly pause: () => void
  readonly resume: () => void
  /** Stop reading and release the body: an unfinished one closes its connection. */
  readonly cancel: () => void
  /**
   * How the queue wakes the reader when bytes arrive for it. A Node body defers the wake-up to `setImmediate`,
   * after the I/O callbacks of the same event-loop turn: the chunks that arrived together are then taken in one
   * pull instead of one pull each.
   */
  readonly defer?: ((wake: () => void) => void) | undefined
}

/** A Node body that can be paused: every `Readable`, undici's `BodyReadable` among them. */
interface PausableReadable extends NodeReadable {
  pause(): unknown
  resume(): unknown
}

/** A Node body that can be paused (every `Readable`). @internal */
export const isPausable = (u: NodeReadable): u is PausableReadable =>
  typeof (u as { pause?: unknown }).pause === "function" && typeof (u as { resume?: unknown }).resume === "function"

const immediate = typeof setImmediate === "function" ? (wake: () => void) => void setImmediate(wake) : undefined

/** A Node `Readable` as a {@link Source} (flowing mode, paused and resumed by the queue). @internal */
export const nodeSource = (body: PausableReadable): Source => {
  let sink: Sink | undefined
  const detach = () => {
    body.off("data", onData)
    body.off("end", onEnd)
    body.off("error", onError)
    body.off("close", onClose)
  }
  const onData = (chunk: Uint8Array) => sink!.data(chunk)
  const onEnd = () => {
    detach()
    sink!.end()
  }
  const onError = (error: unknown) => {
    detach()
    sink!.fail(error)
  }
  // closed without an end or an error: the connection went away in the middle of the body
  const onClose = () => {
    detach()
    sink!.fail(new Error("the connection closed before the end of the body"))
  }
  return {
    start: (s) => {
      sink = s
      if (body.readableEnded || body.destroyed) return s.fail(new Error("the body was already read"))
      body.on("error", onError)
      body.on("end", onEnd)
      body.on("close", onClose)
      body.on("data", onData)
    },
    pause: () => body.pause(),
    resume: () => body.resume(),
    cancel: () => {
      detach()
      body.destroy()
    },
    defer: immediate
  }
}

/** A web `ReadableStream` as a {@link Source}: read ahead while not paused. @internal */
export const webSource = (body: ReadableStream<Uint8Array>): Source => {
  let sink: Sink | undefined
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  let paused = false
  let reading = false
  let done = false
  const pump = (): void => {
    if (paused || reading || done) return
    reading = true
    reader!.read().then(({ done: end, value }) => {
      reading = false
      if (done) return
      if (end) {
        done = true
        return sink!.end()
      }
      sink!.data(value)
      pump()
    }, (cause) => {
      reading = false
      if (done) return
      done = true
      sink!.fail(cause)
    })
  }
  return {
    start: (s) => {
      sink = s
      try {
        reader = body.getReader()
      } catch (cause) {
        done = true
        return s.fail(cause)
      }
      pump()
    },
    pause: () => {
      paused = true
    },
    resume: () => {
      paused = false
      pump()
    },
    cancel: () => {
      if (done) return
      done = true
      reader?.cancel().catch(() => {})
    }
  }
}

/**
 * Bytes queued before the source is paused. A pull takes everything queued, so this also bounds the bytes of one
 * Stream chunk. 1 MiB: a few thousand log lines or metric reports per chunk, a few MiB of decoded values at most.
 * @internal
 */
export const highWaterMark = 1024 * 1024

// the clock fibers run on unless something replaced it (TestClock, Effect.withClock); as in deadline.ts
const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)

// setTimeout's largest delay; a longer idle timeout is none (as the live clock's own scheduler treats it)
const maxTimerMillis = 2 ** 31 - 1

/**
 * The bytes of `source` as a Stream: fails with `failed(cause)` when the source fails (after the bytes that came
 * before), with `onIdle()` when nothing arrives for `idle` while waiting for it; ending or interrupting the stream
 * before the body's end cancels the source.
 * @internal
 */
export const sourceStream = <E>(source: Source, options: {
  readonly idle: Duration.Duration
  readonly onIdle: () => E
  readonly failed: (cause: unknown) => E
}): Stream.Stream<Uint8Array, E> =>
  Stream.unwrap(Effect.clockWith((clock) =>
    Effect.sync(() => {
      let queue: Array<Uint8Array> = []
      let queued = 0
      let paused = false
      let state: "open" | "ended" | "failed" = "open"
      let cause: unknown
      // the reader waiting for the queue, if any
      let waiting: (() => void) | undefined
      let wakeScheduled = false
      const wakeNow = () => {
        wakeScheduled = false
        const w = waiting
        waiting = undefined
        w?.()
      }
      const defer = source.defer
      const wake = () => {
        if (waiting === undefined || wakeScheduled) return
        if (defer === undefined) return wakeNow()
        wakeScheduled = true
        defer(wakeNow)
      }
      // everything queued, up to MAX_CHUNK buffers in one chunk (internal/chunks.ts)
      const take = (): Chunk.Chunk<Uint8Array> => {
        let taken = queue
        if (queue.length <= MAX_CHUNK) {
          queue = []
          queued = 0
        } else {
          taken = queue.slice(0, MAX_CHUNK)
          queue = queue.slice(MAX_CHUNK)
          for (const bytes of taken) queued -= bytes.byteLength
        }
        const chunk = Chunk.unsafeFromArray(taken)
        if (paused && queued < highWaterMark) {
          paused = false
          source.resume()
        }
        return chunk
      }

      const millis = Duration.toMillis(options.idle)
      // something may have arrived between the check of the queue and the wait (a fiber can yield in between)
      const ready = () => queue.length > 0 || state !== "open"
      const untimed = Effect.async<void>((resume) => {
        if (ready()) return resume(Effect.void)
        waiting = () => resume(Effect.void)
        return Effect.sync(() => {
          waiting = undefined
        })
      })
      // the idle timeout, while waiting only: one setTimeout on the live clock, `Effect.timeoutFail` on any other
      const wait: Effect.Effect<void, E> = !(millis <= maxTimerMillis)
        ? untimed
        : clock === liveClock
        ? Effect.async<void, E>((resume) => {
          if (ready()) return resume(Effect.void)
          const timer = setTimeout(() => {
            waiting = undefined
            resume(Effect.fail(options.onIdle()))
          }, millis)
          waiting = () => {
            clearTimeout(timer)
            resume(Effect.void)
          }
          return Effect.sync(() => {
            waiting = undefined
            clearTimeout(timer)
          })
        })
        : Effect.timeoutFail(untimed, { duration: options.idle, onTimeout: options.onIdle })

      const loop: Channel.Channel<Chunk.Chunk<Uint8Array>, unknown, E, unknown, void, unknown> = Channel.suspend(
        () => {
          if (queue.length > 0) return Channel.zipRight(Channel.write(take()), loop)
          if (state === "ended") return Channel.void
          if (state === "failed") return Channel.fail(options.failed(cause))
          return Channel.zipRight(Channel.fromEffect(wait), loop)
        }
      )

      source.start({
        data: (chunk) => {
          if (state !== "open") return
          queue.push(chunk)
          queued += chunk.byteLength
          if (!paused && queued >= highWaterMark) {
            paused = true
            source.pause()
          }
          wake()
        },
        end: () => {
          if (state !== "open") return
          state = "ended"
          wake()
        },
        fail: (c) => {
          if (state !== "open") return
          state = "failed"
          cause = c
          wake()
        }
      })
      return Stream.fromChannel(loop).pipe(Stream.ensuring(Effect.sync(() => {
        if (state !== "ended") source.cancel()
        state = "ended"
        queue = []
      })))
    })
  ))
