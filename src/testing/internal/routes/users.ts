/**
 * Users: create and patch (master/internal/api_user.go PostUser, PatchUser; basic authz). Passwords are stored
 * as the master stores them: the client-side salted SHA-512 (`isHashed: true`) or the plain text hashed the
 * same way (`ReplicateClientSideSaltAndHash`). The master itself checks no password complexity (the Python SDK
 * and CLI do, client-side), so neither does LocalMaster.
 *
 * @internal
 */
import type { User } from "../domain/store.js"
import { setAgentUserGroup, setPassword } from "../domain/users.js"
import type { JsonObject } from "../json.js"
import type { Routes } from "../router.js"
import { userJson } from "../views.js"
import { Code, internal, invalidArgument, json, permissionDenied, requireUser, WireError } from "../wire.js"

/** `[^[:graph:]\s]`: anything but printable ASCII and whitespace. */
const NON_ASCII = /[^\x21-\x7E\s]/

/** clearUsername: trims, rejects non-ASCII, short names and the reserved names. */
const clearUsername = (target: { admin: boolean; username: string }, name: string, minLength: number): string => {
  const clear = name.trim()
  if (NON_ASCII.test(clear)) {
    throw invalidArgument("Display name and username cannot contain non-ASCII characters.")
  }
  if (clear.length < minLength) throw invalidArgument("Display name or username value has minimum length.")
  if (!target.admin && clear.toLowerCase() === "admin") {
    throw invalidArgument("Non-admin user cannot be renamed 'admin'")
  }
  if (target.username !== "determined" && clear.toLowerCase() === "determined") {
    throw invalidArgument("User cannot be renamed 'determined'")
  }
  return clear
}

/** AgentUserGroupFromProto: all four fields or none; names non-empty. Returns undefined for "none". */
const agentUserGroupFrom = (raw: Record<string, unknown>): JsonObject | undefined => {
  const pick = (camel: string, snake: string) => raw[camel] ?? raw[snake] ?? undefined
  const uid = pick("agentUid", "agent_uid")
  const gid = pick("agentGid", "agent_gid")
  const user = pick("agentUser", "agent_user")
  const group = pick("agentGroup", "agent_group")
  if (uid === undefined && gid === undefined && user === undefined && group === undefined) return undefined
  if (uid === undefined || gid === undefined || user === undefined || group === undefined) {
    throw invalidArgument("agentUid, agentGid, agentUser and agentGroup cannot be empty")
  }
  if (user === "" || group === "") throw invalidArgument("agentUser and agentGroup names cannot be empty")
  const int = (v: unknown, name: string) => {
    const n = typeof v === "string" && /^[+-]?\d+$/.test(v) ? Number(v) : v
    if (typeof n !== "number" || !Number.isInteger(n)) throw invalidArgument(`json: invalid value for field ${name}`)
    return n
  }
  if (typeof user !== "string" || typeof group !== "string") throw invalidArgument("json: invalid value for string")
  return { agentUid: int(uid, "agentUid"), agentGid: int(gid, "agentGid"), agentUser: user, agentGroup: group }
}

/** Basic authz's refusals are PermissionDenied with the authz message. */
const deny = (message: string) => permissionDenied(message)

