/**
 * Kill many experiments by id: one POST each, no GET. Operations take plain ids, so nothing is fetched that
 * the kill does not need (upstream would build `Experiment(id)` objects; here there is nothing to build).
 *
 *   npm run example -- bulk-kill [id ...]
 *
 * Without ids it launches five short experiments first and kills those.
 */
import { Console, Effect, Option } from "effect"
import { Experiment } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { launch } from "./lib/experiments.js"

export const description = "kill experiments by id (one POST each, no GET)"

export const run = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const ids = args.length > 0
      ? args.map(Number)
      : yield* Effect.forEach([1, 2, 3, 4, 5], (i) => launch({ name: `examples: bulk-kill ${i}`, batches: 100_000 }))

    // against the embedded LocalMaster, count what the kills cost
    const local = yield* Effect.serviceOption(LocalMaster.LocalMaster)
    if (Option.isSome(local)) yield* local.value.resetRequests

    yield* Effect.forEach(ids, Experiment.kill, { concurrency: 8, discard: true })
    yield* Console.log(`killed ${ids.length} experiment(s): ${ids.join(", ")}`)

    if (Option.isNone(local)) return { killed: ids, gets: undefined, posts: undefined }
    const requests = (yield* local.value.requests).filter((r) => !r.path.startsWith("/api/v1/auth/"))
    const gets = requests.filter((r) => r.method === "GET").length
    const posts = requests.filter((r) => r.method === "POST").length
    yield* Console.log(`requests: ${posts} POST, ${gets} GET`)
    return { killed: ids, gets, posts }
  })
