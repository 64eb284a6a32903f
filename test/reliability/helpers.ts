/**
 * Shared by the reliability tests: the chaos fault plan, a virtual-time driver that jumps from one scheduled
 * wake-up to the next, and a forced garbage collection for heap measurements.
 */
import { Chunk, Duration, Effect, Fiber, Option, TestClock } from "effect"
import type { LocalMaster } from "effect-determined/testing"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import { yieldToEventLoop } from "../utils/mockHttp.js"

/**
 * The plan of the chaos and soak tests (docs/RELIABILITY.md repeats it):
 * - reads (GET): about 20 % fail transiently: dropped connections before or after the body starts, 502, 503
 *   (with Retry-After), 504 and HTML proxy pages, 4.5 % each;
 * - idempotent writes (kill, move, archive, ...): 5 % fail before they reach the server (2.5 % 503, 2.5 % reset);
 * - every route, creates and logins included: 429 bursts of 3 with `Retry-After: 1` (1 % of requests start one),
 *   and connections refused 1 % of the time (never sent, so even creates are retried);
 * - log streams are cut in the middle of a line every 200 to 400 lines;
 * - every 97th authenticated request answers 401 (the session expired);
 * - 30 % of requests are 5 to 250 ms slower (on the Effect Clock).
 */
export const chaosPlan: LocalMaster.FaultPlan = {
  seed: 2026,
  rules: [
    {
      method: "GET",
      path: "/api/v1/**",
      dropBefore: 0.045,
      status: { "502": 0.045, "503": 0.045, "504": 0.045 },
      html: 0.045,
      dropAfter: 0.045
    },
    {
      method: "POST",
      path: "/api/v1/{experiments,trials}/*/{kill,move,archive,unarchive,pause,activate,cancel}",
      status: { "503": 0.025 },
      dropBefore: 0.025
    },
    { path: "/api/v1/**", refuse: 0.01, rateLimit: { probability: 0.01, burst: 3, retryAfterSeconds: 1 } },
    { method: "GET", path: "/api/v1/trials/*/logs", cutAfterLines: [200, 400] },
    { path: "/api/v1/**", expireTokenEvery: 97 },
    { path: "/api/v1/**", latency: { probability: 0.3, millis: [5, 250] } }
  ]
}

/**
 * Runs a forked fiber to its end in virtual time: lets pending I/O land (real event-loop turns), then moves the
 * `TestClock` to the next scheduled wake-up (at most `maxStep` at once), until the fiber is done.
 */
export const drive = <A, E>(
  fiber: Fiber.Fiber<A, E>,
  options: {
    readonly maxStep?: Duration.DurationInput
    readonly minStep?: Duration.DurationInput
    readonly maxSteps?: number
  } = {}
) =>
  Effect.gen(function*() {
    const maxStep = Duration.toMillis(options.maxStep ?? "1 second")
    const minStep = Duration.toMillis(options.minStep ?? 0)
    const maxSteps = options.maxSteps ?? 1_000_000
    for (let i = 0; i < maxSteps; i++) {
      const done = yield* Fiber.poll(fiber)
      if (Option.isSome(done)) {
        steps += i
        return yield* Fiber.join(fiber)
      }
      yield* yieldToEventLoop
      const sleeps = yield* TestClock.sleeps()
      if (Chunk.isEmpty(sleeps)) continue
      const now = yield* TestClock.currentTimeMillis
      const next = Math.min(...Chunk.toReadonlyArray(sleeps))
      yield* TestClock.adjust(Math.min(Math.max(next - now, minStep), maxStep))
    }
    return yield* Effect.dieMessage(`fiber not done after ${maxSteps} steps`)
  })

/** Clock steps taken by {@link drive} so far (for reports). */
export let steps = 0

/** Runs `effect` in a forked fiber driven by {@link drive}. */
export const virtual = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options?: Parameters<typeof drive>[1]
) => Effect.flatMap(Effect.fork(effect), (fiber) => drive(fiber, options))

let gcFunction: (() => void) | undefined

/** A full garbage collection (`--expose-gc` turned on at run time). */
export const collectGarbage = (): void => {
  if (gcFunction === undefined) {
    v8.setFlagsFromString("--expose-gc")
    gcFunction = vm.runInNewContext("gc") as () => void
  }
  gcFunction()
  gcFunction()
}

/** Heap in use after a full collection, in bytes. */
export const heapAfterGc = Effect.sync(() => {
  collectGarbage()
  return process.memoryUsage().heapUsed
})
