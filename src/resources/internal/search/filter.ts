/**
 * The plain data of a query (see src/resources/Query.ts for the builder): filter nodes in the master's own
 * vocabulary (locations, operators, column types), sort keys, and their encodings on the wire (the `filter` JSON
 * string and the `sort` string of SearchExperiments / SearchRuns) and as text.
 *
 * @internal
 */

/**
 * Where a column lives (`v1LocationType` without its prefix, camelCased).
 *
 * @since 0.1.0
 * @category models
 */
export type Location =
  | "experiment"
  | "run"
  | "hyperparameters"
  | "validations"
  | "training"
  | "customMetric"
  | "runHyperparameters"
  | "runMetadata"

/**
 * The declared type of a column (`v1ColumnType`): it decides how the master compares metric, hyperparameter and
 * metadata values.
 *
 * @since 0.1.0
 * @category models
 */
export type ColumnType = "text" | "number" | "date" | "array" | "unspecified"

/**
 * The ten operators of the filter language.
 *
 * @since 0.1.0
 * @category models
 */
export type Operator = "=" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "notContains" | "isEmpty" | "notEmpty"

/**
 * A filter value as the master receives it.
 *
 * @since 0.1.0
 * @category models
 */
export type Value = string | number | boolean | null

/**
 * One condition on one column.
 *
 * @since 0.1.0
 * @category models
 */
export interface Field {
  readonly _tag: "Field"
  readonly location: Location
  readonly column: string
  readonly type: ColumnType
  readonly operator: Operator
  readonly value: Value
}

/**
 * Conditions joined with `and` / `or`. An empty group is true.
 *
 * @since 0.1.0
 * @category models
 */
export interface Group {
  readonly _tag: "Group"
  readonly conjunction: "and" | "or"
  readonly children: ReadonlyArray<Filter>
}

/**
 * A condition only the SDK evaluates: the experiment carries every one of these labels (GetExperiments'
 * `labels`; the filter language can only substring-match the JSON text of the labels).
 *
 * @since 0.1.0
 * @category models
 */
export interface HasLabels {
  readonly _tag: "HasLabels"
  readonly labels: ReadonlyArray<string>
}

/**
 * A filter: fields, groups, and SDK-only conditions.
 *
 * @since 0.1.0
 * @category models
 */
export type Filter = Field | Group | HasLabels

/**
 * A sort key: a column and a direction. Metric columns sort by number (the master sorts them as text, so the SDK
 * sorts them itself; see docs/QUERIES.md).
 *
 * @since 0.1.0
 * @category models
 */
export interface SortKey {
  readonly location: Location
  readonly column: string
  readonly direction: "asc" | "desc"
}

/**
 * A whole query: a filter, sort keys, a limit and the archive rule. Plain data: build it with the `Query`
 * functions, compare it, print it, store it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Query {
  readonly _tag: "Query"
  readonly filter: Filter | undefined
  readonly sort: ReadonlyArray<SortKey>
  readonly limit: number | undefined
  readonly showArchived: boolean
}

const wireLocation: Record<Location, string> = {
  experiment: "LOCATION_TYPE_EXPERIMENT",
  run: "LOCATION_TYPE_RUN",
  hyperparameters: "LOCATION_TYPE_HYPERPARAMETERS",
  validations: "LOCATION_TYPE_VALIDATIONS",
  training: "LOCATION_TYPE_TRAINING",
  customMetric: "LOCATION_TYPE_CUSTOM_METRIC",
  runHyperparameters: "LOCATION_TYPE_RUN_HYPERPARAMETERS",
  runMetadata: "LOCATION_TYPE_RUN_METADATA"
}

/** @internal */
export const locationToWire = (l: Location): string => wireLocation[l]

/** @internal */
export const locationFromWire = (wire: string): Location | undefined =>
  (Object.keys(wireLocation) as Array<Location>).find((l) => wireLocation[l] === wire)