/** @internal */
export const routes: Routes = {
  PostUser: (ctx) => {
    const b = ctx.body
    const u = b.body("user")
    if (u === undefined) throw invalidArgument("must specify user to create")
    const password = b.string("password") ?? ""
    const remote = u.bool("remote") ?? false
    if (password !== "" && remote) throw invalidArgument("cannot set password for remote user")
    const admin = u.bool("admin") ?? false
    const active = u.bool("active") ?? false
    const username = clearUsername({ admin, username: u.string("username") ?? "" }, u.string("username") ?? "", 2)
    const displayNameIn = u.string("displayName") ?? ""
    const displayName = displayNameIn === "" ? "" : clearUsername({ admin, username }, displayNameIn, 0)
    const augRaw = u.object("agentUserGroup")
    const group = augRaw === undefined ? undefined : agentUserGroupFrom(augRaw)
    const caller = requireUser(ctx.user)
    if (!caller.admin) throw deny("only admin privileged users can create users")
    const world = ctx.world
    // users.username is unique (case-sensitive); ErrUserExists is an echo error: a plain error on gRPC
    if (world.userByName(username) !== undefined) throw internal("code=400, message=user already exists")
    const id = world.nextId("user")
    const user: User = {
      id,
      username,
      password: "",
      admin,
      active,
      displayName,
      remote,
      modifiedAt: world.now,
      lastAuthAt: undefined
    }
    world.users.set(id, user)
    if (!remote) setPassword(user, password, b.bool("isHashed") ?? false)
    if (group !== undefined) setAgentUserGroup(user, group)
    return json({ user: userJson(user) })
  },
  PatchUser: (ctx) => {
    const world = ctx.world
    const b = ctx.body
    const caller = requireUser(ctx.user)
    const target = world.users.get(ctx.int("user_id"))
    if (target === undefined) throw new WireError(Code.NotFound, "user not found")
    const admin = b.bool("admin")
    const remoteIn = b.bool("remote")
    const active = b.bool("active")
    const usernameIn = b.string("username")
    const displayNameIn = b.string("displayName")
    const passwordIn = b.string("password")
    const isHashed = b.bool("isHashed") ?? false
    const augRaw = b.object("agentUserGroup")
    const changes: Array<() => void> = []
    let willBeRemote = target.remote
    if (admin !== undefined) {
      if (!caller.admin) throw deny("only admin privileged users can update users")
      changes.push(() => (target.admin = admin))
    }
    if (remoteIn !== undefined) {
      if (!caller.admin) throw deny("only admin privileged users can update other users")
      willBeRemote = remoteIn
      const wasRemote = target.remote
      changes.push(() => {
        target.remote = remoteIn
        if (wasRemote !== remoteIn && (remoteIn || passwordIn === undefined)) setPassword(target, "", false)
      })
    }
    if (active !== undefined) {
      if (!caller.admin) throw deny("only admin privileged users can update users")
      changes.push(() => (target.active = active))
    }
    if (usernameIn !== undefined && usernameIn !== target.username) {
      if (!caller.admin && caller.id !== target.id) throw deny("only admin privileged users can update other users")
      if (willBeRemote) throw invalidArgument("Cannot set username for remote users")
      const name = clearUsername(target, usernameIn, 2)
      const clash = world.userByName(name)
      if (clash !== undefined && clash.id !== target.id) {
        throw internal(
          `ERROR #23505 duplicate key value violates unique constraint "users_username_unique"`
        )
      }
      changes.push(() => (target.username = name))
    }
    if (displayNameIn !== undefined && displayNameIn !== target.displayName) {
      if (!caller.admin && caller.id !== target.id) {
        throw deny("only admin privileged users can set another user's display name")
      }
      const name = clearUsername(target, displayNameIn, 0)
      if (name !== "") {
        const lower = name.toLowerCase()
        for (const other of world.users.values()) {
          if (other.id === target.id) continue
          if (other.username.toLowerCase() === lower || other.displayName.toLowerCase() === lower) {
            throw invalidArgument(`can not change display name to ${name} found a similar username or display name`)
          }
        }
      }
      // an empty display name is written as the column's zero value
      changes.push(() => (target.displayName = name))
    }
    if (passwordIn !== undefined) {
      if (!caller.admin && caller.id !== target.id) {
        throw deny("only admin privileged users can change other user's passwords")
      }
      if (willBeRemote) throw invalidArgument("Cannot set password for remote users")
      changes.push(() => setPassword(target, passwordIn, isHashed))
    }
    let group: JsonObject | undefined | null = null
    if (augRaw !== undefined) {
      group = agentUserGroupFrom(augRaw)
      if (!caller.admin) throw deny("only admin privileged users can update users")
    }
    for (const change of changes) change()
    if (group !== null) setAgentUserGroup(target, group)
    if (changes.length > 0 || group !== null) target.modifiedAt = world.now
    return json({ user: userJson(target) })
  }
}
