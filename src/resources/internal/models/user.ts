/**
 * The user snapshot and the agent user/group override shared by users and workspaces.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import * as Wire from "../wire.js"

/**
 * The POSIX user and group that a user's (or a workspace's) tasks run as on agent hosts. Unset parts are
 * `null`.
 *
 * @since 0.1.0
 * @category models
 */
export class AgentUserGroup extends Schema.Class<AgentUserGroup>("effect-determined/AgentUserGroup")({
  agentUid: Schema.optionalWith(Schema.NullOr(Schema.Number), { default: () => null }),
  agentGid: Schema.optionalWith(Schema.NullOr(Schema.Number), { default: () => null }),
  agentUser: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  agentGroup: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })
}) {}

/**
 * An immutable snapshot of a user.
 *
 * `active` is `true` and `remote` is `false` when the master leaves them out, as upstream.
 *
 * @since 0.1.0
 * @category models
 */
export class User extends Schema.Class<User>("effect-determined/User")({
  id: Schema.Number,
  username: Schema.String,
  admin: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  active: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  remote: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  displayName: Schema.optionalWith(Schema.String, { default: () => "" }),
  agentUserGroup: Schema.optionalWith(Schema.NullOr(AgentUserGroup), { default: () => null }),
  modifiedAt: Schema.optionalWith(Schema.NullOr(Wire.Timestamp), { default: () => null }),
  lastAuthAt: Schema.optionalWith(Schema.NullOr(Wire.Timestamp), { default: () => null })
}) {
  /** The user id on agent hosts (Python: `agent_uid`). */
  get agentUid(): number | null {
    return this.agentUserGroup?.agentUid ?? null
  }
  /** The group id on agent hosts (Python: `agent_gid`). */
  get agentGid(): number | null {
    return this.agentUserGroup?.agentGid ?? null
  }
  /** The user name on agent hosts (Python: `agent_user`). */
  get agentUser(): string | null {
    return this.agentUserGroup?.agentUser ?? null
  }
  /** The group name on agent hosts (Python: `agent_group`). */
  get agentGroup(): string | null {
    return this.agentUserGroup?.agentGroup ?? null
  }
}
