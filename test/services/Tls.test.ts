import { assert, describe, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Exit, Logger, Ref, Schema } from "effect"
import { Determined, RetryPolicy } from "effect-determined"
import { DeterminedHttp } from "effect-determined/advanced"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as https from "node:https"
import * as os from "node:os"
import * as path from "node:path"

// A self-signed certificate made with the machine's openssl at test time (.ci/run installs openssl if missing).
const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()
if (!hasOpenssl) console.warn("TLS tests skipped: openssl is not installed")

const makeCert = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "det-tls-"))
  const key = path.join(dir, "key.pem")
  const cert = path.join(dir, "cert.pem")
  execFileSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "1",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1"
  ], { stdio: "ignore" })
  return { dir, key, cert }
}

// A tiny HTTPS master: login and one GET, bound to 127.0.0.1.
const serveHttps = (cert: { key: string; cert: string }) =>
  Effect.acquireRelease(
    Effect.async<https.Server & { url: string }>((resume) => {
      const server = https.createServer(
        { key: fs.readFileSync(cert.key), cert: fs.readFileSync(cert.cert) },
        (req, res) => {
          res.setHeader("content-type", "application/json")
          if (req.url === "/api/v1/auth/login") res.end(JSON.stringify({ token: "t", user: {} }))
          else res.end(JSON.stringify({ version: "0.38.1" }))
        }
      )
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as { port: number }).port
        resume(Effect.succeed(Object.assign(server, { url: `https://127.0.0.1:${port}` })))
      })
    }),
    (server) => Effect.sync(() => server.close())
  )

const getMaster = DeterminedHttp.DeterminedHttp.pipe(
  Effect.flatMap((http) =>
    http.json({ method: "GET", path: "/api/v1/master", retry: false }, Schema.Struct({ version: Schema.String }))
  )
)

