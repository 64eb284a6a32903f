/**
 * LocalMaster behaviour under TestClock: state machines, searchers, pause/activate/kill, failures and restarts,
 * delete, move, labels, pagination edge cases, log filters and follow, metric streams, a full search.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Schedule, TestClock } from "effect"
import { LocalMaster } from "effect-determined/testing"
import { makeCurve } from "../../src/testing/internal/drivers/curves.js"
import type { Master } from "./helpers.js"
import { call, config, gridConfig, lines, singleConfig, withClock } from "./helpers.js"

const setup = (options: LocalMaster.Options = {}) =>
  Effect.gen(function*() {
    const master = yield* LocalMaster.make({ seed: 11, ...options })
    const token = yield* master.token("determined")
    const get = (path: string) =>
      call(master, "GET", path, { token }).pipe(
        Effect.map((r) => {
          assert.strictEqual(r.status, 200, `GET ${path}: ${r.text}`)
          return r.json
        })
      )
    const post = (path: string, body?: unknown) =>
      call(master, "POST", path, { token, body }).pipe(
        Effect.map((r) => {
          assert.strictEqual(r.status, 200, `POST ${path}: ${r.text}`)
          return r.json
        })
      )
    const create = (cfg: string, activate = true, extra: Record<string, unknown> = {}) =>
      post("/api/v1/experiments", { config: cfg, activate, ...extra }).pipe(Effect.map((r) => r.experiment))
    const experiment = (id: number) => get(`/api/v1/experiments/${id}`).pipe(Effect.map((r) => r.experiment))
    const trials = (id: number) =>
      get(`/api/v1/experiments/${id}/trials?limit=-1`).pipe(Effect.map((r) => r.trials as Array<any>))
    const trial = (id: number) => get(`/api/v1/trials/${id}`).pipe(Effect.map((r) => r.trial))
    return { master, token, get, post, create, experiment, trials, trial }
  })

const stream = (master: Master, token: string, path: string) =>
  call(master, "GET", path, { token }).pipe(
    Effect.map((r) => ({ status: r.status, text: r.text, lines: lines(r.text) }))
  )

describe("LocalMaster simulation", () => {
  it.scoped("a single-trial experiment walks QUEUED → PULLING → STARTING → RUNNING → COMPLETED", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const exp = yield* t.create(singleConfig(300, "min_validation_period: {batches: 100}"))
      assert.strictEqual(exp.state, "STATE_QUEUED")
      assert.strictEqual(exp.progress, 0)
      const [first] = yield* t.trials(exp.id)
      assert.strictEqual(first.state, "STATE_QUEUED")
      assert.strictEqual(first.endTime, null)
      const states: Array<string> = []
      for (const step of [450, 200, 400, 1000]) {
        yield* TestClock.adjust(step)
        states.push((yield* t.trial(first.id)).state)
      }
      assert.deepStrictEqual(states, ["STATE_PULLING", "STATE_STARTING", "STATE_RUNNING", "STATE_RUNNING"])
      const mid = yield* t.trial(first.id)
      assert.strictEqual(mid.totalBatchesProcessed, 100)
      assert.strictEqual(mid.runnerState, "checkpointing") // validated at 100, then checkpointed (policy best)
      assert.strictEqual((yield* t.experiment(exp.id)).state, "STATE_RUNNING")
      yield* TestClock.adjust("5 seconds")
      const done = yield* t.trial(first.id)
      assert.strictEqual(done.state, "STATE_COMPLETED")
      assert.notStrictEqual(done.endTime, null)
      assert.strictEqual(done.totalBatchesProcessed, 300)
      assert.strictEqual(done.searcherMetricValue, 0)
      assert.deepStrictEqual(Object.keys(done.summaryMetrics).sort(), ["avg_metrics", "validation_metrics"])
      const loss = done.summaryMetrics.avg_metrics.loss
      assert.strictEqual(loss.count, 3)
      assert.strictEqual(loss.type, "number")
      assert.deepStrictEqual(Object.keys(loss).sort(), ["count", "last", "max", "mean", "min", "sum", "type"])
      assert.strictEqual(done.latestValidation.totalBatches, 300)
      assert.deepStrictEqual(done.latestValidation.metrics.batchMetrics, [])
      assert.strictEqual(done.latestValidation.numInputs, 0)
      assert.isAtMost(
        done.bestValidation.metrics.avgMetrics.validation_loss,
        done.latestValidation.metrics.avgMetrics.validation_loss
      )
      assert.strictEqual(done.bestCheckpoint.totalBatches, done.bestValidation.totalBatches)
      assert.strictEqual(done.bestCheckpoint.metadata, null)
      const e = yield* t.experiment(exp.id)
      assert.strictEqual(e.state, "STATE_COMPLETED")
      assert.strictEqual(e.progress, 1)
      assert.notStrictEqual(e.endTime, null)
      const ckpts = (yield* t.get(`/api/v1/trials/${first.id}/checkpoints`)).checkpoints
      const final = ckpts.find((c: any) => c.metadata.steps_completed === 300)
      assert.isDefined(final)
      assert.match(final.resources["state_dict.pth"], /^\d+$/)
      assert.strictEqual(final.training.validationMetrics.avgMetrics.batches, 300)
    }))

  it.scoped("create with activate:false is PAUSED with PAUSED trials; activate starts it", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const exp = yield* t.create(singleConfig(200), false)
      assert.strictEqual(exp.state, "STATE_PAUSED")
      const [tr] = yield* t.trials(exp.id)
      assert.strictEqual(tr.state, "STATE_PAUSED")
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual((yield* t.trial(tr.id)).totalBatchesProcessed, 0)
      yield* t.post(`/api/v1/experiments/${exp.id}/activate`)
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual((yield* t.experiment(exp.id)).state, "STATE_COMPLETED")
    }))

  it.scoped("pause holds progress, activate resumes from the checkpoint with a new allocation", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const exp = yield* t.create(singleConfig(1000))
      const [tr] = yield* t.trials(exp.id)
      yield* TestClock.adjust("4500 millis") // 1 s scheduling + 3.5 s = 350 batches → last report at 300
      yield* t.post(`/api/v1/experiments/${exp.id}/pause`)
      const paused = yield* t.trial(tr.id)
      assert.strictEqual(paused.state, "STATE_PAUSED")
      assert.strictEqual((yield* t.experiment(exp.id)).state, "STATE_PAUSED")
      const held = paused.totalBatchesProcessed
      assert.strictEqual(held, 300)
      yield* TestClock.adjust("20 seconds")
      assert.strictEqual((yield* t.trial(tr.id)).totalBatchesProcessed, held)
      yield* t.post(`/api/v1/experiments/${exp.id}/pause`) // idempotent
      yield* t.post(`/api/v1/experiments/${exp.id}/activate`)
      assert.strictEqual((yield* t.trial(tr.id)).state, "STATE_QUEUED")
      yield* TestClock.adjust("2 seconds")
      const resumed = yield* t.trial(tr.id)
      assert.strictEqual(resumed.state, "STATE_RUNNING")
      assert.isAbove(resumed.totalBatchesProcessed, held)
      yield* TestClock.adjust("20 seconds")
      assert.strictEqual((yield* t.trial(tr.id)).state, "STATE_COMPLETED")
      const reports = (yield* stream(t.master, t.token, `/api/v1/trials/metrics/training_metrics?trialIds=${tr.id}`))
        .lines.flatMap((l) => l.result.metrics)
      assert.deepStrictEqual(reports.map((r: any) => r.totalBatches), [
        100,
        200,
        300,
        400,
        500,
        600,
        700,
        800,
        900,
        1000
      ])
      assert.deepStrictEqual([...new Set(reports.map((r: any) => r.trialRunId))], [1, 2])
      const logs =
        (yield* stream(t.master, t.token, `/api/v1/trials/${tr.id}/logs?searchText=user%20requested%20pause`))
          .lines
      assert.strictEqual(logs.length, 1)
    }))

  it.scoped("kill shows STOPPING_KILLED, then CANCELED; cancel is a no-op afterwards", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const exp = yield* t.create(singleConfig(5000))
      yield* TestClock.adjust("3 seconds")
      yield* t.post(`/api/v1/experiments/${exp.id}/kill`)
      assert.strictEqual((yield* t.experiment(exp.id)).state, "STATE_STOPPING_KILLED")
      const [tr] = yield* t.trials(exp.id)
      assert.strictEqual(tr.state, "STATE_STOPPING_KILLED")
      yield* TestClock.adjust("1 second")
      const e = yield* t.experiment(exp.id)
      assert.strictEqual(e.state, "STATE_CANCELED")
      assert.notStrictEqual(e.endTime, null)
      assert.strictEqual((yield* t.trial(tr.id)).state, "STATE_CANCELED")
      yield* t.post(`/api/v1/experiments/${exp.id}/cancel`)
      yield* t.post(`/api/v1/experiments/${exp.id}/kill`)
      const r = yield* call(t.master, "POST", `/api/v1/experiments/${exp.id}/activate`, { token: t.token })
      assert.strictEqual(r.status, 404)
    }))

  it.scoped("cancel checkpoints running trials and ends CANCELED", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const exp = yield* t.create(singleConfig(5000))
      yield* TestClock.adjust("2500 millis")
      yield* t.post(`/api/v1/experiments/${exp.id}/cancel`)
      assert.strictEqual((yield* t.experiment(exp.id)).state, "STATE_STOPPING_CANCELED")
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* t.experiment(exp.id)).state, "STATE_CANCELED")
      const ck = (yield* t.get(`/api/v1/experiments/${exp.id}/checkpoints`)).checkpoints
      assert.strictEqual(ck.length, 1)
    }))

  it.scoped("killing one trial of a search lets the search go on", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const exp = yield* t.create(gridConfig)
      const trials = yield* t.trials(exp.id)
      yield* TestClock.adjust("1500 millis")
      yield* t.post(`/api/v1/trials/${trials[0].id}/kill`)
      yield* TestClock.adjust("30 seconds")
      const after = yield* t.trials(exp.id)
      assert.deepStrictEqual(after.map((x) => x.state).sort(), [
        "STATE_CANCELED",
        "STATE_COMPLETED",
        "STATE_COMPLETED",
        "STATE_COMPLETED"
      ])
      assert.strictEqual((yield* t.experiment(exp.id)).state, "STATE_COMPLETED")
    }))

  it.scoped("an injected failure restarts the trial from its checkpoint; max_restarts exceeded → ERROR", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const exp = yield* t.create(
        singleConfig(1000, "max_restarts: 1\nmin_checkpoint_period: {batches: 200}")
      )
      const [tr] = yield* t.trials(exp.id)
      yield* TestClock.adjust("4500 millis") // 350 batches: reports at 100..300, checkpoint at 200
      assert.isTrue(yield* t.master.failTrial(tr.id))
      const restarted = yield* t.trial(tr.id)
      assert.strictEqual(restarted.restarts, 1)
      assert.strictEqual(restarted.state, "STATE_QUEUED")
      assert.strictEqual(restarted.totalBatchesProcessed, 200) // reports past the checkpoint are archived
      yield* TestClock.adjust("2500 millis")
      assert.isTrue(yield* t.master.failTrial(tr.id))
      const failed = yield* t.trial(tr.id)
      assert.strictEqual(failed.state, "STATE_ERROR")
      assert.strictEqual(failed.restarts, 1) // 2 failures, shown capped at max_restarts
      assert.strictEqual((yield* t.experiment(exp.id)).state, "STATE_ERROR")
      assert.isFalse(yield* t.master.failTrial(tr.id))
      const errors = (yield* stream(t.master, t.token, `/api/v1/trials/${tr.id}/logs?levels=LOG_LEVEL_ERROR`)).lines
      assert.strictEqual(errors.length, 4)
    }))

  it.scoped("grid: one trial per grid point, taken from the end of the product", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const exp = yield* t.create(gridConfig)
      const trials = yield* t.trials(exp.id)
      assert.strictEqual(trials.length, 4)
      // axes sorted by name: global_batch_size, layers, lr (last varies fastest); the first trial is the last point
      assert.deepStrictEqual(trials.map((x) => [x.hparams.layers, x.hparams.lr]), [
        [2, 0.01],
        [2, 0.0001],
        [1, 0.01],
        [1, 0.0001]
      ])
      assert.strictEqual((yield* t.experiment(exp.id)).config.searcher.max_concurrent_trials, 16)
    }))

  it.scoped("random: max_trials with max_concurrent_trials; single: one trial", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const exp = yield* t.create(
        config(
          "searcher: {name: random, metric: validation_loss, max_trials: 5, max_concurrent_trials: 2, max_length: 200}\n" +
            "hyperparameters: {lr: {type: log, minval: -4, maxval: -1, base: 10}, units: {type: int, minval: 8, maxval: 64}, " +
            "drop: {type: double, minval: 0.1, maxval: 0.5}, act: {type: categorical, vals: [relu, tanh]}}"
        )
      )
      assert.strictEqual(exp.numTrials, 2)
      yield* TestClock.adjust("60 seconds")
      const trials = yield* t.trials(exp.id)
      assert.strictEqual(trials.length, 5)
      for (const tr of trials) {
        assert.strictEqual(tr.state, "STATE_COMPLETED")
        assert.isTrue(tr.hparams.lr >= 1e-4 && tr.hparams.lr < 0.1)
        assert.isTrue(Number.isInteger(tr.hparams.units) && tr.hparams.units >= 8 && tr.hparams.units <= 64)
        assert.isTrue(["relu", "tanh"].includes(tr.hparams.act))
      }
      assert.strictEqual((yield* t.experiment(exp.id)).state, "STATE_COMPLETED")
      const single = yield* t.create(singleConfig(100))
      assert.strictEqual(single.numTrials, 1)
      assert.strictEqual(single.searcherType, "single")
    }))

  it.scoped("the same seed and requests give the same world", () =>
    Effect.gen(function*() {
      const cfg = config(
        "searcher: {name: random, metric: validation_loss, max_trials: 3, max_length: 100}\n" +
          "hyperparameters: {lr: {type: log, minval: -4, maxval: -1, base: 10}}"
      )
      const a = yield* setup({ seed: 5 })
      const b = yield* setup({ seed: 5 })
      const ea = yield* a.create(cfg)
      const eb = yield* b.create(cfg)
      yield* TestClock.adjust("10 seconds")
      const ta = yield* a.trials(ea.id)
      const tb = yield* b.trials(eb.id)
      assert.deepStrictEqual(ta.map((x) => x.hparams), tb.map((x) => x.hparams))
      assert.deepStrictEqual(ta.map((x) => x.bestValidation), tb.map((x) => x.bestValidation))
    }))

  it.scoped("adaptive_asha: brackets, early stops and a completed search; max_time is required", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const bad = yield* call(t.master, "POST", "/api/v1/experiments", {
        token: t.token,
        body: { config: config("searcher: {name: adaptive_asha, metric: validation_loss, max_trials: 4}") }
      })
      assert.strictEqual(bad.status, 500)
      assert.match(bad.json.error.error, /requires max_time and time_metric/)
      const exp = yield* t.create(
        config(
          "searcher: {name: adaptive_asha, metric: validation_loss, max_trials: 16, max_time: 1000, time_metric: batches}\n" +
            "hyperparameters: {lr: {type: log, minval: -4, maxval: -0.5, base: 10}}"
        )
      )
      assert.strictEqual(exp.numTrials, 12)
      yield* TestClock.adjust("10 minutes")
      const e = yield* t.experiment(exp.id)
      assert.strictEqual(e.state, "STATE_COMPLETED")
      const trials = yield* t.trials(exp.id)
      assert.strictEqual(trials.length, 16)
      assert.isTrue(trials.every((x) => x.state === "STATE_COMPLETED"))
      const stoppedEarly = trials.filter((x) => x.totalBatchesProcessed < 1000)
      assert.isAbove(stoppedEarly.length, 0)
      const full = trials.filter((x) => x.totalBatchesProcessed === 1000)
      assert.isAbove(full.length, 0)
    }))

  it.scoped("delete: DELETING, then gone; refused while running", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const exp = yield* t.create(singleConfig(100))
      const early = yield* call(t.master, "DELETE", `/api/v1/experiments/${exp.id}`, { token: t.token })
      assert.strictEqual(early.status, 400)
      assert.match(early.json.error.error, /^cannot delete experiment in STATE_\w+ state$/)
      yield* TestClock.adjust("5 seconds")
      const del = yield* call(t.master, "DELETE", `/api/v1/experiments/${exp.id}`, { token: t.token })
      assert.strictEqual(del.status, 200)
      assert.strictEqual((yield* t.experiment(exp.id)).state, "STATE_DELETING")
      yield* TestClock.adjust("2 seconds")
      const gone = yield* call(t.master, "GET", `/api/v1/experiments/${exp.id}`, { token: t.token })
      assert.strictEqual(gone.status, 404)
      assert.strictEqual(gone.json.error.error, `experiment '${exp.id}' not found`)
    }))

  it.scoped("move and labels", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const ws = (yield* t.post("/api/v1/workspaces", { name: "w" })).workspace
      const p = (yield* t.post(`/api/v1/workspaces/${ws.id}/projects`, { name: "p" })).project
      const a = yield* t.create(singleConfig(100))
      const b = yield* t.create(singleConfig(100))
      yield* t.post(`/api/v1/experiments/${a.id}/move`, { destinationProjectId: p.id })
      const inP = (yield* t.get(`/api/v1/experiments?projectId=${p.id}`)).experiments
      assert.deepStrictEqual(inP.map((e: any) => e.id), [a.id])
      assert.strictEqual(inP[0].workspaceId, ws.id)
      for (const [id, label] of [[a.id, "x"], [b.id, "x"], [b.id, "y"]] as const) {
        yield* call(t.master, "PUT", `/api/v1/experiments/${id}/labels/${label}`, { token: t.token })
      }
      assert.deepStrictEqual((yield* t.get("/api/v1/experiment/labels")).labels, ["x", "y"])
      assert.deepStrictEqual(
        (yield* t.get("/api/v1/experiments?labels=x&labels=y")).experiments.map((e: any) => e.id),
        [
          b.id
        ]
      )
      const r = yield* call(t.master, "DELETE", `/api/v1/experiments/${b.id}/labels/x`, { token: t.token })
      assert.deepStrictEqual(r.json.labels, ["y"])
      assert.deepStrictEqual((yield* t.get("/api/v1/experiment/labels")).labels, ["x", "y"].sort())
    }))

  it.scoped("page_info pagination: limit 0 → 100, -1 all, -2 none, negative offset, offset past the end", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      yield* t.master.seedExperiments(150, { withTrials: false })
      const page = (q: string) => t.get(`/api/v1/experiments?${q}`)
      const p0 = yield* page("limit=0")
      assert.strictEqual(p0.experiments.length, 100)
      assert.deepStrictEqual(p0.pagination, { offset: 0, limit: 0, startIndex: 0, endIndex: 100, total: 150 })
      assert.strictEqual((yield* page("limit=-1")).experiments.length, 150)
      const none = yield* page("limit=-2")
      assert.strictEqual(none.experiments.length, 0)
      assert.strictEqual(none.pagination.total, 150)
      const tail = yield* page("offset=-10&limit=5")
      assert.deepStrictEqual(tail.experiments.map((e: any) => e.id), [141, 142, 143, 144, 145])
      assert.deepStrictEqual(tail.pagination, { offset: -10, limit: 5, startIndex: 140, endIndex: 145, total: 150 })
      const past = yield* page("offset=500&limit=5")
      assert.deepStrictEqual(past.pagination, { offset: 500, limit: 5, startIndex: 150, endIndex: 150, total: 150 })
      assert.strictEqual(past.experiments.length, 0)
      const desc = yield* page("orderBy=ORDER_BY_DESC&limit=2")
      assert.deepStrictEqual(desc.experiments.map((e: any) => e.id), [150, 149])
    }))

  it.scoped("in_memory pagination: limit 0 → all, out-of-bounds offset → 400, negative limit → 500", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const u0 = yield* t.get("/api/v1/users?limit=0")
      assert.deepStrictEqual(u0.pagination, { offset: 0, limit: 0, startIndex: 0, endIndex: 2, total: 2 })
      const neg = yield* t.get("/api/v1/users?offset=-1")
      assert.deepStrictEqual(neg.users.map((u: any) => u.username), ["determined"])
      const end = yield* t.get("/api/v1/users?offset=2")
      assert.strictEqual(end.users.length, 0)
      for (const q of ["offset=3", "offset=-3"]) {
        const r = yield* call(t.master, "GET", `/api/v1/users?${q}`, { token: t.token })
        assert.strictEqual(r.status, 400)
        assert.deepStrictEqual(r.json, { error: { code: 3, reason: "InvalidArgument", error: "offset out of bounds" } })
      }
      const r = yield* call(t.master, "GET", "/api/v1/users?limit=-1&offset=1", { token: t.token })
      assert.strictEqual(r.status, 500)
    }))

  it.scoped("log filters, limit and order", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const exp = yield* t.create(singleConfig(300))
      yield* TestClock.adjust("10 seconds")
      const [tr] = yield* t.trials(exp.id)
      const logs = (q: string) =>
        stream(t.master, t.token, `/api/v1/trials/${tr.id}/logs${q === "" ? "" : `?${q}`}`).pipe(
          Effect.map((s) => s.lines.map((l) => l.result))
        )
      const all = yield* logs("")
      const ids = all.map((l) => Number(l.id))
      assert.deepStrictEqual(ids, [...ids].sort((a, b) => a - b))
      assert.isTrue(all.every((l) => l.trialId === tr.id))
      const master = yield* logs("sources=master")
      assert.isTrue(master.length > 0 && master.every((l) => l.source === "master" && l.agentId === undefined))
      assert.match(master[0].message, /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\] {10}\|\| INFO: Scheduling Trial/)
      const stderr = yield* logs("stdtypes=stderr")
      assert.isTrue(stderr.length === 2 && stderr.every((l) => l.level === "LOG_LEVEL_UNSPECIFIED"))
      const rank0 = yield* logs("rankIds=0")
      assert.isTrue(rank0.length > 0 && rank0.every((l) => l.rankId === 0 && l.message.includes("[rank=0] ||")))
      const rankNull = yield* logs("rankIds=-1")
      assert.strictEqual(rankNull.length, all.length - rank0.length)
      assert.strictEqual((yield* logs("levels=LOG_LEVEL_WARNING")).length, 0)
      const reports = yield* logs("searchText=report_training_metrics")
      assert.strictEqual(reports.length, 3)
      const container = yield* logs(`containerIds=${all.find((l) => l.containerId)!.containerId}`)
      assert.isTrue(container.length > 0 && container.every((l) => l.containerId !== undefined))
      const agent = yield* logs("agentIds=localmaster-agent-0")
      assert.strictEqual(agent.length, container.length)
      const head = yield* logs("limit=3")
      assert.deepStrictEqual(head.map((l) => l.id), all.slice(0, 3).map((l) => l.id))
      const tail = yield* logs("limit=3&orderBy=ORDER_BY_DESC")
      assert.deepStrictEqual(tail.map((l) => l.id), all.slice(-3).reverse().map((l) => l.id))
      const cut = all[5].timestamp
      const before = yield* logs(`timestampBefore=${encodeURIComponent(cut)}`)
      assert.isTrue(before.every((l) => l.timestamp <= cut))
      const after = yield* logs(`timestampAfter=${encodeURIComponent(cut)}`)
      assert.isTrue(after.every((l) => l.timestamp > cut.slice(0, 23)))
      assert.strictEqual(before.length + after.length, all.length)
      const fields = (yield* stream(t.master, t.token, `/api/v1/trials/${tr.id}/logs/fields`)).lines
      assert.strictEqual(fields.length, 1)
      assert.deepStrictEqual(fields[0].result.sources, ["agent", "master", "task"])
      assert.deepStrictEqual(fields[0].result.rankIds, [0])
      const empty = yield* stream(t.master, t.token, `/api/v1/trials/${tr.id}/logs?levels=LOG_LEVEL_CRITICAL`)
      assert.strictEqual(empty.status, 200)
      assert.strictEqual(empty.text, "")
    }))

  it.scoped("follow streams new lines and closes 5 s after the trial ends", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const exp = yield* t.create(singleConfig(300))
      const [tr] = yield* t.trials(exp.id)
      const fiber = yield* Effect.fork(stream(t.master, t.token, `/api/v1/trials/${tr.id}/logs?follow=true`))
      let waited = 0
      for (; waited < 60; waited++) {
        yield* TestClock.adjust("1 second")
        yield* Effect.yieldNow()
        if ((yield* Fiber.poll(fiber))._tag === "Some") break
      }
      const result = yield* Fiber.join(fiber)
      const trial = yield* t.trial(tr.id)
      assert.strictEqual(trial.state, "STATE_COMPLETED")
      // the trial ends ~4 s after creation; the stream closes once its end is more than 5 s old
      assert.isAtLeast(waited, 9)
      assert.isAtMost(waited, 12)
      const texts = result.lines.map((l) => l.result.log as string)
      assert.match(texts[0]!, /^Scheduling Trial/)
      assert.match(texts[texts.length - 1]!, /was terminated/)
      const all = (yield* stream(t.master, t.token, `/api/v1/trials/${tr.id}/logs`)).lines
      assert.strictEqual(result.lines.length, all.length)
    }))

  it.scoped("metric streams: per trial ascending, ≤ 1000 reports per line, groups, errors", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const exp = yield* t.create(gridConfig)
      yield* TestClock.adjust("30 seconds")
      const trials = yield* t.trials(exp.id)
      yield* t.master.seedMetrics(trials[1].id, 2500, "training")
      const ids = trials.map((x) => x.id).reverse()
      const s = yield* stream(
        t.master,
        t.token,
        `/api/v1/trials/metrics/training_metrics?${ids.map((i) => `trialIds=${i}`).join("&")}`
      )
      const perLine = s.lines.map((l) => [l.result.metrics[0].trialId, l.result.metrics.length])
      assert.deepStrictEqual(perLine, [
        [trials[0].id, 3],
        [trials[1].id, 1000],
        [trials[1].id, 1000],
        [trials[1].id, 503],
        [trials[2].id, 3],
        [trials[3].id, 3]
      ])
      const second = s.lines.slice(1, 4).flatMap((l) => l.result.metrics.map((m: any) => m.totalBatches))
      assert.deepStrictEqual(second, [...second].sort((a, b) => a - b))
      const val = yield* stream(t.master, t.token, `/api/v1/trials/metrics/validation_metrics?trialIds=${trials[0].id}`)
      const vm = val.lines[0].result.metrics
      assert.deepStrictEqual(vm.map((m: any) => m.totalBatches), [100, 200, 300])
      assert.deepStrictEqual(Object.keys(vm[0].metrics), ["validation_metrics"])
      assert.strictEqual(vm[0].group, "validation")
      assert.match(vm[0].endTime, /\.\d{3}Z$/)
      const custom = yield* stream(t.master, t.token, `/api/v1/trials/metrics/trial_metrics?trialIds=${trials[0].id}`)
      assert.strictEqual(custom.text, "")
      const missing = yield* call(t.master, "GET", "/api/v1/trials/metrics/training_metrics?trialIds=999", {
        token: t.token
      })
      assert.strictEqual(missing.status, 404)
      assert.deepStrictEqual(missing.json, {
        error: { grpcCode: 5, httpCode: 404, message: "trial '999' not found", httpStatus: "Not Found", details: [] }
      })
    }))

  it.scoped("a full random search runs in virtual time and finds the good learning rate", () =>
    Effect.gen(function*() {
      const t = yield* setup({ speed: 50 })
      const exp = yield* t.create(
        config(
          "searcher: {name: random, metric: validation_loss, max_trials: 8, max_concurrent_trials: 3, max_length: 1000}\n" +
            "min_validation_period: {batches: 200}\n" +
            "hyperparameters: {lr: {type: log, minval: -5, maxval: 0, base: 10}}"
        )
      )
      yield* withClock(
        Effect.repeat(t.experiment(exp.id), {
          schedule: Schedule.spaced("5 seconds"),
          until: (e) => e.state === "STATE_COMPLETED"
        }),
        "5 seconds"
      )
      const final = yield* t.experiment(exp.id)
      assert.strictEqual(final.numTrials, 8)
      assert.strictEqual(final.progress, 1)
      const trials = yield* t.get(
        `/api/v1/experiments/${exp.id}/trials?limit=-1&sortBy=SORT_BY_BEST_VALIDATION_METRIC&orderBy=ORDER_BY_ASC`
      )
      const ranked = trials.trials.map((x: any) => [x.hparams.lr, x.bestValidation.metrics.avgMetrics.validation_loss])
      const best = ranked[0] as [number, number]
      // the best trial's lr is the sampled one closest (in decades) to the optimum 0.003
      const distance = (lr: number) => Math.abs(Math.log10(lr / 0.003))
      assert.isTrue(ranked.every(([lr]: [number]) => distance(best[0]) <= distance(lr) + 0.5))
      const metric = (yield* t.get(`/api/v1/experiments/${exp.id}/searcher/best_searcher_validation_metric`)).metric
      assert.strictEqual(metric, best[1])
    }))

  it("curves: a good lr converges, a small one learns slowly, a large one plateaus and gets worse", () => {
    const val = (lr: number, b: number) => makeCurve({ lr }, "s").validation(b).validation_loss
    assert.isBelow(val(0.003, 1000), 0.15)
    assert.isAbove(val(0.0001, 1000), 1.5)
    const large = Array.from({ length: 10 }, (_, i) => val(0.05, (i + 1) * 100))
    const bestAt = large.indexOf(Math.min(...large))
    assert.isAtMost(bestAt, 5)
    assert.isAbove(large[9]!, large[bestAt]! + 0.1)
    assert.isAbove(val(0.5, 1000), val(0.5, 300))
    const acc = makeCurve({ lr: 0.003 }, "s").validation(1000).accuracy
    assert.isAbove(acc, 0.8)
  })

  it.scoped("401 without a token, with a bad token; the auth cookie works", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const none = yield* call(t.master, "GET", "/api/v1/experiments")
      assert.deepStrictEqual(none.json, { error: { code: 16, reason: "Unauthenticated", error: "token missing" } })
      assert.strictEqual(none.status, 401)
      const bad = yield* call(t.master, "GET", "/api/v1/experiments", { headers: { authorization: "Token abc" } })
      assert.strictEqual(bad.status, 401)
      assert.strictEqual(bad.json.error.error, "invalid credentials")
      const cookie = yield* call(t.master, "GET", "/api/v1/me", { headers: { cookie: `auth=${t.token}` } })
      assert.strictEqual(cookie.status, 200)
      const streamAuth = yield* call(t.master, "GET", "/api/v1/trials/1/logs")
      assert.strictEqual(streamAuth.status, 401)
      assert.strictEqual(streamAuth.json.error.grpcCode, 16)
      const login = yield* call(t.master, "POST", "/api/v1/auth/login", {
        body: { username: "determined", password: "" }
      })
      assert.match(login.headers.get("set-cookie") ?? "", /^auth=v2\.public\.[^;]+; Path=\/$/)
    }))
})
