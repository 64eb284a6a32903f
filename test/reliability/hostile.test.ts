/**
 * The SDK against hostile masters of the tests' own (test/utils/hostileServer.ts), over real loopback HTTP with
 * the default HttpClient: every defect of issue 15 has a row here that ends in the documented typed outcome,
 * with nothing left open or on disk. docs/RELIABILITY.md lists the rows and their measured bounds.
 *
 * Real time is used (the servers are real), but no test asserts a duration: each outcome is the same however
 * slow the machine is (a trickle that never ends is a `Timeout` whether it fires before or after the headers).
 */
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Exit, Layer, Schema, Stream } from "effect"
import { Checkpoint, Determined, DeterminedHttp, Experiment, RetryPolicy, Trial } from "effect-determined"
import * as FS from "node:fs"
import type * as Http from "node:http"
import * as OS from "node:os"
import * as NodePath from "node:path"
import { answerJson, hostileServer } from "../utils/hostileServer.js"

const patient = RetryPolicy.layer({ schedule: RetryPolicy.backoff({ times: 1, base: "10 millis", jitter: false }) })

const sdk = (url: string, options: Determined.Options = {}) =>
  // as an application: the SDK, its retry policy, and Node's platform services (downloads write to the disk)
  Layer.mergeAll(Determined.layer({ master: url, ...options }), patient, NodeContext.layer).pipe(Layer.orDie)

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  assert.isTrue(Exit.isFailure(exit), "expected a failure")
  if (Exit.isSuccess(exit)) throw new Error("unreachable")
  assert.isFalse(Cause.isDie(exit.cause), `a defect instead of a typed error: ${Cause.pretty(exit.cause)}`)
  const failure = Cause.failureOption(exit.cause)
  assert.isTrue(failure._tag === "Some", Cause.pretty(exit.cause))
  return (failure as { value: E }).value
}

const logEntry = (id: number, timestamp: string) => ({
  id: String(id),
  trialId: 1,
  timestamp,
  level: "LOG_LEVEL_INFO",
  message: `line ${id}\n`,
  log: `line ${id}\n`,
  source: "task",
  stdtype: "stdout"
})

const line = (value: unknown) => JSON.stringify({ result: value }) + "\n"

const streamHead = (res: Http.ServerResponse) =>
  res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" })

/** Write `byte` every `millis` until the client goes away. */
const trickle = (res: Http.ServerResponse, byte: string, millis: number) => {
  const timer = setInterval(() => res.write(byte), millis)
  res.on("close", () => clearInterval(timer))
}

const getMaster = Effect.flatMap(
  DeterminedHttp.DeterminedHttp,
  (http) => http.json({ method: "GET", path: "/api/v1/master" }, Schema.Struct({ version: Schema.String }))
)

const masterRequests = (requests: ReadonlyArray<{ readonly path: string }>) =>
  requests.filter((r) => r.path === "/api/v1/master").length

describe("issue 15 / 1: every call bounded in time", () => {
  it.scopedLive("a body trickled after the headers: Timeout within the per-attempt timeout, retried, then typed", () =>
    Effect.gen(function*() {
      const server = yield* hostileServer((_r, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        res.write(`{"version": "`)
        trickle(res, "x", 20)
      })
      const exit = yield* getMaster.pipe(Effect.provide(sdk(server.url, { timeout: "400 millis" })), Effect.exit)
      const error = failureOf(exit)
      assert.strictEqual(error._tag, "Timeout")
      assert.strictEqual(error._tag === "Timeout" && error.stage, "attempt")
      assert.strictEqual(masterRequests(server.requests), 2, "one attempt and one retry")
    }))

  it.scopedLive("a body that stops after the headers: Timeout, and the connection is closed", () =>
    Effect.gen(function*() {
      const server = yield* hostileServer((_r, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": "100" })
        res.write(`{"version": `)
      })
      const exit = yield* getMaster.pipe(Effect.provide(sdk(server.url, { timeout: "400 millis" })), Effect.exit)
      assert.strictEqual(failureOf(exit)._tag, "Timeout")
      assert.strictEqual(masterRequests(server.requests), 2)
    }))

  it.scopedLive("a stream that falls silent: Timeout{stage: idle} after the lines it sent", () =>
    Effect.gen(function*() {
      const server = yield* hostileServer((_r, res) => {
        streamHead(res)
        res.write(line(logEntry(1, "2026-01-01T00:00:00.000Z")))
      })
      const results = yield* Effect.flatMap(
        DeterminedHttp.DeterminedHttp,
        (http) =>
          http.stream({ method: "GET", path: "/api/v1/trials/1/logs" }, Trial.TrialLog).pipe(
            Stream.either,
            Stream.runCollect
          )
      ).pipe(Effect.provide(sdk(server.url, { streamIdleTimeout: "600 millis" })))
      const [first, second] = Chunk.toReadonlyArray(results)
      assert.strictEqual(first?._tag === "Right" && first.right.id, 1)
      assert.strictEqual(second?._tag === "Left" && second.left._tag, "Timeout")
      assert.strictEqual(second?._tag === "Left" && second.left._tag === "Timeout" && second.left.stage, "idle")
    }))

  it.scopedLive("a follow whose stream falls silent resumes after the last line, without duplicate or gap", () =>
    Effect.gen(function*() {
      let opened = 0
      const server = yield* hostileServer((r, res) => {
        if (r.path === "/api/v1/trials/1") return answerJson(res, { trial: { state: "STATE_COMPLETED" } })
        opened++
        streamHead(res)
        if (opened === 1) {
          // two lines, then silence: the idle timeout cuts it
          res.write(line(logEntry(1, "2026-01-01T00:00:01.000Z")) + line(logEntry(2, "2026-01-01T00:00:02.000Z")))
          return
        }
        // the resumed request: line 2 again (the window overlaps), then the rest, then the end
        res.end(line(logEntry(2, "2026-01-01T00:00:02.000Z")) + line(logEntry(3, "2026-01-01T00:00:03.000Z")))
      })
      const ids = yield* Trial.logs(1, { follow: true }).pipe(
        Stream.map((entry) => entry.id),
        Stream.runCollect,
        Effect.provide(sdk(server.url, { streamIdleTimeout: "600 millis" }))
      )
      assert.deepStrictEqual(Chunk.toReadonlyArray(ids), [1, 2, 3])
      assert.strictEqual(opened, 2)
    }))
})

