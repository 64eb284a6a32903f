/**
 * Users of the master: who am I, listing, creation and administration (rename, activate, deactivate,
 * display name, password, admin flag, agent user/group).
 *
 * Passwords are checked for complexity before anything is sent, as upstream (at least 8 characters, an
 * uppercase letter, a lowercase letter and a digit), and sent hashed the way the Session sends them at login
 * (`isHashed: true`): the plain password never leaves the process.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import * as Errors from "../DeterminedError.js"
import { hashPassword } from "../internal/hash.js"
import { DeterminedHttp, path } from "../services/DeterminedHttp.js"
import * as Pagination from "../services/Pagination.js"
import { Session } from "../services/Session.js"
import * as Kinds from "./internal/kinds.js"
import * as Users from "./internal/models/user.js"
import * as Resource from "./internal/resource.js"
import * as Wire from "./internal/wire.js"

/**
 * An immutable snapshot of a user.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect, Schema } from "effect"
 * import { User } from "effect-determined"
 *
 * // the class is also the schema of the master's JSON
 * const decoded = Schema.decodeUnknown(User.User)({ id: 3, username: "carol" }).pipe(
 *   Effect.map((user) => `${user.username} (active: ${user.active})`)
 * )
 */
export const User = Users.User

/**
 * The type of a user snapshot (the instance type of `User.User`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { User } from "effect-determined"
 *
 * const label = (user: User.User): string => (user.displayName === "" ? user.username : user.displayName)
 * const me = User.whoami().pipe(Effect.map(label))
 */
export type User = Users.User

/**
 * The POSIX user and group a user's tasks run as on agent hosts.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { User } from "effect-determined"
 *
 * const uid = User.get(2).pipe(Effect.map((user) => user.agentUserGroup?.agentUid ?? null))
 * const group = new User.AgentUserGroup({ agentUid: 1001, agentGid: 1001, agentUser: "alice", agentGroup: "ml" })
 */
export const AgentUserGroup = Users.AgentUserGroup

/**
 * The type of a POSIX user and group (the instance type of `User.AgentUserGroup`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { User } from "effect-determined"
 *
 * const describe = (group: User.AgentUserGroup | null): string =>
 *   group === null ? "runs as the agent's default user" : `runs as ${group.agentUser ?? group.agentUid}`
 * const runsAs = User.get(2).pipe(Effect.map((user) => describe(user.agentUserGroup)))
 */
export type AgentUserGroup = Users.AgentUserGroup

/**
 * How users are sorted (`SORT_BY_*` on the wire).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { User } from "effect-determined"
 *
 * const sortBy: User.SortBy = "LAST_AUTH_TIME"
 * const recentlySeen = User.list({ sortBy, orderBy: "desc", limit: 20 })
 */
export type SortBy =
  | "DISPLAY_NAME"
  | "USER_NAME"
  | "ADMIN"
  | "ACTIVE"
  | "MODIFIED_TIME"
  | "NAME"
  | "LAST_AUTH_TIME"
  | "REMOTE"

const UserResponse = Schema.Struct({ user: Users.User })
const UsersResponse = Schema.Struct({
  users: Schema.optionalWith(Schema.Array(Users.User), { default: () => [], nullable: true }),
  pagination: Schema.optional(Schema.NullOr(Pagination.Pagination))
})

const resource = Resource.make({
  kind: Kinds.user,
  module: "User",
  attribute: "determined.user.id",
  request: (id: number) => ({ method: "GET", path: path`/api/v1/users/${id}`, notFound: { resource: "user", id } }),
  schema: UserResponse,
  pick: (r) => r.user
})

const store = resource.store

/**
 * What reading one user can fail with.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { User } from "effect-determined"
 *
 * const describe = (e: User.GetError): string => (e._tag === "NotFound" ? `no user ${e.id}` : e.message)
 * const username = User.get(2).pipe(Effect.map((user) => user.username), Effect.mapError(describe))
 */
export type GetError = Errors.RequestError | Errors.NotFound

/**
 * What listing users can fail with (`InvalidRequest`: a filter the master refuses).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { User } from "effect-determined"
 *
 * const admins = User.list({ admin: true }).pipe(
 *   Effect.tapError((e: User.ListError) => Effect.logError(`${e._tag}: ${e.message}`))
 * )
 */
export type ListError = Errors.RequestError | Errors.InvalidRequest

/**
 * A user by id, from the cache when it holds one (upstream `get_user_by_id`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { User } from "effect-determined"
 *
 * const name = User.get(1).pipe(Effect.map((u) => u.username))
 */
export const get: (id: number) => Effect.Effect<User, GetError, Resource.Requires> = resource.get

/**
 * Fetch a user again, store it in the cache and return it.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { User } from "effect-determined"
 *
 * const fresh = User.reload(1)
 */
export const reload: (id: number) => Effect.Effect<User, GetError, Resource.Requires> = resource.reload

/**
 * A user by username (upstream `get_user_by_name`). Always asks the master; stores the answer under the id.
 * Fails with `NotFound{resource: "user", id: username}`.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { User } from "effect-determined"
 *
 * const alice = User.getByName("alice")
 */
