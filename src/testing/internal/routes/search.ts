/**
 * The filter-language endpoints: SearchExperiments, SearchRuns, GetProjectColumns and
 * GetProjectNumericMetricsRange (shared/docs/search-filter.md). The filter compiler and the relations it runs
 * over live in ../search/.
 *
 * @internal
 */
import type { Experiment, Trial, World } from "../domain/store.js"
import type { JsonObject } from "../json.js"
import type { Routes } from "../router.js"
import { experimentTableColumns, metricRanges, runTableColumns } from "../search/columns.js"
import type { Plan } from "../search/filter.js"
import { compileFilter, evaluate } from "../search/filter.js"
import type { JoinedRow } from "../search/rows.js"
import { Relations } from "../search/rows.js"
import { compileSort } from "../search/sort.js"
import { pgError } from "../search/sql.js"
import { experimentJson, paginationJson, trialJson } from "../views.js"
import type { Body } from "../wire.js"
import { json, pageInfo, timestamp } from "../wire.js"

const userLookup = (world: World) => (id: number) => {
  const u = world.users.get(id)
  return { display: u?.displayName ?? "", username: u?.username ?? "" }
}

interface Request {
  readonly projectId: number | undefined
  readonly offset: number
  readonly limit: number
  readonly plan: Plan | undefined
  readonly sort: string | undefined
}

const readRequest = (world: World, b: Body, endpoint: "experiments" | "runs"): Request => {
  const projectId = b.int("projectId")
  if (projectId !== undefined) world.project(projectId)
  const limit = b.int("limit") ?? 0
  const filter = b.string("filter")
  const plan = filter === undefined ? undefined : compileFilter(filter, endpoint)
  if (limit <= -3) throw pgError("LIMIT must not be negative", "2201W")
  return { projectId, offset: b.int("offset") ?? 0, limit, plan, sort: b.string("sort") }
}

/** Filters (every row is evaluated, so row-dependent errors surface), sorts and pages. */
const run = (world: World, req: Request, endpoint: "experiments" | "runs", rows: Array<JoinedRow>) => {
  const compare = compileSort(req.sort, endpoint, userLookup(world))
  const plan = req.plan
  const kept = plan === undefined ? rows : rows.filter((r) => evaluate(plan, r) === true)
  kept.sort(compare)
  return pageInfo(kept, req.offset, req.limit)
}

/** The best trial as SearchExperiments renders it (a special query: not GetTrial's view). @internal */
export const bestTrialJson = (world: World, exp: Experiment, t: Trial, searcherValue: number | null): JsonObject => {
  return {
    ...trialJson(world, t),
    state: `STATE_${t.state}`,
    bestCheckpoint: null,
    wallClockTime: 0,
    bestValidation: t.bestValidation === undefined
      ? { totalBatches: 0, endTime: null, numInputs: 0, metrics: { avgMetrics: null, batchMetrics: [] } }
      : trialJson(world, t).bestValidation ?? null,
    searcherMetricValue: searcherValue ?? 0,
    summaryMetrics: Object.keys(t.summary).length === 0 ? null : t.summary,
    experimentId: exp.id
  }
}

/** A `FlatRun`. @internal */
export const flatRunJson = (world: World, row: JoinedRow): JsonObject => {
  const e = row.exp
  const r = row.run!
  const project = world.projects.get(e.projectId)
  const workspace = project === undefined ? undefined : world.workspaces.get(project.workspaceId)
  const searcher = e.config.searcher as JsonObject
  const out: JsonObject = {
    id: r.id,
    startTime: timestamp(r.startTime),
    endTime: r.endTime === null ? null : timestamp(r.endTime),
    state: `STATE_${r.state}`,
    labels: (e.config.labels as Array<string> | undefined) ?? [],
    checkpointSize: String(r.checkpointSize),
    checkpointCount: r.checkpointCount
  }
  if (r.searcherMetricValue !== null) out.searcherMetricValue = r.searcherMetricValue
  if (r.externalRunId !== null) out.externalRunId = r.externalRunId
  if (Object.keys(r.hparams).length > 0) out.hyperparameters = r.hparams
  if (r.summary !== null) out.summaryMetrics = r.summary
  out.userId = e.userId
  out.duration = Math.trunc(((r.endTime ?? world.now) - r.startTime) / 1000)
  out.projectId = e.projectId
  out.projectName = project?.name ?? ""
  out.workspaceId = workspace?.id ?? 0
  out.workspaceName = workspace?.name ?? ""
  out.parentArchived = row.parentArchived
  const experiment: JsonObject = {
    id: e.id,
    searcherType: String(searcher.name),
    searcherMetric: String(searcher.metric),
    resourcePool: String((e.config.resources as JsonObject | undefined)?.resource_pool ?? "default"),
    progress: e.progress ?? 0,
    description: typeof e.config.description === "string" ? e.config.description : "",
    name: String(e.config.name),
    unmanaged: row.unmanaged,
    isMultitrial: searcher.name !== "single"
  }
  if (e.parentId !== null) experiment.forkedFrom = e.parentId
  if (row.externalExperimentId !== null) experiment.externalExperimentId = row.externalExperimentId
  out.experiment = experiment
  if (r.metadata !== undefined) out.metadata = r.metadata
  out.archived = e.archived || r.archived
  out.localId = r.localId
  return out
}

/** @internal */
export const routes: Routes = {
  SearchExperiments: (ctx) => {
    const world = ctx.world
    const req = readRequest(world, ctx.body, "experiments")
    const rel = new Relations(world, world.now)
    const rows: Array<JoinedRow> = []
    for (const e of world.experiments.values()) {
      if (e.state === "DELETING") continue
      if (req.projectId !== undefined && e.projectId !== req.projectId) continue
      const best = rel.bestTrial(e)
      rows.push(rel.joined(e, best === undefined ? null : rel.run(e, best)))
    }
    const page = run(world, req, "experiments", rows)
    return json({
      experiments: page.items.map((row) => {
        const experiment = experimentJson(world, row.exp, true)
        if (row.run === null) return { experiment, bestTrial: null }
        return {
          experiment: { ...experiment, bestTrialId: row.run.id },
          bestTrial: bestTrialJson(world, row.exp, row.run.trial, row.run.searcherMetricValue)
        }
      }),
      pagination: paginationJson(page.pagination)
    })
  },
  SearchRuns: (ctx) => {
    const world = ctx.world
    const req = readRequest(world, ctx.body, "runs")
    const rel = new Relations(world, world.now)
    const rows: Array<JoinedRow> = []
    for (const e of world.experiments.values()) {
      if (req.projectId !== undefined && e.projectId !== req.projectId) continue
      for (const t of world.trialsOf(e)) rows.push(rel.joined(e, rel.run(e, t)))
    }
    const page = run(world, req, "runs", rows)
    return json({
      runs: page.items.map((row) => flatRunJson(world, row)),
      pagination: paginationJson(page.pagination)
    })
  },
  GetProjectColumns: (ctx) => {
    const world = ctx.world
    const id = ctx.int("id")
    world.project(id)
    const table = ctx.query.enumValue("tableType", "determined.api.v1.TableType")
    const rel = new Relations(world, world.now)
    return json({
      columns: table === "TABLE_TYPE_RUN" ? runTableColumns(world, id) : experimentTableColumns(world, rel, id)
    })
  },
  GetProjectNumericMetricsRange: (ctx) => {
    const world = ctx.world
    const id = ctx.int("id")
    world.project(id)
    return json({ ranges: metricRanges(world, new Relations(world, world.now), id) })
  }
}
