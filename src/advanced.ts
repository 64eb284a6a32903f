/**
 * The SDK's plumbing, for programs that call an endpoint the resource modules do not cover: the configured HTTP
 * client (`DeterminedHttp`: base URL, token, timeouts, retries, error mapping and decoding for a request
 * described as data), offset/limit pagination over it (`Pagination`), and the session behind the token
 * (`Session`). Everyday programs need none of it: the resource modules of `effect-determined` use it for them.
 *
 * @since 0.1.0
 */
import * as DeterminedHttp from "./services/DeterminedHttp.js"

// The first module is imported and exported by name: docgen reads an export's documentation from its first
// leading comment, which for the first statement of a file is the module header.
export {
  /**
   * The configured HTTP client of the SDK: send a request described as data, get a decoded answer or a typed error.
   *
   * @since 0.1.0
   * @category modules
   * @example
   * import { Effect, Schema } from "effect"
   * import { DeterminedHttp } from "effect-determined/advanced"
   *
   * const version = Effect.flatMap(DeterminedHttp.DeterminedHttp, (http) =>
   *   http.json({ method: "GET", path: "/api/v1/master" }, Schema.Struct({ version: Schema.String })))
   */
  DeterminedHttp
}

/**
 * The master's offset/limit pages as a `Stream` of rows or a collected array.
 *
 * @since 0.1.0
 * @category modules
 * @example
 * import { Effect, Schema } from "effect"
 * import { DeterminedHttp, Pagination } from "effect-determined/advanced"
 *
 * const Page = Schema.Struct({ templates: Schema.Array(Schema.Unknown), pagination: Pagination.Pagination })
 * const templates = Pagination.collect((offset) =>
 *   Effect.flatMap(DeterminedHttp.DeterminedHttp, (http) =>
 *     http.json({ method: "GET", path: "/api/v1/templates", query: { offset, limit: 100 } }, Page)).pipe(
 *       Effect.map((page) => ({ items: page.templates, pagination: page.pagination }))
 *     ))
 */
export * as Pagination from "./services/Pagination.js"

/**
 * The session: the bearer token every request carries, logged in lazily and again (once, shared) on a 401.
 *
 * @since 0.1.0
 * @category modules
 * @example
 * import { Effect } from "effect"
 * import { Session } from "effect-determined/advanced"
 *
 * const whoAmI = Effect.map(Session.Session, (session) => session.username)
 */
export * as Session from "./services/Session.js"
