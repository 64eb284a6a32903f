/**
 * User state that the store's `User` record does not hold: the agent user group and the stored secret (the
 * client-side hash the master bcrypts; a user created with `isHashed: true` has no known plain password).
 *
 * @internal
 */
import type { JsonObject } from "./expconf.js"
import { hashPassword } from "./routes/auth.js"
import type { User } from "./store.js"

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
