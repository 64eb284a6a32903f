/**
 * Authentication, users, master info and resource pools.
 *
 * @internal
 */
import type { User } from "../domain/store.js"
import { openSession, passwordMatches } from "../domain/users.js"
import type { Routes } from "../router.js"
import { paginationJson, userJson } from "../views.js"
import { compareBy, invalidArgument, json, paginate, permissionDenied, unauthenticated, WireError } from "../wire.js"

const callerOf = (user: User | undefined): User => {
  if (user === undefined) throw unauthenticated("token missing")
  return user
}

/** @internal */
export const routes: Routes = {
  Login: (ctx) => {
    const username = ctx.body.string("username") ?? ""
    const password = ctx.body.string("password") ?? ""
    const isHashed = ctx.body.bool("isHashed") ?? false
    if (username === "") throw invalidArgument("missing argument: username")
    const user = ctx.world.userByName(username)
    if (user === undefined || user.remote) throw unauthenticated("invalid credentials")
    if (!passwordMatches(user, password, isHashed)) throw unauthenticated("invalid credentials")
    if (!user.active) throw permissionDenied("user is not active")
    const token = openSession(ctx.world, user)
    return json({ token, user: userJson(user) }, { "set-cookie": `auth=${token}; Path=/` })
  },
  Logout: (ctx) => {
    if (ctx.token !== undefined) ctx.world.sessions.delete(ctx.token)
    return json({}, { "set-cookie": "auth=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0" })
  },
  CurrentUser: (ctx) => json({ user: userJson(callerOf(ctx.user)) }),
  GetMe: (ctx) => json({ user: userJson(callerOf(ctx.user)) }),
  GetUsers: (ctx) => {
    const q = ctx.query
    const sortBy = q.enumValue("sortBy", "determined.api.v1.GetUsersRequest.SortBy")
    const desc = q.enumValue("orderBy", "determined.api.v1.OrderBy") === "ORDER_BY_DESC"
    if (q.ints("roleIdAssignedDirectlyToUser").length > 0) {
      throw invalidArgument("cannot filter by role ID assigned directly to user without RBAC enabled")
    }
    const name = q.string("name").toLowerCase()
    const active = q.bool("active")
    const admin = q.bool("admin")
    let users = [...ctx.world.users.values()].filter((u) =>
      (name === "" || u.username.toLowerCase().includes(name) || u.displayName.toLowerCase().includes(name)) &&
      (active === undefined || u.active === active) &&
      (admin === undefined || u.admin === admin)
    )
    const key = (u: User): string | number | boolean =>
      sortBy === "SORT_BY_DISPLAY_NAME"
        ? u.displayName
        : sortBy === "SORT_BY_USER_NAME" || sortBy === "SORT_BY_NAME"
        ? u.username
        : sortBy === "SORT_BY_ADMIN"
        ? u.admin
        : sortBy === "SORT_BY_ACTIVE"
        ? u.active
        : sortBy === "SORT_BY_MODIFIED_TIME"
        ? u.modifiedAt
        : sortBy === "SORT_BY_LAST_AUTH_TIME"
        ? u.lastAuthAt ?? 0
        : sortBy === "SORT_BY_REMOTE"
        ? u.remote
        : u.id
    users = users.sort(compareBy(key, desc, (u) => u.id))
    const page = paginate(users, q.int("offset"), q.int("limit"))
    return json({ users: page.items.map(userJson), pagination: paginationJson(page.pagination) })
  },
  GetUser: (ctx) => {
    const user = ctx.world.users.get(ctx.int("user_id"))
    if (user === undefined) throw new WireError(5, "user not found")
    return json({ user: userJson(user) })
  },
  GetUserByUsername: (ctx) => {
    const user = ctx.world.userByName(ctx.str("username"))
    if (user === undefined) throw new WireError(5, "user not found")
    return json({ user: userJson(user) })
  },
  GetMaster: (ctx) =>
    json({
      version: "0.38.1",
      masterId: ctx.world.masterId,
      clusterId: ctx.world.clusterId,
      clusterName: "",
      telemetryEnabled: false,
      ssoProviders: [],
      externalLoginUri: "",
      externalLogoutUri: "",
      branding: "determined",
      rbacEnabled: false,
      product: "PRODUCT_UNSPECIFIED",
      featureSwitches: [],
      userManagementEnabled: true,
      strictJobQueueControl: false,
      hasCustomLogo: false
    })
}
