import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Fiber, Schema, Stream, TestClock } from "effect"
import { DeterminedHttp } from "effect-determined/advanced"
import { awaitRequests, awaitSleeping, driveClock, json, loginOk, makeMockHttp, unaryError } from "../utils/mockHttp.js"

const Thing = Schema.Struct({ thing: Schema.Struct({ id: Schema.Number, name: Schema.String }) })

const getThing = DeterminedHttp.DeterminedHttp.pipe(
  Effect.flatMap((http) =>
    http.json({
      method: "GET",
      path: "/api/v1/things/7",
      notFound: { resource: "thing", id: 7 },
      invalid: true,
      conflict: true
    }, Thing)
  )
)

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
  if (failure === undefined) throw new Error(`expected a typed failure, got ${exit.cause._tag}`)
  return failure
}

// Answers login, then a fixed response for everything else.
const withLogin = (answer: (n: number) => Response | "transport-error") => (r: { path: string }, n: number) =>
  r.path === "/api/v1/auth/login" ? loginOk() : answer(n)

describe("DeterminedHttp error mapping", () => {
  const cases: ReadonlyArray<[string, () => Response, string, (e: any) => void]> = [
    ["401", () => unaryError(401, 16, "Unauthenticated", "invalid credentials"), "Unauthenticated", () => {}],
    ["403", () => unaryError(403, 7, "PermissionDenied", "user does not have permission"), "Forbidden", (e) => {
      assert.strictEqual(e.message, "user does not have permission")
    }],
    ["404", () => unaryError(404, 5, "NotFound", "thing '7' not found"), "NotFound", (e) => {
      assert.strictEqual(e.resource, "thing")
      assert.strictEqual(e.id, "7")
      assert.strictEqual(e.message, "thing '7' not found")
      assert.strictEqual(e.method, "GET")
      assert.strictEqual(e.path, "/api/v1/things/7")
    }],
    ["409", () => unaryError(409, 6, "AlreadyExists", "exists"), "Conflict", () => {}],
    ["400 FailedPrecondition", () => unaryError(400, 9, "FailedPrecondition", "not now"), "InvalidRequest", (e) => {
      assert.strictEqual(e.reason, "FailedPrecondition")
      assert.strictEqual(e.status, 400)
    }],
    ["500", () => unaryError(500, 13, "Internal", "invalid experiment configuration"), "ServerError", (e) => {
      assert.strictEqual(e.status, 500)
      assert.strictEqual(e.reason, "Internal")
      assert.strictEqual(e.message, "invalid experiment configuration")
    }],
    ["501", () => unaryError(501, 12, "Unimplemented", "Not Implemented"), "ServerError", (e) => {
      assert.strictEqual(e.reason, "Unimplemented")
    }],
    [
      "HTML body",
      () =>
        new Response("<html><title>502 Bad Gateway</title></html>", {
          status: 200,
          headers: { "content-type": "text/html" }
        }),
      "DecodeError",
      (e) => assert.match(e.message, /HTML page instead of JSON: 502 Bad Gateway/)
    ],
    [
      "empty body",
      () => new Response("", { status: 200 }),
      "DecodeError",
      (e) => assert.match(e.message, /empty body/)
    ],
    ["malformed JSON", () => new Response("{\"thing\": ", { status: 200 }), "DecodeError", () => {}],
    ["wrong field type", () => json({ thing: { id: "seven", name: "x" } }), "DecodeError", (e) => {
      assert.strictEqual(e.field, "thing.id")
    }],
    [
      "stream-shaped error on a unary route",
      () =>
        json({ error: { grpcCode: 5, httpCode: 404, message: "trial '99' not found", httpStatus: "Not Found" } }, 404),
      "NotFound",
      (e) => {
        assert.strictEqual(e.message, "trial '99' not found")
      }
    ]
  ]
  for (const [name, response, tag, check] of cases) {
    it.effect(`maps ${name} to ${tag}`, () =>
      Effect.gen(function*() {
        const mock = yield* makeMockHttp(withLogin(() => response()))
        const exit = yield* getThing.pipe(Effect.provide(mock.layer()), Effect.exit)
        const error = failureOf(exit) as any
        assert.strictEqual(error._tag, tag)
        check(error)
      }))
  }

  it.effect("decodes a success and sends the bearer token", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(withLogin(() => json({ thing: { id: 7, name: "seven" } })))
      const thing = yield* getThing.pipe(Effect.provide(mock.layer()))
      assert.deepStrictEqual(thing, { thing: { id: 7, name: "seven" } })
      const [login, get] = yield* mock.requests
      assert.strictEqual(login?.path, "/api/v1/auth/login")
      assert.deepStrictEqual(login?.body, { username: "determined", password: "", isHashed: true })
      assert.strictEqual(get?.headers["authorization"], "Bearer tok-1")
    }))

  it.effect("hashes the password as upstream", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(withLogin(() => json({ thing: { id: 7, name: "seven" } })))
      yield* getThing.pipe(Effect.provide(mock.layer({ username: "alice", password: "secret" })))
      const [login] = yield* mock.requests
      const body = login?.body as { password: string; username: string }
      assert.strictEqual(body.username, "alice")
      // sha512("GubPEmmotfiK9TMD6Zdw" + "secret")
      const { createHash } = yield* Effect.promise(() => import("node:crypto"))
      assert.strictEqual(body.password, createHash("sha512").update("GubPEmmotfiK9TMD6Zdwsecret").digest("hex"))
    }))

  it.effect("a response over the size limit is a DecodeError, not an out-of-memory", () =>
    Effect.gen(function*() {
      const big = "x".repeat(2048)
      const mock = yield* makeMockHttp(withLogin(() => new Response(JSON.stringify({ big }), { status: 200 })))
      const exit = yield* getThing.pipe(Effect.provide(mock.layer({ maxResponseBytes: 1024 })), Effect.exit)
      const error = failureOf(exit)
      assert.strictEqual(error._tag, "DecodeError")
      assert.match(error.message, /exceeds the limit of 1024 bytes/)
    }))
})

