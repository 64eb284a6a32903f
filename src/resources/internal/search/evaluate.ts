/**
 * The SDK's local evaluator of the master's filter language: it decides, for one search result (an experiment
 * with its best trial, or a flat run), what the master's SQL would decide, following
 * shared/docs/search-filter.md rule for rule (three-valued logic, ILIKE vs LIKE, literal casts, text comparison of
 * metrics unless typed NUMBER, the hyperparameter and metadata matrices). `check` raises, before any row is read,
 * every error the master raises when it compiles the filter; `matches` raises the errors that depend on a row's
 * data (a non-numeric metric cast to float8).
 *
 * It evaluates snapshots directly and shares no code with LocalMaster's compiler (src/testing/internal/search/),
 * so that the property test comparing the two proves the push-down guarantee.
 *
 * @internal
 */
import type { Experiment } from "../models/experiment.js"
import type { FlatRun } from "../models/run.js"
import type { Trial } from "../models/trial.js"
import type { Json, JsonObject } from "../wire.js"
import type { ColumnType, Field, Filter, Location, Value } from "./filter.js"

/** A search result the evaluator reads. @internal */
export type Row =
  | { readonly table: "experiments"; readonly experiment: Experiment; readonly bestTrial: Trial | null }
  | { readonly table: "runs"; readonly run: FlatRun }

/** Which search a filter runs in. @internal */
export type Table = Row["table"]

/** The master would answer this filter with a 500 (the message says why). @internal */
export class Rejected extends Error {}

/** The row does not carry what the clause needs (only the master can evaluate it). @internal */
export class NotLocal extends Error {}

type Kind = "int" | "num" | "float" | "text" | "time" | "estate" | "tstate" | "bool"

type Cell = number | string | boolean | null

interface Column {
  readonly kind: Kind
  /** undefined: not in the snapshot */
  readonly read: ((row: Row, now: number) => Cell) | undefined
}

const kindName: Record<Kind, string> = {
  int: "integer",
  num: "numeric",
  float: "double precision",
  text: "text",
  time: "timestamp with time zone",
  estate: "experiment_state",
  tstate: "trial_state",
  bool: "boolean"
}

/** Stored experiment states, in declaration order. @internal */
export const storedExperimentStates: ReadonlyArray<string> =
  "ACTIVE PAUSED STOPPING_CANCELED STOPPING_KILLED STOPPING_COMPLETED STOPPING_ERROR DELETING CANCELED COMPLETED ERROR DELETE_FAILED RUNNING"
    .split(" ")
const expStates = storedExperimentStates
const trialStates =
  "ACTIVE PAUSED STOPPING_CANCELED STOPPING_KILLED STOPPING_COMPLETED STOPPING_ERROR CANCELED COMPLETED ERROR RUNNING"
    .split(" ")

// ---------------------------------------------------------------------------------------------------------------
// JSON as Postgres prints it

const plainDecimal = (n: number): string => {
  const s = n.toString()
  const e = s.indexOf("e")
  if (e < 0) return s
  const negative = s.startsWith("-")
  const mantissa = s.slice(negative ? 1 : 0, e).replace(".", "")
  const pointAt = s.slice(negative ? 1 : 0, e).split(".")[0]!.length + Number(s.slice(e + 1))
  let digits: string
  if (pointAt <= 0) digits = "0." + "0".repeat(-pointAt) + mantissa
  else if (pointAt >= mantissa.length) digits = mantissa + "0".repeat(pointAt - mantissa.length)
  else digits = mantissa.slice(0, pointAt) + "." + mantissa.slice(pointAt)
  return (negative ? "-" : "") + digits
}

const byStorageOrder = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0)

const pgJson = (v: Json): string => {
  if (v === null) return "null"
  switch (typeof v) {
    case "number":
      return plainDecimal(v)
    case "string":
      return JSON.stringify(v)
    case "boolean":
      return String(v)
  }
  if (Array.isArray(v)) return "[" + v.map((x) => pgJson(x)).join(", ") + "]"
  const o = v as JsonObject
  return "{" + Object.keys(o).sort(byStorageOrder).map((k) => JSON.stringify(k) + ": " + pgJson(o[k]!)).join(", ") +
    "}"
}

/** `->>`: NULL for absent or JSON null, bare text for strings, JSON text otherwise. */
const arrowText = (v: Json | undefined): string | null =>
  v === undefined || v === null ? null : typeof v === "string" ? v : pgJson(v)

