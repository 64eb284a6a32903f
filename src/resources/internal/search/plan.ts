/**
 * The query planner: which part of a query the master evaluates and which part the SDK evaluates on the rows
 * it receives, for each way of asking (SearchExperiments, SearchRuns, or the older GetExperiments parameters),
 * and the explanation of that choice clause by clause (docs/QUERIES.md "Push-down").
 *
 * The rules:
 * - a condition the filter language can express goes to the master (the local evaluator would give the same
 *   answer, see evaluate.ts, so pushing it down only saves rows);
 * - a condition only the SDK can evaluate (`labels has all`) stays local, and the master gets a weaker condition
 *   that keeps every matching row (`tags contains '"label"'`) when there is one;
 * - an `or` with a local part is local as a whole; top-level `and` parts are split;
 * - metric sort keys are sorted locally (the master orders them as text: "10.5" before "9.1");
 * - a limit goes to the master only when nothing is local; otherwise the SDK stops once it has enough rows
 *   (or, with a local sort, after reading every row).
 *
 * @internal
 */
import type { Table } from "./evaluate.js"
import { localReason, storedExperimentStates } from "./evaluate.js"
import type { Field, Filter, Group, HasLabels, Query, SortKey } from "./filter.js"
import { filterText, filterToWire, isMetricSort, sortText, sortToWire } from "./filter.js"

/**
 * Where a clause is evaluated, and why.
 *
 * @since 0.1.0
 * @category models
 */
export interface Clause {
  readonly clause: string
  readonly where: "master" | "local"
  readonly reason: string
}

/**
 * How many rows the SDK read and kept, once the query has run.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stats {
  /** requests sent to the master */
  readonly requests: number
  /** rows the master returned */
  readonly rowsRead: number
  /** rows the local part of the query examined */
  readonly rowsEvaluatedLocally: number
  /** rows returned to the caller */
  readonly rowsReturned: number
}

/**
 * The explanation of a query: the endpoint, each clause and sort key with where it runs, the limit, and what
 * is sent. After a run, `stats` says how many rows the local part had to read.
 *
 * @since 0.1.0
 * @category models
 */
export interface Explanation {
  readonly table: Table
  readonly endpoint: "SearchExperiments" | "SearchRuns" | "GetExperiments"
  readonly clauses: ReadonlyArray<Clause>
  readonly sort: ReadonlyArray<Clause>
  readonly limit: Clause | undefined
  /** the request parameters besides paging: `filter` and `sort` strings, or GetExperiments query parameters */
  readonly request: Readonly<Record<string, unknown>>
  readonly stats?: Stats | undefined
}

/** An executable plan. @internal */
export interface Plan {
  readonly explanation: Explanation
  /** what the master filters on (search endpoints) */
  readonly pushed: Field | Group | undefined
  /** the rest, evaluated on each row received */
  readonly local: Filter | undefined
  /** the archive rule applies locally (GetExperiments without a project) */
  readonly localArchive: boolean
  readonly masterSort: ReadonlyArray<SortKey>
  readonly localSort: ReadonlyArray<SortKey> | undefined
  /** rows to ask the master for, when the master applies the limit */
  readonly masterLimit: number | undefined
  readonly limit: number | undefined
  /** GetExperiments query parameters */
  readonly listQuery: Readonly<Record<string, unknown>> | undefined
}

/** How a query is asked. @internal */
export interface PlanOptions {
  readonly table: Table
  /** `search` (default): SearchExperiments / SearchRuns; `list`: GetExperiments parameters */
  readonly via?: "search" | "list" | undefined
  /** `false`: evaluate every clause locally (list everything and filter) */
  readonly pushDown?: boolean | undefined
  readonly projectId?: number | undefined
}

/** The query cannot be answered this way (the message says why). @internal */
export class Unsupported extends Error {}

const hasLabels = (f: Filter): boolean =>
  f._tag === "HasLabels" ? true : f._tag === "Group" ? f.children.some(hasLabels) : false

const fields = (f: Filter): ReadonlyArray<Field> =>
  f._tag === "Field" ? [f] : f._tag === "Group" ? f.children.flatMap(fields) : []

