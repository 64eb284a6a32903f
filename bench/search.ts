/**
 * The search scenario of `npm run bench`: one query over the 20,000 experiments of the list project, pushed down
 * to SearchExperiments, against the same query answered by listing every experiment and filtering in the SDK
 * (`pushDown: false`, what the Python SDK's users do): rows read and time. The two answers are checked to be the
 * same.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { Determined, Experiment, Query } from "effect-determined"
import type { Row } from "./lib.js"
import { interleaved, median, routeCount, spread } from "./lib.js"
import type { Context } from "./scenarios.js"

// names are `seeded-<id>`: about 1 in 50 contain "77" or end in "99"
const query = Query.where(
  Query.or(Query.field("name").contains("77"), Query.field("name").contains("99")),
  Query.field("state").eq("COMPLETED")
)

export const search = async (ctx: Context): Promise<Array<Row>> => {
  const { listProjectId, listCount } = ctx.server.manifest
  const runtime = ManagedRuntime.make(
    Determined.layer({ master: ctx.server.url, username: "determined", password: "", cache: false }).pipe(Layer.orDie)
  )
  await runtime.runPromise(Effect.asVoid(Experiment.searchList(query, { projectId: listProjectId, pageSize: 1 })))
  const rowsRead = { pushed: 0, everything: 0 }
  const requests = { pushed: 0, everything: 0 }
  const answers = { pushed: "", everything: "" }
  const runner = (kind: "pushed" | "everything") => async () => {
    await ctx.server.reset()
    const start = performance.now()
    const result = await runtime.runPromise(
      Experiment.searchList(query, { projectId: listProjectId, pageSize: 1000, pushDown: kind === "pushed" })
    )
    const ms = performance.now() - start
    rowsRead[kind] = result.explanation.stats!.rowsRead
    requests[kind] = routeCount(await ctx.server.count(), "POST /api/v1/experiments-search")
    answers[kind] = result.items.map((x) => x.experiment.id).join(",")
    return ms
  }
  const samples = await interleaved(ctx.rounds, { pushed: runner("pushed"), everything: runner("everything") })
  await runtime.dispose()
  if (answers.pushed !== answers.everything) throw new Error("search: push-down changed the answer")
  const sdk = median(samples.values.pushed)
  const baseline = median(samples.values.everything)
  const matched = answers.pushed === "" ? 0 : answers.pushed.split(",").length
  return [{
    name: `9. search: one query over ${
      listCount.toLocaleString("en-US")
    } experiments, pushed down vs list everything and filter`,
    sdk,
    baseline,
    unit: "ms",
    ratio: sdk / baseline,
    undici: null,
    requests: requests.pushed,
    baselineRequests: requests.everything,
    rssMb: null,
    sdkSpreadPct: spread(samples.values.pushed),
    baselineSpreadPct: spread(samples.values.everything),
    goals: [
      { goal: "same answer", met: true },
      { goal: "reads only the matching rows", met: rowsRead.pushed === matched },
      { goal: "faster than listing everything", met: sdk < baseline }
    ],
    note: `${matched} matches; rows read: ${rowsRead.pushed.toLocaleString("en-US")} pushed down, ${
      rowsRead.everything.toLocaleString("en-US")
    } listing everything (pages of 1,000); baseline = list everything and filter in the SDK`
  }]
}