const dig = (v: Json | undefined, ...keys: ReadonlyArray<string>): Json | undefined => {
  let cur = v
  for (const k of keys) {
    if (cur === null || cur === undefined || typeof cur !== "object" || Array.isArray(cur)) return undefined
    cur = (cur as JsonObject)[k]
  }
  return cur
}

// ---------------------------------------------------------------------------------------------------------------
// the columns of each table, read from snapshots

const ms = (d: Date | null | undefined): number | null => (d === null || d === undefined ? null : d.getTime())
const config = (
  row: Row
): Json | undefined => (row.table === "experiments" ? row.experiment.config ?? undefined : undefined)
const exp = (row: Row) => (row.table === "experiments" ? row.experiment : undefined)
const flat = (row: Row) => (row.table === "runs" ? row.run : undefined)
const best = (row: Row) => (row.table === "experiments" ? row.bestTrial : null)

const storedExperimentState = (e: Experiment): string =>
  !e.unmanaged && ["QUEUED", "PULLING", "STARTING", "RUNNING"].includes(e.state) ? "ACTIVE" : e.state

/** The best trial's `searcher_metric_value` (the snapshot says 0 when it has none). */
const bestSearcherValue = (t: Trial | null): number | null =>
  t === null || t.latestValidation === null ? null : t.searcherMetricValue

const seconds = (start: number | null, end: number | null, now: number) =>
  start === null ? null : ((end ?? now) - start) / 1000

const col = (kind: Kind, experiments: Column["read"], runs: Column["read"]) => ({
  experiments: { kind, read: experiments },
  runs: { kind, read: runs }
})

const shared = {
  tags: col("text", (r) => arrowText(dig(config(r), "labels")), (r) => pgJson(flat(r)!.labels)),
  searcherType: col(
    "text",
    (r) => arrowText(dig(config(r), "searcher", "name")),
    (r) => flat(r)!.experiment?.searcherType ?? null
  ),
  searcherMetric: col(
    "text",
    (r) => arrowText(dig(config(r), "searcher", "metric")),
    (r) => flat(r)!.experiment?.searcherMetric ?? null
  ),
  resourcePool: col(
    "text",
    (r) => arrowText(dig(config(r), "resources", "resource_pool")),
    (r) => flat(r)!.experiment?.resourcePool ?? null
  ),
  user: col("int", (r) => exp(r)!.userId, (r) => flat(r)!.userId),
  forkedFrom: col("int", (r) => exp(r)!.forkedFrom, (r) => flat(r)!.experiment?.forkedFrom ?? null),
  externalExperimentId: col(
    "text",
    (r) => exp(r)!.externalExperimentId,
    (r) => flat(r)!.experiment?.externalExperimentId ?? null
  )
}

const experimentLocation: Record<string, { experiments: Column; runs: Column }> = {
  ...shared,
  id: col("int", (r) => exp(r)!.id, (r) => flat(r)!.experiment?.id ?? null),
  name: col("text", (r) => arrowText(dig(config(r), "name")), (r) => flat(r)!.experiment?.name ?? null),
  description: col("text", (r) => arrowText(dig(config(r), "description")), undefined),
  startTime: col("time", (r) => ms(exp(r)!.startTime), undefined),
  endTime: col("time", (r) => ms(exp(r)!.endTime), undefined),
  duration: col("num", (r, now) => seconds(ms(exp(r)!.startTime), ms(exp(r)!.endTime), now), undefined),
  state: col("estate", (r) => storedExperimentState(exp(r)!), undefined),
  numTrials: col("int", (r) => exp(r)!.numTrials, undefined),
  progress: col(
    "int",
    (r) => Math.round((exp(r)!.progress ?? 0) * 100),
    (r) => Math.round((flat(r)!.experiment?.progress ?? 0) * 100)
  ),
  checkpointSize: col("int", (r) => exp(r)!.checkpointSize, undefined),
  checkpointCount: col("int", (r) => exp(r)!.checkpointCount, undefined),
  searcherMetricsVal: col("float", (r) => bestSearcherValue(best(r)), undefined),
  externalTrialId: col("text", (r) => exp(r)!.externalTrialId, (r) => flat(r)!.externalRunId)
}

