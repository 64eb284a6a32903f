/**
 * The master's filter compiler (`master/internal/experiment_filter.go`) as LocalMaster runs it: the `filter`
 * string is unmarshalled the way Go's encoding/json does it (keys case-insensitive, unknown keys ignored, type
 * errors in Go's words), then compiled into a small SQL-like plan over the joined rows of rows.ts, with every
 * error the master raises at compile time raised here before any row is read. Evaluating the plan is SQL:
 * three-valued logic, literal coercion, LIKE / ILIKE, `::float8` casts that fail on the rows that need them
 * (shared/docs/search-filter.md §2, §3, §9).
 *
 * @internal
 */
import type { Json, JsonObject } from "../json.js"
import { isObject } from "../json.js"
import { internal } from "../wire.js"
import type { HparamRow, JoinedRow, MetadataRow } from "./rows.js"
import type { CompareOp, SqlType, SqlValue, Truth } from "./sql.js"
import {
  and3,
  applyCompare,
  castFloat,
  coerceLiteral,
  goPanic,
  goPercentS,
  jsonbArrowText,
  like,
  not3,
  or3,
  pgError
} from "./sql.js"

/** Which endpoint the filter runs in: it decides what `r` denotes. @internal */
export type Endpoint = "experiments" | "runs"

/** A SQL expression over a joined row. @internal */
export interface Expr {
  readonly type: SqlType
  readonly get: (row: JoinedRow) => SqlValue
}

/** The compiled filter: a tree of SQL-like nodes. @internal */
export type Plan =
  | { readonly k: "const"; readonly v: Truth }
  | { readonly k: "and" | "or"; readonly xs: ReadonlyArray<Plan> }
  | { readonly k: "not"; readonly x: Plan }
  | { readonly k: "cmp"; readonly expr: Expr; readonly op: CompareOp; readonly lit: SqlValue }
  | { readonly k: "like"; readonly expr: Expr; readonly pattern: string; readonly ci: boolean; readonly neg: boolean }
  | { readonly k: "isnull"; readonly expr: Expr; readonly neg: boolean }
  | {
    readonly k: "exists"
    readonly rows: (row: JoinedRow) => ReadonlyArray<unknown>
    readonly pred: (x: any) => Truth
  }

