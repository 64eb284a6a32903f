/**
 * The `sort` parameter of SearchExperiments and SearchRuns (shared/docs/search-filter.md §4): `col=asc|desc`
 * items, NULLs last in both directions, `id ASC` appended unless `id` is sorted, metric ids ordered as text, hp and
 * metadata paths ordered as jsonb.
 *
 * @internal
 */
import type { Json, JsonObject } from "../json.js"
import { isObject } from "../json.js"
import { invalidArgument } from "../wire.js"
import type { Endpoint } from "./filter.js"
import { metricText } from "./filter.js"
import type { JoinedRow } from "./rows.js"
import type { SqlType, SqlValue } from "./sql.js"
import { compareJsonb, compareSql, jsonbArrowText } from "./sql.js"

type Key = { readonly kind: "sql"; readonly type: SqlType; readonly get: (r: JoinedRow) => SqlValue } | {
  readonly kind: "jsonb"
  readonly get: (r: JoinedRow) => Json | undefined
}

const cfgText = (r: JoinedRow, ...path: Array<string>): string | null => {
  let v: Json | undefined = r.exp.config
  for (const p of path) v = isObject(v as Json) ? (v as JsonObject)[p] : undefined
  return jsonbArrowText(v)
}

const sql = (type: SqlType, get: (r: JoinedRow) => SqlValue): Key => ({ kind: "sql", type, get })

const plainKeys = (endpoint: Endpoint, users: (id: number) => { display: string; username: string }) => {
  const name = (r: JoinedRow, displayFirst: boolean) => {
    const u = users(r.exp.userId)
    const display = u.display === "" ? null : u.display
    return displayFirst ? display ?? u.username : u.username
  }
  const common: Record<string, Key> = {
    searcherType: sql("text", (r) => cfgText(r, "searcher", "name")),
    searcherMetric: sql("text", (r) => cfgText(r, "searcher", "metric")),
    forkedFrom: sql("integer", (r) => r.exp.parentId),
    resourcePool: sql("text", (r) => cfgText(r, "resources", "resource_pool")),
    externalExperimentId: sql("text", (r) => r.externalExperimentId)
  }
  if (endpoint === "experiments") {
    return {
      ...common,
      id: sql("integer", (r) => r.exp.id),
      name: sql("text", (r) => cfgText(r, "name")),
      description: sql("text", (r) => cfgText(r, "description")),
      startTime: sql("timestamp with time zone", (r) => r.exp.startTime),
      endTime: sql("timestamp with time zone", (r) => r.exp.endTime ?? null),
      state: sql("experiment_state", (r) => r.exp.state),
      numTrials: sql("integer", (r) => r.exp.trialIds.length),
      progress: sql("double precision", (r) => r.exp.progress),
      user: sql("text", (r) => name(r, true)),
      projectId: sql("integer", (r) => r.exp.projectId),
      checkpointSize: sql("bigint", (r) => r.expCheckpointSize),
      checkpointCount: sql("integer", (r) => r.expCheckpointCount),
      duration: sql("integer", (r) => Math.trunc(((r.exp.endTime ?? r.now) - r.exp.startTime) / 1000)),
      searcherMetricsVal: sql("double precision", (r) => r.run?.searcherMetricValue ?? null),
      externalTrialId: sql("text", (r) => r.run?.externalRunId ?? null)
    } satisfies Record<string, Key>
  }
  return {
    ...common,
    id: sql("integer", (r) => r.run?.id ?? null),
    experimentId: sql("integer", (r) => r.exp.id),
    experimentName: sql("text", (r) => cfgText(r, "name")),
    experimentDescription: sql("text", (r) => cfgText(r, "description")),
    startTime: sql("timestamp with time zone", (r) => r.run?.startTime ?? null),
    endTime: sql("timestamp with time zone", (r) => r.run?.endTime ?? null),
    state: sql("trial_state", (r) => r.run?.state ?? null),
    experimentProgress: sql("double precision", (r) => r.exp.progress),
    user: sql("text", (r) => name(r, false)),
    projectId: sql("integer", (r) => r.exp.projectId),
    checkpointSize: sql("bigint", (r) => r.run?.checkpointSize ?? null),
    checkpointCount: sql("integer", (r) => r.run?.checkpointCount ?? null),
    duration: sql(
      "integer",
      (r) => r.run === null ? null : Math.trunc(((r.run.endTime ?? r.now) - r.run.startTime) / 1000)
    ),
    searcherMetricsVal: sql("double precision", (r) => r.run?.searcherMetricValue ?? null),
    externalRunId: sql("text", (r) => r.run?.externalRunId ?? null),
    isExpMultitrial: sql("boolean", (r) => cfgText(r, "searcher", "name") !== "single"),
    parentArchived: sql("boolean", (r) => r.parentArchived),
    localId: sql("integer", (r) => (r.run === null ? null : Number(r.run.localId.split("-").pop()))),
    archived: sql("boolean", (r) => r.exp.archived || (r.run?.archived ?? false))
  } satisfies Record<string, Key>
}

