/**
 * Bad input, table-driven: every row ends in a typed error (or is tolerated, for unknown enum values), never in a
 * defect, and leaves no partial state (nothing cached, nothing created, nothing written). docs/RELIABILITY.md
 * lists the rows.
 */
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Exit, Layer, Stream } from "effect"
import { Checkpoint, Experiment, Model, RetryPolicy, Trial, Workspace } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import * as FS from "node:fs"
import * as OS from "node:os"
import * as NodePath from "node:path"
import { json, loginOk, makeMockHttp, type Recorded } from "../utils/mockHttp.js"
import { tgz } from "../utils/tar.js"

// Self-contained bodies in the shape a real master sends (the project's tests must run without ../shared).
const experimentJson = (): Record<string, unknown> => ({
  id: 1,
  description: "",
  labels: [],
  startTime: "2022-08-22T17:15:15.517766Z",
  endTime: "2022-11-07T18:51:29.316499Z",
  state: "STATE_COMPLETED",
  archived: false,
  numTrials: 1,
  trialIds: [1],
  displayName: "",
  userId: 2,
  username: "determined",
  resourcePool: "default",
  searcherType: "single",
  name: "mnist",
  notes: "",
  jobId: "6fa9bdfc-bd21-4ef1-8769-bc58e0312be7",
  forkedFrom: null,
  progress: 1,
  projectId: 1,
  projectName: "Uncategorized",
  workspaceId: 1,
  workspaceName: "Uncategorized",
  parentArchived: false,
  config: { searcher: { name: "single", metric: "validation_loss" }, hyperparameters: {} },
  originalConfig: "",
  projectOwnerId: 1,
  checkpointSize: "0",
  checkpointCount: 0
})

const experimentBody = (patch: (e: Record<string, unknown>) => void = () => {}) => {
  const experiment = experimentJson()
  patch(experiment)
  return JSON.stringify({ experiment })
}

const logLine = JSON.stringify({
  result: {
    id: "138905",
    timestamp: "2023-07-06T23:56:35.680736Z",
    message: "[2023-07-06T23:56:35.680736Z]          || INFO: Scheduling Trial 308 (Experiment 313)\n",
    level: "LOG_LEVEL_INFO",
    trialId: 308,
    log: "Scheduling Trial 308 (Experiment 313)\n",
    source: "master",
    stdtype: "stdout"
  }
})

const UUID = "2db6eed3-c86e-4720-876d-eae2af9a1aca"

const MiB = 1024 * 1024

/** A 100 MB body produced lazily in fresh 1 MiB chunks; counts what was pulled and the peak RSS while reading. */
const hugeBody = (withLength: boolean) => {
  const total = 100 * MiB
  const seen = { pulled: 0, peakRss: process.memoryUsage().rss, baseRss: process.memoryUsage().rss }
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (seen.pulled >= total) return controller.close()
      const chunk = new Uint8Array(MiB).fill(0x20) // spaces: valid JSON padding, so only the size can fail it
      seen.pulled += chunk.length
      seen.peakRss = Math.max(seen.peakRss, process.memoryUsage().rss)
      controller.enqueue(chunk)
    }
  })
  const response = new Response(body, {
    headers: { "content-type": "application/json", ...(withLength ? { "content-length": String(total) } : {}) }
  })
  return { response, seen }
}

type Answer = (r: Recorded, n: number) => Response

/** The SDK against a mock master whose GET /api/v1/experiments/1, logs and checkpoint answers come from `answer`. */
const withMock = <A, E>(
  answer: Answer,
  body: (mock: { readonly requests: Effect.Effect<ReadonlyArray<Recorded>> }) => Effect.Effect<A, E, any>
) =>
  Effect.gen(function*() {
    const mock = yield* makeMockHttp((r, n) => (r.path === "/api/v1/auth/login" ? loginOk() : answer(r, n)))
    return yield* body(mock).pipe(
      Effect.provide(
        Layer.merge(
          mock.layer(),
          RetryPolicy.layer({ schedule: RetryPolicy.backoff({ times: 2, base: "1 millis", jitter: false }) })
        )
      )
    )
  })

const experiments = (requests: ReadonlyArray<Recorded>) => requests.filter((r) => r.path === "/api/v1/experiments/1")

