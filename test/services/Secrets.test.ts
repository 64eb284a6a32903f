import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, HashSet, List, Logger, LogLevel, Ref, Schema } from "effect"
import { DeterminedHttp } from "effect-determined/advanced"
import { driveClock, json, makeMockHttp, unaryError } from "../utils/mockHttp.js"

const TOKEN = "v2.public.SUPER-SECRET-TOKEN"
const PASSWORD = "hunter2-password"

describe("secrets", () => {
  it.effect("no token or password in any log line, error, cause or span of a failing authenticated run", () =>
    Effect.gen(function*() {
      const lines = yield* Ref.make<ReadonlyArray<string>>([])
      const capture = Logger.make(({ message, annotations, spans, cause }) => {
        const text = [
          JSON.stringify(message),
          JSON.stringify([...HashSet.toValues(HashSet.fromIterable(annotations))]),
          JSON.stringify(List.toArray(spans)),
          Cause.pretty(cause)
        ].join(" ")
        Effect.runSync(Ref.update(lines, (xs) => [...xs, text]))
      })
      let n = 0
      const mock = yield* makeMockHttp((r) => {
        if (r.path === "/api/v1/auth/login") return json({ token: TOKEN, user: {} })
        n++
        return n % 2 === 1
          ? unaryError(401, 16, "Unauthenticated", "invalid credentials")
          : unaryError(503, 14, "Unavailable", "down")
      })
      const exit = yield* DeterminedHttp.DeterminedHttp.pipe(
        Effect.flatMap((http) => http.json({ method: "GET", path: "/api/v1/experiments/1" }, Schema.Unknown)),
        Effect.provide(mock.layer({ username: "alice", password: PASSWORD, timeout: "1 second" })),
        Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
        Logger.withMinimumLogLevel(LogLevel.All),
        Effect.withSpan("test-root"),
        Effect.exit,
        Effect.fork,
        Effect.flatMap((fiber) => driveClock(fiber))
      )
      assert.isTrue(Exit.isFailure(exit))
      const everything = [
        ...(yield* Ref.get(lines)),
        Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "",
        JSON.stringify(exit),
        String(exit)
      ].join("\n")
      assert.isAbove((yield* Ref.get(lines)).length, 0)
      assert.notInclude(everything, TOKEN)
      assert.notInclude(everything, "SUPER-SECRET")
      assert.notInclude(everything, PASSWORD)
    }))
})