const runLocation: Record<string, { experiments: Column; runs: Column }> = {
  ...shared,
  id: col("int", (r) => best(r)?.id ?? null, (r) => flat(r)!.id),
  experimentId: col("int", (r) => exp(r)!.id, (r) => flat(r)!.experiment?.id ?? null),
  experimentName: col("text", (r) => arrowText(dig(config(r), "name")), (r) => flat(r)!.experiment?.name ?? null),
  experimentDescription: col("text", (r) => arrowText(dig(config(r), "description")), undefined),
  startTime: col("time", (r) => ms(best(r)?.startTime), (r) => ms(flat(r)!.startTime)),
  endTime: col("time", (r) => ms(best(r)?.endTime), (r) => ms(flat(r)!.endTime)),
  duration: col(
    "num",
    (r, now) => {
      const t = best(r)
      return t === null ? null : seconds(ms(t.startTime), ms(t.endTime), now)
    },
    (r, now) => seconds(ms(flat(r)!.startTime), ms(flat(r)!.endTime), now)
  ),
  state: col("tstate", (r) => best(r)?.state ?? null, (r) => flat(r)!.state),
  experimentProgress: experimentLocation.progress!,
  projectId: col("int", (r) => (best(r) === null ? null : exp(r)!.projectId), (r) => flat(r)!.projectId),
  checkpointSize: col("int", (r) => best(r)?.totalCheckpointSize ?? null, (r) => flat(r)!.checkpointSize),
  checkpointCount: col("int", (r) => best(r)?.checkpointCount ?? null, (r) => flat(r)!.checkpointCount),
  searcherMetricsVal: col("float", (r) => bestSearcherValue(best(r)), (r) => flat(r)!.searcherMetricValue),
  externalRunId: col("text", (r) => exp(r)!.externalTrialId, (r) => flat(r)!.externalRunId),
  localId: col("text", undefined, (r) => flat(r)!.localId),
  parentArchived: col("bool", (r) => exp(r)!.parentArchived, (r) => flat(r)!.parentArchived)
}

// ---------------------------------------------------------------------------------------------------------------
// SQL rules

const sqlOp = (op: string) => (op === "!=" ? "<>" : op)

const literalName = (v: number | string | boolean) =>
  typeof v === "boolean" ? "boolean" : typeof v === "string" ? "unknown" : Number.isInteger(v) ? "integer" : "numeric"

const parseFloat8 = (s: string, type = "double precision"): number => {
  const t = s.trim().toLowerCase()
  if (t === "nan") return NaN
  if (["infinity", "+infinity", "inf", "+inf"].includes(t)) return Infinity
  if (["-infinity", "-inf"].includes(t)) return -Infinity
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/.test(t)) {
    throw new Rejected(`ERROR: invalid input syntax for type ${type}: "${s}" (SQLSTATE 22P02)`)
  }
  return Number(t)
}

const parseTime = (s: string): number => {
  const m = s.trim().match(
    /^(\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?)?(?:([Zz])|([+-])(\d\d)(?::?(\d\d))?)?$/
  )
  if (!m) throw new Rejected(`ERROR: invalid input syntax for type timestamp with time zone: "${s}" (SQLSTATE 22P02)`)
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0))
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, sec!))
  if (date.getUTCMonth() !== mo! - 1 || date.getUTCDate() !== d! || h! > 23) {
    throw new Rejected(`ERROR: date/time field value out of range: "${s}" (SQLSTATE 22008)`)
  }
  const frac = m[7] === undefined ? 0 : Number(m[7]) * 1000
  const zone = m[9] === undefined ? 0 : (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0)) * 60000
  return date.getTime() + frac - zone
}

const truthy = ["t", "tr", "tru", "true", "y", "ye", "yes", "on", "1"]
const falsy = ["f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0"]

/** The literal a JSON value becomes once Postgres has matched it to the column's type. */
const cast = (kind: Kind, op: string, v: number | string | boolean): Cell => {
  const mismatch = () =>
    new Rejected(`ERROR: operator does not exist: ${kindName[kind]} ${sqlOp(op)} ${literalName(v)} (SQLSTATE 42883)`)
  switch (kind) {
    case "text":
      if (typeof v === "string") return v
      throw mismatch()
    case "int":
    case "num":
    case "float":
      if (typeof v === "number") return v
      if (typeof v === "boolean") throw mismatch()
      if (kind === "int") {
        if (/^\s*[+-]?[0-9]+\s*$/.test(v)) return parseInt(v, 10)
        throw new Rejected(`ERROR: invalid input syntax for type integer: "${v}" (SQLSTATE 22P02)`)
      }
      return parseFloat8(v, kindName[kind])
    case "time":
      if (typeof v !== "string") throw mismatch()
      return parseTime(v)
    case "estate":
    case "tstate":
      if (typeof v !== "string") throw mismatch()
      if (!(kind === "estate" ? expStates : trialStates).includes(v)) {
        throw new Rejected(`ERROR: invalid input value for enum ${kindName[kind]}: "${v}" (SQLSTATE 22P02)`)
      }
      return v
    case "bool": {
      if (typeof v === "boolean") return v
      if (typeof v === "number") throw mismatch()
      const t = v.trim().toLowerCase()
      if (truthy.includes(t)) return true
      if (falsy.includes(t)) return false
      throw new Rejected(`ERROR: invalid input syntax for type boolean: "${v}" (SQLSTATE 22P02)`)
    }
  }
}