const conjuncts = (f: Filter | undefined): ReadonlyArray<Filter> =>
  f === undefined ? [] : f._tag === "Group" && f.conjunction === "and" ? f.children.flatMap(conjuncts) : [f]

const and = (xs: ReadonlyArray<Filter>): Filter | undefined =>
  xs.length === 0 ? undefined : xs.length === 1 ? xs[0] : { _tag: "Group", conjunction: "and", children: xs }

const asPushable = (xs: ReadonlyArray<Filter>): Field | Group | undefined => and(xs) as Field | Group | undefined

/** The weaker master condition for `labels has all`: each label's JSON text is a substring of the tags. */
const labelsSuperset = (h: HasLabels): ReadonlyArray<Field> =>
  h.labels.filter((l) => !/["\\]/.test(l)).map((l) => ({
    _tag: "Field",
    location: "experiment",
    column: "tags",
    type: "text",
    operator: "contains",
    value: JSON.stringify(l)
  }))

const needsLocalData = (f: Filter, table: Table): string | undefined => {
  for (const field of fields(f)) {
    const why = localReason(field, table)
    if (why !== undefined) return why
  }
  return undefined
}

const sortPlan = (sort: ReadonlyArray<SortKey>, table: Table) => {
  const local = sort.some(isMetricSort) || sort.some((k) => k.location === "experiment" && k.column === "tags")
  const clauses: Array<Clause> = sort.map((k) =>
    local
      ? {
        clause: sortText(k),
        where: "local",
        reason: isMetricSort(k)
          ? "the master orders metric columns as text (\"10.5\" before \"9.1\"); the SDK orders them as numbers"
          : k.column === "tags"
          ? "the master cannot sort by tags"
          : "sorted with the metric keys it comes with"
      }
      : {
        clause: sortText(k),
        where: "master",
        reason: `${table === "runs" ? "SearchRuns" : "SearchExperiments"} sort`
      }
  )
  return { local, clauses }
}

const searchPlan = (query: Query, options: PlanOptions): Plan => {
  const table = options.table
  const endpoint = table === "runs" ? "SearchRuns" : "SearchExperiments"
  const pushDown = options.pushDown !== false
  const clauses: Array<Clause> = []
  const pushed: Array<Filter> = []
  const local: Array<Filter> = []
  for (const c of conjuncts(query.filter)) {
    const text = filterText(c)
    if (!pushDown) {
      const why = needsLocalData(c, table)
      if (why !== undefined) throw new Unsupported(`${text} cannot be evaluated locally: ${why}`)
      local.push(c)
      clauses.push({ clause: text, where: "local", reason: "push-down disabled" })
    } else if (hasLabels(c)) {
      const why = needsLocalData(c, table)
      if (why !== undefined) throw new Unsupported(`${text} needs the master and the SDK at once: ${why}`)
      local.push(c)
      clauses.push({
        clause: text,
        where: "local",
        reason: "the filter language can only substring-match the JSON text of the labels"
      })
      if (c._tag === "HasLabels") {
        for (const s of labelsSuperset(c)) {
          pushed.push(s)
          clauses.push({ clause: filterText(s), where: "master", reason: "narrows the rows for the label test" })
        }
      }
    } else {
      pushed.push(c)
      clauses.push({ clause: text, where: "master", reason: `${endpoint} filter` })
    }
  }
  const sort = sortPlan(query.sort, table)
  const anyLocal = local.length > 0 || sort.local || !pushDown
  const filter = asPushable(pushed)
  const request: Record<string, unknown> = {}
  if (pushDown) {
    request.filter = filterToWire(filter, query.showArchived)
    const s = sortToWire(query.sort)
    if (s !== undefined) request.sort = s
  }
  if (options.projectId !== undefined) request.projectId = options.projectId
  const limitClause: Clause | undefined = query.limit === undefined
    ? undefined
    : anyLocal
    ? {
      clause: `limit ${query.limit}`,
      where: "local",
      reason: sort.local ? "after the local sort, which reads every row" : "stops reading once enough rows matched"
    }
    : { clause: `limit ${query.limit}`, where: "master", reason: "no local part: the master pages exactly" }
  if (!pushDown && !query.showArchived) {
    clauses.push({ clause: "not archived", where: "local", reason: "push-down disabled" })
  }
  return {
    explanation: {
      table,
      endpoint,
      clauses: pushDown && !query.showArchived
        ? [...clauses, { clause: "not archived", where: "master", reason: "showArchived: false" }]
        : clauses,
      sort: sort.clauses,
      limit: limitClause,
      request
    },
    pushed: pushDown ? filter : undefined,
    local: and(local),
    localArchive: false,
    masterSort: pushDown ? query.sort : [],
    localSort: sort.local || (!pushDown && query.sort.length > 0) ? query.sort : undefined,
    masterLimit: anyLocal ? undefined : query.limit,
    limit: query.limit,
    listQuery: undefined
  }
}