/** Evaluates a plan on one row. Every child is evaluated (no short-circuit), so row-dependent cast errors surface. @internal */
export const evaluate = (plan: Plan, row: JoinedRow): Truth => {
  switch (plan.k) {
    case "const":
      return plan.v
    case "and":
      return and3(plan.xs.map((x) => evaluate(x, row)))
    case "or":
      return or3(plan.xs.map((x) => evaluate(x, row)))
    case "not":
      return not3(evaluate(plan.x, row))
    case "cmp":
      return applyCompare(plan.expr.type, plan.op, plan.expr.get(row), plan.lit)
    case "like":
      return like(plan.expr.get(row), plan.pattern, plan.ci, plan.neg)
    case "isnull": {
      const v = plan.expr.get(row)
      return plan.neg ? v !== null : v === null
    }
    case "exists": {
      let found = false
      for (const x of plan.rows(row)) if (plan.pred(x) === true) found = true
      return found
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Go's encoding/json into the master's untagged structs
// ---------------------------------------------------------------------------------------------------------------

/** `experimentFilter` after unmarshalling. @internal */
export interface GoFilter {
  readonly kind: string
  readonly columnName: string
  readonly location: string | undefined
  readonly operator: string | undefined
  readonly conjunction: string | undefined
  readonly children: ReadonlyArray<GoFilter | null>
  readonly value: Json | undefined
  readonly type: string | undefined
}

/** `experimentFilterRoot` after unmarshalling. @internal */
export interface GoRoot {
  readonly filterGroup: GoFilter | undefined
  readonly showArchived: boolean
}

const jsonKind = (v: Json): string =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "object" ? "object" : typeof v

const cannot = (v: Json, field: string, type: string) =>
  internal(
    `json: cannot unmarshal ${
      jsonKind(v) === "boolean" ? "bool" : jsonKind(v)
    } into Go struct field ${field} of type ${type}`
  )

/** The value of the last key that matches `name` case-insensitively (Go's rule). */
const goField = (o: JsonObject, name: string): Json | undefined => {
  let out: Json | undefined
  const want = name.toLowerCase()
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === want) out = v
  return out
}

const goString = (o: JsonObject, name: string, path: string): string | undefined => {
  const v = goField(o, name)
  if (v === undefined || v === null) return undefined
  if (typeof v !== "string") throw cannot(v, `${path}.${name}`, "string")
  return v
}

const parseNode = (v: Json, path: string): GoFilter | null => {
  if (v === null) return null
  if (!isObject(v)) throw cannot(v, path, "internal.experimentFilter")
  const children = goField(v, "children")
  let kids: Array<GoFilter | null> = []
  if (children !== undefined && children !== null) {
    if (!Array.isArray(children)) throw cannot(children, `${path}.children`, "[]*internal.experimentFilter")
    kids = children.map((c) => parseNode(c, `${path}.children`))
  }
  return {
    kind: goString(v, "kind", path) ?? "",
    columnName: goString(v, "columnName", path) ?? "",
    location: goString(v, "location", path),
    operator: goString(v, "operator", path),
    conjunction: goString(v, "conjunction", path),
    children: kids,
    value: goField(v, "value") ?? undefined,
    type: goString(v, "type", path)
  }
}

const quoteChar = (c: string) => (c === "'" ? "'\\''" : `'${c}'`)

/** The message of Go's encoding/json scanner for text that JSON.parse rejected. @internal */
export const goSyntaxError = (text: string): string => {
  let i = 0
  const fail = (context: string): never => {
    if (i >= text.length) throw new GoSyntax("unexpected end of JSON input")
    throw new GoSyntax(`invalid character ${quoteChar(text[i]!)} ${context}`)
  }
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++
  }
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++, i++) {
      if (text[i] !== word[k]) {
        if (k === 0) fail("looking for beginning of value")
        fail(`in literal ${word} (expecting ${quoteChar(word[k]!)})`)
      }
    }
  }
  const string = () => {
    i++
    for (;;) {
      if (i >= text.length) fail("")
      const c = text[i]!
      if (c === "\"") {
        i++
        return
      }
      if (c === "\\") {
        i++
        if (i >= text.length) fail("")
        if (!"\"\\/bfnrtu".includes(text[i]!)) fail("in string escape code")
        i++
        continue
      }
      if (c.charCodeAt(0) < 0x20) fail("in string literal")
      i++
    }
  }
  const number = () => {
    if (text[i] === "-") i++
    if (i >= text.length) fail("")
    if (text[i] === "0") i++
    else if (/[1-9]/.test(text[i]!)) { while (i < text.length && /[0-9]/.test(text[i]!)) i++ }
    else fail("in numeric literal")
    if (text[i] === ".") {
      i++
      if (i >= text.length || !/[0-9]/.test(text[i]!)) fail("after decimal point in numeric literal")
      while (i < text.length && /[0-9]/.test(text[i]!)) i++
    }
    if (text[i] === "e" || text[i] === "E") {
      i++
      if (text[i] === "+" || text[i] === "-") i++
      if (i >= text.length || !/[0-9]/.test(text[i]!)) fail("in exponent of numeric literal")
      while (i < text.length && /[0-9]/.test(text[i]!)) i++
    }
  }
  const value = (): void => {
    ws()
    if (i >= text.length) fail("")
    const c = text[i]!
    // the members of an object or an array, up to the closing bracket
    const members = (close: string, member: () => void, after: string) => {
      i++
      ws()
      if (text[i] === close) {
        i++
        return
      }
      for (;;) {
        member()
        ws()
        if (text[i] === ",") {
          i++
        } else if (text[i] === close) {
          i++
          return
        } else {
          fail(after)
        }
      }
    }
    if (c === "{") {
      return members("}", () => {
        ws()
        if (text[i] !== "\"") fail("looking for beginning of object key string")
        string()
        ws()
        if (text[i] !== ":") fail("after object key")
        i++
        value()
      }, "after object key:value pair")
    }
    if (c === "[") return members("]", value, "after array element")
    if (c === "\"") return string()
    if (c === "-" || /[0-9]/.test(c)) return number()
    if (c === "t") return literal("true")
    if (c === "f") return literal("false")
    if (c === "n") return literal("null")
    fail("looking for beginning of value")
  }
  try {
    value()
    ws()
    if (i < text.length) fail("after top-level value")
    return "unexpected end of JSON input"
  } catch (e) {
    if (e instanceof GoSyntax) return e.message
    throw e
  }
}