/** Sign of a - b for two non-NULL cells of one kind. */
const order = (kind: Kind, a: Cell, b: Cell): number => {
  if (kind === "estate" || kind === "tstate") {
    const list = kind === "estate" ? expStates : trialStates
    return Math.sign(list.indexOf(a as string) - list.indexOf(b as string))
  }
  if (kind === "bool") return Number(a) - Number(b)
  if (kind === "text") {
    // C collation: code point order
    const x = [...(a as string)]
    const y = [...(b as string)]
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!
      if (d !== 0) return Math.sign(d)
    }
    return Math.sign(x.length - y.length)
  }
  const x = a as number
  const y = b as number
  if (x !== x || y !== y) return x !== x && y !== y ? 0 : x !== x ? 1 : -1
  return x === y ? 0 : x < y ? -1 : 1
}

type Tri = boolean | null

const compare = (kind: Kind, op: string, a: Cell, b: Cell): Tri => {
  if (a === null || b === null) return null
  const c = order(kind, a, b)
  return op === "="
    ? c === 0
    : op === "!="
    ? c !== 0
    : op === "<"
    ? c < 0
    : op === "<="
    ? c <= 0
    : op === ">"
    ? c > 0
    : c >= 0
}

/** SQL LIKE by hand: `%` any run, `_` one character, `\` escapes. */
const likeMatch = (text: string, pattern: string, foldCase: boolean): boolean => {
  const s = [...(foldCase ? text.toLowerCase() : text)]
  const raw = [...(foldCase ? pattern.toLowerCase() : pattern)]
  const p: Array<{ any: boolean; one: boolean; c: string }> = []
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === "\\" && i + 1 < raw.length) p.push({ any: false, one: false, c: raw[++i]! })
    else p.push({ any: raw[i] === "%", one: raw[i] === "_", c: raw[i]! })
  }
  // dynamic programming over (pattern prefix, text prefix)
  let prev: Array<boolean> = [true, ...s.map(() => false)]
  for (const t of p) {
    const next: Array<boolean> = [t.any && prev[0]!]
    for (let j = 1; j <= s.length; j++) {
      next[j] = t.any ? prev[j]! || next[j - 1]! : prev[j - 1]! && (t.one || t.c === s[j - 1])
    }
    prev = next
  }
  return prev[s.length]!
}

const likeTri = (v: Cell, pattern: string, foldCase: boolean, negate: boolean): Tri =>
  v === null ? null : likeMatch(String(v), pattern, foldCase) !== negate

/** `fmt.Sprintf("%%%s%%", v)` for a non-string value. */
const goPattern = (v: number | string | boolean): string => {
  if (typeof v === "string") return `%${v}%`
  if (typeof v === "boolean") return `%%!s(bool=${v})%`
  let n: string
  if (v !== v) n = "NaN"
  else if (v === Infinity || v === -Infinity) n = v > 0 ? "+Inf" : "-Inf"
  else if (v !== 0 && (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e21)) {
    const [m, e] = v.toExponential().split("e") as [string, string]
    const exp = Math.abs(Number(e))
    n = `${m}e${e.startsWith("-") ? "-" : "+"}${exp < 10 ? "0" : ""}${exp}`
  } else n = `${v}`
  return `%%!s(float64=${n})%`
}

const and = (xs: ReadonlyArray<Tri>): Tri => (xs.includes(false) ? false : xs.includes(null) ? null : true)
const or = (xs: ReadonlyArray<Tri>): Tri => (xs.includes(true) ? true : xs.includes(null) ? null : false)

const panic = (v: number | boolean): never => {
  throw new Rejected(`interface conversion: interface {} is ${typeof v === "number" ? "float64" : "bool"}, not string`)
}

const fieldLiteral = (v: Value): number | string | boolean | null => {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v
  throw new Rejected(`ERROR: syntax error (SQLSTATE 42601)`)
}

