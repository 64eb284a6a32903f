/**
 * A validator of wire JSON against the machine-readable Determined contract (../shared/contract/determined-api.json):
 * message fields by JSON name, JSON types, enum values, int64 as decimal strings, RFC 3339 timestamps, oneofs,
 * presence of every non-optional field (EmitDefaults), and no unknown keys. Reusable by any test:
 *
 * ```ts
 * const contract = loadContract()            // undefined when ../shared is absent (a plain clone): skip then
 * assertResponse(contract!, "GetExperiment", body)
 * assertStreamLine(contract!, "TrialLogs", line)
 * assertErrorBody(body, "unary")
 * ```
 *
 * `presence: "required"` relaxes presence to the swagger `required` list (for samples of older masters that omit
 * fields a 0.38.1 master always sends).
 */
import * as fs from "node:fs"
import * as path from "node:path"

export interface ContractField {
  readonly name: string
  readonly jsonName: string
  readonly type: string
  readonly kind: "scalar" | "message" | "wkt" | "enum" | "map"
  readonly enum?: string
  readonly repeated: boolean
  readonly optional: boolean
  readonly nullable: boolean
  readonly jsonType: string
  readonly required?: boolean
  readonly mapKey?: string
  readonly mapValue?: string
  readonly mapValueKind?: string
}

export interface ContractMessage {
  readonly alias?: string
  readonly required?: ReadonlyArray<string>
  readonly fields: ReadonlyArray<ContractField>
  readonly oneofs?: ReadonlyArray<string>
}

export interface ContractEndpoint {
  readonly name: string
  readonly method: string
  readonly path: string
  readonly request: string
  readonly response: string
  readonly streaming: boolean
  readonly authRequired: boolean
  readonly order: number
}

export interface Contract {
  readonly endpoints: ReadonlyArray<ContractEndpoint>
  readonly messages: Readonly<Record<string, ContractMessage>>
  readonly enums: Readonly<Record<string, { readonly values: ReadonlyArray<string> }>>
}

export interface ValidateOptions {
  /** "all" (default): every non-optional field must be present; "required": only the swagger required list */
  readonly presence?: "all" | "required"
}

/** Where the shared contract lives relative to the project root. */
export const contractPath = process.env.DETERMINED_CONTRACT ??
  path.resolve(import.meta.dirname, "../../../shared/contract/determined-api.json")

let cached: Contract | undefined | null = null

/** Loads the contract, or `undefined` when ../shared is absent. */
export const loadContract = (): Contract | undefined => {
  if (cached !== null) return cached
  cached = fs.existsSync(contractPath) ? (JSON.parse(fs.readFileSync(contractPath, "utf8")) as Contract) : undefined
  return cached
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.(\d{3}|\d{6}|\d{9}))?Z$/
const INT64 = /^-?\d+$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v)

const describe = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v)

const checkScalar = (
  contract: Contract,
  jsonType: string,
  enumName: string | undefined,
  value: unknown,
  where: string,
  errors: Array<string>
): void => {
  const fail = (what: string) =>
    errors.push(`${where}: expected ${what}, got ${describe(value)} ${JSON.stringify(value)}`)
  switch (jsonType) {
    case "string":
      if (typeof value !== "string") fail("string")
      return
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) fail("integer")
      return
    case "number":
      if (!(typeof value === "number" || value === "NaN" || value === "Infinity" || value === "-Infinity")) {
        fail("number")
      }
      return
    case "boolean":
      if (typeof value !== "boolean") fail("boolean")
      return
    case "int64-string":
      if (typeof value !== "string" || !INT64.test(value)) fail("int64 as a decimal string")
      return
    case "timestamp":
      if (typeof value !== "string" || !TIMESTAMP.test(value)) fail("RFC 3339 UTC timestamp")
      return
    case "bytes-base64":
      if (typeof value !== "string" || !BASE64.test(value)) fail("base64 string")
      return
    case "enum": {
      const values = enumName === undefined ? undefined : contract.enums[enumName]?.values
      if (typeof value !== "string" || (values !== undefined && !values.includes(value))) {
        fail(`a value of enum ${enumName}`)
      }
      return
    }
    case "struct":
      if (!isPlainObject(value)) fail("object (Struct)")
      return
    case "list-value":
      if (!Array.isArray(value)) fail("array (ListValue)")
      return
    case "value":
    case "any":
      return
    case "object":
      if (!isPlainObject(value)) fail("object")
      return
    default:
      errors.push(`${where}: validator does not know jsonType ${jsonType}`)
  }
}

const checkField = (
  contract: Contract,
  field: ContractField,
  value: unknown,
  where: string,
  errors: Array<string>,
  options: ValidateOptions
): void => {
  if (value === null) {
    if (!field.nullable) errors.push(`${where}: null is not allowed here`)
    return
  }
  if (field.kind === "map") {
    if (!isPlainObject(value)) {
      errors.push(`${where}: expected object (map), got ${describe(value)}`)
      return
    }
    const valueType = field.jsonType.replace(/^map<string,/, "").replace(/>$/, "")
    for (const [k, v] of Object.entries(value)) {
      if (field.mapValueKind === "message" && field.mapValue !== undefined) {
        validateMessage(contract, field.mapValue, v, `${where}.${k}`, errors, options)
      } else {
        checkScalar(contract, valueType, undefined, v, `${where}.${k}`, errors)
      }
    }
    return
  }
  if (field.repeated) {
    if (!Array.isArray(value)) {
      errors.push(`${where}: expected array, got ${describe(value)}`)
      return
    }
    const elementType = field.jsonType.replace(/^array<(.*)>$/, "$1")
    value.forEach((v, i) => {
      if (field.kind === "message") validateMessage(contract, field.type, v, `${where}[${i}]`, errors, options)
      else checkScalar(contract, elementType, field.enum, v, `${where}[${i}]`, errors)
    })
    return
  }
  if (field.kind === "message") {
    validateMessage(contract, field.type, value, where, errors, options)
    return
  }
  checkScalar(contract, field.jsonType, field.enum, value, where, errors)
}