/** @internal */
export const columnTypeToWire = (t: ColumnType): string => `COLUMN_TYPE_${t.toUpperCase()}`

/** @internal */
export const columnTypeFromWire = (wire: string): ColumnType => {
  const t = wire.replace(/^COLUMN_TYPE_/, "").toLowerCase()
  return t === "text" || t === "number" || t === "date" || t === "array" ? t : "unspecified"
}

/** A wire filter node (`experimentFilter`), as the web UI writes it. @internal */
export const nodeToWire = (f: Field | Group): unknown =>
  f._tag === "Group"
    ? { kind: "group", conjunction: f.conjunction, children: f.children.map((c) => nodeToWire(c as Field | Group)) }
    : {
      kind: "field",
      columnName: f.column,
      location: locationToWire(f.location),
      operator: f.operator,
      type: columnTypeToWire(f.type),
      value: f.value
    }

/** The `filter` string of a request. @internal */
export const filterToWire = (filter: Field | Group | undefined, showArchived: boolean): string =>
  JSON.stringify(
    filter === undefined ? { showArchived } : { filterGroup: nodeToWire(filter), showArchived }
  )

const isMetric = (l: Location) => l === "validations" || l === "training" || l === "customMetric"

/** The name the master's `sort` grammar reads for a key. @internal */
export const sortColumnName = (k: SortKey): string =>
  k.location === "runHyperparameters" || k.location === "hyperparameters"
    ? (k.column.startsWith("hp.") ? k.column : `hp.${k.column}`)
    : k.location === "runMetadata"
    ? (k.column.startsWith("metadata.") ? k.column : `metadata.${k.column}`)
    : k.column

/** Whether a sort key names a summary metric. @internal */
export const isMetricSort = (k: SortKey): boolean => isMetric(k.location)

/** The `sort` string of a request. @internal */
export const sortToWire = (keys: ReadonlyArray<SortKey>): string | undefined =>
  keys.length === 0 ? undefined : keys.map((k) => `${sortColumnName(k)}=${k.direction}`).join(",")

const valueText = (v: Value): string => (typeof v === "string" ? JSON.stringify(v) : String(v))

const prefix: Record<Location, string> = {
  experiment: "",
  run: "run.",
  hyperparameters: "",
  validations: "",
  training: "",
  customMetric: "",
  runHyperparameters: "run.",
  runMetadata: ""
}

/** A field's column as printed: `name`, `run.state`, `validation.loss.min`, `hp.lr`, `run.hp.lr`, `metadata.k`. */
export const columnText = (location: Location, column: string): string => {
  if (location === "hyperparameters" || location === "runHyperparameters") {
    return `${prefix[location]}${column.startsWith("hp.") ? column : `hp.${column}`}`
  }
  if (location === "runMetadata") return column.startsWith("metadata.") ? column : `metadata.${column}`
  return `${prefix[location]}${column}`
}

/** One filter as text, e.g. `state = "COMPLETED" AND (validation.loss.min < 0.2 OR hp.lr >= 0.001)`. @internal */
export const filterText = (f: Filter, nested = false): string => {
  switch (f._tag) {
    case "HasLabels":
      return `labels has all ${JSON.stringify(f.labels)}`
    case "Group": {
      if (f.children.length === 0) return "TRUE"
      const body = f.children.map((c) => filterText(c, true)).join(f.conjunction === "and" ? " AND " : " OR ")
      return nested && f.children.length > 1 ? `(${body})` : body
    }
    case "Field": {
      const col = columnText(f.location, f.column)
      const typed = f.type === "text" && f.location !== "experiment" && f.location !== "run" ? ":text" : ""
      if (f.operator === "isEmpty" || f.operator === "notEmpty") return `${col}${typed} ${f.operator}`
      return `${col}${typed} ${f.operator} ${valueText(f.value)}`
    }
  }
}

/** A sort key as text. @internal */
export const sortText = (k: SortKey): string => `${columnText(k.location, k.column)} ${k.direction}`