// ---------------------------------------------------------------------------------------------------------------
// one field

const summaryOf = (row: Row): Json | undefined =>
  row.table === "experiments" ? row.bestTrial?.summaryMetrics ?? undefined : row.run.summaryMetrics ?? undefined

const metricName = /([\x20-\x7e]+?)\.([\x20-\x7e]+)\.(min|max|mean|last)/

const hparamsOf = (row: Row): Json | undefined =>
  row.table === "experiments" ? row.bestTrial?.hparams ?? undefined : row.run.hyperparameters ?? undefined

const hasRun = (row: Row): boolean => row.table === "runs" || row.bestTrial !== null

/** The sampled hparams as `run_hparams` rows: [key, number, text, bool]. */
const hparamLeaves = (v: Json | undefined, path: string, out: Array<[string, Cell, Cell, Cell]>) => {
  if (v === null || v === undefined || typeof v !== "object" || Array.isArray(v)) return out
  for (const [k, x] of Object.entries(v as JsonObject)) {
    const key = path ? `${path}.${k}` : k
    if (x !== null && typeof x === "object" && !Array.isArray(x)) hparamLeaves(x, key, out)
    else if (typeof x === "number") out.push([key, x, null, null])
    else if (typeof x === "string") out.push([key, null, x, null])
    else if (typeof x === "boolean") out.push([key, null, null, x])
    else out.push([key, null, JSON.stringify(x), null])
  }
  return out
}

type MetaLeaf = { key: string; int: Cell; float: Cell; str: Cell; time: Cell; bool: Cell }

const timestampLike = (s: string): number | null => {
  if (/^\d{4}-\d\d$/.test(s)) return Date.parse(`${s}-01`)
  if (/^\d{4}-\d\d-\d\d$/.test(s) || /^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/.test(s)) {
    const t = Date.parse(s)
    return Number.isNaN(t) ? null : t
  }
  return null
}

const metaLeaf = (key: string, x: Json): MetaLeaf => {
  const leaf: MetaLeaf = { key, int: null, float: null, str: null, time: null, bool: null }
  if (typeof x === "number") return Number.isInteger(x) ? { ...leaf, int: x } : { ...leaf, float: x }
  if (typeof x === "boolean") return { ...leaf, bool: x }
  if (typeof x === "string") {
    const t = timestampLike(x)
    return t === null ? { ...leaf, str: x } : { ...leaf, time: t }
  }
  return leaf
}

const metadataLeaves = (v: Json | undefined, path: string, out: Array<MetaLeaf>): Array<MetaLeaf> => {
  if (v === null || v === undefined || typeof v !== "object" || Array.isArray(v)) return out
  for (const [k, x] of Object.entries(v as JsonObject)) {
    const key = path ? `${path}.${k}` : k
    if (Array.isArray(x)) {
      if (x.length === 0) out.push(metaLeaf(key, null))
      for (const el of x) {
        if (el !== null && typeof el === "object" && !Array.isArray(el)) metadataLeaves(el, key, out)
        else if (!Array.isArray(el)) out.push(metaLeaf(key, el))
      }
    } else if (x !== null && typeof x === "object") {
      if (Object.keys(x).length === 0) out.push(metaLeaf(key, null))
      else metadataLeaves(x, key, out)
    } else {
      out.push(metaLeaf(key, x))
    }
  }
  return out
}

const any = <A>(xs: ReadonlyArray<A>, f: (x: A) => Tri): Tri => (xs.some((x) => f(x) === true) ? true : false)

const isCompareOp = (op: string) => ["=", "!=", "<", "<=", ">", ">="].includes(op)

/**
 * How one field is evaluated: a function of the row, built once (so compile-time errors surface before rows).
 */