const plainListSorts: Readonly<Record<string, string>> = {
  id: "SORT_BY_ID",
  name: "SORT_BY_NAME",
  description: "SORT_BY_DESCRIPTION",
  startTime: "SORT_BY_START_TIME",
  endTime: "SORT_BY_END_TIME",
  state: "SORT_BY_STATE",
  numTrials: "SORT_BY_NUM_TRIALS",
  progress: "SORT_BY_PROGRESS",
  forkedFrom: "SORT_BY_FORKED_FROM",
  resourcePool: "SORT_BY_RESOURCE_POOL",
  checkpointSize: "SORT_BY_CHECKPOINT_SIZE",
  checkpointCount: "SORT_BY_CHECKPOINT_COUNT"
}

const storedStates = new Set(storedExperimentStates)

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v)

/** A list row carries no best trial: clauses that read it cannot be evaluated on GetExperiments rows. */
const listRowReason = (f: Filter): string | undefined => {
  for (const x of fields(f)) {
    if (x.location !== "experiment" && x.location !== "hyperparameters") {
      return `${x.location} columns need the best trial`
    }
    if (x.column === "searcherMetricsVal" || x.column === "externalTrialId") return `${x.column} needs the best trial`
  }
  return undefined
}

/** A top-level condition as GetExperiments parameters, if it translates exactly. */
const asListParam = (c: Filter): Readonly<Record<string, unknown>> | undefined => {
  if (c._tag === "HasLabels") return { labels: c.labels }
  const eqs = (column: string): ReadonlyArray<Field> | undefined => {
    const xs = c._tag === "Field" ? [c] : c._tag === "Group" && c.conjunction === "or" ? c.children : []
    if (xs.length === 0) return undefined
    return xs.every((x) =>
        x._tag === "Field" && x.location === "experiment" && x.column === column && x.operator === "="
      )
      ? (xs as ReadonlyArray<Field>)
      : undefined
  }
  const states = eqs("state")
  if (states !== undefined && states.every((f) => typeof f.value === "string" && storedStates.has(f.value))) {
    return { states: states.map((f) => `STATE_${f.value}`) }
  }
  const users = eqs("user")
  if (users !== undefined && users.every((f) => isInt(f.value))) return { userIds: users.map((f) => f.value) }
  const ids = eqs("id")
  if (ids !== undefined && ids.every((f) => isInt(f.value))) {
    return { "experimentIdFilter.incl": ids.map((f) => f.value) }
  }
  if (c._tag !== "Field" || c.location !== "experiment") return undefined
  const v = c.value
  if ((c.column === "name" || c.column === "description") && c.operator === "contains") {
    // ILIKE '%v%' is a case-insensitive substring test when v has no wildcard or escape
    if (typeof v === "string" && v !== "" && !/[%_\\]/.test(v)) return { [c.column]: v }
    return undefined
  }
  if (c.column === "id" && isInt(v)) {
    const key = { "<": "lt", "<=": "lte", ">": "gt", ">=": "gte", "!=": "notIn" }[c.operator as string]
    if (key !== undefined) return { [`experimentIdFilter.${key}`]: key === "notIn" ? [v] : v }
  }
  return undefined
}

