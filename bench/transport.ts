/**
 * The measurement behind the default HTTP client: client CPU per `Experiment.get` (no cache) over each HTTP client
 * the stack can use, with and without the platform's span per request, against the bench server in its own
 * process, next to the two floors. Interleaved rounds; medians of CPU µs per get (process.cpuUsage), which a
 * loaded machine disturbs far less than wall time.
 *
 *   npx tsx bench/transport.ts [--gets 500] [--rounds 7]
 *
 * Not part of `npm run bench`'s table; docs/BENCHMARKS.md ("Transport") quotes it.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { Determined, Experiment } from "effect-determined"
import { parseArgs } from "node:util"
import { interleaved, median, rawClient, startServer } from "./lib.js"

const args = parseArgs({ options: { gets: { type: "string" }, rounds: { type: "string" } }, strict: true }).values

const main = async () => {
  const server = await startServer(0.1)
  try {
    const ids = server.manifest.getIds
    const gets = Number(args.gets ?? "500")
    const list = Array.from({ length: gets }, (_, i) => ids[i % ids.length]!)
    const sdk = async (options: Determined.HttpClientOptions) => {
      const runtime = ManagedRuntime.make(
        Determined.layer({ master: server.url, username: "determined", password: "", cache: false, ...options })
          .pipe(Layer.orDie)
      )
      await runtime.runPromise(Experiment.get(list[0]!))
      return async () => {
        await runtime.runPromise(Effect.forEach(list, Experiment.get, { discard: true }))
        return 0
      }
    }
    const raw = async (transport: "fetch" | "undici") => {
      const client = await rawClient(server.url, transport)
      return async () => {
        for (const id of list) await client.json(`/api/v1/experiments/${id}`)
        return 0
      }
    }
    const runners = {
      "fetch floor": await raw("fetch"),
      "undici floor": await raw("undici"),
      "SDK, fetch, span per request": await sdk({ httpClient: "fetch", httpSpans: true }),
      "SDK, fetch, no span per request": await sdk({ httpClient: "fetch" }),
      "SDK, undici, span per request": await sdk({ httpClient: "undici", httpSpans: true }),
      "SDK, undici, no span per request (default)": await sdk({ httpClient: "undici" })
    }
    const samples = await interleaved(Number(args.rounds ?? "7"), runners)
    console.log(`| client | CPU µs per get (median of ${samples.cpu["fetch floor"].length} rounds of ${gets}) |`)
    console.log("|---|---:|")
    for (const name of Object.keys(runners) as Array<keyof typeof runners>) {
      console.log(`| ${name} | ${(median(samples.cpu[name]) / gets).toFixed(0)} |`)
    }
  } finally {
    await server.close()
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
