// Experiment.create's declared error union is exhaustive: with the master down before the first login, a
// connection refused after the login, and a master that accepts and never answers, an Effect.catchTags over
// exactly the declared tags leaves E = never and the program succeeds with the tag it caught. Real loopback
// sockets (it.live); no retry delays (a policy of one immediate retry), short timeouts.
import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import { Effect, Exit, Schedule, Scope } from "effect"
import { Determined, Experiment, RetryPolicy, User } from "effect-determined"
import * as Net from "node:net"
import { hostileServer } from "../utils/hostileServer.js"

const config = { name: "exhaustive", entrypoint: "python3 train.py", searcher: { name: "single", metric: "loss" } }

type CreateError = Effect.Effect.Error<ReturnType<typeof Experiment.create>>

/** Every tag of Experiment.create's declared union, each caught into its name. */
const caught = <R>(create: Effect.Effect<Experiment.Experiment, CreateError, R>) => {
  const tag = (e: { readonly _tag: string }) => Effect.succeed(e._tag)
  return create.pipe(
    Effect.as("created"),
    Effect.catchTags({
      Unauthenticated: tag,
      Forbidden: tag,
      RateLimited: tag,
      ServerError: tag,
      TransportError: tag,
      Timeout: tag,
      DecodeError: tag,
      NotFound: tag,
      InvalidRequest: tag,
      ModelDirError: tag,
      ModelDirTooLarge: tag,
      InvalidExperimentConfig: tag,
      ExperimentMayExist: tag
    })
  )
}

const quickly = RetryPolicy.withPolicy({ schedule: Schedule.recurs(1) })

/** A 127.0.0.1 port nobody listens on (bound, then closed). */
const closedPort = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as Net.AddressInfo
    server.close(() => resume(Effect.succeed(port)))
  })
})

describe("Experiment.create: an exhaustive catchTags over its declared union", () => {
  it("its type is the union the catchTags covers", () => {
    const _program = caught(Experiment.create({ config }))
    expectTypeOf<Effect.Effect.Error<typeof _program>>().toEqualTypeOf<never>()
  })

  it.live("the master down before the first login: TransportError from the login, caught", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const exit = yield* caught(Experiment.create({ config })).pipe(
        quickly,
        Effect.provide(Determined.layer({ master: `http://127.0.0.1:${port}`, username: "determined", password: "" })),
        Effect.exit
      )
      assert.deepStrictEqual(exit, Exit.succeed("TransportError"))
    }))

  it.live("a connection refused after the login: TransportError from the create (never sent), caught", () =>
    Effect.gen(function*() {
      const serverScope = yield* Scope.make()
      const server = yield* Scope.extend(hostileServer((_, res) => res.destroy()), serverScope)
      const exit = yield* Effect.gen(function*() {
        yield* User.sessionUsername // no request
        yield* Effect.exit(User.whoami()) // logs in (the answer itself is cut: whatever it is)
        assert.isTrue(server.requests.some((r) => r.path === "/api/v1/auth/login"))
        yield* Scope.close(serverScope, Exit.void) // the port is closed now
        return yield* caught(Experiment.create({ config }))
      }).pipe(
        quickly,
        Effect.provide(Determined.layer({ master: server.url, username: "determined", password: "" })),
        Effect.exit
      )
      assert.deepStrictEqual(exit, Exit.succeed("TransportError"))
    }))

  it.live("a master that accepts and never answers: the create may have arrived, ExperimentMayExist, caught", () =>
    Effect.gen(function*() {
      const server = yield* hostileServer(() => {
        // never answers (the scope destroys the socket)
      })
      const exit = yield* caught(Experiment.create({ config })).pipe(
        quickly,
        Effect.provide(Determined.layer({ master: server.url, token: "a-token", timeout: "300 millis" })),
        Effect.exit
      )
      assert.deepStrictEqual(exit, Exit.succeed("ExperimentMayExist"))
      // not retried: a create that may have arrived is never sent again
      assert.strictEqual(server.requests.filter((r) => r.path === "/api/v1/experiments").length, 1)
    }).pipe(Effect.scoped))

  it.live("a login that never answers: Timeout from the login, caught", () =>
    Effect.gen(function*() {
      const server = yield* hostileServer(() => {
        // never answers, the login included
      }, { handleLogin: true })
      const exit = yield* caught(Experiment.create({ config })).pipe(
        quickly,
        Effect.provide(
          Determined.layer({ master: server.url, username: "determined", password: "", timeout: "300 millis" })
        ),
        Effect.exit
      )
      assert.deepStrictEqual(exit, Exit.succeed("Timeout"))
      assert.isFalse(server.requests.some((r) => r.path === "/api/v1/experiments"))
    }).pipe(Effect.scoped))
})
