/**
 * The SDK against hostile masters of the tests' own (test/utils/hostileServer.ts), over real loopback HTTP with
 * the default HttpClient: every defect of issue 15 has a row here that ends in the documented typed outcome,
 * with nothing left open or on disk. docs/RELIABILITY.md lists the rows and their measured bounds.
 *
 * Real time is used (the servers are real), but no test asserts a duration: each outcome is the same however
 * slow the machine is (a trickle that never ends is a `Timeout` whether it fires before or after the headers).
 */
import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Exit, Fiber, Layer, Schema, Stream } from "effect"
import { Checkpoint, Determined, Experiment, RetryPolicy, Trial } from "effect-determined"
import { DeterminedHttp } from "effect-determined/advanced"
import * as ChildProcess from "node:child_process"
import * as Crypto from "node:crypto"
import * as FS from "node:fs"
import type * as Http from "node:http"
import * as OS from "node:os"
import * as NodePath from "node:path"
import * as Archive from "../../src/resources/internal/archive.js"
import * as Spool from "../../src/resources/internal/spool.js"
import { answerJson, hostileServer } from "../utils/hostileServer.js"
import { tarball } from "../utils/tar.js"

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

  it.scopedLive("a raw body (DeterminedHttp.bytes) that stalls: the bytes before, then Timeout{stage: idle}", () =>
    Effect.gen(function*() {
      const server = yield* hostileServer((_r, res) => {
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": "1000" })
        res.write(Buffer.alloc(100, 1))
      })
      const results = yield* Effect.flatMap(
        DeterminedHttp.DeterminedHttp,
        (http) =>
          http.bytes({ method: "GET", path: "/blob" }).pipe(
            Stream.map((chunk) => chunk.byteLength),
            Stream.either,
            Stream.runCollect
          )
      ).pipe(Effect.provide(sdk(server.url, { streamIdleTimeout: "600 millis" })))
      const all = Chunk.toReadonlyArray(results)
      const last = all[all.length - 1]
      assert.strictEqual(all.slice(0, -1).reduce((n, r) => n + (r._tag === "Right" ? r.right : 0), 0), 100)
      assert.strictEqual(last?._tag === "Left" && last.left._tag === "Timeout" && last.left.stage, "idle")
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

/**
 * A trial's log as two ranks ship it: ids in insertion order, rank 1's lines stamped 3.5 s behind rank 0's (odd
 * ids rank 0 at `k` seconds, even ids rank 1 at `k - 3.5` seconds). The server honours `timestampAfter` strictly
 * at millisecond precision, as the master does, answers in id order, and cuts its `n`-th follow connection in the
 * middle of a line after `cuts[n]` complete lines (the last connection ends, and the trial is over).
 */
const twoRankLog = (count: number, cuts: ReadonlyArray<number>) => {
  const base = Date.parse("2026-01-01T00:00:00.000Z")
  const entries = Array.from({ length: count }, (_, i) => {
    const id = i + 1
    const entry = logEntry(id, new Date(base + id * 1000 - (id % 2 === 0 ? 3500 : 0)).toISOString())
    return { ...entry, rankId: id % 2 === 0 ? 1 : 0 }
  })
  const opened: Array<string | null> = []
  const handler = (r: { readonly path: string; readonly query: URLSearchParams }, res: Http.ServerResponse) => {
    if (r.path === "/api/v1/trials/1") return answerJson(res, { trial: { state: "STATE_COMPLETED" } })
    const after = r.query.get("timestampAfter")
    opened.push(after)
    const from = after === null ? -Infinity : Date.parse(after)
    const lines = entries.filter((e) => Date.parse(e.timestamp) > from).map(line)
    streamHead(res)
    const cut = cuts[opened.length - 1]
    if (cut === undefined) return res.end(lines.join(""))
    res.write(lines.slice(0, cut).join("") + lines[cut]!.slice(0, 20), () => res.destroy())
  }
  return { entries, opened, handler }
}

describe("issue 15 / 7: a resumed follow loses no line although ranks' timestamps are out of order", () => {
  it.scopedLive("two ranks 3.5 s apart, cut twice right after a rank-0 line: every line exactly once", () =>
    Effect.gen(function*() {
      // the first cut falls after id 11 (rank 0, 11 s): ids 12, 14, 16 (rank 1, 8.5 s, 10.5 s, 12.5 s) come after
      // it; resuming one millisecond before the last line's timestamp (the SDK before) skipped 12 and 14
      const log = twoRankLog(40, [11, 9])
      const server = yield* hostileServer(log.handler)
      const ids = yield* Trial.logs(1, { follow: true }).pipe(
        Stream.map((entry) => entry.id),
        Stream.runCollect,
        Effect.provide(sdk(server.url))
      )
      assert.deepStrictEqual(Chunk.toReadonlyArray(ids), log.entries.map((e) => Number(e.id)))
      assert.strictEqual(log.opened.length, 3)
      // the resume asked from 2 × the lateness seen (2.5 s) before the newest timestamp (11 s), not from 11 s
      assert.strictEqual(log.opened[1], "2026-01-01T00:00:05.999Z")
    }))

  it.scopedLive("a cut before any lateness was seen: resumeWindow covers it", () =>
    Effect.gen(function*() {
      // cut after id 1 (1 s): id 2 is stamped -1.5 s; only a window the caller gives can know that
      const log = twoRankLog(10, [1])
      const server = yield* hostileServer(log.handler)
      const ids = yield* Trial.logs(1, { follow: true, resumeWindow: "5 seconds" }).pipe(
        Stream.map((entry) => entry.id),
        Stream.runCollect,
        Effect.provide(sdk(server.url))
      )
      assert.deepStrictEqual(Chunk.toReadonlyArray(ids), log.entries.map((e) => Number(e.id)))
    }))

  it.scopedLive("re-opens that deliver nothing new fail, after the policy's retries, with a message that says so", () =>
    Effect.gen(function*() {
      // every connection sends the same 3 lines and breaks: the first one delivers them, no re-open adds anything
      let opened = 0
      const server = yield* hostileServer((r, res) => {
        if (r.path === "/api/v1/trials/1") return answerJson(res, { trial: { state: "STATE_RUNNING" } })
        opened++
        streamHead(res)
        const text = [1, 2, 3].map((id) => line(logEntry(id, `2026-01-01T00:00:0${id}.000Z`))).join("")
        res.write(text + `{"result": {"id": "4"`, () => res.destroy())
      })
      const policy = RetryPolicy.layer({
        schedule: RetryPolicy.backoff({ times: 3, base: "10 millis", jitter: false })
      })
      const results = yield* Trial.logs(1, { follow: true }).pipe(
        Stream.map((entry) => entry.id),
        Stream.either,
        Stream.runCollect,
        Effect.provide(Layer.provideMerge(policy, sdk(server.url)))
      )
      const all = Chunk.toReadonlyArray(results)
      assert.deepStrictEqual(all.slice(0, 3).map((r) => r._tag === "Right" && r.right), [1, 2, 3])
      const last = all[3]
      assert.strictEqual(all.length, 4)
      assert.strictEqual(last?._tag === "Left" && last.left._tag, "TransportError")
      assert.match(
        last?._tag === "Left" ? last.left.message : "",
        /re-opened 3 times and delivered nothing new \(RetryPolicy exhausted\)/
      )
      assert.strictEqual(opened, 4, "the first connection and 3 re-opens")
    }))

  it.scopedLive("resumeWindow must be a finite duration: InvalidRequest before any request", () =>
    Effect.gen(function*() {
      const server = yield* hostileServer((_r, res) => answerJson(res, {}))
      for (const resumeWindow of ["soon", Infinity] as const) {
        const exit = yield* Trial.logs(1, { follow: true, resumeWindow: resumeWindow as never }).pipe(
          Stream.runDrain,
          Effect.provide(sdk(server.url)),
          Effect.exit
        )
        assert.strictEqual(failureOf(exit)._tag, "InvalidRequest")
      }
      assert.deepStrictEqual(server.requests.filter((r) => r.path.endsWith("/logs")), [])
    }))
})

describe("issue 15 / 9: redirects stay within the master's origin", () => {
  const redirect = (res: Http.ServerResponse, status: number, location: string) => {
    res.writeHead(status, { location, "content-type": "text/html" })
    res.end(`<a href="${location}">moved</a>`)
  }
  const logsOf = Effect.flatMap(
    DeterminedHttp.DeterminedHttp,
    (http) =>
      http.stream({ method: "GET", path: "/api/v1/trials/1/logs" }, Trial.TrialLog).pipe(
        Stream.map((entry) => entry.id),
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray)
      )
  )

  for (const httpClient of ["undici", "fetch"] as const) {
    it.scopedLive(`${httpClient}: a redirect to another port is refused (unary and stream), nothing sent there`, () =>
      Effect.gen(function*() {
        const elsewhere = yield* hostileServer((r, res) =>
          r.path === "/api/v1/master"
            ? answerJson(res, { version: "elsewhere" })
            : (streamHead(res), res.end(line(logEntry(9, "2026-01-01T00:00:00.000Z"))))
        )
        const server = yield* hostileServer((r, res) =>
          redirect(res, r.n % 2 === 0 ? 302 : 307, elsewhere.url + r.path)
        )
        const layer = sdk(server.url, { httpClient })
        for (const call of [Effect.asVoid(getMaster), Effect.asVoid(logsOf)]) {
          const error = failureOf(yield* Effect.exit(call.pipe(Effect.provide(layer))))
          assert.strictEqual(error._tag, "ServerError")
          assert.strictEqual(error._tag === "ServerError" && error.reason, "Redirect")
          assert.match(error.message, /redirect to another origin \(http:\/\/127\.0\.0\.1:\d+\) refused/)
        }
        assert.deepStrictEqual(elsewhere.requests, [], "nothing reached the other origin")
        // refused at once: not retried
        assert.strictEqual(server.requests.filter((r) => r.path !== "/api/v1/auth/login").length, 2)
      }))

    it.scopedLive(`${httpClient}: redirects within the origin are followed (unary and stream)`, () =>
      Effect.gen(function*() {
        const server = yield* hostileServer((r, res) => {
          if (r.path === "/api/v1/master") return redirect(res, 301, "/moved/master")
          if (r.path === "/moved/master") {
            return redirect(res, 308, `${r.headers.host ? "http://" + r.headers.host : ""}/api/v2/master`)
          }
          if (r.path === "/api/v2/master") return answerJson(res, { version: "0.38.1" })
          if (r.path === "/api/v1/trials/1/logs") return redirect(res, 307, "/api/v2/trials/1/logs?x=1")
          assert.strictEqual(r.query.get("x"), "1")
          streamHead(res)
          res.end(line(logEntry(1, "2026-01-01T00:00:00.000Z")) + line(logEntry(2, "2026-01-01T00:00:01.000Z")))
        })
        const layer = sdk(server.url, { httpClient })
        const master = yield* getMaster.pipe(Effect.provide(layer))
        assert.strictEqual(master.version, "0.38.1")
        assert.deepStrictEqual(yield* logsOf.pipe(Effect.provide(layer)), [1, 2])
        // the bearer token went along, within the origin
        const last = server.requests[server.requests.length - 1]!
        assert.strictEqual(last.headers.authorization, "Bearer hostile-token")
      }))
  }
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

/** A checkpoint answer of `GET /api/v1/checkpoints/{uuid}`, its metadata given as JSON text. */
const checkpointBody = (uuid: string, metadata = "{}") =>
  `{"checkpoint": {"uuid": "${uuid}", "taskId": "t", "allocationId": "t.1", ` +
  `"reportTime": "2025-03-01T10:00:00Z", "resources": {}, "metadata": ${metadata}, ` +
  `"state": "STATE_COMPLETED", "training": {"trialId": 1, "experimentId": 1, ` +
  `"experimentConfig": {}, "hparams": {}}, "storageId": 1}}`

const UUID = "2db6eed3-c86e-4720-876d-eae2af9a1aca"

const deep = (depth: number, leaf = "1") => "[".repeat(depth) + leaf + "]".repeat(depth)

describe("issue 15 / 4: deeply nested JSON is a DecodeError (or the mapped error), never a defect", () => {
  const depth = 100_000
  it.scopedLive("in a unary body, an error body, a stream line, a stream error line and checkpoint metadata", () =>
    Effect.gen(function*() {
      const uuid = UUID
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
            return answerJson(res, checkpointBody(uuid, `{"deep": ${deep(depth)}}`))
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
      // a 400 to a GET by id is not among what Experiment.get declares (RequestError | NotFound): a ServerError
      // with status 400; Trial.logs declares InvalidRequest (its filters can be refused)
      assert.deepStrictEqual(tags, ["DecodeError", "ServerError", "DecodeError", "InvalidRequest", "DecodeError"])
      assert.deepStrictEqual(FS.readdirSync(dir), [], "nothing written")
    }))
})

/** Send `bytes` in 64 KiB writes at network speed (honouring back-pressure), then end unless `stallAt`. */
const sendBytes = (res: Http.ServerResponse, bytes: Uint8Array, stallAt = Infinity) => {
  let at = 0
  const pump = () => {
    while (at < Math.min(bytes.length, stallAt)) {
      const ok = res.write(bytes.subarray(at, Math.min(at + 65536, stallAt)))
      at += 65536
      if (!ok) return void res.once("drain", pump)
    }
    if (stallAt >= bytes.length) res.end()
  }
  pump()
}

/** A master that serves the checkpoint UUID and its archive with `serve`. */
const checkpointServer = (serve: (res: Http.ServerResponse) => void) =>
  hostileServer((r, res) => {
    if (r.path === `/api/v1/checkpoints/${UUID}`) return answerJson(res, checkpointBody(UUID))
    if (r.path === `/checkpoints/${UUID}`) {
      res.writeHead(200, { "content-type": "application/gzip" })
      return serve(res)
    }
    answerJson(res, { error: { code: 5, reason: "NotFound", error: "not found" } }, 404)
  })

const scratchDir = Effect.acquireRelease(
  Effect.sync(() => FS.mkdtempSync(NodePath.join(OS.tmpdir(), "det-hostile-"))),
  (dir) => Effect.sync(() => FS.rmSync(dir, { recursive: true, force: true }))
)

/** Every entry under `dir`, recursively (0 when it does not exist). */
const countEntries = (dir: string): number => {
  try {
    return FS.readdirSync(dir, { recursive: true }).length
  } catch {
    return 0
  }
}

/** `n` empty files in 100 directories. */
const manyEntries = (n: number) =>
  tarball(Array.from({ length: n }, (_, i) => ({ path: `d${i % 100}/f${i}`, content: "" })))

describe("issue 15 / 5: an interrupted, timed-out or failed download leaves nothing behind", () => {
  // 20,000 entries (the probe used 100,000: the outcome is the same, the CI budget is not)
  const archive = manyEntries(20_000)

  it.scopedLive("interrupted while a 20,000-entry archive is being extracted: no partial directory", () =>
    Effect.gen(function*() {
      const dir = yield* scratchDir
      const server = yield* checkpointServer((res) => sendBytes(res, archive))
      const out = NodePath.join(dir, "out")
      const fiber = yield* Effect.fork(Checkpoint.download(UUID, out).pipe(Effect.provide(sdk(server.url))))
      // interrupt midway, once files are being written into the temporary directory
      for (let i = 0; i < 2000; i++) {
        const partial = FS.readdirSync(dir).find((name) => name.startsWith(".out.partial-"))
        if (partial !== undefined && countEntries(NodePath.join(dir, partial)) > 200) break
        yield* Effect.sleep("10 millis")
      }
      const written = countEntries(dir)
      yield* Fiber.interrupt(fiber)
      assert.isAbove(written, 200, "interrupted midway, with files written")
      assert.deepStrictEqual(FS.readdirSync(dir), [], "nothing left behind")
    }))

  it.scopedLive("a download that stalls midway: Timeout{stage: idle}, no partial directory", () =>
    Effect.gen(function*() {
      const dir = yield* scratchDir
      const small = manyEntries(2_000)
      const server = yield* checkpointServer((res) => sendBytes(res, small, Math.floor(small.length / 2)))
      const exit = yield* Checkpoint.download(UUID, NodePath.join(dir, "out")).pipe(
        Effect.provide(sdk(server.url, { streamIdleTimeout: "1 second" })),
        Effect.exit
      )
      const error = failureOf(exit)
      assert.strictEqual(error._tag === "Timeout" && error.stage, "idle")
      assert.deepStrictEqual(FS.readdirSync(dir), [])
    }))
})

describe("issue 15 / 8: a consumer slower than the server's idle timeout does not lose the download", () => {
  // 24 MiB that gzip cannot shrink: more than the socket buffers of both ends hold, so a consumer that stops
  // reading stops the server's writes
  const payload = Crypto.randomBytes(24 * 1024 * 1024)
  const archive = tarball([{ path: "model.bin", content: payload }])
  /**
   * The archive from a server that closes a connection on which nothing moved for 1 s (an idle timeout). The
   * consumers below stop for 3 s: the margins are wide so that a loaded machine (a spool writer starved of CPU for
   * a moment) does not look like a stopped consumer.
   */
  const impatientServer = checkpointServer((res) => {
    res.socket?.setTimeout(1_000, () => res.socket?.destroy())
    sendBytes(res, archive)
  })
  const body = Effect.map(
    DeterminedHttp.DeterminedHttp,
    (http) => http.bytes({ method: "GET", path: `/checkpoints/${UUID}`, accept: "application/gzip" })
  )
  /** A consumer that stops for 3 seconds at its first chunk (extraction writing a large file, say). */
  const slowly = <E, R>(stream: Stream.Stream<Uint8Array, E, R>) =>
    Effect.suspend(() => {
      let first = true
      return stream.pipe(
        Stream.tap(() => (first ? ((first = false), Effect.sleep("3 seconds")) : Effect.void)),
        Stream.runFold(Crypto.createHash("sha256"), (hash, chunk: Uint8Array) => hash.update(chunk)),
        Effect.map((hash) => hash.digest("hex"))
      )
    })

  it.scopedLive("read directly, the body is lost when the consumer stops; spooled, it arrives whole", () =>
    Effect.gen(function*() {
      const dir = yield* scratchDir
      const server = yield* impatientServer
      const layer = sdk(server.url)
      // the control: the server really closes an idle connection under a consumer that stops
      const direct = failureOf(yield* Effect.exit(Effect.flatMap(body, slowly).pipe(Effect.provide(layer))))
      assert.strictEqual(direct._tag, "TransportError")
      const spooled = yield* Effect.flatMap(body, (bytes) => slowly(Spool.spooled(bytes, dir, ".spool-"))).pipe(
        Effect.provide(layer)
      )
      assert.strictEqual(spooled, Crypto.createHash("sha256").update(archive).digest("hex"))
      assert.deepStrictEqual(FS.readdirSync(dir), [], "the spool file is removed")
    }))

  it.scopedLive("Checkpoint.download under an extraction that stops for 3 seconds: complete, nothing else left", () =>
    Effect.gen(function*() {
      const dir = yield* scratchDir
      const server = yield* impatientServer
      let spoolSeen = false
      // a file system whose first read of the spool stops for 3 seconds: the consumer of the body is that slow
      const slowFs = Layer.effect(
        FileSystem.FileSystem,
        Effect.map(FileSystem.FileSystem, (fs) => {
          let stopped = false
          return {
            ...fs,
            open: (path, options) =>
              Effect.map(fs.open(path, options), (file) => {
                if (options?.flag !== "r") return file
                spoolSeen = true
                return {
                  ...file,
                  readAlloc: (size) =>
                    stopped ? file.readAlloc(size) : Effect.zipRight(
                      Effect.sync(() => {
                        stopped = true
                      }).pipe(Effect.zipRight(Effect.sleep("3 seconds"))),
                      file.readAlloc(size)
                    )
                } satisfies FileSystem.File
              })
          } satisfies FileSystem.FileSystem
        })
      ).pipe(Layer.provide(NodeContext.layer))
      const out = NodePath.join(dir, "out")
      yield* Checkpoint.download(UUID, out).pipe(Effect.provide(slowFs), Effect.provide(sdk(server.url)))
      assert.isTrue(spoolSeen)
      assert.isTrue(FS.readFileSync(NodePath.join(out, "model.bin")).equals(payload))
      assert.deepStrictEqual(FS.readdirSync(dir), ["out"], "no spool file, no partial directory")
    }))
})

describe("issue 15 / 6: the archive guard is linear, extraction's memory bounded, sparse files refused", () => {
  it("16,000 symbolic links are checked in linear time (each link re-checks only the links through its path)", () => {
    const guard = new Archive.EntryGuard(Archive.DEFAULT_MAX_BYTES, Archive.DEFAULT_MAX_ENTRIES)
    assert.isUndefined(guard.check({ path: "f", type: "File", size: 0 }))
    for (let i = 0; i < 16_000; i++) {
      assert.isUndefined(guard.check({ path: `l${i}`, type: "SymbolicLink", size: 0, linkpath: "f" }))
      assert.isUndefined(guard.check({ path: `d/l${i}`, type: "SymbolicLink", size: 0, linkpath: "../f" }))
    }
    // still exact: a link that makes earlier links escape is found among 32,000
    assert.isUndefined(guard.check({ path: "x", type: "SymbolicLink", size: 0, linkpath: "y/z" }))
    assert.strictEqual(
      guard.check({ path: "y", type: "SymbolicLink", size: 0, linkpath: ".." })?.reason,
      "LinkOutside"
    )
  })

  it.scopedLive(
    "20,000 empty entries: the heap does not grow with the entries (a child process measures it)",
    () =>
      Effect.gen(function*() {
        const dir = yield* scratchDir
        // a process of its own, so that a full GC (--expose-gc) can measure what extraction holds; 20,000 entries
        // tell the two apart in a few seconds (node-tar's Unpack held about 2.9 KB an entry until it closed: +58 MiB
        // here), 200,000 are measured in docs/RELIABILITY.md
        const output = yield* Effect.async<string, Error>((resume) => {
          const child = ChildProcess.execFile(
            process.execPath,
            ["--expose-gc", "--import", "tsx", "test/utils/extractMemory.ts", "20000", dir],
            { encoding: "utf8" },
            (error, stdout, stderr) => resume(error === null ? Effect.succeed(stdout) : Effect.fail(new Error(stderr)))
          )
          return Effect.sync(() => child.kill())
        })
        const measured = JSON.parse(output.trim().split("\n").at(-1)!) as {
          extracted: number
          heapGrowthMiB: number
        }
        assert.strictEqual(measured.extracted, 20_000)
        assert.isBelow(measured.heapGrowthMiB, 16, output)
      }),
    { timeout: 180_000 }
  )

  it.scopedLive("1,000 symbolic links extracted end to end", () =>
    Effect.gen(function*() {
      const dir = yield* scratchDir
      const links = Array.from({ length: 1_000 }, (_, i) => ({
        path: `links/l${i}`,
        type: "SymbolicLink" as const,
        linkpath: "../f"
      }))
      const server = yield* checkpointServer((res) => sendBytes(res, tarball([{ path: "f", content: "x" }, ...links])))
      const out = yield* Checkpoint.download(UUID, NodePath.join(dir, "out")).pipe(Effect.provide(sdk(server.url)))
      assert.strictEqual(FS.readdirSync(NodePath.join(out, "links")).length, 1_000)
      assert.strictEqual(FS.readFileSync(NodePath.join(out, "links", "l999"), "utf8"), "x")
    }))

  it.scopedLive("a GNU sparse entry (type S, or PAX GNUSparseFile.N/) is UnsafeArchiveEntry, nothing written", () =>
    Effect.gen(function*() {
      const dir = yield* scratchDir
      for (const entry of [{ path: "weights.bin", type: "SparseFile" as const }, { path: "GNUSparseFile.0/w.bin" }]) {
        const server = yield* checkpointServer((res) =>
          sendBytes(res, tarball([{ path: "ok.txt", content: "fine" }, { ...entry, content: "" }]))
        )
        const exit = yield* Checkpoint.download(UUID, NodePath.join(dir, "out")).pipe(
          Effect.provide(sdk(server.url)),
          Effect.exit
        )
        const error = failureOf(exit)
        assert.strictEqual(error._tag === "UnsafeArchiveEntry" && error.reason, "SpecialFile", String(error))
        assert.deepStrictEqual(FS.readdirSync(dir), [])
      }
    }))
})
