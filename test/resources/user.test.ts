import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { User } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { createHash } from "node:crypto"
import { json, loginOk, makeMockHttp, type Recorded } from "../utils/mockHttp.js"
import { failure, requests, resetRequests } from "./localHelpers.js"

// Reads against LocalMaster; the exact request bodies of creation and PATCH over a mock HTTP client. The same
// operations against LocalMaster are in issue10.integration.test.ts.

const users = [
  { username: "admin", admin: true },
  { username: "determined" },
  { username: "a/b %" },
  { username: "ünïcödé user", active: false }
]

const local = <A, E>(effect: Effect.Effect<A, E, any>) =>
  Effect.provide(effect, LocalMaster.layer({ seed: 7, users })) as Effect.Effect<A, E>

const hashed = (password: string) => createHash("sha512").update("GubPEmmotfiK9TMD6Zdw" + password).digest("hex")

describe("User against LocalMaster", () => {
  it.effect("whoami, sessionUsername, get (cached), reload", () =>
    local(Effect.gen(function*() {
      const me = yield* User.whoami()
      assert.strictEqual(me.username, "determined")
      assert.strictEqual(yield* User.sessionUsername, "determined")
      yield* resetRequests
      assert.strictEqual((yield* User.get(me.id)).username, "determined")
      assert.strictEqual((yield* requests).length, 0, "whoami stored the user in the cache")
      const admin = yield* User.reload(1)
      assert.isTrue(admin.admin)
      assert.isTrue(admin.active)
      assert.isFalse(admin.remote)
      assert.strictEqual(admin.agentUserGroup, null)
      assert.strictEqual(admin.agentUid, null)
    })))

  it.effect("getByName, with names needing URL encoding; NotFound{resource, id}", () =>
    local(Effect.gen(function*() {
      for (const name of ["a/b %", "ünïcödé user"]) {
        const u = yield* User.getByName(name)
        assert.strictEqual(u.username, name)
        yield* resetRequests
        assert.strictEqual((yield* User.get(u.id)).username, name)
        assert.strictEqual((yield* requests).length, 0)
      }
      const missing = failure(yield* Effect.exit(User.getByName("nobody")))
      assert.strictEqual(missing._tag, "NotFound")
      if (missing._tag === "NotFound") {
        assert.strictEqual(missing.resource, "user")
        assert.strictEqual(missing.id, "nobody")
      }
      const byId = failure(yield* Effect.exit(User.get(999)))
      assert.strictEqual(byId._tag, "NotFound")
      if (byId._tag === "NotFound") assert.strictEqual(byId.id, "999")
    })))

  it.effect("list and stream with filters", () =>
    local(Effect.gen(function*() {
      assert.strictEqual((yield* User.list()).length, 4)
      assert.deepStrictEqual((yield* User.list({ active: false })).map((u) => u.username), ["ünïcödé user"])
      assert.deepStrictEqual((yield* User.list({ admin: true })).map((u) => u.username), ["admin"])
      const sorted = yield* Stream.runCollect(User.stream({ sortBy: "USER_NAME", orderBy: "desc" }))
      assert.deepStrictEqual(Chunk.toReadonlyArray(sorted).map((u) => u.username), [
        "ünïcödé user",
        "determined",
        "admin",
        "a/b %"
      ])
    })))
})

describe("User password rules (upstream's check_password_complexity)", () => {
  it("lists every unmet rule", () => {
    assert.deepStrictEqual(User.passwordProblems(""), [
      "password cannot be blank",
      "password must have at least 8 characters",
      "password must include an uppercase letter",
      "password must include a lowercase letter",
      "password must include a number"
    ])
    assert.deepStrictEqual(User.passwordProblems("short1A"), ["password must have at least 8 characters"])
    assert.deepStrictEqual(User.passwordProblems("alllowercase1"), ["password must include an uppercase letter"])
    assert.deepStrictEqual(User.passwordProblems("ALLUPPERCASE1"), ["password must include a lowercase letter"])
    assert.deepStrictEqual(User.passwordProblems("NoDigitsHere"), ["password must include a number"])
    assert.deepStrictEqual(User.passwordProblems("Sup3rSecret"), [])
  })
})

const userJson = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  username: "bob",
  admin: false,
  active: true,
  agentUserGroup: null,
  displayName: "",
  modifiedAt: "2025-03-01T10:00:00Z",
  remote: false,
  ...extra
})