const compileField = (f: Field, table: Table): (row: Row, now: number) => Tri => {
  const op = f.operator
  const emptiness = op === "isEmpty" || op === "notEmpty"
  const v = fieldLiteral(f.value)
  if (v === null && !emptiness) return () => true
  if (!["=", "!=", "<", "<=", ">", ">=", "contains", "notContains", "isEmpty", "notEmpty"].includes(op)) {
    throw new Rejected(`invalid operator ${op}`)
  }
  switch (f.location) {
    case "experiment":
    case "run": {
      const map = f.location === "experiment" ? experimentLocation : runLocation
      if (f.location === "experiment" && f.column === "projectId") {
        throw new Rejected(`ERROR: column reference "project_id" is ambiguous (SQLSTATE 42702)`)
      }
      if (f.location === "run" && f.column === "isExpMultitrial") {
        throw new Rejected(`ERROR: syntax error at or near "${emptiness ? "IS" : op}" (SQLSTATE 42601)`)
      }
      const c = Object.hasOwn(map, f.column) ? map[f.column]![table] : undefined
      if (c === undefined) throw new Rejected(`invalid ${f.location} column ${f.column}`)
      const read = c.read
      if (emptiness) {
        if (c.kind !== "text") cast(c.kind, "=", "")
        const negate = op === "notEmpty"
        return (row, now) => {
          if (read === undefined) throw new NotLocal(f.column)
          const x = read(row, now)
          const empty = x === null ? true : x === "" || x === "[]"
          return negate ? (x === null ? false : !empty) : empty
        }
      }
      if (op === "contains" || op === "notContains") {
        if (c.kind !== "text") {
          throw new Rejected(`ERROR: operator does not exist: ${kindName[c.kind]} ~~* unknown (SQLSTATE 42883)`)
        }
        const pattern = goPattern(v!)
        return (row, now) => {
          if (read === undefined) throw new NotLocal(f.column)
          return likeTri(read(row, now), pattern, true, op === "notContains")
        }
      }
      const lit = cast(c.kind, op, v!)
      return (row, now) => {
        if (read === undefined) throw new NotLocal(f.column)
        return compare(c.kind, op, read(row, now), lit)
      }
    }
    case "validations":
    case "training":
    case "customMetric": {
      const m = metricName.exec(f.column)
      if (m === null) throw new Rejected(`${f.column} is not a valid metrics id`)
      const group = m[1] === "validation" ? "validation_metrics" : m[1] === "training" ? "avg_metrics" : m[1]!
      const text = (row: Row) => arrowText(dig(summaryOf(row), group, m[2]!, m[3]!))
      const asNumber = f.type === "number"
      const read = (row: Row): Cell => {
        const t = text(row)
        return asNumber && t !== null ? parseFloat8(t) : t
      }
      if (emptiness) return (row) => (read(row) === null) === (op === "isEmpty")
      if (isCompareOp(op)) {
        const lit = cast(asNumber ? "float" : "text", op, v!)
        return (row) => compare(asNumber ? "float" : "text", op, read(row), lit)
      }
      if (asNumber) throw new Rejected(`ERROR: operator does not exist: double precision ~~ unknown (SQLSTATE 42883)`)
      const pattern = goPattern(v!)
      return (row) => likeTri(read(row), pattern, false, op === "notContains")
    }
    case "hyperparameters": {
      if (table === "runs") {
        return () => {
          throw new NotLocal(f.column)
        }
      }
      const path = (f.column.startsWith("hp.") ? f.column.slice(3) : f.column).split(".")
      return hpDefinitionTest(f, path, v)
    }
    case "runHyperparameters": {
      const key = f.column.startsWith("hp.") ? f.column.slice(3) : f.column
      // the master indexes the sampled hparams of managed runs only
      const unmanaged = (row: Row) =>
        row.table === "experiments" ? row.experiment.unmanaged : row.run.experiment?.unmanaged === true
      const leaves = (row: Row) =>
        hasRun(row) && !unmanaged(row) ? hparamLeaves(hparamsOf(row), "", []).filter((l) => l[0] === key) : []
      if (emptiness) return (row) => (leaves(row).length === 0) === (op === "isEmpty")
      if (op === "contains" || op === "notContains") {
        if (typeof v !== "string") panic(v!)
        const pattern = `%${v}%`
        if (f.type === "number") parseFloat8(pattern)
        else if (f.type !== "text") cast("bool", "=", pattern)
        return (row) => any(leaves(row), (l) => likeTri(l[2], pattern, false, op === "notContains"))
      }
      const kind: Kind = f.type === "number" ? "float" : f.type === "text" ? "text" : "bool"
      const slot = f.type === "number" ? 1 : f.type === "text" ? 2 : 3
      const lit = cast(kind, op, v!)
      return (row) => any(leaves(row), (l) => compare(kind, op, l[slot]!, lit))
    }
    case "runMetadata": {
      const key = f.column.startsWith("metadata.") ? f.column.slice(9) : f.column
      const leaves = (row: Row) => {
        if (!hasRun(row)) return []
        const md = row.table === "experiments" ? row.bestTrial?.metadata : row.run.metadata
        return metadataLeaves(md ?? undefined, "", []).filter((l) => l.key === key)
      }
      if (emptiness) return (row) => (leaves(row).length === 0) === (op === "isEmpty")
      if (op === "contains" || op === "notContains") {
        if (typeof v !== "string") panic(v!)
        if (f.type === "number") throw new Rejected(`ERROR: column "number_value" does not exist (SQLSTATE 42703)`)
        if (f.type !== "text") cast("bool", "=", `%${v}%`)
        return (row) => any(leaves(row), (l) => likeTri(l.str, `%${v}%`, false, op === "notContains"))
      }
      if (f.type === "number") {
        const lit = cast("float", op, v!)
        return (row) =>
          any(leaves(row), (l) => or([compare("float", op, l.int, lit), compare("float", op, l.float, lit)]))
      }
      const kind: Kind = f.type === "text" ? "text" : f.type === "date" ? "time" : "bool"
      const lit = cast(kind, op, v!)
      return (row) =>
        any(leaves(row), (l) => compare(kind, op, kind === "text" ? l.str : kind === "time" ? l.time : l.bool, lit))
    }
  }
}

