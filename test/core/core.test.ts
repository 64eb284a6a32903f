/**
 * The Core API against LocalMaster: a whole run and what every existing read returns afterwards, the final state
 * by how the scope ends, a resume by external ids, the lost-trial rule under TestClock, the retry rule under the
 * fault plan, storage, and the typed errors of the documented mistakes.
 */
import { NodeContext } from "@effect/platform-node"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Fiber, Logger, Option, Stream } from "effect"
import { Core, Experiment, Metrics, Trial } from "effect-determined"
import { LocalMaster, VirtualTime } from "effect-determined/testing"

const local = <A, E>(effect: Effect.Effect<A, E, any>, options: LocalMaster.Options = {}) =>
  (effect as Effect.Effect<A, E, never>).pipe(
    Effect.provide(NodeContext.layer),
    Effect.provide(LocalMaster.layer({ seed: 5, ...options }))
  )

const tempStorage = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "core-test-" })
  return { type: "shared_fs", host_path: dir } as const
})

const collect = <A, E, R>(s: Stream.Stream<A, E, R>) => Effect.map(Stream.runCollect(s), Chunk.toReadonlyArray)

describe("Core against LocalMaster", () => {
  it.scoped("a full run: init, metrics, progress, status, metadata, checkpoint, logs, close; every read after", () =>
    local(Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const storage = yield* tempStorage
      const { info, uuid } = yield* Effect.scoped(Effect.gen(function*() {
        const core = yield* Core.init({
          name: "full-run",
          externalExperimentId: "full",
          externalTrialId: "t1",
          hparams: { lr: 0.1 },
          searcher: { name: "single", metric: "val_loss" },
          checkpointStorage: storage
        })
        assert.strictEqual(core.info.trialRunId, 1)
        assert.isTrue(Option.isNone(core.info.latestCheckpoint))
        yield* core.reportTrainingMetrics(10, { loss: 0.5 })
        yield* core.reportTrainingMetrics(20, { loss: 0.4 })
        yield* core.reportValidationMetrics(20, { val_loss: 0.45, acc: 0.8 })
        yield* core.reportMetrics("inference", 20, { latency: 3 })
        yield* core.reportProgress(0.5)
        yield* core.setStatus("training")
        assert.deepStrictEqual(yield* core.setMetadata({ dataset: "synthetic" }), { dataset: "synthetic" })
        assert.deepStrictEqual(yield* core.getMetadata, { dataset: "synthetic" })
        const stored = yield* core.checkpoint.storePath(
          { steps_completed: 20 },
          (dir) => fs.writeFileString(path.join(dir, "model.json"), "{\"w\":[1,2]}")
        )
        yield* Effect.log("hello from the program").pipe(Effect.provide(Logger.add(core.logger)))
        // still running while the scope is open
        assert.strictEqual((yield* Trial.reload(core.info.trialId)).state, "RUNNING")
        return { info: core.info, uuid: stored.uuid }
      }))
      const trial = yield* Trial.reload(info.trialId)
      assert.strictEqual(trial.state, "COMPLETED")
      assert.strictEqual(trial.runnerState, "training")
      assert.deepStrictEqual(trial.hparams, { lr: 0.1 })
      assert.strictEqual(trial.totalBatchesProcessed, 20)
      const exp = yield* Experiment.reload(info.experimentId)
      assert.strictEqual(exp.state, "COMPLETED")
      assert.strictEqual(exp.unmanaged, true)
      assert.strictEqual(exp.progress, 1)
      const training = yield* collect(Trial.metrics(info.trialId, { group: "training" }))
      assert.deepStrictEqual(training.map((m) => [m.stepsCompleted, m.metrics.loss]), [[10, 0.5], [20, 0.4]])
      const validation = yield* collect(Metrics.stream([info.trialId], { group: "validation" }))
      assert.deepStrictEqual(validation.map((m) => m.metrics), [{ val_loss: 0.45, acc: 0.8 }])
      const inference = yield* collect(Trial.metrics(info.trialId, { group: "inference" }))
      assert.strictEqual(inference.length, 1)
      const logs = yield* collect(Trial.logs(info.trialId))
      assert.isTrue(logs.some((l) => (l.log ?? l.message).includes("hello from the program")), "the program's log line")
      const ckpts = yield* Experiment.listCheckpoints(info.experimentId)
      assert.deepStrictEqual(ckpts.map((c) => c.uuid), [uuid])
      assert.strictEqual(ckpts[0]!.metadata.steps_completed, 20)
      const files = (yield* fs.readDirectory(path.join(storage.host_path, uuid))).sort()
      assert.deepStrictEqual(files, ["metadata.json", "model.json"])
      const watched = yield* VirtualTime.run(collect(Experiment.watchTrials(info.experimentId)))
      assert.deepStrictEqual(watched.map((t) => [t.id, t.state]), [[info.trialId, "COMPLETED"]])
    })))

  it.scoped("a failing program ends its trial ERROR; an interrupted one CANCELED", () =>
    local(Effect.gen(function*() {
      const storage = yield* tempStorage
      let failedTrial = 0
      const failed = yield* Effect.exit(Effect.scoped(Effect.gen(function*() {
        const core = yield* Core.init({ checkpointStorage: storage })
        failedTrial = core.info.trialId
        yield* core.reportTrainingMetrics(1, { loss: 1 })
        return yield* Effect.fail("diverged" as const)
      })))
      assert.isTrue(Exit.isFailure(failed))
      assert.strictEqual((yield* Trial.reload(failedTrial)).state, "ERROR")
      assert.strictEqual((yield* collect(Trial.metrics(failedTrial, { group: "training" }))).length, 1)

      let canceledTrial = 0
      const fiber = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        const core = yield* Core.init({ checkpointStorage: storage })
        canceledTrial = core.info.trialId
        yield* core.reportTrainingMetrics(1, { loss: 1 })
        return yield* Effect.never
      })))
      while (canceledTrial === 0) yield* VirtualTime.settle
      yield* Fiber.interrupt(fiber)
      const t = yield* Trial.reload(canceledTrial)
      assert.strictEqual(t.state, "CANCELED")
      assert.strictEqual((yield* collect(Trial.metrics(canceledTrial, { group: "training" }))).length, 1)
    })))

  it.scoped("a re-run with the same external ids resumes: same experiment and trial, new run id, latest checkpoint", () =>
    local(Effect.gen(function*() {
      const storage = yield* tempStorage
      const options = { externalExperimentId: "resume", externalTrialId: "a", checkpointStorage: storage }
      const first = yield* Effect.scoped(Effect.gen(function*() {
        const core = yield* Core.init(options)
        yield* core.reportTrainingMetrics(5, { loss: 0.9 })
        yield* core.checkpoint.storePath({ steps_completed: 5 }, () => Effect.void)
        yield* core.reportTrainingMetrics(10, { loss: 0.8 })
        const latest = yield* core.checkpoint.storePath({ steps_completed: 10 }, () => Effect.void)
        return { info: core.info, latest: latest.uuid }
      }))
      const second = yield* Effect.scoped(Effect.gen(function*() {
        const core = yield* Core.init(options)
        // restore, then report again from the checkpoint's step
        const restored = yield* core.checkpoint.readMetadata(Option.getOrThrow(core.info.latestCheckpoint))
        assert.strictEqual(restored.steps_completed, 10)
        yield* core.reportTrainingMetrics(15, { loss: 0.7 })
        return core.info
      }))
      assert.strictEqual(second.experimentId, first.info.experimentId)
      assert.strictEqual(second.trialId, first.info.trialId)
      assert.strictEqual(second.trialRunId, 2)
      assert.deepStrictEqual(second.latestCheckpoint, Option.some(first.latest))
      assert.strictEqual(second.stepsCompleted, 10)
      const all = yield* Experiment.list({ name: "unmanaged-resume" })
      assert.strictEqual(all.length, 1, "the experiment is not duplicated")
      const rows = yield* collect(Trial.metrics(second.trialId, { group: "training" }))
      assert.deepStrictEqual(rows.map((r) => [r.trialRunId, r.stepsCompleted]), [[1, 5], [1, 10], [2, 15]])
      assert.strictEqual((yield* Trial.reload(second.trialId)).state, "COMPLETED")
    })))

  it.scoped("the heartbeat keeps a trial alive; without heartbeats for 5 virtual minutes it becomes ERROR", () =>
    local(Effect.gen(function*() {
      const storage = yield* tempStorage
      // alive: the scope's heartbeat fiber beats every minute for 10 virtual minutes
      const alive = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        const core = yield* Core.init({ checkpointStorage: storage })
        yield* Effect.sleep("10 minutes")
        return core.info.trialId
      })))
      const aliveId = yield* VirtualTime.drive(alive, { step: "10 seconds" })
      assert.strictEqual((yield* Trial.reload(aliveId)).state, "COMPLETED")

      // silent: a run whose heartbeat cannot reach the master (a very long interval stands for a dead process)
      const silent = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        const core = yield* Core.init({ checkpointStorage: storage, heartbeatInterval: "1 hour" })
        yield* Effect.sleep("6 minutes")
        const t = yield* Trial.reload(core.info.trialId)
        const e = yield* Experiment.reload(core.info.experimentId)
        return [t.state, e.state] as const
      })))
      const states = yield* VirtualTime.drive(silent, { step: "10 seconds" })
      assert.deepStrictEqual(states, ["ERROR", "ERROR"])
    })))

  it.scoped("a metric report retried under the fault plan is stored once: summary counts equal the reports sent", () =>
    local(
      Effect.gen(function*() {
        const storage = yield* tempStorage
        const n = 40
        const trialId = yield* VirtualTime.run(Effect.scoped(Effect.gen(function*() {
          const core = yield* Core.init({ checkpointStorage: storage })
          for (let step = 1; step <= n; step++) yield* core.reportTrainingMetrics(step, { loss: 1 / step })
          yield* core.flush
          return core.info.trialId
        })))
        const master = yield* LocalMaster.LocalMaster
        const stats = yield* master.faultStats
        assert.isAbove(stats.dropAfter, 0, "some reports were stored but their answer lost")
        assert.isAbove(stats.status500, 0, "some reports failed before the master")
        const trial = yield* Trial.reload(trialId)
        const loss = (trial.summaryMetrics as any).avg_metrics.loss
        assert.strictEqual(loss.count, n, "no report counted twice")
        const rows = yield* collect(Trial.metrics(trialId, { group: "training" }))
        assert.deepStrictEqual(rows.map((r) => r.stepsCompleted), Array.from({ length: n }, (_, i) => i + 1))
        assert.strictEqual(trial.state, "COMPLETED")
      }),
      {
        faults: {
          seed: 11,
          rules: [{ path: "/api/v1/trials/*/metrics", method: "POST", dropAfter: 0.25, status: { "500": 0.15 } }]
        }
      }
    ))

  it.scoped("storage: upload copies a directory (uuid dir, metadata.json); delete removes files and marks DELETED", () =>
    local(Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const storage = yield* tempStorage
      const src = yield* fs.makeTempDirectoryScoped()
      yield* fs.makeDirectory(path.join(src, "sub"))
      yield* fs.writeFileString(path.join(src, "sub", "w.bin"), "12345")
      yield* Effect.scoped(Effect.gen(function*() {
        const core = yield* Core.init({ checkpointStorage: storage })
        const uuid = yield* core.checkpoint.upload(src, { steps_completed: 3, note: "x" })
        const stored = path.join(storage.host_path, uuid)
        assert.strictEqual(yield* core.checkpoint.restorePath(uuid), stored)
        assert.deepStrictEqual(yield* core.checkpoint.readMetadata(uuid), { steps_completed: 3, note: "x" })
        const [ckpt] = yield* Experiment.listCheckpoints(core.info.experimentId)
        assert.deepStrictEqual(Object.keys(ckpt!.resources).sort(), ["metadata.json", "sub/", "sub/w.bin"])
        assert.strictEqual(ckpt!.resources["sub/w.bin"], 5)
        yield* core.checkpoint.delete(uuid)
        assert.isFalse(yield* fs.exists(stored))
        const after = yield* Trial.listCheckpoints(core.info.trialId)
        assert.strictEqual(after[0]!.state, "DELETED")
        // a failing storePath reports nothing and leaves no directory
        const failed = yield* Effect.exit(
          core.checkpoint.storePath({ steps_completed: 4 }, () => Effect.fail("disk full" as const))
        )
        assert.isTrue(Exit.isFailure(failed))
        assert.strictEqual((yield* Trial.listCheckpoints(core.info.trialId)).length, 1)
        assert.deepStrictEqual(yield* fs.readDirectory(storage.host_path), [])
      }))
    })))

  it.scoped("typed errors for the documented mistakes", () =>
    local(Effect.gen(function*() {
      const storage = yield* tempStorage
      const s3 = yield* Effect.flip(Effect.scoped(Core.init({ checkpointStorage: "s3://bucket/prefix" })))
      assert.strictEqual(s3._tag, "UnsupportedStorage")
      assert.strictEqual((s3 as any).storageType, "s3")
      assert.strictEqual((yield* Experiment.list()).length, 0, "nothing was created")
      const gcs = yield* Effect.flip(Effect.scoped(Core.init({ checkpointStorage: { type: "azure", container: "c" } })))
      assert.strictEqual(gcs._tag, "UnsupportedStorage")
      const noExp = yield* Effect.flip(Effect.scoped(Core.init({ externalTrialId: "t", checkpointStorage: storage })))
      assert.strictEqual(noExp._tag, "InvalidReport")
      const badConfig = yield* Effect.flip(
        Effect.scoped(Core.init({ searcher: { name: "nope" }, checkpointStorage: storage }))
      )
      assert.strictEqual(badConfig._tag, "InvalidExperimentConfig")

      const after = yield* Effect.scoped(Effect.gen(function*() {
        const core = yield* Core.init({ checkpointStorage: storage, externalExperimentId: "err", externalTrialId: "a" })
        const tags = []
        tags.push((yield* Effect.flip(core.reportMetrics("", 1, { a: 1 })))._tag)
        tags.push((yield* Effect.flip(core.reportMetrics("a.b", 1, { a: 1 })))._tag)
        tags.push((yield* Effect.flip(core.reportTrainingMetrics(-1, { a: 1 })))._tag)
        tags.push((yield* Effect.flip(core.reportValidationMetrics(1, { a: null })))._tag)
        tags.push((yield* Effect.flip(core.reportTrainingMetrics(1, { epoch: "one" })))._tag)
        tags.push((yield* Effect.flip(core.reportProgress(1.5)))._tag)
        tags.push((yield* Effect.flip(core.checkpoint.upload("/nonexistent", {})))._tag)
        tags.push((yield* Effect.flip(core.checkpoint.upload("/nonexistent", { steps_completed: 1 })))._tag)
        tags.push((yield* Effect.flip(core.setMetadata({ "a.b": 1 })))._tag)
        assert.deepStrictEqual(tags, [
          "InvalidReport",
          "InvalidReport",
          "InvalidReport",
          "InvalidReport",
          "InvalidReport",
          "InvalidReport",
          "InvalidReport",
          "CheckpointStorageError",
          "InvalidRequest"
        ])
        // a conflicting value at the same step stops reporting: the next call and flush say why
        yield* core.reportTrainingMetrics(1, { loss: 1 })
        yield* core.reportTrainingMetrics(1, { loss: 2 })
        const conflict = yield* Effect.flip(core.flush)
        assert.strictEqual(conflict._tag, "MetricConflict")
        assert.strictEqual((conflict as any).key, "loss")
        assert.strictEqual((yield* Effect.flip(core.reportTrainingMetrics(2, { loss: 1 })))._tag, "MetricConflict")
        return core
      })).pipe(Effect.exit)
      // the undeliverable report makes the trial ERROR (and the scope's exit a defect)
      assert.isTrue(Exit.isFailure(after))
      const [exp] = yield* Experiment.list({ name: "unmanaged-err" })
      const [trial] = yield* Experiment.listTrials(exp!.id)
      assert.strictEqual(trial!.state, "ERROR")

      // a second process resuming the same trial makes the first one's reports stale
      const stale = yield* Effect.scoped(Effect.gen(function*() {
        const first = yield* Core.init({ checkpointStorage: storage, externalExperimentId: "st", externalTrialId: "a" })
        yield* Effect.scoped(
          Core.init({ checkpointStorage: storage, externalExperimentId: "st", externalTrialId: "a" })
        )
        yield* first.reportTrainingMetrics(1, { loss: 1 })
        return yield* Effect.flip(first.flush)
      })).pipe(Effect.catchAllDefect((d) => Effect.succeed(d as any)))
      assert.strictEqual(stale._tag, "StaleRun")

      // used after its scope closed
      const closed = yield* Effect.scoped(Core.init({ checkpointStorage: storage }))
      assert.strictEqual((yield* Effect.flip(closed.reportTrainingMetrics(1, { a: 1 })))._tag, "CoreClosed")
    })))
})