export const getByName = Effect.fn("User.getByName")(function*(username: string) {
  yield* Effect.annotateCurrentSpan("determined.user.name", username)
  const http = yield* DeterminedHttp
  const r = yield* http.json({
    method: "GET",
    path: path`/api/v1/users/${username}/by-username`,
    notFound: { resource: "user", id: username }
  }, UserResponse)
  return yield* store(r.user)
})

/**
 * The user of the session (upstream `whoami`). Always asks the master; stores the answer under the id.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { User } from "effect-determined"
 *
 * const amAdmin = User.whoami().pipe(Effect.map((u) => u.admin))
 */
export const whoami = Effect.fn("User.whoami")(function*() {
  const http = yield* DeterminedHttp
  const r = yield* http.json({ method: "GET", path: "/api/v1/me" }, UserResponse)
  return yield* store(r.user)
})

/**
 * The username the session logs in as (upstream `get_session_username`). No request.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { User } from "effect-determined"
 *
 * const me = User.sessionUsername
 */
export const sessionUsername: Effect.Effect<string, never, Session> = Effect.map(Session, (s) => s.username)

/**
 * Filters of {@link list}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { User } from "effect-determined"
 *
 * const options: User.ListOptions = { active: true, name: "ali", sortBy: "USER_NAME", orderBy: "asc" }
 * const matching = User.list(options)
 */
export interface ListOptions extends Resource.LimitOptions {
  readonly active?: boolean | undefined
  readonly admin?: boolean | undefined
  /** Case-insensitive match on username or display name. */
  readonly name?: string | undefined
  readonly sortBy?: SortBy | undefined
  readonly orderBy?: Wire.OrderBy | undefined
}

const users = Resource.list({
  span: "User.list",
  request: (options: ListOptions, page) => ({
    method: "GET",
    path: "/api/v1/users",
    query: {
      offset: page.offset,
      limit: page.limit,
      active: options.active,
      admin: options.admin,
      name: options.name,
      sortBy: options.sortBy === undefined ? undefined : Wire.enumToWire("SORT_BY_", options.sortBy),
      orderBy: Wire.orderByToWire(options.orderBy)
    },
    invalid: true
  }),
  schema: UsersResponse,
  page: (r) => ({ items: r.users, pagination: r.pagination })
})

/**
 * Every user matching the filters (all pages; upstream `list_users(active=)`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { User } from "effect-determined"
 *
 * const active = User.list({ active: true })
 */
export const list = (options: ListOptions = {}): Effect.Effect<ReadonlyArray<User>, ListError, DeterminedHttp> =>
  users.list(options)

/**
 * Users matching the filters as a lazy stream.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { User } from "effect-determined"
 *
 * const admins = User.stream({ admin: true })
 */
export const stream = (options: ListOptions = {}): Stream.Stream<User, ListError, DeterminedHttp> =>
  users.stream(options)

/**
 * What is wrong with a password under upstream's complexity rules (empty when nothing is): not blank, at least
 * 8 characters, an uppercase letter, a lowercase letter, a digit.
 *
 * @since 0.1.0
 * @category passwords
 * @example
 * import { User } from "effect-determined"
 *
 * User.passwordProblems("short") // ["password must have at least 8 characters", ...]
 */
export const passwordProblems = (password: string | undefined): ReadonlyArray<string> => {
  const p = password ?? ""
  const problems: Array<string> = []
  if (p === "") problems.push("password cannot be blank")
  if (p.length < 8) problems.push("password must have at least 8 characters")
  if (!/[A-Z]/.test(p)) problems.push("password must include an uppercase letter")
  if (!/[a-z]/.test(p)) problems.push("password must include a lowercase letter")
  if (!/\d/.test(p)) problems.push("password must include a number")
  return problems
}

const checkPassword = (password: string | undefined, method: "POST" | "PATCH", requestPath: string) => {
  const problems = passwordProblems(password)
  return problems.length === 0
    ? Effect.void
    : Effect.fail(
      new Errors.InvalidRequest({
        method,
        path: requestPath,
        status: 0,
        reason: "ClientValidation",
        message: `password does not meet the complexity requirements: ${problems.join("; ")}`
      })
    )
}

/**
 * Options of {@link create}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Config, Effect } from "effect"
 * import { User } from "effect-determined"
 *
 * // the password from the configuration, never from the code
 * const created = Effect.gen(function*() {
 *   const password = yield* Config.string("NEW_USER_PASSWORD")
 *   const options: User.CreateOptions = { password, displayName: "Bob B.", agentUserGroup: { agentUid: 1002 } }
 *   return yield* User.create("bob", options)
 * })
 */
export interface CreateOptions {
  readonly admin?: boolean | undefined
  /** Required unless `remote`; checked for complexity, sent hashed. */
  readonly password?: string | undefined
  /** A remote (SSO/SCIM) user: no password, none is sent. */
  readonly remote?: boolean | undefined
  readonly displayName?: string | undefined
  /** Default `true`. */
  readonly active?: boolean | undefined
  readonly agentUserGroup?: Patch["agentUserGroup"]
}