describe("DeterminedHttp retries", () => {
  it.effect("retries a GET on 502/503/504 with growing delays, then succeeds", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(withLogin((n) =>
        n <= 4
          ? unaryError([502, 503, 504][n - 2] ?? 502, 14, "Unavailable", "down")
          : json({ thing: { id: 7, name: "s" } })
      ))
      const fiber = yield* getThing.pipe(Effect.provide(mock.layer()), Effect.fork)
      // default policy: 500 ms base doubling, jitter between half and all of it
      yield* awaitRequests(mock.requests, 2) // login + first attempt
      yield* awaitSleeping
      yield* TestClock.adjust("249 millis")
      assert.strictEqual((yield* mock.requests).length, 2)
      yield* TestClock.adjust("251 millis")
      yield* awaitRequests(mock.requests, 3)
      yield* awaitSleeping
      yield* TestClock.adjust("1 second")
      yield* awaitRequests(mock.requests, 4)
      yield* awaitSleeping
      yield* TestClock.adjust("2 seconds")
      const thing = yield* Fiber.join(fiber)
      assert.strictEqual(thing.thing.id, 7)
      assert.strictEqual((yield* mock.requests).length, 5)
    }))

  it.effect("gives up after 5 retries (6 attempts)", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(withLogin(() => unaryError(503, 14, "Unavailable", "down")))
      const fiber = yield* getThing.pipe(Effect.provide(mock.layer()), Effect.exit, Effect.fork)
      const error = failureOf(yield* driveClock(fiber))
      assert.strictEqual(error._tag, "ServerError")
      assert.strictEqual((yield* mock.requests).filter((r) => r.path !== "/api/v1/auth/login").length, 6)
    }))

  it.effect("honours Retry-After on 429", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(withLogin((n) =>
        n === 2
          ? unaryError(429, 8, "ResourceExhausted", "slow down", { "retry-after": "7" })
          : json({ thing: { id: 7, name: "s" } })
      ))
      const fiber = yield* getThing.pipe(Effect.provide(mock.layer()), Effect.fork)
      yield* awaitRequests(mock.requests, 2)
      yield* awaitSleeping
      yield* TestClock.adjust("6999 millis")
      assert.strictEqual((yield* mock.requests).length, 2)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      assert.strictEqual((yield* mock.requests).length, 3)
    }))

  it.effect("reports RateLimited with retryAfter when 429s outlast the retries", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(
        withLogin(() => unaryError(429, 8, "ResourceExhausted", "slow down", { "retry-after": "1" }))
      )
      const fiber = yield* getThing.pipe(Effect.provide(mock.layer()), Effect.exit, Effect.fork)
      const error = failureOf(yield* driveClock(fiber)) as any
      assert.strictEqual(error._tag, "RateLimited")
      assert.strictEqual(error.retryAfterMillis, 1000)
    }))

  it.effect("does not retry 500, 400 or 404", () =>
    Effect.gen(function*() {
      for (const [status, code] of [[500, 13], [400, 3], [404, 5]] as const) {
        const mock = yield* makeMockHttp(withLogin(() => unaryError(status, code, "x", "no")))
        yield* getThing.pipe(Effect.provide(mock.layer()), Effect.exit)
        assert.strictEqual((yield* mock.requests).length, 2)
      }
    }))

  it.effect("never retries a POST create on 503 or a reset connection", () =>
    Effect.gen(function*() {
      for (const answer of [() => unaryError(503, 14, "Unavailable", "down"), () => "transport-error" as const]) {
        const mock = yield* makeMockHttp(withLogin(answer))
        const exit = yield* DeterminedHttp.DeterminedHttp.pipe(
          Effect.flatMap((http) => http.json({ method: "POST", path: "/api/v1/experiments", body: {} }, Thing)),
          Effect.provide(mock.layer()),
          Effect.exit
        )
        assert.isTrue(Exit.isFailure(exit))
        assert.strictEqual((yield* mock.requests).filter((r) => r.path === "/api/v1/experiments").length, 1)
      }
    }))

  it.effect("retries a POST marked idempotent, and a transport error on GET", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(withLogin((n) => n === 2 ? "transport-error" : json({})))
      const fiber = yield* DeterminedHttp.DeterminedHttp.pipe(
        Effect.flatMap((http) => http.void({ method: "POST", path: "/api/v1/experiments/1/kill", idempotent: true })),
        Effect.provide(mock.layer()),
        Effect.fork
      )
      yield* awaitRequests(mock.requests, 2)
      yield* awaitSleeping
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual((yield* mock.requests).length, 3)
    }))

  it.effect("per-call override disables retries", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(withLogin(() => unaryError(503, 14, "Unavailable", "down")))
      yield* DeterminedHttp.DeterminedHttp.pipe(
        Effect.flatMap((http) => http.void({ method: "GET", path: "/api/v1/master", retry: false })),
        Effect.provide(mock.layer()),
        Effect.exit
      )
      assert.strictEqual((yield* mock.requests).length, 2)
    }))

  it.effect("a hanging attempt times out, is retried, and ends as Timeout", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(withLogin(() => new Promise<Response>(() => {}) as never))
      const fiber = yield* getThing.pipe(
        Effect.provide(mock.layer({ timeout: "2 seconds" })),
        Effect.exit,
        Effect.fork
      )
      const error = failureOf(yield* driveClock(fiber))
      assert.strictEqual(error._tag, "Timeout")
      assert.strictEqual((yield* mock.requests).length, 7)
    }))
})