const walk = (v: Json | undefined, path: ReadonlyArray<string>): Json | undefined => {
  for (const p of path) v = isObject(v as Json) ? (v as JsonObject)[p] : undefined
  return v
}

/** A comparator for the `sort` string, or a 400/500 as the master answers. @internal */
export const compileSort = (
  sort: string | undefined,
  endpoint: Endpoint,
  users: (id: number) => { display: string; username: string }
): (a: JoinedRow, b: JoinedRow) => number => {
  const keys: Array<{ key: Key; desc: boolean }> = []
  let sawId = false
  const plain = plainKeys(endpoint, users) as Record<string, Key>
  if (sort !== undefined) {
    for (const item of sort.split(",")) {
      const parts = item.split("=")
      if (parts.length !== 2) throw invalidArgument(`invalid sort parameter: ${item}`)
      const [col, dir] = parts as [string, string]
      if (dir !== "asc" && dir !== "desc") throw invalidArgument(`invalid sort direction: ${dir}`)
      let key: Key
      if (col.startsWith("hp.")) {
        const path = col.slice(3).replaceAll("'", "").split(".")
        key = endpoint === "experiments"
          ? { kind: "jsonb", get: (r) => walk(r.exp.config.hyperparameters, path) }
          : { kind: "jsonb", get: (r) => (r.run === null ? undefined : walk(r.run.hparams, path)) }
      } else if (col.startsWith("metadata.") && endpoint === "runs") {
        const path = col.slice("metadata.".length).replaceAll("'", "").split(".")
        key = { kind: "jsonb", get: (r) => walk(r.run?.metadata, path) }
      } else if (col.includes(".")) {
        key = sql("text", metricText(col))
      } else {
        const k = Object.prototype.hasOwnProperty.call(plain, col) ? plain[col] : undefined
        if (k === undefined) throw invalidArgument(`invalid sort col: ${col}`)
        key = k
        if (col === "id") sawId = true
      }
      keys.push({ key, desc: dir === "desc" })
    }
  }
  if (!sawId) keys.push({ key: plain.id!, desc: false })
  return (a, b) => {
    for (const { desc, key } of keys) {
      const x = key.get(a)
      const y = key.get(b)
      // SQL NULL; a jsonb `null` is a value (the smallest one)
      const xNull = x === undefined || (x === null && key.kind === "sql")
      const yNull = y === undefined || (y === null && key.kind === "sql")
      if (xNull || yNull) {
        if (xNull && yNull) continue
        return xNull ? 1 : -1
      }
      const c = key.kind === "jsonb"
        ? compareJsonb(x as Json, y as Json)
        : compareSql(key.type, x as SqlValue, y as SqlValue)
      if (c !== 0) return desc ? -c : c
    }
    return 0
  }
}