/**
 * Create a user (upstream `create_user`). The password is checked before anything is sent (`InvalidRequest`
 * with reason `ClientValidation`, status 0) unless the user is remote. Never retried blindly.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { User } from "effect-determined"
 *
 * const bob = User.create("bob", { password: "Sup3rSecret", admin: false })
 */
export const create = Effect.fn("User.create")(function*(username: string, options: CreateOptions = {}) {
  yield* Effect.annotateCurrentSpan("determined.user.name", username)
  const remote = options.remote ?? false
  if (!remote) yield* checkPassword(options.password, "POST", "/api/v1/users")
  const http = yield* DeterminedHttp
  const r = yield* http.json({
    method: "POST",
    path: "/api/v1/users",
    body: {
      user: {
        username,
        admin: options.admin ?? false,
        active: options.active ?? true,
        remote,
        displayName: options.displayName,
        agentUserGroup: options.agentUserGroup
      },
      password: remote ? null : hashPassword(options.password ?? ""),
      isHashed: true
    }
  }, UserResponse)
  return yield* store(r.user)
})

/**
 * Fields of a user to change; `undefined` leaves a field as it is. A password here is sent as is: use
 * {@link setPassword} for the complexity check and hashing.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { User } from "effect-determined"
 *
 * const fields: User.Patch = { displayName: "Alice A.", admin: true }
 * const promoted = User.patch(2, fields)
 */
export interface Patch {
  readonly username?: string | undefined
  readonly displayName?: string | undefined
  readonly admin?: boolean | undefined
  readonly active?: boolean | undefined
  readonly remote?: boolean | undefined
  readonly agentUserGroup?: {
    readonly agentUid?: number | undefined
    readonly agentGid?: number | undefined
    readonly agentUser?: string | undefined
    readonly agentGroup?: string | undefined
  } | undefined
}

const patchBody = Effect.fn("User.patch")(function*(id: number, body: object) {
  yield* Effect.annotateCurrentSpan("determined.user.id", id)
  const http = yield* DeterminedHttp
  const r = yield* http.json({
    method: "PATCH",
    path: path`/api/v1/users/${id}`,
    body,
    idempotent: true,
    notFound: { resource: "user", id }
  }, UserResponse)
  return yield* store(r.user)
})

/**
 * Change fields of a user (`PATCH`); the cached entry is replaced by the master's answer (upstream patches,
 * then reloads: one request fewer here).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { User } from "effect-determined"
 *
 * const u = User.patch(5, { displayName: "Bob B.", admin: true })
 */
export const patch = (id: number, fields: Patch) => patchBody(id, fields)

/**
 * Change a username (upstream `rename`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { User } from "effect-determined"
 *
 * const u = User.rename(5, "robert")
 */
export const rename = (id: number, username: string) => patch(id, { username })

/**
 * Activate a user.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { User } from "effect-determined"
 *
 * const u = User.activate(5)
 */
export const activate = (id: number) => patch(id, { active: true })

/**
 * Deactivate a user (they can no longer log in).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { User } from "effect-determined"
 *
 * const u = User.deactivate(5)
 */
export const deactivate = (id: number) => patch(id, { active: false })

/**
 * Change a user's display name (upstream `change_display_name`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { User } from "effect-determined"
 *
 * const u = User.setDisplayName(5, "Bob B.")
 */
export const setDisplayName = (id: number, displayName: string) => patch(id, { displayName })

/**
 * Grant or revoke the admin flag. Upstream's SDK has no such method (its CLI does); the master accepts it.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { User } from "effect-determined"
 *
 * const u = User.setAdmin(5, true)
 */
export const setAdmin = (id: number, admin: boolean) => patch(id, { admin })

/**
 * Change a user's password (upstream `change_password`): complexity check first (`InvalidRequest`, reason
 * `ClientValidation`, nothing sent), then the hashed password with `isHashed: true`.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { User } from "effect-determined"
 *
 * const u = User.setPassword(5, "N3wPassword")
 */
export const setPassword = Effect.fn("User.setPassword")(function*(id: number, password: string) {
  yield* checkPassword(password, "PATCH", path`/api/v1/users/${id}`)
  return yield* patchBody(id, { password: hashPassword(password), isHashed: true })
})

/**
 * Set the POSIX user and group the user's tasks run as on agent hosts (upstream `link_with_agent`; parts left
 * out are sent as `null`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { User } from "effect-determined"
 *
 * const u = User.linkWithAgent(5, { agentUid: 1000, agentGid: 1000, agentUser: "bob", agentGroup: "ml" })
 */
export const linkWithAgent = (
  id: number,
  agent: {
    readonly agentUid?: number | undefined
    readonly agentGid?: number | undefined
    readonly agentUser?: string | undefined
    readonly agentGroup?: string | undefined
  }
) =>
  patchBody(id, {
    agentUserGroup: {
      agentUid: agent.agentUid ?? null,
      agentGid: agent.agentGid ?? null,
      agentUser: agent.agentUser ?? null,
      agentGroup: agent.agentGroup ?? null
    }
  })
