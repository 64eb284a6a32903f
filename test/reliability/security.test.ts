/**
 * Secrets: the password (and its salted hash, which is as good as the password to the master) and every token the
 * SDK held never appear in a log line, a span (names, attributes, events, exits), an error (message, `toString`,
 * `JSON.stringify`, `util.inspect`, `Cause.pretty`) or any SDK value (config, session, credential, snapshots),
 * during a workload against LocalMaster with a fault plan that expires tokens and fails requests.
 * (test/services/Secrets.test.ts covers the same over mock HTTP; test/services/Tls.test.ts covers HTTPS.)
 */
import { HttpClient, HttpClientError } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import type { Context, Exit } from "effect"
import { Cause, Effect, HashSet, Layer, List, Logger, LogLevel, Option, Redacted, Stream, Tracer } from "effect"
import { Determined, DeterminedConfig, Experiment, Model, RetryPolicy, Trial, User } from "effect-determined"
import { DeterminedHttp, Session } from "effect-determined/advanced"
import { LocalMaster } from "effect-determined/testing"
import * as util from "node:util"
import { hashPassword } from "../../src/internal/hash.js"
import { VirtualClock } from "./helpers.js"

const PASSWORD = "hunter2-Sup3r-Secret!"

/** Everything observable, as text. */
class Capture {
  readonly texts: Array<string> = []
  spans = 0
  logs = 0
  add(...values: ReadonlyArray<unknown>) {
    for (const v of values) {
      this.texts.push(typeof v === "string" ? v : show(v))
    }
  }
}

const show = (v: unknown): string => {
  const parts: Array<string> = []
  try {
    parts.push(JSON.stringify(v) ?? "")
  } catch (e) {
    parts.push(`(JSON.stringify threw ${String(e)})`)
  }
  parts.push(util.inspect(v, { depth: 12, showHidden: false, getters: false }))
  try {
    parts.push(String(v))
  } catch {
    // objects without a toString
  }
  return parts.join("\n")
}

/** A tracer that records span names, attributes, events, links and exits. */
const capturingTracer = (capture: Capture): Tracer.Tracer => {
  let ids = 0
  return Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      capture.spans++
      const attributes = new Map<string, unknown>()
      const spanId = `span-${++ids}`
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId,
        traceId: "trace",
        parent,
        context: context as Context.Context<never>,
        status: { _tag: "Started", startTime },
        attributes,
        links: [...links],
        sampled: true,
        kind,
        // as an exporter does: the status, and for a failure its pretty cause (messages and stacks). The raw
        // values are not exported: a success value could be a response whose body this would consume, and the
        // platform's own http.client span fails with its RequestError, whose request holds the headers.
        end: (_endTime, exit: Exit.Exit<unknown, unknown>) => {
          capture.add(`span ${name} end ${exit._tag}`)
          if (exit._tag === "Failure") capture.add(Cause.pretty(exit.cause))
        },
        attribute: (key, value) => {
          attributes.set(key, value)
          capture.add(`span ${name} attribute ${key}`, value)
        },
        event: (event, _t, attrs) => capture.add(`span ${name} event ${event}`, attrs ?? {}),
        addLinks: (more) => capture.add(`span ${name} links`, more.map((l) => l.attributes))
      }
      capture.add(`span ${name} start`, links.map((l) => l.attributes))
      return span
    },
    context: (f) => f()
  })
}

const capturingLogger = (capture: Capture) =>
  Logger.make(({ annotations, cause, logLevel, message, spans }) => {
    capture.logs++
    capture.add(
      `${logLevel.label}`,
      message,
      [...HashSet.toValues(HashSet.fromIterable(annotations))],
      List.toArray(spans).map((s) => s.label),
      Cause.pretty(cause)
    )
  })

/** The SDK against LocalMaster through a client that notes every bearer token sent. */
const layerNotingTokens = (tokens: Set<string>, options: LocalMaster.Options, login: Determined.Options) => {
  const client = Layer.effect(
    HttpClient.HttpClient,
    Effect.map(LocalMaster.LocalMaster, (master) =>
      HttpClient.mapRequest(LocalMaster.httpClient(master), (request) => {
        const auth = request.headers["authorization"]
        if (auth !== undefined) tokens.add(auth.replace(/^Bearer /, ""))
        return request
      }))
  )
  return Determined.layerWithoutHttpClient({ master: "http://localmaster.invalid:8080", ...login }).pipe(
    Layer.orDie,
    Layer.provide(client),
    Layer.provideMerge(LocalMaster.layerEmulator(options))
  )
}

const masterOptions: LocalMaster.Options = {
  seed: 5,
  speed: 1000,
  users: [
    { username: "admin", password: "", admin: true },
    { username: "alice", password: PASSWORD }
  ],
  faults: {
    seed: 9,
    rules: [
      { path: "/api/v1/**", expireToken: { afterUses: 4 } },
      { method: "GET", path: "/api/v1/**", status: { "503": 0.1 }, html: 0.05, dropBefore: 0.05 },
      { method: "GET", path: "/api/v1/trials/*/logs", cutAfterLines: [3, 10] }
    ]
  }
}