const listPlan = (query: Query, options: PlanOptions): Plan => {
  if (options.table === "runs") throw new Unsupported("runs can only be searched with SearchRuns")
  const pushDown = options.pushDown !== false
  const clauses: Array<Clause> = []
  const params: Record<string, unknown> = { showTrialData: true }
  if (options.projectId !== undefined) params.projectId = options.projectId
  const local: Array<Filter> = []
  for (const c of conjuncts(query.filter)) {
    const text = filterText(c)
    const param = pushDown ? asListParam(c) : undefined
    const key = param === undefined ? undefined : Object.keys(param)[0]!
    if (param !== undefined && params[key!] === undefined) {
      Object.assign(params, param)
      clauses.push({ clause: text, where: "master", reason: `GetExperiments ${key}` })
      continue
    }
    const why = listRowReason(c)
    if (why !== undefined) throw new Unsupported(`${text} cannot be evaluated on GetExperiments rows: ${why}`)
    local.push(c)
    clauses.push({
      clause: text,
      where: "local",
      reason: pushDown ? "GetExperiments has no parameter for it" : "push-down disabled"
    })
  }
  let localArchive = false
  if (!query.showArchived) {
    if (options.projectId !== undefined && pushDown) {
      params.archived = false
      clauses.push({ clause: "not archived", where: "master", reason: "GetExperiments archived=false" })
    } else {
      localArchive = true
      clauses.push({
        clause: "not archived",
        where: "local",
        reason: pushDown
          ? "without a project, archived=false would also hide experiments of archived projects"
          : "push-down disabled"
      })
    }
  }
  const [first, ...rest] = query.sort
  const sortable = pushDown && first !== undefined && rest.length === 0 && first.location === "experiment" &&
    plainListSorts[first.column] !== undefined
  let localSort: ReadonlyArray<SortKey> | undefined
  const sortClauses: Array<Clause> = []
  if (sortable) {
    params.sortBy = plainListSorts[first.column]
    params.orderBy = first.direction === "asc" ? "ORDER_BY_ASC" : "ORDER_BY_DESC"
    sortClauses.push({ clause: sortText(first), where: "master", reason: "GetExperiments sortBy" })
  } else if (query.sort.length > 0) {
    for (const k of query.sort) {
      if (k.location !== "experiment") throw new Unsupported(`${sortText(k)} needs the best trial`)
      sortClauses.push({ clause: sortText(k), where: "local", reason: "GetExperiments sorts by one key only" })
    }
    localSort = query.sort
  }
  const anyLocal = local.length > 0 || localArchive || localSort !== undefined
  return {
    explanation: {
      table: "experiments",
      endpoint: "GetExperiments",
      clauses,
      sort: sortClauses,
      limit: query.limit === undefined
        ? undefined
        : anyLocal
        ? { clause: `limit ${query.limit}`, where: "local", reason: "after the local part" }
        : { clause: `limit ${query.limit}`, where: "master", reason: "no local part: the master pages exactly" },
      request: params
    },
    pushed: undefined,
    local: and(local),
    localArchive,
    masterSort: [],
    localSort,
    masterLimit: anyLocal ? undefined : query.limit,
    limit: query.limit,
    listQuery: params
  }
}

/** Plans a query. @internal */
export const plan = (query: Query, options: PlanOptions): Plan =>
  options.via === "list" ? listPlan(query, options) : searchPlan(query, options)

/** The explanation as text, one clause per line. @internal */
export const formatExplanation = (e: Explanation): string => {
  const lines = [`${e.endpoint} (${e.table})`]
  const row = (c: Clause) => `  ${c.where === "master" ? "master" : "local "}  ${c.clause}  -- ${c.reason}`
  if (e.clauses.length === 0) lines.push("  filter: none")
  for (const c of e.clauses) lines.push(row(c))
  for (const c of e.sort) lines.push(row({ ...c, clause: `sort ${c.clause}` }))
  if (e.limit !== undefined) lines.push(row(e.limit))
  for (const [k, v] of Object.entries(e.request)) {
    lines.push(`  request ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
  }
  if (e.stats !== undefined) {
    const s = e.stats
    lines.push(
      `  rows: ${s.rowsRead} read in ${s.requests} request(s), ${s.rowsEvaluatedLocally} evaluated locally, ${s.rowsReturned} returned`
    )
  }
  return lines.join("\n")
}