/** The experiment's hyperparameter *definitions* (search-filter.md §3.4). */
const hpDefinitionTest = (
  f: Field,
  path: ReadonlyArray<string>,
  v: number | string | boolean | null
): (row: Row) => Tri => {
  const op = f.operator
  const textual = f.type === "text" || f.type === "date"
  const definition = (row: Row): Json | undefined => {
    const hps = row.table === "experiments" ? dig(row.experiment.config ?? undefined, "hyperparameters") : undefined
    return dig(hps, ...path)
  }
  const kindOf = (d: Json): "const" | "categorical" | "range" | "other" => {
    const t = dig(d, "type")
    return t === "const" ? "const" : t === "categorical" ? "categorical" : t === "int" || t === "double" || t === "log"
      ? "range"
      : "other"
  }
  const float = (x: Json | undefined): Cell => {
    const t = arrowText(x)
    return t === null ? null : parseFloat8(t)
  }
  const elementIs = (d: Json, s: string) => {
    const vals = dig(d, "vals")
    return Array.isArray(vals) && vals.includes(s)
  }
  const when = (test: (d: Json, kind: ReturnType<typeof kindOf>) => Tri) => (row: Row): Tri => {
    const d = definition(row)
    return d === undefined || d === null ? false : test(d, kindOf(d))
  }
  if (op === "isEmpty" || op === "notEmpty") {
    const wantEmpty = op === "isEmpty"
    return when((d, kind) => {
      if (kind === "const") return ((textual ? arrowText(dig(d, "val")) : float(dig(d, "val"))) === null) === wantEmpty
      if (kind === "categorical") {
        const vals = dig(d, "vals")
        return (vals === undefined || vals === null) === wantEmpty
      }
      return kind === "range" && !textual ? !wantEmpty : false
    })
  }
  if (textual) {
    if (op === "contains" || op === "notContains") {
      if (typeof v !== "string") panic(v!)
      const s = v as string
      const negate = op === "notContains"
      return when((d, kind) =>
        kind === "const"
          ? likeTri(arrowText(dig(d, "val")), `%${s}%`, false, negate)
          : kind === "categorical"
          ? elementIs(d, s) !== negate
          : false
      )
    }
    const lit = cast("text", op, v!)
    return when((d, kind) => (kind === "const" ? compare("text", op, arrowText(dig(d, "val")), lit) : false))
  }
  if (op === "contains" || op === "notContains") {
    const lit = cast("float", ">=", v!)
    const negate = op === "notContains"
    return when((d, kind) => {
      if (kind === "categorical") return elementIs(d, typeof v === "string" ? v : String(v)) !== negate
      if (kind !== "range") return false
      const lo = float(dig(d, "minval"))
      const hi = float(dig(d, "maxval"))
      return negate
        ? or([compare("float", ">=", lo, lit), compare("float", "<=", hi, lit)])
        : or([compare("float", "<=", lo, lit), compare("float", ">=", hi, lit)])
    })
  }
  const lit = cast("float", op, v!)
  return when((d, kind) =>
    kind === "const"
      ? compare("float", op, float(dig(d, "val")), lit)
      : kind === "range"
      ? or([compare("float", op, float(dig(d, "minval")), lit), compare("float", op, float(dig(d, "maxval")), lit)])
      : false
  )
}

// ---------------------------------------------------------------------------------------------------------------
// whole filters

/** A compiled filter: the three-valued result on one row. @internal */
export type Compiled = (row: Row, now: number) => Tri

