/**
 * `npm run local-master -- --port <p> [--seed <n>] [--speed <batches/s>]`: serves a LocalMaster on 127.0.0.1 and
 * prints one line `listening on http://127.0.0.1:<p>`. Stops cleanly on SIGINT / SIGTERM.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { parseArgs } from "node:util"
import * as LocalMaster from "../testing/LocalMaster.js"

const usage = "usage: local-master --port <port> [--seed <n>] [--speed <batches per second>]"

const parsed = (() => {
  try {
    return parseArgs({
      options: {
        port: { type: "string", short: "p" },
        seed: { type: "string" },
        speed: { type: "string" },
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

const program = Effect.scoped(
  Effect.gen(function*() {
    const { url } = yield* LocalMaster.serve({ port, seed, speed })
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
