#!/usr/bin/env node
/**
 * `npm run local-master -- --port <p> [--seed <n>] [--speed <batches/s>] [--faults <plan>]`: serves a LocalMaster on
 * 127.0.0.1 and prints one line `listening on http://127.0.0.1:<p>`. Stops cleanly on SIGINT / SIGTERM, also when
 * they are sent to npm's process: the npm script `exec`s tsx (a shell between them would not pass npm's signal on,
 * and the server outlived npm), and tsx relays the signal here.
 * `--faults` takes a fault plan (docs/RELIABILITY.md) as a JSON text or the path of a JSON file.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { parseArgs } from "node:util"
import { parsePlan } from "../testing/internal/faults.js"
import * as LocalMaster from "../testing/LocalMaster.js"

const usage = "usage: local-master --port <port> [--seed <n>] [--speed <batches per second>] [--faults <JSON or file>]"

const parsed = (() => {
  try {
    return parseArgs({
      options: {
        port: { type: "string", short: "p" },
        seed: { type: "string" },
        speed: { type: "string" },
        faults: { type: "string" },
        help: { type: "boolean", short: "h" }
      },
      strict: true
    }).values
  } catch (e) {
    console.error(`${(e as Error).message}\n${usage}`)
    process.exit(2)
  }
})()

if (parsed.help === true) {
  console.log(usage)
  process.exit(0)
}

const number = (name: string, value: string | undefined, dflt: number): number => {
  if (value === undefined) return dflt
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) {
    console.error(`invalid --${name}: ${value}\n${usage}`)
    process.exit(2)
  }
  return n
}

const port = number("port", parsed.port, 8080)
const seed = number("seed", parsed.seed, 42)
const speed = number("speed", parsed.speed, 100)
const faults = (() => {
  if (parsed.faults === undefined) return undefined
  try {
    return parsePlan(parsed.faults)
  } catch (e) {
    console.error(`--faults: ${(e as Error).message}\n${usage}`)
    process.exit(2)
  }
})()

const program = Effect.scoped(
  Effect.gen(function*() {
    const { url } = yield* LocalMaster.serve({ port, seed, speed, faults }).pipe(
      Effect.catchTag("ServeError", (e) =>
        Effect.sync(() => {
          console.error(`local-master: ${e.message}`)
          process.exit(1)
        }))
    )
    yield* Effect.sync(() => console.log(`listening on ${url}`))
    return yield* Effect.never
  })
)

const fiber = Effect.runFork(program)
let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  Effect.runFork(Fiber.interrupt(fiber))
}
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
fiber.addObserver((exit) => {
  if (Exit.isFailure(exit) && !Exit.isInterrupted(exit)) {
    console.error(exit.cause)
    process.exit(1)
  }
  process.exit(0)
})
