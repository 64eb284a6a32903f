/**
 * Helpers for LocalMaster tests: talk to the emulator through `handle` (no SDK), read bodies and stream lines.
 */
import { Effect, Fiber, TestClock } from "effect"
import type { Duration } from "effect"
import type { LocalMaster } from "effect-determined/testing"

export type Master = LocalMaster.LocalMaster.Service

export interface CallResult {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

export interface CallOptions {
  readonly body?: unknown
  readonly token?: string | null
  readonly headers?: Record<string, string>
}

export const call = (
  master: Master,
  method: string,
  path: string,
  options: CallOptions = {}
): Effect.Effect<CallResult> =>
  Effect.gen(function*() {
    const headers: Record<string, string> = { ...options.headers }
    if (options.token !== undefined && options.token !== null) headers.authorization = `Bearer ${options.token}`
    const init: RequestInit = { method, headers }
    if (options.body !== undefined) {
      init.body = typeof options.body === "string" ? options.body : JSON.stringify(options.body)
      headers["content-type"] = "application/json"
    }
    const response = yield* master.handle(new Request(`http://local${path}`, init))
    const text = yield* Effect.promise(() => response.text())
    let json: any = undefined
    try {
      json = text === "" ? undefined : JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, headers: response.headers, text, json }
  })

/** Parses a newline-delimited stream body into its JSON lines (the last line may lack a newline). */
export const lines = (text: string): Array<any> =>
  text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l))

/** Runs `effect` in a fiber while moving the TestClock forward in steps until it completes (or `max` passes). */
export const withClock = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  step: Duration.DurationInput = "1 second",
  max = 600
): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < max; i++) {
      const done = yield* Fiber.poll(fiber)
      if (done._tag === "Some") break
      yield* TestClock.adjust(step)
      yield* Effect.yieldNow()
    }
    return yield* Fiber.join(fiber)
  })

export const config = (extra: string) => `name: test\nentrypoint: python3 train.py\n${extra}\n`

export const gridConfig = config(
  [
    "searcher: {name: grid, metric: validation_loss, max_length: {batches: 300}}",
    "min_validation_period: {batches: 100}",
    "min_checkpoint_period: {batches: 200}",
    "hyperparameters:",
    "  lr: {type: log, minval: -4, maxval: -2, base: 10, count: 2}",
    "  layers: {type: categorical, vals: [1, 2]}",
    "  global_batch_size: 32"
  ].join("\n")
)

export const singleConfig = (batches = 300, extra = "") =>
  config(
    `searcher: {name: single, metric: validation_loss, max_length: {batches: ${batches}}}\nhyperparameters: {lr: 0.003}\n${extra}`
  )

export const modelDefinition = [
  {
    path: "train.py",
    type: 48,
    content: Buffer.from("print('hello')\n").toString("base64"),
    mtime: "1700000000",
    mode: 33188,
    uid: 0,
    gid: 0
  },
  { path: "data", type: 53, content: "", mtime: "1700000000", mode: 16877, uid: 0, gid: 0 },
  {
    path: "data/x.csv",
    type: 48,
    content: Buffer.from("a,b\n1,2\n").toString("base64"),
    mtime: "1700000000",
    mode: 33188,
    uid: 0,
    gid: 0
  }
]