/** A workload touching logins, re-logins, reads, writes, streams, failures and retries; collects what it can see. */
const workload = (capture: Capture) =>
  Effect.gen(function*() {
    const config = yield* DeterminedConfig.DeterminedConfig
    const session = yield* Session.Session
    const http = yield* DeterminedHttp.DeterminedHttp
    const credential = yield* session.credential
    capture.add(config, session, credential, http, credential.token)

    const exp = yield* Experiment.create({
      config: {
        name: "secrets",
        entrypoint: "python3 train.py",
        searcher: { name: "single", metric: "loss", max_length: { batches: 300 } },
        hyperparameters: { lr: 0.01, global_batch_size: 32 }
      }
    })
    const first = yield* Experiment.awaitFirstTrial(exp.id)
    const logs = yield* Stream.runCollect(Trial.logs(first.id, { follow: true }))
    const trial = yield* Trial.reload(first.id)
    const me = yield* User.getByName("alice")
    const model = yield* Model.create("secret-model")
    capture.add(exp, first, logs, trial, me, model, yield* Experiment.list())

    // failures: typed errors, inspected every way
    const failures = yield* Effect.all([
      Effect.flip(Experiment.get(424242)),
      Effect.flip(Trial.kill(424242)),
      Effect.flip(Model.create("a/b")),
      Effect.flip(User.create("alice", { password: "another-Secret-1" }))
    ])
    for (const e of failures) capture.add(e, e.message, e.toString(), (e as { stack?: string }).stack ?? "")
    capture.add(yield* session.credential)
    yield* session.logout
    return failures.length
  })

describe("secrets never leak", () => {
  it.effect("password, its hash and every token: not in logs, spans, errors or SDK values", () => {
    const clock = new VirtualClock()
    const capture = new Capture()
    const tokens = new Set<string>()
    return Effect.gen(function*() {
      // a password login, with tokens expiring under the fault plan
      const run = yield* clock.run(
        workload(capture).pipe(
          Effect.provide(layerNotingTokens(tokens, masterOptions, { username: "alice", password: PASSWORD })),
          Effect.provide(RetryPolicy.layer({ schedule: RetryPolicy.backoff({ times: 8, base: "50 millis" }) })),
          Effect.exit
        ),
        { minStep: "100 millis" }
      )
      capture.add(run, run._tag === "Failure" ? Cause.pretty(run.cause) : "")
      assert.strictEqual(run._tag, "Success", run._tag === "Failure" ? Cause.pretty(run.cause) : "")

      // a wrong password, and a configured token that the master rejects (no password to log in again)
      const wrong = yield* clock.run(
        Effect.flip(Experiment.list()).pipe(
          Effect.provide(layerNotingTokens(tokens, { ...masterOptions, faults: undefined }, {
            username: "alice",
            password: `${PASSWORD}-wrong`
          }))
        )
      )
      const rejectedToken = "v2.public.FORGED-TOKEN-0123456789"
      const rejected = yield* clock.run(
        Effect.flip(Experiment.list()).pipe(
          Effect.provide(layerNotingTokens(tokens, { ...masterOptions, faults: undefined }, {
            token: rejectedToken
          }))
        )
      )
      assert.strictEqual(wrong._tag, "Unauthenticated")
      assert.strictEqual(rejected._tag, "Unauthenticated")
      capture.add(wrong, rejected, Cause.pretty(Cause.fail(wrong)), Cause.pretty(Cause.fail(rejected)))

      // a config built from options holding both secrets
      const config = yield* DeterminedConfig.make({
        master: "https://det.example.com",
        username: "alice",
        password: PASSWORD,
        token: rejectedToken
      })
      capture.add(config, Option.map(config.token, Redacted.value).pipe(Option.isSome))

      const everything = capture.texts.join("\n")
      // the capture saw the run: spans of the SDK and the emulator, log lines, several logins
      assert.isAbove(capture.spans, 50)
      assert.isAbove(capture.logs, 5)
      assert.include(everything, "Session.login")
      assert.include(everything, "Experiment.create")
      assert.isAtLeast(tokens.size, 3, "the fault plan expired tokens: several logins")
      const secrets = [PASSWORD, hashPassword(PASSWORD), hashPassword(`${PASSWORD}-wrong`), rejectedToken, ...tokens]
      for (const secret of secrets) {
        assert.isAbove(secret.length, 8)
        const at = everything.indexOf(secret)
        if (at >= 0) console.log("LEAK", everything.slice(Math.max(0, at - 600), at + 100))
        assert.notInclude(everything, secret)
      }
      assert.notInclude(everything, "Sup3r-Secret")
      assert.notInclude(everything, "FORGED-TOKEN")
      // and the redacted forms are what shows
      assert.include(everything, "<redacted>")
    }).pipe(
      Effect.provide(Logger.replace(Logger.defaultLogger, capturingLogger(capture))),
      Logger.withMinimumLogLevel(LogLevel.All),
      Effect.withTracer(capturingTracer(capture)),
      Effect.withClock(clock)
    )
  }, 60_000)
})

describe("secrets in transport errors", () => {
  it.effect("a platform error without a cause is not kept whole: its request (and Authorization header) stays out", () =>
    Effect.gen(function*() {
      const token = "v2.public.TRANSPORT-SECRET-9876543210"
      const failing = HttpClient.make((request) =>
        Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", description: "socket closed" }))
      )
      const error = yield* Experiment.get(1).pipe(
        Effect.flip,
        Effect.provide(
          Determined.layerWithoutHttpClient({ master: "http://det.test:8080", token }).pipe(
            Layer.orDie,
            Layer.provide(Layer.succeed(HttpClient.HttpClient, failing))
          )
        ),
        Effect.provide(RetryPolicy.layerDisabled)
      )
      assert.strictEqual(error._tag, "TransportError")
      // inspected outside any fiber, where the platform cannot redact headers
      const text = yield* Effect.promise(() =>
        new Promise<string>((resolve) =>
          setImmediate(() => resolve(show(error) + Cause.pretty(Cause.fail(error)) + show(Cause.fail(error))))
        )
      )
      assert.include(text, "socket closed")
      assert.notInclude(text, token)
      assert.notInclude(text, "TRANSPORT-SECRET")
    }))
})