/**
 * Compiles a filter for a table, raising {@link Rejected} for everything the master rejects before reading a row.
 * `undefined` when the filter adds no condition.
 *
 * @internal
 */
export const compile = (filter: Filter, table: Table): Compiled | undefined => {
  switch (filter._tag) {
    case "HasLabels": {
      const labels = filter.labels
      return (row) => {
        const have = row.table === "experiments" ? row.experiment.labels : row.run.labels
        return labels.every((l) => have.includes(l))
      }
    }
    case "Group": {
      if (filter.children.length === 0) return () => true
      if (filter.conjunction !== "and" && filter.conjunction !== "or") {
        throw new Rejected(`invalid conjunction value ${String(filter.conjunction)}`)
      }
      const parts = filter.children.map((c) => compile(c, table)).filter((c): c is Compiled => c !== undefined)
      if (parts.length === 0) return undefined
      const join = filter.conjunction === "and" ? and : or
      return (row, now) => join(parts.map((p) => p(row, now)))
    }
    case "Field":
      return compileField(filter, table)
  }
}

/**
 * Whether a row passes a filter (and the archive rule, unless `showArchived`), as the master's WHERE decides.
 *
 * @internal
 */
export const matcher = (
  filter: Filter | undefined,
  table: Table,
  showArchived: boolean
): (row: Row, now: number) => boolean => {
  const compiled = filter === undefined ? undefined : compile(filter, table)
  return (row, now) => {
    const pass = compiled === undefined ? true : compiled(row, now) === true
    if (showArchived) return pass
    const archived = row.table === "experiments" ? row.experiment.archived : row.run.archived
    return pass && !archived
  }
}

/**
 * Whether the snapshots of a table carry what a field reads, or why not.
 *
 * @internal
 */
export const localReason = (f: Field, table: Table): string | undefined => {
  if (f.location === "experiment" || f.location === "run") {
    const map = f.location === "experiment" ? experimentLocation : runLocation
    const c = Object.hasOwn(map, f.column) ? map[f.column]![table] : undefined
    if (c !== undefined && c.read === undefined) {
      return `${table === "runs" ? "a flat run" : "an experiment row"} does not carry ${f.column}`
    }
    return undefined
  }
  if (f.location === "hyperparameters" && table === "runs") {
    return "a flat run does not carry the hyperparameter definitions"
  }
  return undefined
}

/** A numeric metric value of a row (for sorting by number), or null. @internal */
export const metricValue = (row: Row, location: Location, column: string): number | null => {
  const m = metricName.exec(column)
  if (m === null) return null
  const group = location === "validations" ? "validation_metrics" : location === "training" ? "avg_metrics" : m[1]!
  const x = dig(
    summaryOf(row),
    m[1] === "validation" ? "validation_metrics" : m[1] === "training" ? "avg_metrics" : group,
    m[2]!,
    m[3]!
  )
  if (typeof x === "number") return x
  if (x === "NaN") return NaN
  if (x === "Infinity") return Infinity
  if (x === "-Infinity") return -Infinity
  return null
}

/** @internal */
export type { ColumnType }

/**
 * Compares two rows by sort keys as the SDK sorts locally: metric keys by number, plain columns by their SQL
 * order, NULLs last in both directions; keys the snapshots do not carry compare equal (the master's order, which
 * a stable sort keeps, decides).
 *
 * @internal
 */
export const compareRows = (
  keys: ReadonlyArray<{ readonly location: Location; readonly column: string; readonly direction: "asc" | "desc" }>,
  now: number
) =>
(a: Row, b: Row): number => {
  for (const k of keys) {
    let kind: Kind = "float"
    let x: Cell = null
    let y: Cell = null
    if (k.location === "validations" || k.location === "training" || k.location === "customMetric") {
      x = metricValue(a, k.location, k.column)
      y = metricValue(b, k.location, k.column)
    } else if (k.location === "experiment" || k.location === "run") {
      const map = k.location === "experiment" ? experimentLocation : runLocation
      const c = Object.hasOwn(map, k.column) ? map[k.column]![a.table] : undefined
      if (c?.read === undefined) continue
      kind = c.kind
      x = c.read(a, now)
      y = c.read(b, now)
    } else {
      continue
    }
    if (x === null || y === null) {
      if (x === null && y === null) continue
      return x === null ? 1 : -1
    }
    const c = order(kind, x, y)
    if (c !== 0) return k.direction === "asc" ? c : -c
  }
  return 0
}
