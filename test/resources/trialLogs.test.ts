import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Fiber, Stream } from "effect"
import { Trial } from "effect-determined"
import { json, loginOk, makeMockHttp, type Recorded, runStreamAgainst } from "../utils/mockHttp.js"

// A log server over mock HTTP: entries 1..n whose timestamps share milliseconds (3 per ms, microseconds apart),
// filtered as the master does (timestampAfter/Before strictly, limit, orderBy), and able to cut a response.
const micros = (iso: string) => {
  const m = /\.(\d+)Z$/.exec(iso)
  const frac = (m?.[1] ?? "").padEnd(6, "0").slice(0, 6)
  return Date.parse(iso.replace(/\.\d+Z$/, "Z")) * 1000 + Number(frac)
}
const stamp = (i: number) => {
  const ms = Math.floor(i / 3)
  const base = new Date(Date.UTC(2025, 0, 1) + ms).toISOString().slice(0, 23)
  return `${base}${String(i % 3).padStart(3, "0")}Z`
}
const entry = (i: number) => ({
  id: String(i),
  trialId: 1,
  timestamp: stamp(i),
  message: `[${stamp(i)}]          || ${i % 5 === 0 ? "WARNING" : "INFO"}: line ${i}\n`,
  level: i % 5 === 0 ? "LOG_LEVEL_WARNING" : "LOG_LEVEL_INFO",
  log: `line ${i}\n`,
  source: i % 2 === 0 ? "master" : "task",
  stdtype: "stdout",
  ...(i % 2 === 0 ? {} : { agentId: "agent-1", containerId: "c0ffee00-1234", rankId: i % 4 === 1 ? 0 : 1 })
})

const select = (query: URLSearchParams, n: number) => {
  let rows = Array.from({ length: n }, (_, k) => entry(k + 1))
  const after = query.get("timestampAfter")
  const before = query.get("timestampBefore")
  if (after !== null) rows = rows.filter((r) => micros(r.timestamp) > micros(after))
  if (before !== null) rows = rows.filter((r) => micros(r.timestamp) < micros(before))
  const levels = query.getAll("levels")
  if (levels.length > 0) rows = rows.filter((r) => levels.includes(r.level))
  const search = query.get("searchText")
  if (search !== null) rows = rows.filter((r) => r.log.includes(search))
  if (query.get("orderBy") === "ORDER_BY_DESC") rows.reverse()
  const limit = Number(query.get("limit") ?? "0")
  if (limit > 0 && query.get("follow") !== "true") rows = rows.slice(0, limit)
  return rows
}

const ndjson = (rows: ReadonlyArray<unknown>, cutAfter?: number) => {
  const lines = rows.map((r) => JSON.stringify({ result: r }) + "\n")
  const body = cutAfter === undefined || cutAfter >= lines.length
    ? lines.join("")
    : lines.slice(0, cutAfter).join("") + lines[cutAfter]!.slice(0, 25)
  return new Response(body, { status: 200, headers: { "content-type": "application/json" } })
}

const logServer = (n: number, cuts: ReadonlyArray<number> = [], state = "STATE_COMPLETED") => {
  let logRequests = 0
  return (r: Recorded) => {
    if (r.path === "/api/v1/auth/login") return loginOk()
    if (r.path === "/api/v1/trials/1") return json({ trial: { id: 1, state } })
    if (r.path === "/api/v1/trials/1/logs") return ndjson(select(r.query, n), cuts[logRequests++])
    return json({ error: { code: 5, reason: "NotFound", error: "not found" } }, 404)
  }
}

const run = runStreamAgainst

const ids = (xs: ReadonlyArray<Trial.TrialLog>) => xs.map((x) => x.id)
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k)