describe("DeterminedHttp authentication", () => {
  it.effect("logs in again exactly once on 401 and replays the request", () =>
    Effect.gen(function*() {
      let logins = 0
      const mock = yield* makeMockHttp((r, n) => {
        if (r.path === "/api/v1/auth/login") return loginOk(`tok-${++logins}`)
        return n === 2
          ? unaryError(401, 16, "Unauthenticated", "invalid credentials")
          : json({ thing: { id: 1, name: "a" } })
      })
      yield* getThing.pipe(Effect.provide(mock.layer()))
      const requests = yield* mock.requests
      assert.deepStrictEqual(requests.map((r) => r.path), [
        "/api/v1/auth/login",
        "/api/v1/things/7",
        "/api/v1/auth/login",
        "/api/v1/things/7"
      ])
      assert.strictEqual(requests[3]?.headers["authorization"], "Bearer tok-2")
    }))

  it.effect("a second 401 after the re-login fails with Unauthenticated (no loop)", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp((r) =>
        r.path === "/api/v1/auth/login" ? loginOk() : unaryError(401, 16, "Unauthenticated", "invalid credentials")
      )
      const error = failureOf(yield* getThing.pipe(Effect.provide(mock.layer()), Effect.exit))
      assert.strictEqual(error._tag, "Unauthenticated")
      assert.strictEqual((yield* mock.requests).length, 4)
    }))

  it.effect("concurrent requests share one login, and one re-login", () =>
    Effect.gen(function*() {
      let logins = 0
      const mock = yield* makeMockHttp((r) => {
        if (r.path === "/api/v1/auth/login") return loginOk(`tok-${++logins}`)
        return r.headers["authorization"] === "Bearer tok-1"
          ? unaryError(401, 16, "Unauthenticated", "invalid credentials")
          : json({ thing: { id: 1, name: "a" } })
      })
      yield* Effect.all(Array.from({ length: 50 }, () => getThing), { concurrency: "unbounded" }).pipe(
        Effect.provide(mock.layer())
      )
      assert.strictEqual(logins, 2)
    }))

  it.effect("a configured token is used without logging in; rejected, it fails without a login", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(() => unaryError(401, 16, "Unauthenticated", "invalid credentials"))
      const error = failureOf(yield* getThing.pipe(Effect.provide(mock.layer({ token: "given" })), Effect.exit))
      assert.strictEqual(error._tag, "Unauthenticated")
      const requests = yield* mock.requests
      assert.deepStrictEqual(requests.map((r) => r.path), ["/api/v1/things/7"])
      assert.strictEqual(requests[0]?.headers["authorization"], "Bearer given")
    }))
})

