import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { Checkpoint, Metrics } from "effect-determined"
import { json, loginOk, makeMockHttp, type Recorded, runStreamAgainst } from "../utils/mockHttp.js"

const report = (trialId: number, step: number, group = "training") => ({
  id: trialId * 1000 + step,
  trialId,
  trialRunId: 1,
  totalBatches: step * 100,
  endTime: "2025-01-01T00:00:01.123Z",
  metrics: group === "validation"
    ? { validation_metrics: { loss: 1 / step } }
    : { avg_metrics: { loss: 2 / step }, batch_metrics: step % 2 === 0 ? [{ loss: 1 }, { loss: 2 }] : null },
  group,
  archived: false
})

// The master's stream: per trial (ids ascending), lines of at most `perLine` reports; optionally cut.
const metricsServer = (reportsPerTrial: number, perLine: number, cuts: ReadonlyArray<number | undefined> = []) => {
  let n = 0
  return (r: Recorded) => {
    if (r.path === "/api/v1/auth/login") return loginOk()
    const ids = r.query.getAll("trialIds").map(Number).sort((a, b) => a - b)
    const group = r.query.get("group") ?? ""
    const lines: Array<string> = []
    for (const id of ids) {
      for (let i = 0; i < reportsPerTrial; i += perLine) {
        const batch = Array.from(
          { length: Math.min(perLine, reportsPerTrial - i) },
          (_, k) => report(id, i + k + 1, group)
        )
        lines.push(JSON.stringify({ result: { metrics: batch } }) + "\n")
      }
    }
    const cut = cuts[n++]
    const body = cut === undefined ? lines.join("") : lines.slice(0, cut).join("") + lines[cut]!.slice(0, 30)
    return new Response(body, { status: 200 })
  }
}

const run = runStreamAgainst

describe("Metrics.stream", () => {
  it.effect("flattens lines into reports, as upstream's TrialMetrics", () =>
    Effect.gen(function*() {
      const { exit, requests } = yield* run(metricsServer(5, 2), Metrics.stream([2, 1], { group: "training" }))
      const reports = Exit.isSuccess(exit) ? exit.value : []
      assert.strictEqual(reports.length, 10)
      assert.deepStrictEqual(reports.map((r) => r.trialId), [1, 1, 1, 1, 1, 2, 2, 2, 2, 2])
      const second = reports[1]!
      assert.strictEqual(second.stepsCompleted, 200)
      assert.strictEqual(second.trialRunId, 1)
      assert.strictEqual(second.group, "training")
      assert.deepStrictEqual(second.metrics, { loss: 1 })
      assert.deepStrictEqual(second.batchMetrics, [{ loss: 1 }, { loss: 2 }])
      assert.strictEqual(reports[0]!.batchMetrics, undefined)
      assert.strictEqual(second.endTime?.toISOString(), "2025-01-01T00:00:01.123Z")
      assert.strictEqual(requests.length, 1)
      assert.strictEqual(requests[0]!.path, "/api/v1/trials/metrics/trial_metrics")
      assert.deepStrictEqual(requests[0]!.query.getAll("trialIds"), ["1", "2"])
      assert.strictEqual(requests[0]!.query.get("group"), "training")
    }))

  it.effect("validation reports read validation_metrics", () =>
    Effect.gen(function*() {
      const { exit } = yield* run(metricsServer(2, 10), Metrics.stream([1], { group: "validation" }))
      const reports = Exit.isSuccess(exit) ? exit.value : []
      assert.deepStrictEqual(reports.map((r) => r.metrics), [{ loss: 1 }, { loss: 0.5 }])
    }))

  it.effect("a drop mid-stream resumes from the trial it was reading, without duplicates", () =>
    Effect.gen(function*() {
      // 3 trials x 10 reports, 4 per line: cut after 4 lines (in trial 2), then after 1 line
      const { exit, requests } = yield* run(
        metricsServer(10, 4, [4, 1]),
        Metrics.stream([1, 2, 3], { group: "training" })
      )
      const reports = Exit.isSuccess(exit) ? exit.value : []
      assert.deepStrictEqual(
        reports.map((r) => r.id),
        [1, 2, 3].flatMap((t) => Array.from({ length: 10 }, (_, k) => t * 1000 + k + 1))
      )
      assert.strictEqual(requests.length, 3)
      assert.deepStrictEqual(requests[1]!.query.getAll("trialIds"), ["2", "3"])
    }))

  it.effect("many trials are split into requests of 200 ids; no ids, no request", () =>
    Effect.gen(function*() {
      const ids = Array.from({ length: 450 }, (_, i) => i + 1)
      const { exit, requests } = yield* run(metricsServer(1, 1), Metrics.stream(ids, { group: "training" }))
      assert.strictEqual(Exit.isSuccess(exit) ? exit.value.length : 0, 450)
      assert.deepStrictEqual(requests.map((r) => r.query.getAll("trialIds").length), [200, 200, 50])
      const none = yield* run(metricsServer(1, 1), Metrics.stream([], { group: "training" }))
      assert.strictEqual(none.requests.length, 0)
    }))
})

describe("Metrics.stream: unknown trials", () => {
  const notFound = (message: string) => (r: Recorded) =>
    r.path === "/api/v1/auth/login"
      ? loginOk()
      : json({ error: { code: 5, reason: "Not Found", message } }, 404)

  it.effect("NotFound names the trial of the master's message when it is one of the request's", () =>
    Effect.gen(function*() {
      const { exit } = yield* run(notFound("trial '3' not found"), Metrics.stream([5, 3, 1], { group: "training" }))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      assert.deepInclude(error, { _tag: "NotFound", resource: "trial", id: "3" })
    }))

  it.effect("a message that names no requested trial: NotFound names all the request's ids", () =>
    Effect.gen(function*() {
      for (const message of ["trial not found, please check your permissions.", "trial '77' not found"]) {
        const { exit } = yield* run(notFound(message), Metrics.stream([5, 3, 1], { group: "training" }))
        const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
        assert.deepInclude(error, { _tag: "NotFound", resource: "trial", id: "1,3,5", message })
      }
    }))
})

describe("Checkpoint.metrics", () => {
  it.effect("one request with the inference source type and the group", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp((r) =>
        r.path === "/api/v1/auth/login" ? loginOk() : json({ metrics: [report(4, 1, "inference")] })
      )
      const reports = yield* Checkpoint.metrics("abc-123", { group: "inference" }).pipe(Effect.provide(mock.layer()))
      assert.strictEqual(reports.length, 1)
      assert.deepStrictEqual(reports[0]!.metrics, { loss: 2 })
      const request = (yield* mock.requests).at(-1)!
      assert.strictEqual(request.path, "/api/v1/checkpoints/abc-123/metrics")
      assert.strictEqual(request.query.get("trialSourceInfoType"), "TRIAL_SOURCE_INFO_TYPE_INFERENCE")
      assert.strictEqual(request.query.get("metricGroup"), "inference")
    }))
})
