/**
 * Scripted trials (hyperparameters.actions) against LocalMaster under TestClock: exact metric trajectories,
 * checkpoints and GC, logs with levels, sleep in virtual time, exit codes with restarts, and the builder.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { LocalMaster, Script } from "effect-determined/testing"
import { call, lines } from "./helpers.js"

const setup = Effect.gen(function*() {
  const master = yield* LocalMaster.make({ seed: 3 })
  const token = yield* master.token("determined")
  const get = (path: string) =>
    call(master, "GET", path, { token }).pipe(
      Effect.map((r) => {
        assert.strictEqual(r.status, 200, `GET ${path}: ${r.text}`)
        return r.json
      })
    )
  const create = (config: Record<string, unknown>) =>
    call(master, "POST", "/api/v1/experiments", { token, body: { config: JSON.stringify(config), activate: true } })
      .pipe(
        Effect.map((r) => {
          assert.strictEqual(r.status, 200, r.text)
          return r.json.experiment
        })
      )
  const trials = (id: number) =>
    get(`/api/v1/experiments/${id}/trials?limit=-1`).pipe(Effect.map((r) => r.trials as Array<any>))
  const trial = (id: number) => get(`/api/v1/trials/${id}`).pipe(Effect.map((r) => r.trial))
  const experiment = (id: number) => get(`/api/v1/experiments/${id}`).pipe(Effect.map((r) => r.experiment))
  const metrics = (trialId: number, group: string) =>
    call(master, "GET", `/api/v1/trials/metrics/trial_metrics?trialIds=${trialId}&group=${group}`, { token }).pipe(
      Effect.map((r) => lines(r.text).flatMap((l) => l.result.metrics as Array<any>))
    )
  const checkpoints = (trialId: number) =>
    get(`/api/v1/trials/${trialId}/checkpoints`).pipe(Effect.map((r) => r.checkpoints as Array<any>))
  const logs = (trialId: number, query = "") =>
    call(master, "GET", `/api/v1/trials/${trialId}/logs?${query}`, { token }).pipe(
      Effect.map((r) => lines(r.text).map((l) => l.result))
    )
  return { master, token, get, create, trials, trial, experiment, metrics, checkpoints, logs }
})

describe("Script builder", () => {
  it("numbers the steps in the no-op model's format", () => {
    const actions = Script.make(
      Script.report("validation", { validation_loss: 0.5 }),
      Script.checkpoint(),
      Script.log("héllo", { level: "WARNING" }),
      Script.sleep("1.5 seconds"),
      Script.exit(1)
    )
    assert.deepStrictEqual(actions, {
      "1": { action: "report", group: "validation", metrics: { validation_loss: 0.5 } },
      "2": { action: "checkpoint" },
      "3": { action: "log", base64: Buffer.from("héllo").toString("base64"), level: 30 },
      "4": { action: "sleep", time: 1.5 },
      "5": { action: "exit", code: 1 }
    })
    assert.strictEqual(Script.log("x").level, 20)
    assert.strictEqual(Script.log("x", { level: 25 }).level, 25)
    assert.deepStrictEqual(Object.keys(Script.make(Script.trainingLike(2))), ["1", "2", "3", "4", "5", "6"])
    const cfg = Script.config(actions, { max_restarts: 2, searcher: { metric: "validation_loss" } })
    assert.deepStrictEqual(cfg.searcher, { name: "single", metric: "validation_loss" })
    assert.strictEqual(cfg.max_restarts, 2)
    assert.strictEqual(cfg.entrypoint, "python3 train.py")
  })
})

describe("LocalMaster scripted trials", () => {
  it.scoped("ten reports give metric streams with steps 1..10 and exactly the reported values", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const values = [0.9, 0.71, 0.55, 0.42, 0.333, 0.25, 0.2, 0.16, 0.125, 0.1]
      const exp = yield* t.create(
        Script.config(Script.make(values.map((v, i) => Script.report("training", { loss: v, step_tag: i }))))
      )
      yield* TestClock.adjust("2 seconds")
      const [tr] = yield* t.trials(exp.id)
      assert.strictEqual(tr.state, "STATE_COMPLETED")
      const rows = yield* t.metrics(tr.id, "training")
      assert.deepStrictEqual(rows.map((r) => r.totalBatches), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      assert.deepStrictEqual(rows.map((r) => r.metrics.avg_metrics.loss), values)
      assert.deepStrictEqual(rows.map((r) => r.metrics.batch_metrics), values.map(() => null))
      const full = yield* t.trial(tr.id)
      assert.strictEqual(full.totalBatchesProcessed, 10)
      const loss = full.summaryMetrics.avg_metrics.loss
      assert.strictEqual(loss.count, 10)
      assert.strictEqual(loss.min, 0.1)
      assert.strictEqual(loss.max, 0.9)
      assert.strictEqual(loss.last, 0.1)
      assert.strictEqual(full.runnerState, "")
      assert.strictEqual((yield* t.experiment(exp.id)).state, "STATE_COMPLETED")

      // ten validation reports: steps 1..10 too; best/latest validation follow the searcher metric
      const vals = [0.5, 0.4, 0.45, 0.3, 0.35, 0.6, 0.31, 0.7, 0.32, 0.33]
      const exp2 = yield* t.create(Script.config(Script.make(vals.map((v) => Script.report("validation", { x: v })))))
      yield* TestClock.adjust("2 seconds")
      const [tr2] = yield* t.trials(exp2.id)
      const vrows = yield* t.metrics(tr2.id, "validation")
      assert.deepStrictEqual(vrows.map((r) => r.totalBatches), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      assert.deepStrictEqual(vrows.map((r) => r.metrics.validation_metrics.x), vals)
      const t2 = yield* t.trial(tr2.id)
      assert.strictEqual(t2.bestValidation.totalBatches, 4)
      assert.strictEqual(t2.bestValidation.metrics.avgMetrics.x, 0.3)
      assert.strictEqual(t2.latestValidation.totalBatches, 10)
      assert.strictEqual(t2.summaryMetrics.validation_metrics.x.count, 10)
      const best = yield* t.get(`/api/v1/experiments/${exp2.id}/searcher/best_searcher_validation_metric`)
      assert.strictEqual(best.metric, 0.3)
    }))

  it.scoped("train, validate, checkpoint share a step; checkpoints carry their metrics; GC keeps what the config says", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const xs = [0.5, 0.3, 0.4, 0.6, 0.7]
      const steps = xs.flatMap((x) => [
        Script.report("training", { loss: x * 2 }),
        Script.report("validation", { x }),
        Script.checkpoint()
      ])
      const run = (storage: Record<string, number>) =>
        Effect.gen(function*() {
          const exp = yield* t.create(Script.config(Script.make(steps), { checkpoint_storage: storage }))
          yield* TestClock.adjust("1 second")
          yield* TestClock.adjust("100 millis")
          const [tr] = yield* t.trials(exp.id)
          const before = yield* t.checkpoints(tr.id)
          yield* TestClock.adjust("2 seconds")
          const after = yield* t.checkpoints(tr.id)
          return { tr, before, after }
        })
      const { after, before, tr } = yield* run({})
      assert.strictEqual(tr.state, "STATE_COMPLETED")
      assert.strictEqual(before.length, 5)
      assert.deepStrictEqual(before.map((c) => c.state), Array(5).fill("STATE_COMPLETED"))
      const c2 = before.find((c) => c.metadata.steps_completed === 2)
      assert.deepStrictEqual(c2.metadata, { steps_completed: 2 })
      assert.deepStrictEqual(c2.training.trainingMetrics.avgMetrics, { loss: 0.6 })
      assert.deepStrictEqual(c2.training.validationMetrics.avgMetrics, { x: 0.3 })
      assert.strictEqual(c2.training.searcherMetric, 0.3)
      assert.strictEqual(c2.training.trialId, tr.id)
      // defaults (save_trial_best 1, save_trial_latest 1): best (step 2) and latest (step 5) stay
      const kept = (cs: Array<any>) =>
        cs.filter((c) => c.state === "STATE_COMPLETED").map((c) => c.metadata.steps_completed).sort()
      assert.deepStrictEqual(kept(after), [2, 5])
      const full = yield* t.trial(tr.id)
      assert.strictEqual(full.bestCheckpoint.totalBatches, 2)
      assert.strictEqual(full.checkpointCount, 2)

      const best2 = yield* run({ save_trial_best: 2, save_trial_latest: 0 })
      assert.deepStrictEqual(kept(best2.after), [2, 3])
      const latest2 = yield* run({ save_trial_best: 0, save_trial_latest: 2 })
      assert.deepStrictEqual(kept(latest2.after), [4, 5])
    }))

  it.scoped("exit 1 with max_restarts 1 restarts once from the latest checkpoint and ends in ERROR", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const exp = yield* t.create(
        Script.config(
          Script.make(
            Script.report("training", { loss: 1 }),
            Script.checkpoint(),
            Script.report("training", { loss: 0.5 }),
            Script.exit(1)
          ),
          { max_restarts: 1 }
        )
      )
      yield* TestClock.adjust("1 second")
      const [running] = yield* t.trials(exp.id)
      // first run failed at once; the second allocation is queued
      assert.strictEqual(running.restarts, 1)
      assert.strictEqual(running.state, "STATE_QUEUED")
      // the report past the checkpoint is gone; the checkpoint's step survives
      assert.deepStrictEqual((yield* t.metrics(running.id, "training")).map((r) => r.totalBatches), [1])
      yield* TestClock.adjust("2 seconds")
      const done = yield* t.trial(running.id)
      assert.strictEqual(done.state, "STATE_ERROR")
      const rows = yield* t.metrics(running.id, "training")
      assert.deepStrictEqual(rows.map((r) => [r.totalBatches, r.trialRunId, r.metrics.avg_metrics.loss]), [
        [1, 1, 1],
        [2, 2, 0.5]
      ])
      const logs = yield* t.logs(running.id)
      const scheduling = logs.filter((l) => l.log.startsWith("Scheduling Trial"))
      assert.strictEqual(scheduling.length, 2)
      assert.strictEqual(
        logs.filter((l) => l.log.includes("container failed with non-zero exit code: 1 (exit code 1)")).length,
        4
      )
      // the second run resumed after the checkpoint: one checkpoint in all, "executing" of step 1 only once
      assert.strictEqual((yield* t.checkpoints(running.id)).length, 1)
      assert.strictEqual(logs.filter((l) => l.log.includes("executing {'action': 'checkpoint'}")).length, 1)
      assert.strictEqual((yield* t.experiment(exp.id)).state, "STATE_ERROR")
    }))

  it.scoped("exit 0 mid-script completes the trial; an unknown action crashes it", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const exp = yield* t.create(
        Script.config(Script.make(Script.report("training", { loss: 1 }), Script.exit(0), Script.exit(3)))
      )
      const bad = yield* t.create(
        Script.config({ "1": { action: "dance" } as any })
      )
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* t.trials(exp.id))[0].state, "STATE_COMPLETED")
      const [crashed] = yield* t.trials(bad.id)
      assert.strictEqual(crashed.state, "STATE_ERROR")
      const logs = yield* t.logs(crashed.id)
      assert.isTrue(logs.some((l) => l.log.startsWith("ValueError: unexpected action type")))
    }))

  it.scoped("logs appear at their levels; sleep takes virtual clock time", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const exp = yield* t.create(
        Script.config(
          Script.make(
            Script.log("debugging", { level: "DEBUG" }),
            Script.log("all good"),
            Script.log("careful", { level: "WARNING" }),
            Script.sleep("30 seconds"),
            Script.log("bad", { level: "ERROR" }),
            Script.log("fatal", { level: "CRITICAL" }),
            Script.log("custom", { level: 25 })
          )
        )
      )
      yield* TestClock.adjust("10 seconds")
      const [tr] = yield* t.trials(exp.id)
      assert.strictEqual(tr.state, "STATE_RUNNING")
      const mine = (rows: Array<any>) =>
        rows.filter((l) => l.stdtype === "stderr" && l.log.includes("root: ") && !l.log.includes("executing")).map((
          l
        ) => [l.level, l.log])
      const early = mine(yield* t.logs(tr.id))
      assert.deepStrictEqual(early.map((l) => l[0]), ["LOG_LEVEL_DEBUG", "LOG_LEVEL_INFO", "LOG_LEVEL_WARNING"])
      assert.isTrue(early[1]![1].endsWith("root: all good\n"))
      yield* TestClock.adjust("25 seconds")
      const all = mine(yield* t.logs(tr.id))
      assert.deepStrictEqual(all.map((l) => l[0]), [
        "LOG_LEVEL_DEBUG",
        "LOG_LEVEL_INFO",
        "LOG_LEVEL_WARNING",
        "LOG_LEVEL_ERROR",
        "LOG_LEVEL_CRITICAL",
        "LOG_LEVEL_UNSPECIFIED"
      ])
      assert.isTrue(all[5]![1].startsWith("Level 25: "))
      const errors = yield* t.logs(tr.id, "levels=LOG_LEVEL_ERROR")
      assert.isTrue(errors.some((l) => l.log.endsWith("root: bad\n")))
      assert.strictEqual((yield* t.trial(tr.id)).state, "STATE_COMPLETED")
    }))
  it.scoped("pause and activate resume the script where it stopped", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const exp = yield* t.create(
        Script.config(
          Script.make(
            Script.report("training", { loss: 3 }),
            Script.report("training", { loss: 2 }),
            Script.sleep("10 seconds"),
            Script.report("training", { loss: 1 })
          )
        )
      )
      yield* TestClock.adjust("5 seconds")
      const pause = yield* call(t.master, "POST", `/api/v1/experiments/${exp.id}/pause`, { token: t.token })
      assert.strictEqual(pause.status, 200)
      yield* TestClock.adjust("30 seconds")
      const [tr] = yield* t.trials(exp.id)
      assert.strictEqual(tr.state, "STATE_PAUSED")
      assert.strictEqual((yield* t.checkpoints(tr.id)).length, 1)
      const activate = yield* call(t.master, "POST", `/api/v1/experiments/${exp.id}/activate`, { token: t.token })
      assert.strictEqual(activate.status, 200)
      yield* TestClock.adjust("5 seconds")
      const rows = yield* t.metrics(tr.id, "training")
      assert.deepStrictEqual(rows.map((r) => [r.totalBatches, r.trialRunId, r.metrics.avg_metrics.loss]), [
        [1, 1, 3],
        [2, 1, 2],
        [3, 2, 1]
      ])
      assert.strictEqual((yield* t.trial(tr.id)).state, "STATE_COMPLETED")
    }))
})