describe("DeterminedHttp declared errors", () => {
  // A request names the semantic errors it can meet; any other 400/404/409 is a ServerError with that status, so
  // an operation's error type (RequestError plus what it declares) is what it really fails with.
  const plainGet = DeterminedHttp.DeterminedHttp.pipe(
    Effect.flatMap((http) => http.json({ method: "GET", path: "/api/v1/things/7" }, Thing))
  )
  for (
    const [status, grpc, reason] of [[400, 9, "FailedPrecondition"], [404, 5, "NotFound"], [
      409,
      6,
      "AlreadyExists"
    ]] as const
  ) {
    it.effect(`an undeclared ${status} is a ServerError with status ${status}`, () =>
      Effect.gen(function*() {
        const mock = yield* makeMockHttp(withLogin(() => unaryError(status, grpc, reason, "unexpected")))
        const error = failureOf(yield* plainGet.pipe(Effect.provide(mock.layer()), Effect.exit))
        assert.strictEqual(error._tag, "ServerError")
        if (error._tag === "ServerError") {
          assert.strictEqual(error.status, status)
          assert.strictEqual(error.reason, reason)
        }
      }))
  }

  it.effect("writes declare InvalidRequest by default, and can opt out", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(withLogin(() => unaryError(400, 9, "FailedPrecondition", "not now")))
      const [declared, optedOut] = yield* DeterminedHttp.DeterminedHttp.pipe(
        Effect.flatMap((http) =>
          Effect.all([
            Effect.flip(http.void({ method: "POST", path: "/api/v1/things/7/kill" })),
            Effect.flip(http.void({ method: "POST", path: "/api/v1/things/7/kill", invalid: false }))
          ])
        ),
        Effect.provide(mock.layer())
      )
      assert.strictEqual(declared._tag, "InvalidRequest")
      assert.strictEqual(optedOut._tag, "ServerError")
    }))
})