describe.skipIf(!hasOpenssl)("HTTPS with TLS options", () => {
  const cert = hasOpenssl ? makeCert() : { dir: "", key: "", cert: "" }

  it.scopedLive("connects with the custom CA option", () =>
    Effect.gen(function*() {
      const server = yield* serveHttps(cert)
      const master = yield* getMaster.pipe(
        Effect.provide(Determined.layer({ master: server.url, tls: { caFile: cert.cert } }))
      )
      assert.strictEqual(master.version, "0.38.1")
    }))

  it.scopedLive("refuses an unknown certificate without the option", () =>
    Effect.gen(function*() {
      const server = yield* serveHttps(cert)
      const exit = yield* getMaster.pipe(
        Effect.provide(Determined.layer({ master: server.url, tls: { certName: "localhost" } })),
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
        assert.strictEqual((exit.cause.error as any)._tag, "TransportError")
      }
    }))

  it.scopedLive("a certificate that fails verification is not retried: one handshake, certificateRejected", () =>
    Effect.gen(function*() {
      const server = yield* serveHttps(cert)
      let handshakeFailures = 0
      server.on("tlsClientError", () => handshakeFailures++)
      // the default policy (5 retries with backoff) is in effect; with a token, the idempotent GET is the first request
      const exit = yield* Effect.flatMap(
        DeterminedHttp.DeterminedHttp,
        (http) => http.json({ method: "GET", path: "/api/v1/master" }, Schema.Struct({ version: Schema.String }))
      ).pipe(
        Effect.provide(Determined.layer({ master: server.url, token: "t", tls: { certName: "localhost" } })),
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(exit) && exit.cause._tag === "Fail")
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
        const error = exit.cause.error as any
        assert.strictEqual(error._tag, "TransportError")
        assert.strictEqual(error.certificateRejected, true)
      }
      yield* Effect.sleep("50 millis") // let the server's error event land
      assert.strictEqual(handshakeFailures, 1)
    }))

  it.scopedLive("the certificate name is what the certificate is verified against", () =>
    Effect.gen(function*() {
      const server = yield* serveHttps(cert)
      const ok = yield* getMaster.pipe(
        Effect.provide(Determined.layer({ master: server.url, tls: { caFile: cert.cert, certName: "localhost" } }))
      )
      assert.strictEqual(ok.version, "0.38.1")
      const exit = yield* getMaster.pipe(
        Effect.provide(Determined.layer({ master: server.url, tls: { caFile: cert.cert, certName: "other.example" } })),
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
        assert.strictEqual((exit.cause.error as any)._tag, "TransportError")
      }
    }))

  it.scopedLive("TLS options with the fetch client are an InvalidConfiguration", () =>
    Effect.gen(function*() {
      const exit = yield* getMaster.pipe(
        Effect.provide(
          Determined.layer({ master: "https://127.0.0.1:1", httpClient: "fetch", tls: { caFile: cert.cert } })
        ),
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
        assert.strictEqual((exit.cause.error as any)._tag, "InvalidConfiguration")
      }
    }))

  it.scopedLive("connects with skip-verification, which logs a warning", () =>
    Effect.gen(function*() {
      const server = yield* serveHttps(cert)
      const warnings = yield* Ref.make<Array<string>>([])
      const logger = Logger.make(({ logLevel, message }) => {
        if (logLevel._tag === "Warning") Effect.runSync(Ref.update(warnings, (xs) => [...xs, String(message)]))
      })
      const master = yield* getMaster.pipe(
        Effect.provide(Determined.layer({ master: server.url, tls: { noVerify: true } })),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      assert.strictEqual(master.version, "0.38.1")
      const logged = yield* Ref.get(warnings)
      assert.isTrue(logged.some((w) => w.includes("verification is disabled")))
    }))

  it.scopedLive("credentials over plain http:// to a non-loopback host log a warning once", () =>
    Effect.gen(function*() {
      const warnings = yield* Ref.make<Array<string>>([])
      const logger = Logger.make(({ logLevel, message }) => {
        if (logLevel._tag === "Warning") Effect.runSync(Ref.update(warnings, (xs) => [...xs, String(message)]))
      })
      // 192.0.2.1 is TEST-NET-1: the connection fails, but the warning comes before it is attempted.
      yield* getMaster.pipe(
        Effect.provide(Determined.layer({ master: "http://192.0.2.1:8080", timeout: "200 millis" })),
        Effect.provide(RetryPolicy.layerDisabled),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Effect.exit
      )
      yield* getMaster.pipe(
        Effect.provide(Determined.layer({ master: "http://127.0.0.1:9", timeout: "200 millis" })),
        Effect.provide(RetryPolicy.layerDisabled),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Effect.exit
      )
      const logged = (yield* Ref.get(warnings)).filter((w) => w.includes("plain http://"))
      assert.strictEqual(logged.length, 1)
    }))
})

describe("a CA file that is not a certificate", () => {
  it.scopedLive("DET_MASTER_CERT_FILE with garbage (or a broken PEM block) fails the layer: InvalidConfiguration", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "det-ca-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
      const garbage = path.join(dir, "garbage.pem")
      fs.writeFileSync(garbage, "this is not a certificate\n")
      const broken = path.join(dir, "broken.pem")
      fs.writeFileSync(broken, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
      for (const file of [garbage, broken]) {
        const exit = yield* getMaster.pipe(
          Effect.provide(Determined.layerFromEnv),
          Effect.withConfigProvider(ConfigProvider.fromMap(
            new Map([["DET_MASTER", "https://127.0.0.1:1"], ["DET_MASTER_CERT_FILE", file]])
          )),
          Effect.exit
        )
        assert.isTrue(Exit.isFailure(exit))
        const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined
        assert.strictEqual(failure?._tag === "Some" && failure.value._tag, "InvalidConfiguration")
        assert.match(failure?._tag === "Some" ? failure.value.message : "", /the CA file .* is not usable/)
      }
    }))
})