const tagOf = <A, E>(exit: Exit.Exit<A, E>): string => {
  if (Exit.isSuccess(exit)) return "Success"
  assert.isFalse(Cause.isDie(exit.cause), `a defect instead of a typed error: ${Cause.pretty(exit.cause)}`)
  const failure = Cause.failureOption(exit.cause)
  assert.isTrue(failure._tag === "Some", Cause.pretty(exit.cause))
  return (failure as { value: { _tag: string } }).value._tag
}

interface Row {
  readonly input: string
  readonly expected: string
  readonly run: Effect.Effect<void, unknown, any>
}

/** Runs a call, checks its outcome's tag, then the row's own "no partial state" check. */
const expectTag = <A, E, R>(
  call: Effect.Effect<A, E, R>,
  expected: string,
  after: (exit: Exit.Exit<A, E>) => Effect.Effect<void, unknown, any> = () => Effect.void
) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(call)
    assert.strictEqual(tagOf(exit), expected, Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "")
    yield* after(exit)
  })

const errorOf = <A, E>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? (Cause.failureOption(exit.cause) as { value: any }).value : undefined

const tempDir = Effect.acquireRelease(
  Effect.sync(() => FS.mkdtempSync(NodePath.join(OS.tmpdir(), "det-bad-input-"))),
  (dir) => Effect.sync(() => FS.rmSync(dir, { recursive: true, force: true }))
)

/** Nothing cached after a failed get: the next get (answered well) asks the master again. */
const notCached = (requests: Effect.Effect<ReadonlyArray<Recorded>>, before: number) =>
  Effect.gen(function*() {
    const count = experiments(yield* requests).length
    assert.isAtLeast(count, before)
    const again = yield* Effect.exit(Experiment.get(1))
    assert.isTrue(Exit.isSuccess(again))
    assert.strictEqual(experiments(yield* requests).length, count + 1)
  })