describe("issue 15 / 3: long stream lines", () => {
  it.scopedLive("a 32 MB line is decoded (linear split), a line over maxResponseBytes is a DecodeError", () =>
    Effect.gen(function*() {
      const big = "y".repeat(32 * 1024 * 1024)
      const server = yield* hostileServer((_r, res) => {
        streamHead(res)
        const text = line({ ...logEntry(1, "2026-01-01T00:00:00.000Z"), log: big }) +
          line(logEntry(2, "2026-01-01T00:00:01.000Z"))
        // in 64 KiB writes, as a network delivers it
        const bytes = Buffer.from(text)
        let at = 0
        const pump = () => {
          while (at < bytes.length) {
            const ok = res.write(bytes.subarray(at, at + 65536))
            at += 65536
            if (!ok) return void res.once("drain", pump)
          }
          res.end()
        }
        pump()
      })
      const logs = (maxResponseBytes: number) =>
        Effect.flatMap(
          DeterminedHttp.DeterminedHttp,
          (http) =>
            http.stream({ method: "GET", path: "/api/v1/trials/1/logs" }, Trial.TrialLog).pipe(
              Stream.map((entry) => [entry.id, entry.log?.length] as const),
              Stream.runCollect,
              Effect.exit
            )
        ).pipe(Effect.provide(sdk(server.url, { maxResponseBytes })))
      const whole = yield* logs(64 * 1024 * 1024)
      assert.isTrue(Exit.isSuccess(whole))
      assert.deepStrictEqual(Exit.isSuccess(whole) && Chunk.toReadonlyArray(whole.value), [
        [1, big.length],
        [2, 7]
      ])
      const capped = failureOf(yield* logs(4 * 1024 * 1024))
      assert.strictEqual(capped._tag, "DecodeError")
      assert.match(capped.message, /a stream line exceeds the limit of 4194304 bytes/)
    }))
})

const deep = (depth: number, leaf = "1") => "[".repeat(depth) + leaf + "]".repeat(depth)

describe("issue 15 / 4: deeply nested JSON is a DecodeError (or the mapped error), never a defect", () => {
  const depth = 100_000
  it.scopedLive("in a unary body, an error body, a stream line, a stream error line and checkpoint metadata", () =>
    Effect.gen(function*() {
      const uuid = "2db6eed3-c86e-4720-876d-eae2af9a1aca"
      const server = yield* hostileServer((r, res) => {
        switch (r.path) {
          case "/api/v1/experiments/1":
            return answerJson(res, `{"experiment": ${deep(depth)}}`)
          case "/api/v1/experiments/2":
            return answerJson(res, `{"error": {"code": 3, "reason": "InvalidArgument", "error": ${deep(depth)}}}`, 400)
          case "/api/v1/trials/1/logs":
            streamHead(res)
            return void res.end(`{"result": ${deep(depth)}}\n`)
          case "/api/v1/trials/2/logs":
            streamHead(res)
            return void res.end(`{"error": {"grpcCode": 3, "httpCode": 400, "message": ${deep(depth)}}}\n`)
          case `/api/v1/checkpoints/${uuid}`:
            return answerJson(
              res,
              `{"checkpoint": {"uuid": "${uuid}", "taskId": "t", "allocationId": "t.1", ` +
                `"reportTime": "2025-03-01T10:00:00Z", "resources": {}, "metadata": {"deep": ${deep(depth)}}, ` +
                `"state": "STATE_COMPLETED", "training": {"trialId": 1, "experimentId": 1, ` +
                `"experimentConfig": {}, "hparams": {}}, "storageId": 1}}`
            )
          default:
            return answerJson(res, { error: { code: 5, reason: "NotFound", error: "not found" } }, 404)
        }
      })
      const dir = FS.mkdtempSync(NodePath.join(OS.tmpdir(), "det-deep-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => FS.rmSync(dir, { recursive: true, force: true })))
      const layer = sdk(server.url)
      const calls: ReadonlyArray<Effect.Effect<unknown, { readonly _tag: string }, any>> = [
        Experiment.get(1),
        Experiment.get(2),
        Stream.runDrain(Trial.logs(1)),
        Stream.runDrain(Trial.logs(2)),
        Checkpoint.download(uuid, NodePath.join(dir, "out"))
      ]
      const tags = yield* Effect.forEach(calls, (call) => Effect.map(Effect.exit(call), (exit) => failureOf(exit)._tag))
        .pipe(Effect.provide(layer))
      assert.deepStrictEqual(tags, ["DecodeError", "InvalidRequest", "DecodeError", "InvalidRequest", "DecodeError"])
      assert.deepStrictEqual(FS.readdirSync(dir), [], "nothing written")
    }))
})