// A tiny users endpoint: POST creates id 5, PATCH answers the user with the patched fields applied.
const usersMaster = (r: Recorded): Response => {
  if (r.path === "/api/v1/auth/login") return loginOk()
  if (r.method === "POST" && r.path === "/api/v1/users") {
    const body = r.body as { user: Record<string, unknown> }
    return json({ user: userJson(5, body.user) })
  }
  if (r.method === "PATCH" && r.path === "/api/v1/users/5") {
    const { isHashed: _h, password: _p, ...fields } = r.body as Record<string, unknown>
    return json({ user: userJson(5, fields) })
  }
  if (r.method === "GET" && r.path === "/api/v1/users/5") return json({ user: userJson(5) })
  return json({ error: { code: 5, reason: "NotFound", error: "not found" } }, 404)
}

const sent = (log: ReadonlyArray<Recorded>) => log.filter((r) => r.path !== "/api/v1/auth/login")

describe("User writes over mock HTTP", () => {
  it.effect("create: complexity check before anything is sent, then the hashed password", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(usersMaster)
      const weak = failure(
        yield* Effect.exit(User.create("bob", { password: "weak" }).pipe(Effect.provide(mock.layer())))
      )
      assert.strictEqual(weak._tag, "InvalidRequest")
      if (weak._tag === "InvalidRequest") {
        assert.strictEqual(weak.reason, "ClientValidation")
        assert.strictEqual(weak.status, 0)
        assert.include(weak.message, "at least 8 characters")
      }
      const missing = failure(yield* Effect.exit(User.create("bob").pipe(Effect.provide(mock.layer()))))
      assert.strictEqual(missing._tag, "InvalidRequest")
      assert.strictEqual(sent(yield* mock.requests).length, 0, "nothing sent for a weak password")

      const bob = yield* User.create("bob", { password: "Sup3rSecret", displayName: "Bob" }).pipe(
        Effect.provide(mock.layer())
      )
      assert.strictEqual(bob.id, 5)
      assert.strictEqual(bob.displayName, "Bob")
      const post = sent(yield* mock.requests)[0]!
      assert.deepStrictEqual(post.body, {
        user: { username: "bob", admin: false, active: true, remote: false, displayName: "Bob" },
        password: hashed("Sup3rSecret"),
        isHashed: true
      })
    }))

  it.effect("create a remote user: no check, password null", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(usersMaster)
      yield* User.create("bob", { remote: true, admin: true }).pipe(Effect.provide(mock.layer()))
      const post = sent(yield* mock.requests)[0]!
      assert.deepStrictEqual(post.body, {
        user: { username: "bob", admin: true, active: true, remote: true },
        password: null,
        isHashed: true
      })
    }))

  it.effect("setters PATCH the user and update a later cached get without a request", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(usersMaster)
      const program = Effect.gen(function*() {
        const held = yield* User.get(5)
        const renamed = yield* User.rename(5, "robert")
        assert.strictEqual(renamed.username, "robert")
        yield* User.setDisplayName(5, "Robert")
        yield* User.deactivate(5)
        const before = sent(yield* mock.requests).length
        const later = yield* User.get(5)
        assert.strictEqual(sent(yield* mock.requests).length, before, "no request for the cached get")
        assert.isFalse(later.active)
        assert.strictEqual(held.username, "bob", "a held snapshot does not change")
        yield* User.activate(5)
        yield* User.setAdmin(5, true)
        yield* User.linkWithAgent(5, { agentUid: 1000, agentUser: "bob" })
        const weak = failure(yield* Effect.exit(User.setPassword(5, "nope")))
        assert.strictEqual(weak._tag, "InvalidRequest")
        yield* User.setPassword(5, "N3wPassword")
        const linked = yield* User.patch(5, { agentUserGroup: { agentGid: 7 } })
        assert.strictEqual(linked.agentGid, 7)
      })
      yield* program.pipe(Effect.provide(mock.layer()))
      const patches = sent(yield* mock.requests).filter((r) => r.method === "PATCH").map((r) => r.body)
      assert.deepStrictEqual(patches, [
        { username: "robert" },
        { displayName: "Robert" },
        { active: false },
        { active: true },
        { admin: true },
        { agentUserGroup: { agentUid: 1000, agentGid: null, agentUser: "bob", agentGroup: null } },
        { password: hashed("N3wPassword"), isHashed: true },
        { agentUserGroup: { agentGid: 7 } }
      ])
    }))
})