const rows: ReadonlyArray<Row> = [
  {
    input: "malformed JSON (a 200 whose body stops mid-object)",
    expected: "DecodeError",
    run: withMock(
      (r, n) =>
        r.path === "/api/v1/experiments/1" && n <= 2 ?
          new Response(`{"experiment": {"id": 1, "state": `) :
          new Response(experimentBody()),
      (mock) => expectTag(Experiment.get(1), "DecodeError", () => notCached(mock.requests, 1))
    )
  },
  {
    input: "wrong field types (`id` a string, `labels` a number)",
    expected: "DecodeError",
    run: withMock(
      (_r, n) =>
        new Response(
          n <= 2 ?
            experimentBody((e) => {
              e.id = "one"
              e.labels = 7
            }) :
            experimentBody()
        ),
      (mock) =>
        expectTag(Experiment.get(1), "DecodeError", (exit) =>
          Effect.gen(function*() {
            assert.match(errorOf(exit).field, /^experiment\.(id|labels)$/)
            yield* notCached(mock.requests, 1)
          }))
    )
  },
  {
    input: "unknown enum values (`STATE_TELEPORTING`, `LOG_LEVEL_CHATTY`)",
    expected: "Success",
    run: withMock(
      (r) =>
        r.path.endsWith("/logs")
          ? new Response(
            JSON.stringify({
              result: {
                ...JSON.parse(logLine).result,
                level: "LOG_LEVEL_CHATTY"
              }
            }) + "\n"
          )
          : new Response(experimentBody((e) => {
            e.state = "STATE_TELEPORTING"
          })),
      () =>
        expectTag(
          Effect.zip(Experiment.get(1), Stream.runCollect(Trial.logs(308))),
          "Success",
          (exit) =>
            Effect.sync(() => {
              if (Exit.isFailure(exit)) return
              assert.strictEqual(exit.value[0].state, "TELEPORTING")
              assert.strictEqual(Chunk.unsafeHead(exit.value[1]).level, "CHATTY")
            })
        )
    )
  },
  {
    input: "an HTML 502 page from a proxy",
    expected: "ServerError",
    run: withMock(
      () =>
        new Response("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", {
          status: 502,
          headers: { "content-type": "text/html" }
        }),
      (mock) =>
        expectTag(Experiment.get(1), "ServerError", (exit) =>
          Effect.gen(function*() {
            const error = errorOf(exit)
            assert.strictEqual(error.status, 502)
            assert.include(error.message, "HTML page instead of JSON: 502 Bad Gateway")
            assert.strictEqual(experiments(yield* mock.requests).length, 3) // transient: retried twice
          }))
    )
  },
  {
    input: "an empty body (200, and 503)",
    expected: "DecodeError",
    run: withMock(
      (_r, n) => new Response(null, { status: n <= 2 ? 200 : n <= 5 ? 503 : 200 }),
      () =>
        Effect.zipRight(
          expectTag(Experiment.get(1), "DecodeError"),
          expectTag(Experiment.get(1), "ServerError", (exit) =>
            Effect.sync(() => {
              assert.strictEqual(errorOf(exit).status, 503)
              assert.include(errorOf(exit).message, "empty body")
            }))
        )
    )
  },
  {
    input: "a body of 100 MB (no Content-Length): read up to the 64 MiB cap only",
    expected: "DecodeError",
    run: Effect.suspend(() => {
      const huge = hugeBody(false)
      return withMock(
        () => huge.response,
        () =>
          expectTag(Experiment.get(1), "DecodeError", (exit) =>
            Effect.sync(() => {
              assert.include(errorOf(exit).message, "exceeds the limit of 67108864 bytes")
              assert.isBelow(huge.seen.pulled, 100 * MiB)
              assert.isBelow(huge.seen.peakRss - huge.seen.baseRss, 100 * MiB, "RSS grew by 100 MB")
            }))
      )
    })
  },
  {
    input: "a body of 100 MB announced by Content-Length: refused before reading",
    expected: "DecodeError",
    run: Effect.suspend(() => {
      const huge = hugeBody(true)
      return withMock(
        () => huge.response,
        () =>
          expectTag(Experiment.get(1), "DecodeError", () =>
            Effect.sync(() => {
              assert.isAtMost(huge.seen.pulled, 2 * MiB)
            }))
      )
    })
  },
  {
    input: "a truncated stream line (the body ends mid-line)",
    expected: "TransportError",
    run: withMock(
      () => new Response(logLine + "\n" + `{"result":{"id":"13`),
      () => {
        const delivered: Array<string> = []
        return expectTag(
          Trial.logs(308).pipe(
            Stream.runForEach((l) => Effect.sync(() => delivered.push(l.id.toString()))),
            Effect.provide(RetryPolicy.layerDisabled)
          ),
          "TransportError",
          (exit) =>
            Effect.sync(() => {
              assert.include(errorOf(exit).message, "ended in the middle of a line")
              assert.deepStrictEqual(delivered, ["138905"]) // the complete line before it was delivered
            })
        )
      }
    )
  },
  {
    input: "a stream line that is not JSON",
    expected: "DecodeError",
    run: withMock(
      () => new Response("<html>oops</html>\n"),
      () => expectTag(Stream.runCollect(Trial.logs(308)), "DecodeError")
    )
  },
  {
    input: "names needing URL encoding (`%`, spaces, unicode, `?#&=`) round-trip; `a/b` stays one segment",
    expected: "NotFound",
    run: Effect.gen(function*() {
      const master = yield* LocalMaster.LocalMaster
      for (const name of ["50%", "with spaces", "模型 ünï ✓", "q?x=1&y#z"]) {
        const created = yield* Model.create(name)
        assert.strictEqual((yield* Model.reload(name)).id, created.id)
      }
      const paths = (yield* master.requests).map((r) => r.path)
      assert.include(paths, "/api/v1/models/50%25")
      assert.include(paths, "/api/v1/models/with%20spaces")
      assert.include(paths, "/api/v1/models/q%3Fx%3D1%26y%23z")
      // a slash is encoded as %2F: one segment, so the master answers for a model named "a/b", not another route
      yield* expectTag(Model.get("a/b"), "NotFound", (exit) =>
        Effect.gen(function*() {
          assert.strictEqual(errorOf(exit).id, "a/b")
          assert.include((yield* master.requests).map((r) => r.path), "/api/v1/models/a%2Fb")
        }))
      yield* expectTag(Workspace.getByName("../../master"), "NotFound")
      assert.strictEqual((yield* Model.list()).length, 4)
    }).pipe(Effect.provide(LocalMaster.layer({ seed: 1 })))
  },
  {
    input: "invalid ids (-1, 0, 1.5, NaN, 2^53)",
    expected: "NotFound | InvalidRequest",
    run: Effect.gen(function*() {
      for (const id of [-1, 0, 1.5, Number.NaN, 2 ** 53]) {
        const exit = yield* Effect.exit(Experiment.get(id))
        assert.include(["NotFound", "InvalidRequest"], tagOf(exit), `Experiment.get(${id})`)
        const kill = yield* Effect.exit(Trial.kill(id))
        assert.include(["NotFound", "InvalidRequest"], tagOf(kill), `Trial.kill(${id})`)
      }
      assert.strictEqual((yield* Experiment.list()).length, 0)
    }).pipe(Effect.provide(LocalMaster.layer({ seed: 2 })))
  },
  {
    input: "an experiment config that is not valid YAML",
    expected: "InvalidExperimentConfig",
    run: Effect.gen(function*() {
      const master = yield* LocalMaster.LocalMaster
      yield* expectTag(Experiment.create({ config: "name: x\nsearcher: [unclosed\n" }), "InvalidExperimentConfig")
      yield* expectTag(Experiment.create({ config: "name: a: b\n" }), "InvalidExperimentConfig")
      assert.isFalse((yield* master.requests).some((r) => r.method === "POST" && r.path === "/api/v1/experiments"))
      assert.strictEqual((yield* Experiment.list()).length, 0)
    }).pipe(Effect.provide(LocalMaster.layer({ seed: 3 })))
  },
  {
    input: "a model directory over the cap",
    expected: "ModelDirTooLarge",
    run: Effect.gen(function*() {
      const master = yield* LocalMaster.LocalMaster
      const dir = yield* tempDir
      FS.writeFileSync(NodePath.join(dir, "train.py"), "x = 1\n")
      FS.writeFileSync(NodePath.join(dir, "weights.bin"), new Uint8Array(4096))
      yield* expectTag(
        Experiment.create({ config: { name: "big" }, modelDir: dir, maxModelDirBytes: 1024 }),
        "ModelDirTooLarge"
      )
      assert.isFalse((yield* master.requests).some((r) => r.method === "POST" && r.path === "/api/v1/experiments"))
      assert.strictEqual((yield* Experiment.list()).length, 0)
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer), Effect.provide(LocalMaster.layer({ seed: 4 })))
  },
  {
    input: "a checkpoint archive with path traversal (`../../escaped.txt`)",
    expected: "UnsafeArchiveEntry",
    run: Effect.gen(function*() {
      const dir = yield* tempDir
      const target = NodePath.join(dir, "deep", "ckpt")
      const checkpoint = {
        uuid: UUID,
        taskId: "task-1",
        allocationId: "task-1.1",
        reportTime: "2025-03-01T10:00:00Z",
        resources: { "ok.txt": "2" },
        metadata: {},
        state: "STATE_COMPLETED",
        training: { trialId: 1, experimentId: 1, experimentConfig: {}, hparams: {} },
        storageId: 1
      }
      yield* withMock(
        (r) =>
          r.path === `/checkpoints/${UUID}`
            ? new Response(
              Buffer.from(tgz([{ path: "ok.txt", content: "ok" }, { path: "../../escaped.txt", content: "pwned" }])),
              { headers: { "content-type": "application/gzip" } }
            )
            : json({ checkpoint }),
        () => expectTag(Checkpoint.download(UUID, target), "UnsafeArchiveEntry")
      )
      assert.isFalse(FS.existsSync(target))
      assert.isFalse(FS.existsSync(NodePath.join(dir, "escaped.txt")))
      assert.isFalse(FS.existsSync(NodePath.join(dir, "deep", "escaped.txt")))
    }).pipe(Effect.scoped)
  }
]

describe("bad input: a typed error, no crash, no partial state", () => {
  for (const row of rows) {
    // live clock: the retries of these rows wait 1 ms; nothing here asserts on time
    it.live(`${row.input} → ${row.expected}`, () => row.run as Effect.Effect<void, unknown, never>, 60_000)
  }
})
