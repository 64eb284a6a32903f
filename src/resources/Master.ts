/**
 * The master itself: its version and cluster information (`GET /api/v1/master`, which needs no login), and the
 * client-level functions of upstream's `Determined` that belong to no resource (OAuth clients).
 *
 * Where the rest of upstream's client functions went: `whoami`, `get_session_username`, users → `User`;
 * `get_model_labels` → `Model.labels`; `get_workspace(name)` → `Workspace.getByName`; `list_experiments` →
 * `Experiment.list`; `login`/`logout` → `Determined.layer` / `Determined.logout`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { DeterminedHttp, path } from "../services/DeterminedHttp.js"
import * as Wire from "./internal/wire.js"

/**
 * A cluster-wide message shown to users.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Master } from "effect-determined"
 *
 * const banner = Master.info().pipe(
 *   Effect.map((info) => (info.clusterMessage satisfies Master.ClusterMessage | null)?.message ?? "")
 * )
 */
export class ClusterMessage extends Schema.Class<ClusterMessage>("effect-determined/Master/ClusterMessage")({
  message: Schema.optionalWith(Schema.String, { default: () => "" }),
  startTime: Schema.optionalWith(Schema.NullOr(Wire.Timestamp), { default: () => null }),
  endTime: Schema.optionalWith(Schema.NullOr(Wire.Timestamp), { default: () => null }),
  createdTime: Schema.optionalWith(Schema.NullOr(Wire.Timestamp), { default: () => null })
}) {}

/**
 * What the master says about itself.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Master } from "effect-determined"
 *
 * const describe = (info: Master.MasterInfo): string => `${info.clusterName} runs Determined ${info.version}`
 * const line = Master.info().pipe(Effect.map(describe))
 */
export class MasterInfo extends Schema.Class<MasterInfo>("effect-determined/MasterInfo")({
  /** Version of the master, e.g. `0.38.1`. */
  version: Schema.String,
  /** Id of this master process (new at every start). */
  masterId: Schema.String,
  /** Id of the cluster (persistent). */
  clusterId: Schema.String,
  clusterName: Schema.optionalWith(Schema.String, { default: () => "" }),
  telemetryEnabled: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** SSO providers (free-form: name, url, type, ...). */
  ssoProviders: Schema.optionalWith(Schema.Array(Wire.JsonObjectSchema), { default: () => [], nullable: true }),
  externalLoginUri: Schema.optionalWith(Schema.String, { default: () => "" }),
  externalLogoutUri: Schema.optionalWith(Schema.String, { default: () => "" }),
  branding: Schema.optionalWith(Schema.String, { default: () => "" }),
  rbacEnabled: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** `UNSPECIFIED` or `COMMUNITY` (`PRODUCT_*` on the wire). */
  product: Schema.optionalWith(Wire.Enum("PRODUCT_", ["UNSPECIFIED", "COMMUNITY"]), {
    default: () => "UNSPECIFIED"
  }),
  featureSwitches: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [], nullable: true }),
  userManagementEnabled: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  strictJobQueueControl: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  clusterMessage: Schema.optionalWith(Schema.NullOr(ClusterMessage), { default: () => null }),
  hasCustomLogo: Schema.optionalWith(Schema.Boolean, { default: () => false })
}) {}

/**
 * The master's version and cluster information. Always asks the master (a cheap health check).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Master } from "effect-determined"
 *
 * const version = Master.info().pipe(Effect.map((m) => m.version))
 */
export const info = Effect.fn("Master.info")(function*() {
  const http = yield* DeterminedHttp
  return yield* http.json({ method: "GET", path: "/api/v1/master" }, MasterInfo)
})

/**
 * An OAuth client registered with the master's SCIM/OAuth2 integration (Enterprise Edition only).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Master } from "effect-determined"
 *
 * const domains = Master.listOauthClients().pipe(
 *   Effect.map((clients: ReadonlyArray<Master.OauthClient>) => clients.map((c) => `${c.name}: ${c.domain}`))
 * )
 */
export class OauthClient extends Schema.Class<OauthClient>("effect-determined/Master/OauthClient")({
  id: Schema.Union(Schema.String, Schema.Number).pipe(
    Schema.transform(Schema.String, { strict: true, decode: String, encode: (s) => s })
  ),
  name: Schema.optionalWith(Schema.String, { default: () => "" }),
  domain: Schema.optionalWith(Schema.String, { default: () => "" }),
  /** Only in the answer of {@link addOauthClient}. */
  secret: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })
}) {}

/**
 * OAuth clients of the master (upstream `list_oauth_clients`). Enterprise Edition only: other masters answer
 * 404, reported as `NotFound{resource: "oauth2 clients"}`.
 *
 * @since 0.1.0
 * @category oauth
 * @example
 * import { Master } from "effect-determined"
 *
 * const clients = Master.listOauthClients()
 */
export const listOauthClients = Effect.fn("Master.listOauthClients")(function*() {
  const http = yield* DeterminedHttp
  return yield* http.json(
    { method: "GET", path: "/oauth2/clients", notFound: { resource: "oauth2 clients", id: "" } },
    Schema.Array(OauthClient)
  )
})

const AddedResponse = Schema.Struct({
  id: Schema.Union(Schema.String, Schema.Number),
  secret: Schema.optionalWith(Schema.String, { default: () => "" })
})

/**
 * Register an OAuth client (upstream `add_oauth_client`); the answer carries its secret. Enterprise Edition
 * only. Never retried blindly.
 *
 * @since 0.1.0
 * @category oauth
 * @example
 * import { Master } from "effect-determined"
 *
 * const client = Master.addOauthClient("https://scim.example.com", "okta")
 */
export const addOauthClient = Effect.fn("Master.addOauthClient")(function*(domain: string, name: string) {
  const http = yield* DeterminedHttp
  const r = yield* http.json({
    method: "POST",
    path: "/oauth2/clients",
    body: { domain, name },
    notFound: { resource: "oauth2 clients", id: "" }
  }, AddedResponse)
  return new OauthClient({ id: String(r.id), name, domain, secret: r.secret })
})

/**
 * Remove an OAuth client (upstream `remove_oauth_client`). Enterprise Edition only.
 *
 * @since 0.1.0
 * @category oauth
 * @example
 * import { Master } from "effect-determined"
 *
 * const done = Master.removeOauthClient("3")
 */
export const removeOauthClient = Effect.fn("Master.removeOauthClient")(function*(clientId: string) {
  yield* Effect.annotateCurrentSpan("determined.oauthClient.id", clientId)
  const http = yield* DeterminedHttp
  yield* http.void({
    method: "DELETE",
    path: path`/oauth2/clients/${clientId}`,
    notFound: { resource: "oauth2 client", id: clientId }
  })
})
