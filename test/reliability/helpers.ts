/**
 * Shared by the reliability tests: the chaos fault plan, a virtual-time driver that jumps from one scheduled
 * wake-up to the next, and a forced garbage collection for heap measurements.
 */
import { Clock, Duration, Effect, Fiber, Option } from "effect"
import type { LocalMaster } from "effect-determined/testing"
import * as v8 from "node:v8"
import * as vm from "node:vm"

/**
 * The plan of the chaos and soak tests (docs/RELIABILITY.md repeats it):
 * * - reads (GET): about 20 % fail transiently: dropped connections before or after the body starts, 502, 503
 *   (with Retry-After), 504 and HTML proxy pages, 3.7 % each (1 - 0.963^6 ≈ 20 %);
 * - idempotent writes (kill, move, archive, ...): 5 % fail before they reach the server (2.5 % 503, 2.5 % reset);
 * - every route, creates and logins included: 429 bursts of 3 with `Retry-After: 1` (1 % of requests start one),
 *   and connections refused 1 % of the time (never sent, so even creates are retried);
 * - log streams are cut in the middle of a line every 200 to 400 lines;
 * - tokens expire a minute after their first use (on the Clock): the next request with one answers 401;
 * - 30 % of requests are 5 to 250 ms slower (on the Effect Clock).
 */
export const chaosPlan: LocalMaster.FaultPlan = {
  seed: 2026,
  rules: [
    {
      method: "GET",
      path: "/api/v1/**",
      dropBefore: 0.037,
      status: { "502": 0.037, "503": 0.037, "504": 0.037 },
      html: 0.037,
      dropAfter: 0.037
    },
    {
      method: "POST",
      path: "/api/v1/{experiments,trials}/*/{kill,move,archive,unarchive,pause,activate,cancel}",
      status: { "503": 0.025 },
      dropBefore: 0.025
    },
    { path: "/api/v1/**", refuse: 0.01, rateLimit: { probability: 0.01, burst: 3, retryAfterSeconds: 1 } },
    { method: "GET", path: "/api/v1/trials/*/logs", cutAfterLines: [200, 400] },
    { path: "/api/v1/**", expireToken: { afterMillis: 60_000 } },
    { path: "/api/v1/**", latency: { probability: 0.3, millis: [5, 250] } }
  ]
}

const turn = () => new Promise<void>((resolve) => setTimeout(() => setImmediate(resolve), 0))

/**
 * A virtual `Clock` driven by the test. `TestClock.adjust` waits, with real timers, until every fiber is
 * suspended, which costs milliseconds per step and far more with hundreds of busy fibers; this clock only lets
 * the event loop turn (one timer tick and one check phase: pending I/O, promises and the Effect scheduler run)
 * and then moves to the next scheduled wake-up. Run the whole test under `Effect.withClock(clock)` so that the
 * emulator, the SDK and the test see the same time.
 */
export class VirtualClock implements Clock.Clock {
  readonly [Clock.ClockTypeId]: Clock.ClockTypeId = Clock.ClockTypeId
  /** Steps taken so far. */
  steps = 0
  private now: number
  private readonly pending = new Set<{ readonly at: number; readonly wake: () => void }>()
  constructor(start = 0) {
    this.now = start
  }
  unsafeCurrentTimeMillis(): number {
    return this.now
  }
  unsafeCurrentTimeNanos(): bigint {
    return BigInt(Math.round(this.now * 1_000_000))
  }
  readonly currentTimeMillis: Effect.Effect<number> = Effect.sync(() => this.now)
  readonly currentTimeNanos: Effect.Effect<bigint> = Effect.sync(() => this.unsafeCurrentTimeNanos())
  sleep(duration: Duration.Duration): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      const entry = { at: this.now + Math.max(0, Duration.toMillis(duration)), wake: () => resume(Effect.void) }
      this.pending.add(entry)
      return Effect.sync(() => {
        this.pending.delete(entry)
      })
    })
  }
  /** Sleeps scheduled and not yet woken. */
  get sleeping(): number {
    return this.pending.size
  }
  /**
   * One step: let the event loop turn, then move to the next wake-up (at least `minStep`, at most `maxStep`,
   * never past `until`) and wake every sleep due by then.
   */
  private step(minStep: number, maxStep: number, until: number): Effect.Effect<void> {
    return Effect.promise(async () => {
      await turn()
      let next = Infinity
      for (const e of this.pending) if (e.at < next) next = e.at
      const target = next === Infinity ? until : next
      if (target === Infinity) return // nothing scheduled yet: waiting for I/O
      this.now = Math.min(until, this.now + Math.min(Math.max(target - this.now, minStep), maxStep))
      this.steps++
      const due = [...this.pending].filter((e) => e.at <= this.now).sort((a, b) => a.at - b.at)
      for (const e of due) {
        this.pending.delete(e)
        e.wake()
      }
    })
  }
  /** Runs a forked fiber to its end, moving the clock as it sleeps. */
  drive<A, E>(fiber: Fiber.Fiber<A, E>, options: StepOptions = {}): Effect.Effect<A, E> {
    const minStep = Duration.toMillis(options.minStep ?? 0)
    const maxStep = Duration.toMillis(options.maxStep ?? "1 second")
    const loop: Effect.Effect<A, E> = Effect.flatMap(Fiber.poll(fiber), (done) =>
      Option.isSome(done)
        ? Fiber.join(fiber)
        : Effect.zipRight(this.step(minStep, maxStep, Infinity), Effect.suspend(() => loop)))
    return loop
  }
  /** Forks `effect` and drives it to its end. */
  run<A, E, R>(effect: Effect.Effect<A, E, R>, options: StepOptions = {}): Effect.Effect<A, E, R> {
    return Effect.flatMap(Effect.fork(effect), (fiber) => this.drive(fiber, options))
  }
  /** Moves the clock to `until` (millis), waking every sleep on the way. */
  advanceTo(until: number, options: StepOptions = {}): Effect.Effect<void> {
    const minStep = Duration.toMillis(options.minStep ?? 0)
    const maxStep = Duration.toMillis(options.maxStep ?? "1 second")
    const loop: Effect.Effect<void> = Effect.suspend(() =>
      this.now >= until ? Effect.void : Effect.zipRight(this.step(minStep, maxStep, until), loop)
    )
    return loop
  }
}

/** How a {@link VirtualClock} steps. */
export interface StepOptions {
  readonly minStep?: Duration.DurationInput | undefined
  readonly maxStep?: Duration.DurationInput | undefined
}

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