/**
 * Validates `value` as the message `messageName` (full proto name). Appends problems to `errors` and returns it.
 */
export const validateMessage = (
  contract: Contract,
  messageName: string,
  value: unknown,
  where = "$",
  errors: Array<string> = [],
  options: ValidateOptions = {}
): Array<string> => {
  const message = contract.messages[messageName]
  if (message === undefined) {
    // a well-known type used as a message (e.g. google.protobuf.Struct)
    if (messageName === "google.protobuf.Struct") checkScalar(contract, "struct", undefined, value, where, errors)
    else if (messageName === "google.protobuf.Empty") checkScalar(contract, "object", undefined, value, where, errors)
    return errors
  }
  if (!isPlainObject(value)) {
    errors.push(`${where}: expected object (${messageName}), got ${describe(value)}`)
    return errors
  }
  const byJson = new Map(message.fields.map((f) => [f.jsonName, f]))
  for (const key of Object.keys(value)) {
    if (!byJson.has(key)) errors.push(`${where}: unknown field ${JSON.stringify(key)} in ${messageName}`)
  }
  const presence = options.presence ?? "all"
  const required = new Set(message.required ?? [])
  for (const field of message.fields) {
    const present = Object.prototype.hasOwnProperty.call(value, field.jsonName)
    if (!present) {
      const mustBePresent = presence === "all" ? !field.optional : required.has(field.jsonName)
      if (mustBePresent) errors.push(`${where}: missing field ${JSON.stringify(field.jsonName)} of ${messageName}`)
      continue
    }
    checkField(contract, field, value[field.jsonName], `${where}.${field.jsonName}`, errors, options)
  }
  return errors
}

const endpointOf = (contract: Contract, name: string): ContractEndpoint => {
  const e = contract.endpoints.find((x) => x.name === name)
  if (e === undefined) throw new Error(`no endpoint ${name} in the contract`)
  return e
}

/** Problems of a unary success body of an endpoint. */
export const validateResponse = (
  contract: Contract,
  endpoint: string,
  body: unknown,
  options: ValidateOptions = {}
): Array<string> => validateMessage(contract, endpointOf(contract, endpoint).response, body, "$", [], options)

/** Problems of one line of a streaming endpoint: `{"result": Response}` or a stream error object. */
export const validateStreamLine = (
  contract: Contract,
  endpoint: string,
  line: unknown,
  options: ValidateOptions = {}
): Array<string> => {
  if (!isPlainObject(line)) return [`$: expected a stream line object, got ${describe(line)}`]
  const keys = Object.keys(line)
  if (keys.length === 1 && keys[0] === "result") {
    return validateMessage(contract, endpointOf(contract, endpoint).response, line.result, "$.result", [], options)
  }
  if (keys.length === 1 && keys[0] === "error") return validateErrorBody(line, "stream")
  return [`$: a stream line must be {"result": …} or {"error": …}, got keys ${JSON.stringify(keys)}`]
}

/** Problems of an error body: unary `{error:{code,reason,error}}` or stream `{error:{grpcCode,…}}`. */
export const validateErrorBody = (body: unknown, shape: "unary" | "stream"): Array<string> => {
  const errors: Array<string> = []
  if (!isPlainObject(body) || Object.keys(body).length !== 1 || !isPlainObject(body.error)) {
    return [`$: expected {"error": {...}}, got ${JSON.stringify(body)}`]
  }
  const e = body.error
  const expected: Record<string, string> = shape === "unary"
    ? { code: "integer", reason: "string", error: "string" }
    : { grpcCode: "integer", httpCode: "integer", message: "string", httpStatus: "string", details: "array" }
  for (const k of Object.keys(e)) if (!(k in expected)) errors.push(`$.error: unknown key ${k} (${shape} shape)`)
  for (const [k, t] of Object.entries(expected)) {
    const v = e[k]
    const ok = t === "integer"
      ? typeof v === "number" && Number.isInteger(v)
      : t === "array"
      ? Array.isArray(v)
      : typeof v === t
    if (!ok) errors.push(`$.error.${k}: expected ${t}, got ${JSON.stringify(v)}`)
  }
  return errors
}

const throwIf = (errors: ReadonlyArray<string>, what: string, body: unknown) => {
  if (errors.length > 0) {
    const text = JSON.stringify(body)
    throw new Error(
      `${what} does not match the contract:\n  ${errors.slice(0, 20).join("\n  ")}\nbody: ${
        text.length > 2000 ? `${text.slice(0, 2000)}…` : text
      }`
    )
  }
}

/** Throws with every problem when a unary body does not match. */
export const assertResponse = (contract: Contract, endpoint: string, body: unknown, options?: ValidateOptions) =>
  throwIf(validateResponse(contract, endpoint, body, options), `${endpoint} response`, body)

/** Throws when a stream line does not match. */
export const assertStreamLine = (contract: Contract, endpoint: string, line: unknown, options?: ValidateOptions) =>
  throwIf(validateStreamLine(contract, endpoint, line, options), `${endpoint} stream line`, line)

/** Throws when an error body does not have the given shape. */
export const assertErrorBody = (body: unknown, shape: "unary" | "stream") =>
  throwIf(validateErrorBody(body, shape), `${shape} error body`, body)