describe("Trial.logs", () => {
  it.effect("decodes every field of an entry", () =>
    Effect.gen(function*() {
      const { exit } = yield* run(logServer(3), Trial.logs(1))
      assert.isTrue(Exit.isSuccess(exit))
      const [first, second] = Exit.isSuccess(exit) ? exit.value : []
      assert.strictEqual(first?.id, 1)
      assert.strictEqual(first?.trialId, 1)
      assert.strictEqual(first?.timestamp?.toISOString(), "2025-01-01T00:00:00.000Z")
      assert.strictEqual(first?.level, "INFO")
      assert.strictEqual(first?.log, "line 1\n")
      assert.strictEqual(first?.agentId, "agent-1")
      assert.strictEqual(first?.containerId, "c0ffee00-1234")
      assert.strictEqual(first?.rankId, 0)
      assert.strictEqual(first?.source, "task")
      assert.strictEqual(first?.stdtype, "stdout")
      assert.strictEqual(second?.agentId, undefined)
      assert.strictEqual(second?.source, "master")
    }))

  it.effect("follow survives two dropped connections without duplicates or gaps", () =>
    Effect.gen(function*() {
      const { exit, requests } = yield* run(logServer(100, [30, 20]), Trial.logs(1, { follow: true }))
      assert.isTrue(Exit.isSuccess(exit))
      assert.deepStrictEqual(Exit.isSuccess(exit) ? ids(exit.value) : [], range(1, 100))
      const logRequests = requests.filter((r) => r.path.endsWith("/logs"))
      assert.strictEqual(logRequests.length, 3)
      assert.strictEqual(logRequests[0]?.query.get("follow"), "true")
      assert.strictEqual(logRequests[0]?.query.get("timestampAfter"), null)
      // resumed one millisecond before the last delivered entry (entry 30 is at 10 ms)
      assert.strictEqual(logRequests[1]?.query.get("timestampAfter"), "2025-01-01T00:00:00.009Z")
      // the end of a follow is confirmed by the trial's state
      assert.strictEqual(requests.at(-1)?.path, "/api/v1/trials/1")
    }))

  it.effect("a follow the server closes while the trial runs is re-opened, then ends when it stopped", () =>
    Effect.gen(function*() {
      let trialGets = 0
      const base = logServer(10)
      const { exit, requests } = yield* run((r) => {
        if (r.path === "/api/v1/trials/1") {
          return json({ trial: { id: 1, state: trialGets++ === 0 ? "STATE_RUNNING" : "STATE_CANCELED" } })
        }
        return base(r)
      }, Trial.logs(1, { follow: true }))
      assert.deepStrictEqual(Exit.isSuccess(exit) ? ids(exit.value) : [], range(1, 10))
      assert.strictEqual(requests.filter((r) => r.path.endsWith("/logs")).length, 2)
    }))

  it.effect("gives up after the retry policy when no reconnect makes progress", () =>
    Effect.gen(function*() {
      // every response is cut in the middle of its first line
      const { exit, requests } = yield* run(logServer(10, [0, 0, 0, 0, 0, 0, 0, 0]), Trial.logs(1, { follow: true }))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.strictEqual((exit.cause as any).error?._tag, "TransportError")
      assert.strictEqual(requests.filter((r) => r.path.endsWith("/logs")).length, 6)
    }))

  it.effect("head: the first n entries, also across a drop", () =>
    Effect.gen(function*() {
      const { exit, requests } = yield* run(logServer(50, [4]), Trial.logs(1, { head: 10 }))
      assert.deepStrictEqual(Exit.isSuccess(exit) ? ids(exit.value) : [], range(1, 10))
      assert.strictEqual(requests[0]?.query.get("limit"), "10")
      assert.strictEqual(requests[0]?.query.get("follow"), "false")
    }))

  it.effect("tail: the last n entries, oldest first", () =>
    Effect.gen(function*() {
      const { exit, requests } = yield* run(logServer(50), Trial.logs(1, { tail: 5 }))
      assert.deepStrictEqual(Exit.isSuccess(exit) ? ids(exit.value) : [], range(46, 50))
      assert.strictEqual(requests[0]?.query.get("orderBy"), "ORDER_BY_DESC")
      assert.strictEqual(requests[0]?.query.get("limit"), "5")
    }))

  it.effect("filters map to the master's query", () =>
    Effect.gen(function*() {
      const { exit, requests } = yield* run(
        logServer(50),
        Trial.logs(1, {
          minLevel: "WARNING",
          searchText: "line 2",
          containerIds: ["c1", "c2"],
          rankIds: [0],
          stdtypes: ["stdout"],
          sources: ["task"],
          agentIds: ["a"],
          timestampAfter: "2025-01-01T00:00:00Z",
          timestampBefore: new Date(Date.UTC(2025, 0, 2))
        })
      )
      assert.deepStrictEqual(Exit.isSuccess(exit) ? ids(exit.value) : [], [20, 25])
      const q = requests[0]!.query
      assert.deepStrictEqual(q.getAll("levels"), [
        "LOG_LEVEL_WARNING",
        "LOG_LEVEL_ERROR",
        "LOG_LEVEL_CRITICAL"
      ])
      assert.deepStrictEqual(q.getAll("containerIds"), ["c1", "c2"])
      assert.deepStrictEqual(q.getAll("rankIds"), ["0"])
      assert.deepStrictEqual(q.getAll("agentIds"), ["a"])
      assert.strictEqual(q.get("searchText"), "line 2")
      assert.strictEqual(q.get("timestampAfter"), "2025-01-01T00:00:00.000Z")
      assert.strictEqual(q.get("timestampBefore"), "2025-01-02T00:00:00.000Z")
    }))

  it.effect("invalid arguments fail before any request", () =>
    Effect.gen(function*() {
      for (
        const options of [
          { follow: true, head: 1 },
          { head: 1, tail: 1 },
          { head: -1 },
          { timestampAfter: "2025-01-01 10:00" }
        ]
      ) {
        const { exit, requests } = yield* run(logServer(5), Trial.logs(1, options))
        assert.isTrue(Exit.isFailure(exit))
        if (Exit.isFailure(exit)) assert.strictEqual((exit.cause as any).error?.reason, "ClientValidation")
        assert.strictEqual(requests.length, 0)
      }
    }))

  it.effect("an unknown trial is NotFound{trial}", () =>
    Effect.gen(function*() {
      const { exit } = yield* run(
        (r) =>
          r.path === "/api/v1/auth/login" ? loginOk() : json({
            error: { grpcCode: 5, httpCode: 404, message: "trial '1' not found", httpStatus: "Not Found" }
          }, 404),
        Trial.logs(1)
      )
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) {
        const error = (exit.cause as any).error
        assert.strictEqual(error?._tag, "NotFound")
        assert.strictEqual(error?.resource, "trial")
      }
    }))

  it.effect("interrupting the stream closes the response", () =>
    Effect.gen(function*() {
      let cancelled = false
      const encoder = new TextEncoder()
      const mock = yield* makeMockHttp((r) => {
        if (r.path === "/api/v1/auth/login") return loginOk()
        let i = 0
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            i++
            controller.enqueue(encoder.encode(JSON.stringify({ result: entry(i) }) + "\n"))
          },
          cancel() {
            cancelled = true
          }
        })
        return new Response(body, { status: 200 })
      })
      const fiber = yield* Trial.logs(1, { follow: true }).pipe(
        Stream.take(3),
        Stream.runCollect,
        Effect.provide(mock.layer()),
        Effect.fork
      )
      const got = yield* Fiber.join(fiber)
      assert.deepStrictEqual(ids(Chunk.toReadonlyArray(got)), [1, 2, 3])
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
      assert.isTrue(cancelled)
    }))
})

describe("Trial.logFields", () => {
  it.effect("reads the one message of the fields stream", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp((r) =>
        r.path === "/api/v1/auth/login" ? loginOk() : ndjson([{
          agentIds: ["a"],
          containerIds: ["c"],
          rankIds: [0, 1],
          stdtypes: ["stdout", "stderr"],
          sources: ["master", "task"]
        }])
      )
      const fields = yield* Trial.logFields(1).pipe(Effect.provide(mock.layer()))
      assert.deepStrictEqual(fields.rankIds, [0, 1])
      assert.deepStrictEqual(fields.sources, ["master", "task"])
      const requests = yield* mock.requests
      assert.strictEqual(requests.at(-1)?.path, "/api/v1/trials/1/logs/fields")
      assert.strictEqual(requests.at(-1)?.query.get("follow"), "false")
    }))
})