class GoSyntax extends Error {}

/** Unmarshals the `filter` string. @internal */
export const parseFilter = (text: string): GoRoot => {
  if (text.trim() === "") throw internal("unexpected end of JSON input")
  let v: Json
  try {
    v = JSON.parse(text) as Json
  } catch {
    throw internal(goSyntaxError(text))
  }
  if (v === null) return { filterGroup: undefined, showArchived: false }
  if (!isObject(v)) {
    throw internal(
      `json: cannot unmarshal ${
        jsonKind(v) === "boolean" ? "bool" : jsonKind(v)
      } into Go value of type internal.experimentFilterRoot`
    )
  }
  const group = goField(v, "filterGroup")
  const archived = goField(v, "showArchived")
  if (archived !== undefined && archived !== null && typeof archived !== "boolean") {
    throw cannot(archived, "experimentFilterRoot.showArchived", "bool")
  }
  return {
    filterGroup: group === undefined ? undefined : parseNode(group, "experimentFilterRoot.filterGroup") ?? undefined,
    showArchived: archived === true
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------------------------------

const cfg = (row: JoinedRow, ...path: Array<string>): Json | undefined => {
  let v: Json | undefined = row.exp.config
  for (const p of path) v = isObject(v as Json) ? (v as JsonObject)[p] : undefined
  return v
}

const text = (get: (row: JoinedRow) => string | null): Expr => ({ type: "text", get })
const int = (get: (row: JoinedRow) => number | null): Expr => ({ type: "integer", get })
const ts = (get: (row: JoinedRow) => number | null): Expr => ({ type: "timestamp with time zone", get })

const percent = (p: number | null): number => Math.round((p ?? 0) * 100)

const shared: Record<string, Expr> = {
  tags: text((r) => jsonbArrowText(cfg(r, "labels"))),
  searcherType: text((r) => jsonbArrowText(cfg(r, "searcher", "name"))),
  searcherMetric: text((r) => jsonbArrowText(cfg(r, "searcher", "metric"))),
  resourcePool: text((r) => jsonbArrowText(cfg(r, "resources", "resource_pool"))),
  user: int((r) => r.exp.userId),
  forkedFrom: int((r) => r.exp.parentId),
  externalExperimentId: text((r) => r.externalExperimentId)
}

const experimentColumns: Record<string, Expr> = {
  ...shared,
  id: int((r) => r.exp.id),
  name: text((r) => jsonbArrowText(cfg(r, "name"))),
  description: text((r) => jsonbArrowText(cfg(r, "description"))),
  startTime: ts((r) => r.exp.startTime),
  endTime: ts((r) => r.exp.endTime ?? null),
  duration: { type: "numeric", get: (r) => ((r.exp.endTime ?? r.now) - r.exp.startTime) / 1000 },
  state: { type: "experiment_state", get: (r) => r.exp.state },
  numTrials: int((r) => r.exp.trialIds.length),
  progress: int((r) => percent(r.exp.progress)),
  checkpointSize: { type: "bigint", get: (r) => r.expCheckpointSize },
  checkpointCount: int((r) => r.expCheckpointCount),
  searcherMetricsVal: { type: "double precision", get: (r) => r.expBestSearcherValue },
  externalTrialId: text((r) => r.run?.externalRunId ?? null)
}

const runColumns: Record<string, Expr> = {
  ...shared,
  id: int((r) => r.run?.id ?? null),
  experimentId: int((r) => r.exp.id),
  experimentName: text((r) => jsonbArrowText(cfg(r, "name"))),
  experimentDescription: text((r) => jsonbArrowText(cfg(r, "description"))),
  startTime: ts((r) => r.run?.startTime ?? null),
  endTime: ts((r) => r.run?.endTime ?? null),
  duration: {
    type: "numeric",
    get: (r) => (r.run === null ? null : ((r.run.endTime ?? r.now) - r.run.startTime) / 1000)
  },
  state: { type: "trial_state", get: (r) => r.run?.state ?? null },
  experimentProgress: int((r) => percent(r.exp.progress)),
  projectId: int((r) => (r.run === null ? null : r.exp.projectId)),
  checkpointSize: { type: "bigint", get: (r) => r.run?.checkpointSize ?? null },
  checkpointCount: int((r) => r.run?.checkpointCount ?? null),
  searcherMetricsVal: { type: "double precision", get: (r) => r.run?.searcherMetricValue ?? null },
  externalRunId: text((r) => r.run?.externalRunId ?? null),
  localId: text((r) => r.run?.localId ?? null),
  parentArchived: { type: "boolean", get: (r) => r.parentArchived }
}

const isCompare = (op: string): op is CompareOp =>
  op === "=" || op === "!=" || op === "<" || op === "<=" || op === ">" || op === ">="

type Literal = number | string | boolean

const literalOf = (v: Json): Literal => {
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v
  throw pgError(`syntax error at or near "${Array.isArray(v) ? "[" : "map"}"`, "42601")
}

/** A field on an experiment or run column (`expColumnNameToSQL` / `runColumnNameToSQL`). */
const columnField = (expr: Expr, op: string, value: Literal): Plan => {
  if (isCompare(op)) return { k: "cmp", expr, op, lit: coerceLiteral(expr.type, op, value) }
  if (op === "contains" || op === "notContains") {
    if (expr.type !== "text") throw pgError(`operator does not exist: ${expr.type} ~~* unknown`, "42883")
    return { k: "like", expr, pattern: `%${goPercentS(value)}%`, ci: true, neg: op === "notContains" }
  }
  // isEmpty / notEmpty: col IS NULL OR col = '' OR col = '[]'
  if (expr.type !== "text") coerceLiteral(expr.type, "=", "")
  const empty: Plan = {
    k: "or",
    xs: [
      { k: "isnull", expr, neg: false },
      { k: "cmp", expr, op: "=", lit: "" },
      { k: "cmp", expr, op: "=", lit: "[]" }
    ]
  }
  return op === "isEmpty" ? empty : { k: "not", x: empty }
}

const metricsId = /([ -~]+?)\.([ -~]+)\.(min|max|mean|last)/

/**
 * `r.summary_metrics -> group -> metric ->> aggregate` for a metrics id (`parseMetricsName`), or 500
 * `<name> is not a valid metrics id`.
 *
 * @internal
 */
export const metricText = (name: string): (row: JoinedRow) => string | null => {
  const m = metricsId.exec(name)
  if (m === null) throw internal(`${name} is not a valid metrics id`)
  const group = m[1] === "training" ? "avg_metrics" : m[1] === "validation" ? "validation_metrics" : m[1]!
  const metric = m[2]!
  const agg = m[3]!
  return (row) => {
    const summary = row.run?.summary
    const g = summary === null || summary === undefined ? undefined : summary[group]
    const e = isObject(g as Json) ? (g as JsonObject)[metric] : undefined
    return jsonbArrowText(isObject(e as Json) ? (e as JsonObject)[agg] : undefined)
  }
}

/** A summary-metric field (`LOCATION_TYPE_VALIDATIONS` / `_TRAINING` / `_CUSTOM_METRIC`). */
const metricField = (name: string, type: string | undefined, op: string, value: Literal | null): Plan => {
  const raw = metricText(name)
  const numeric = type === "COLUMN_TYPE_NUMBER"
  const expr: Expr = numeric
    ? {
      type: "double precision",
      get: (row) => {
        const t = raw(row)
        return t === null ? null : castFloat(t)
      }
    }
    : { type: "text", get: raw }
  if (op === "isEmpty" || op === "notEmpty") return { k: "isnull", expr, neg: op === "notEmpty" }
  const v = value!
  if (isCompare(op)) return { k: "cmp", expr, op, lit: coerceLiteral(expr.type, op, v) }
  if (numeric) throw pgError("operator does not exist: double precision ~~ unknown", "42883")
  return { k: "like", expr, pattern: `%${goPercentS(v)}%`, ci: false, neg: op === "notContains" }
}

const panicString = (v: Literal): never => {
  throw goPanic(`interface conversion: interface {} is ${typeof v === "boolean" ? "bool" : "float64"}, not string`)
}

type HpKind = "const" | "categorical" | "range" | "other"

const hpDefinition = (row: JoinedRow, path: ReadonlyArray<string>): { kind: HpKind; def: JsonObject } | undefined => {
  let v: Json | undefined = cfg(row, "hyperparameters")
  for (const p of path) v = isObject(v as Json) ? (v as JsonObject)[p] : undefined
  if (v === undefined || v === null) return undefined
  if (!isObject(v)) return { kind: "other", def: {} }
  const t = v.type
  const kind: HpKind = t === "const"
    ? "const"
    : t === "categorical"
    ? "categorical"
    : t === "int" || t === "double" || t === "log"
    ? "range"
    : "other"
  return { kind, def: v }
}

const hasStringElement = (vals: Json | undefined, s: string): boolean =>
  Array.isArray(vals) && vals.some((x) => x === s)

/** An experiment hyperparameter definition field (`hpToSQL`, the matrix of §3.4). */
const hpField = (name: string, type: string | undefined, op: string, value: Literal | null): Plan => {
  const path = (name.startsWith("hp.") ? name.slice(3) : name).split(".")
  const textual = type === "COLUMN_TYPE_TEXT" || type === "COLUMN_TYPE_DATE"
  const fn = (f: (d: { kind: HpKind; def: JsonObject }) => Truth): Plan => ({
    k: "exists",
    rows: (row) => {
      const d = hpDefinition(row, path)
      return d === undefined ? [] : [d]
    },
    pred: f
  })
  const asFloat = (row: Json | undefined): number | null => {
    const t = jsonbArrowText(row)
    return t === null ? null : castFloat(t)
  }
  if (op === "isEmpty" || op === "notEmpty") {
    const neg = op === "notEmpty"
    return fn(({ def, kind }) => {
      if (kind === "const") {
        const v = textual ? jsonbArrowText(def.val) : asFloat(def.val)
        return neg ? v !== null : v === null
      }
      if (kind === "categorical") {
        const present = def.vals !== undefined && def.vals !== null
        return neg ? present : !present
      }
      if (kind === "range") return textual ? false : neg
      return false
    })
  }
  const v = value!
  if (textual) {
    if (op === "contains" || op === "notContains") {
      if (typeof v !== "string") panicString(v)
      const neg = op === "notContains"
      return fn(({ def, kind }) => {
        if (kind === "const") return like(jsonbArrowText(def.val), `%${v}%`, false, neg)
        if (kind === "categorical") {
          return neg
            ? !hasStringElement(def.vals, v as string)
            : hasStringElement(def.vals, v as string)
        }
        return false
      })
    }
    const cop = op as CompareOp
    const lit = coerceLiteral("text", cop, v)
    return fn(({ def, kind }) => (kind === "const" ? applyCompare("text", cop, jsonbArrowText(def.val), lit) : false))
  }
  if (op === "contains" || op === "notContains") {
    const neg = op === "notContains"
    const lit = coerceLiteral("double precision", ">=", v) as number
    return fn(({ def, kind }) => {
      if (kind === "categorical") {
        const hit = hasStringElement(def.vals, typeof v === "string" ? v : String(v))
        return neg ? !hit : hit
      }
      if (kind === "range") {
        const lo = asFloat(def.minval)
        const hi = asFloat(def.maxval)
        return neg
          ? or3([applyCompare("double precision", ">=", lo, lit), applyCompare("double precision", "<=", hi, lit)])
          : or3([applyCompare("double precision", "<=", lo, lit), applyCompare("double precision", ">=", hi, lit)])
      }
      return false
    })
  }
  const cop = op as CompareOp
  const lit = coerceLiteral("double precision", cop, v)
  return fn(({ def, kind }) => {
    if (kind === "const") return applyCompare("double precision", cop, asFloat(def.val), lit)
    if (kind === "range") {
      return or3([
        applyCompare("double precision", cop, asFloat(def.minval), lit),
        applyCompare("double precision", cop, asFloat(def.maxval), lit)
      ])
    }
    return false
  })
}

/** A sampled-hyperparameter field (`runHpToSQL`, §3.5): a test on the run's `run_hparams` row for the key. */
const runHpField = (name: string, type: string | undefined, op: string, value: Literal | null): Plan => {
  const key = name.startsWith("hp.") ? name.slice(3) : name
  const rows = (row: JoinedRow): ReadonlyArray<HparamRow> => row.run?.hparamRows.filter((h) => h.key === key) ?? []
  if (op === "isEmpty" || op === "notEmpty") {
    const has: Plan = { k: "exists", rows, pred: () => true }
    return op === "isEmpty" ? { k: "not", x: has } : has
  }
  const v = value!
  if (op === "contains" || op === "notContains") {
    if (typeof v !== "string") panicString(v)
    const pattern = `%${v}%`
    if (type === "COLUMN_TYPE_NUMBER") coerceLiteral("double precision", "=", pattern)
    else if (type !== "COLUMN_TYPE_TEXT") coerceLiteral("boolean", "=", pattern)
    const neg = op === "notContains"
    return { k: "exists", rows, pred: (h: HparamRow) => like(h.textVal, pattern, false, neg) }
  }
  const cop = op as CompareOp
  if (type === "COLUMN_TYPE_NUMBER") {
    const lit = coerceLiteral("double precision", cop, v)
    return { k: "exists", rows, pred: (h: HparamRow) => applyCompare("double precision", cop, h.numberVal, lit) }
  }
  if (type === "COLUMN_TYPE_TEXT") {
    const lit = coerceLiteral("text", cop, v)
    return { k: "exists", rows, pred: (h: HparamRow) => applyCompare("text", cop, h.textVal, lit) }
  }
  const lit = coerceLiteral("boolean", cop, v)
  return { k: "exists", rows, pred: (h: HparamRow) => applyCompare("boolean", cop, h.boolVal, lit) }
}

/** A run-metadata field (`runMetadataToSQL`, §3.6). */
const metadataField = (name: string, type: string | undefined, op: string, value: Literal | null): Plan => {
  const key = name.startsWith("metadata.") ? name.slice("metadata.".length) : name
  const rows = (row: JoinedRow): ReadonlyArray<MetadataRow> => row.run?.metadataRows.filter((m) => m.key === key) ?? []
  if (op === "isEmpty" || op === "notEmpty") {
    const has: Plan = { k: "exists", rows, pred: () => true }
    return op === "isEmpty" ? { k: "not", x: has } : has
  }
  const v = value!
  if (op === "contains" || op === "notContains") {
    if (typeof v !== "string") panicString(v)
    if (type === "COLUMN_TYPE_NUMBER") throw pgError(`column "number_value" does not exist`, "42703")
    if (type !== "COLUMN_TYPE_TEXT") coerceLiteral("boolean", "=", `%${v}%`)
    const neg = op === "notContains"
    return { k: "exists", rows, pred: (m: MetadataRow) => like(m.stringValue, `%${v}%`, false, neg) }
  }
  const cop = op as CompareOp
  if (type === "COLUMN_TYPE_NUMBER") {
    const lit = coerceLiteral("double precision", cop, v)
    return {
      k: "exists",
      rows,
      pred: (m: MetadataRow) =>
        or3([
          applyCompare("double precision", cop, m.integerValue, lit),
          applyCompare("double precision", cop, m.floatValue, lit)
        ])
    }
  }
  if (type === "COLUMN_TYPE_TEXT") {
    const lit = coerceLiteral("text", cop, v)
    return { k: "exists", rows, pred: (m: MetadataRow) => applyCompare("text", cop, m.stringValue, lit) }
  }
  if (type === "COLUMN_TYPE_DATE") {
    const lit = coerceLiteral("timestamp with time zone", cop, v)
    return {
      k: "exists",
      rows,
      pred: (m: MetadataRow) => applyCompare("timestamp with time zone", cop, m.timestampValue, lit)
    }
  }
  const lit = coerceLiteral("boolean", cop, v)
  return { k: "exists", rows, pred: (m: MetadataRow) => applyCompare("boolean", cop, m.booleanValue, lit) }
}

const operators = new Set(["=", "!=", "<", "<=", ">", ">=", "contains", "notContains", "isEmpty", "notEmpty"])

const locations = new Set([
  "LOCATION_TYPE_EXPERIMENT",
  "LOCATION_TYPE_RUN",
  "LOCATION_TYPE_HYPERPARAMETERS",
  "LOCATION_TYPE_VALIDATIONS",
  "LOCATION_TYPE_TRAINING",
  "LOCATION_TYPE_CUSTOM_METRIC",
  "LOCATION_TYPE_RUN_HYPERPARAMETERS",
  "LOCATION_TYPE_RUN_METADATA"
])

/** Compiles one node; `undefined` when the node adds no condition (unknown kind or location). @internal */
export const compileNode = (node: GoFilter | null, endpoint: Endpoint): Plan | undefined => {
  if (node === null) throw goPanic("runtime error: invalid memory address or nil pointer dereference")
  if (node.kind === "group") {
    if (node.conjunction === undefined) throw internal("group specified with no conjunction")
    if (node.children.length === 0) return { k: "const", v: true }
    if (node.conjunction !== "and" && node.conjunction !== "or") {
      throw internal(`invalid conjunction value ${node.conjunction}`)
    }
    const xs: Array<Plan> = []
    for (const c of node.children) {
      const p = compileNode(c, endpoint)
      if (p !== undefined) xs.push(p)
    }
    return xs.length === 0 ? undefined : { k: node.conjunction, xs }
  }
  if (node.kind !== "field") return undefined
  const op = node.operator
  if (op === undefined) throw internal("field specified with value but no operator")
  const empty = op === "isEmpty" || op === "notEmpty"
  if ((node.value === undefined || node.value === null) && !empty) return { k: "const", v: true }
  if (!operators.has(op)) throw internal(`invalid operator ${op}`)
  const location = node.location ?? "LOCATION_TYPE_EXPERIMENT"
  if (!locations.has(location)) return undefined
  const value = node.value === undefined || node.value === null ? null : literalOf(node.value)
  const name = node.columnName
  switch (location) {
    case "LOCATION_TYPE_EXPERIMENT": {
      if (name === "projectId") throw pgError(`column reference "project_id" is ambiguous`, "42702")
      const expr = Object.prototype.hasOwnProperty.call(experimentColumns, name) ? experimentColumns[name] : undefined
      if (expr === undefined) throw internal(`invalid experiment column ${name}`)
      return columnField(expr, op, value ?? "")
    }
    case "LOCATION_TYPE_RUN": {
      if (name === "isExpMultitrial") {
        throw pgError(`syntax error at or near "${op === "isEmpty" || op === "notEmpty" ? "IS" : op}"`, "42601")
      }
      const expr = Object.prototype.hasOwnProperty.call(runColumns, name) ? runColumns[name] : undefined
      if (expr === undefined) throw internal(`invalid run column ${name}`)
      return columnField(expr, op, value ?? "")
    }
    case "LOCATION_TYPE_HYPERPARAMETERS":
      return hpField(name, node.type, op, value)
    case "LOCATION_TYPE_RUN_HYPERPARAMETERS":
      return runHpField(name, node.type, op, value)
    case "LOCATION_TYPE_RUN_METADATA":
      return metadataField(name, node.type, op, value)
    default:
      return metricField(name, node.type, op, value)
  }
}

/** The whole WHERE of a filtered request, archive rule included. @internal */
export const compileFilter = (text: string, endpoint: Endpoint): Plan => {
  const root = parseFilter(text)
  const tree = root.filterGroup === undefined ? undefined : compileNode(root.filterGroup, endpoint)
  const xs: Array<Plan> = tree === undefined ? [] : [tree]
  if (!root.showArchived) {
    xs.push({
      k: "cmp",
      expr: {
        type: "boolean",
        get: (r) => (endpoint === "experiments" ? r.exp.archived : r.exp.archived || (r.run?.archived ?? false))
      },
      op: "=",
      lit: false
    })
  }
  return { k: "and", xs }
}
