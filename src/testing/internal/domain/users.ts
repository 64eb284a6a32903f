/**
 * Users beyond the store's `User` record: sessions, the client-side password hash, the agent user group and the
 * stored secret (the client-side hash the master bcrypts; a user created with `isHashed: true` has no known plain
 * password).
 *
 * @internal
 */
import { createHash } from "node:crypto"
import type { JsonObject } from "../json.js"
import type { User, World } from "./store.js"

const SALT = "GubPEmmotfiK9TMD6Zdw"

/** The client-side password hash of the Python SDK; an empty password stays "". @internal */
export const hashPassword = (password: string): string =>
  password === "" ? "" : createHash("sha512").update(SALT + password).digest("hex")

/** Opens a session for a user and returns its token. @internal */
export const openSession = (world: World, user: User): string => {
  const token = `v2.public.${Buffer.from(world.rng.hex(96), "hex").toString("base64url")}`
  world.sessions.set(token, user.id)
  user.lastAuthAt = world.now
  return token
}

const groups = new WeakMap<User, JsonObject>()
const hashes = new WeakMap<User, string>()

/** The user's `AgentUserGroup` JSON, if one was set. @internal */
export const agentUserGroupOf = (user: User): JsonObject | undefined => groups.get(user)

/** Sets (or, with an all-empty group, clears) the user's agent user group. @internal */
export const setAgentUserGroup = (user: User, group: JsonObject | undefined): void => {
  if (group === undefined) groups.delete(user)
  else groups.set(user, group)
}

/** Stores a new password: `hashed` is the client-side hash (`isHashed: true`), otherwise the plain text. @internal */
export const setPassword = (user: User, password: string, hashed: boolean): void => {
  if (hashed) {
    user.password = ""
    hashes.set(user, password)
  } else {
    user.password = password
    hashes.delete(user)
  }
}

/** Login's check: `password` is plain, or the client-side hash when `isHashed`. @internal */
export const passwordMatches = (user: User, password: string, isHashed: boolean): boolean => {
  const stored = hashes.get(user) ?? hashPassword(user.password)
  return (isHashed ? password : hashPassword(password)) === stored
}