describe("DeterminedHttp streams", () => {
  const Line = Schema.Struct({ id: Schema.Number })
  const streamOf = (body: string) =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(withLogin(() => new Response(body, { status: 200 })))
      return yield* DeterminedHttp.DeterminedHttp.pipe(
        Effect.map((http) =>
          http.stream({ method: "GET", path: "/api/v1/trials/1/logs", notFound: { resource: "trial", id: 1 } }, Line)
        ),
        Stream.unwrap,
        Stream.runCollect,
        Effect.map((c) => Array.from(c)),
        Effect.provide(mock.layer()),
        Effect.exit
      )
    })

  it.effect("yields each result line", () =>
    Effect.gen(function*() {
      const exit = yield* streamOf("{\"result\":{\"id\":1}}\n{\"result\":{\"id\":2}}\n")
      assert.deepStrictEqual(exit, Exit.succeed([{ id: 1 }, { id: 2 }]))
    }))

  it.effect("20,000 lines in one network chunk: chunks of at most 1,024, and Stream.runFold does not overflow", () =>
    Effect.gen(function*() {
      const body = Array.from({ length: 20_000 }, (_, id) => JSON.stringify({ result: { id } })).join("\n") + "\n"
      const mock = yield* makeMockHttp(withLogin(() => new Response(new TextEncoder().encode(body), { status: 200 })))
      const lines = DeterminedHttp.DeterminedHttp.pipe(
        Effect.map((http) => http.stream({ method: "GET", path: "/api/v1/trials/1/logs" }, Line)),
        Stream.unwrap
      )
      // Effect's folds recurse once per item of a chunk: a chunk of 20,000 overflowed the stack (a defect)
      const sum = yield* Stream.runFold(lines, 0, (total, line) => total + line.id).pipe(Effect.provide(mock.layer()))
      assert.strictEqual(sum, (20_000 * 19_999) / 2)
      const sizes = yield* Stream.runCollect(Stream.mapChunks(lines, (c) => Chunk.of(c.length))).pipe(
        Effect.provide(mock.layer())
      )
      assert.isTrue(Chunk.every(sizes, (n) => n > 0 && n <= 1024))
      assert.strictEqual(Chunk.reduce(sizes, 0, (a, n) => a + n), 20_000)
    }))

  it.effect("an empty body is an empty stream", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* streamOf(""), Exit.succeed([]))
    }))

  it.effect("an error line fails typed after the lines before it", () =>
    Effect.gen(function*() {
      const exit = yield* streamOf(
        "{\"result\":{\"id\":1}}\n{\"error\":{\"grpcCode\":5,\"httpCode\":404,\"message\":\"trial '1' not found\",\"httpStatus\":\"Not Found\",\"details\":[]}}"
      )
      const error = failureOf(exit)
      assert.strictEqual(error._tag, "NotFound")
      assert.strictEqual(error.message, "trial '1' not found")
    }))

  it.effect("lines split anywhere between chunks, inside a UTF-8 character too, read whole", () =>
    Effect.gen(function*() {
      const Named = Schema.Struct({ id: Schema.Number, name: Schema.String })
      const text = [1, 2, 3, 4].map((id) => JSON.stringify({ result: { id, name: `模型 ünï ✓ ${id}` } })).join("\n")
      const bytes = new TextEncoder().encode(`${text}\n\n${JSON.stringify({ result: { id: 5, name: "é" } })}`)
      for (const size of [1, 2, 3, 7, 64]) {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size))
            controller.close()
          }
        })
        const mock = yield* makeMockHttp(withLogin(() => new Response(body, { status: 200 })))
        const rows = yield* DeterminedHttp.DeterminedHttp.pipe(
          Effect.map((http) => http.stream({ method: "GET", path: "/api/v1/trials/1/logs" }, Named)),
          Stream.unwrap,
          Stream.runCollect,
          Effect.provide(mock.layer())
        )
        assert.deepStrictEqual(
          Array.from(rows).map((r) => r.name),
          [1, 2, 3, 4].map((id) => `模型 ünï ✓ ${id}`).concat("é")
        )
      }
    }))

  // a web body of these byte chunks, recording what was read of it and whether it was cancelled
  const chunkedBody = (chunks: ReadonlyArray<Uint8Array>) => {
    const seen = { pulled: 0, cancelled: false }
    let i = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i === chunks.length) return controller.close()
        seen.pulled += chunks[i]!.byteLength
        controller.enqueue(chunks[i++]!)
      },
      cancel() {
        seen.cancelled = true
      }
    }, { highWaterMark: 0 })
    return { body, seen }
  }
  const cut = (bytes: Uint8Array, size: number) =>
    Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.slice(i * size, (i + 1) * size))
  const linesOf = (chunks: ReadonlyArray<Uint8Array>, options: { readonly maxResponseBytes?: number } = {}) =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(withLogin(() => new Response(chunkedBody(chunks).body, { status: 200 })))
      const ids: Array<number> = []
      const exit = yield* DeterminedHttp.DeterminedHttp.pipe(
        Effect.map((http) => http.stream({ method: "GET", path: "/api/v1/trials/1/logs" }, Line)),
        Stream.unwrap,
        Stream.runForEach((line) => Effect.sync(() => ids.push(line.id))),
        Effect.provide(mock.layer(options)),
        Effect.exit
      )
      return { ids, exit }
    })

  it.effect("a line over maxResponseBytes, wherever it falls in the chunks: the lines before it, then DecodeError", () =>
    Effect.gen(function*() {
      const short = (id: number) => JSON.stringify({ result: { id } })
      const long = JSON.stringify({ result: { id: 99, pad: "x".repeat(300) } })
      const cases = [
        [short(1), short(2), long, short(3)],
        [long, short(1)],
        [short(1), short(2), long]
      ]
      for (const lines of cases) {
        const bytes = new TextEncoder().encode(lines.join("\n") + "\n")
        for (const size of [1, 7, 64, 1000, bytes.length]) {
          const { exit, ids } = yield* linesOf(cut(bytes, size), { maxResponseBytes: 200 })
          const error = failureOf(exit)
          assert.strictEqual(error._tag, "DecodeError", `chunks of ${size}`)
          assert.match(error.message, /a stream line exceeds the limit of 200 bytes/)
          assert.deepStrictEqual(ids, lines.slice(0, lines.indexOf(long)).map((l) => JSON.parse(l).result.id))
        }
      }
      // a line of exactly the limit is read
      const exact = JSON.stringify({ result: { id: 5, pad: "" } })
      const padded = JSON.stringify({ result: { id: 5, pad: "y".repeat(200 - exact.length) } })
      for (const size of [1, 64, 1000]) {
        const { exit, ids } = yield* linesOf(cut(new TextEncoder().encode(padded + "\n" + padded), size), {
          maxResponseBytes: 200
        })
        assert.isTrue(Exit.isSuccess(exit))
        assert.deepStrictEqual(ids, [5, 5])
      }
    }))

  it.effect("a byte-order mark at the start of the body is dropped, as a streaming TextDecoder drops it", () =>
    Effect.gen(function*() {
      const bytes = new TextEncoder().encode("\uFEFF{\"result\":{\"id\":1}}\n{\"result\":{\"id\":2}}")
      for (const size of [1, 2, 3, 4, bytes.length]) {
        const { exit, ids } = yield* linesOf(cut(bytes, size))
        assert.isTrue(Exit.isSuccess(exit))
        assert.deepStrictEqual(ids, [1, 2])
      }
    }))

  it.effect("a stream ended early cancels the body", () =>
    Effect.gen(function*() {
      const lines = new TextEncoder().encode(
        Array.from({ length: 100 }, (_, id) => JSON.stringify({ result: { id } })).join("\n")
      )
      const { body, seen } = chunkedBody(cut(lines, 50))
      const mock = yield* makeMockHttp(withLogin(() => new Response(body, { status: 200 })))
      const first = yield* DeterminedHttp.DeterminedHttp.pipe(
        Effect.map((http) => http.stream({ method: "GET", path: "/api/v1/trials/1/logs" }, Line)),
        Stream.unwrap,
        Stream.take(2),
        Stream.runCollect,
        Effect.provide(mock.layer())
      )
      assert.deepStrictEqual(Array.from(first), [{ id: 0 }, { id: 1 }])
      assert.isTrue(seen.cancelled)
    }))

  it.effect("no bytes for streamIdleTimeout: Timeout{stage: idle} after the lines before, on the TestClock", () =>
    Effect.gen(function*() {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("{\"result\":{\"id\":1}}\n"))
        }
      })
      const mock = yield* makeMockHttp(withLogin(() => new Response(body, { status: 200 })))
      const fiber = yield* DeterminedHttp.DeterminedHttp.pipe(
        Effect.map((http) => http.stream({ method: "GET", path: "/api/v1/trials/1/logs" }, Line)),
        Stream.unwrap,
        Stream.either,
        Stream.runCollect,
        Effect.provide(mock.layer({ streamIdleTimeout: "30 seconds" })),
        Effect.fork
      )
      yield* awaitSleeping
      yield* TestClock.adjust("29 seconds")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 second")
      const [first, second] = Array.from(yield* Fiber.join(fiber))
      assert.deepStrictEqual(first?._tag === "Right" && first.right, { id: 1 })
      assert.strictEqual(second?._tag === "Left" && second.left._tag === "Timeout" && second.left.stage, "idle")
    }))

  it.live("read-ahead is bounded: a consumer that stops holds the body back (about 1 MiB queued, not 16)", () =>
    Effect.gen(function*() {
      const line = new TextEncoder().encode(JSON.stringify({ result: { id: 1, pad: "z".repeat(1000) } }) + "\n")
      const chunk = new Uint8Array(64 * 1024 - (64 * 1024) % line.length)
      for (let i = 0; i < chunk.length; i += line.length) chunk.set(line, i)
      const { body, seen } = chunkedBody(Array.from({ length: 256 }, () => chunk))
      const mock = yield* makeMockHttp(withLogin(() => new Response(body, { status: 200 })))
      const Padded = Schema.Struct({ id: Schema.Number, pad: Schema.String })
      yield* DeterminedHttp.DeterminedHttp.pipe(
        Effect.map((http) => http.stream({ method: "GET", path: "/api/v1/trials/1/logs" }, Padded)),
        Stream.unwrap,
        Stream.toPull,
        Effect.flatMap((pull) =>
          Effect.gen(function*() {
            yield* pull
            // the consumer stops for a while: the body is read up to the queue's bound and no further
            yield* Effect.sleep("200 millis")
            assert.isBelow(seen.pulled, 3 * 1024 * 1024, "the body was read ahead without a bound")
            assert.isAbove(seen.pulled, 0)
          })
        ),
        Effect.scoped,
        Effect.provide(mock.layer())
      )
      assert.isTrue(seen.cancelled)
    }))

  it.effect("a truncated last line fails with TransportError", () =>
    Effect.gen(function*() {
      const error = failureOf(yield* streamOf("{\"result\":{\"id\":1}}\n{\"result\":{\"i"))
      assert.strictEqual(error._tag, "TransportError")
      assert.match(error.message, /middle of a line/)
    }))

  it.effect("a stream endpoint failing before any message (stream error shape, HTTP 404)", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(
        withLogin(() =>
          json({
            error: { grpcCode: 5, httpCode: 404, message: "trial '9' not found", httpStatus: "Not Found", details: [] }
          }, 404)
        )
      )
      const exit = yield* DeterminedHttp.DeterminedHttp.pipe(
        Effect.map((http) =>
          http.stream({ method: "GET", path: "/api/v1/trials/9/logs", notFound: { resource: "trial", id: 9 } }, Line)
        ),
        Stream.unwrap,
        Stream.runCollect,
        Effect.provide(mock.layer()),
        Effect.exit
      )
      const error = failureOf(exit) as any
      assert.strictEqual(error._tag, "NotFound")
      assert.strictEqual(error.resource, "trial")
    }))
})
