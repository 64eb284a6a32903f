// One test per cache dependency rule (src/resources/internal/kinds.ts): after a mutation, what it makes stale is
// fetched again on the next get (a request to LocalMaster, counted) and shows the new state; what it does not
// make stale is still served from the cache.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Checkpoint, Experiment, Model, ModelVersion, Trial } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { advance, config, createExperiment, requests, resetRequests } from "./localHelpers.js"

/** GETs of `path` since the last reset. */
const gets = (path: string) =>
  Effect.map(requests, (rs) => rs.filter((r) => r.method === "GET" && r.path === path).length)

/** A running experiment with one trial and a checkpoint, all three cached. */
const running = Effect.gen(function*() {
  const id = yield* createExperiment(config({ searcher: { ...config().searcher, max_length: { batches: 1_000_000 } } }))
  let trials = yield* Experiment.listTrials(id)
  for (let i = 0; i < 60 && (trials.length === 0 || trials[0]!.checkpointCount === 0); i++) {
    yield* advance("10 seconds")
    trials = yield* Experiment.listTrials(id)
  }
  const trialId = trials[0]!.id
  const [checkpoint] = yield* Trial.listCheckpoints(trialId)
  const experiment = yield* Experiment.get(id)
  const trial = yield* Trial.get(trialId)
  const cached = yield* Checkpoint.get(checkpoint!.uuid)
  assert.strictEqual(trial.state, "RUNNING")
  yield* resetRequests
  return { id, trialId, uuid: cached.uuid, experiment, trial }
})

/** Get the trial and the checkpoint again: each must be one request (not the cache's entry). */
const refetched = (trialId: number, uuid: string) =>
  Effect.gen(function*() {
    yield* resetRequests
    const trial = yield* Effect.either(Trial.get(trialId))
    const checkpoint = yield* Effect.either(Checkpoint.get(uuid))
    assert.strictEqual(yield* gets(`/api/v1/trials/${trialId}`), 1)
    assert.strictEqual(yield* gets(`/api/v1/checkpoints/${uuid}`), 1)
    return { trial, checkpoint }
  })

const experimentVerbs = [
  ["kill", Experiment.kill],
  ["pause", Experiment.pause],
  ["cancel", Experiment.cancel]
] as const

describe("cache dependency rules", () => {
  for (const [verb, op] of experimentVerbs) {
    it.effect(`${verb} an experiment: its cached trials and checkpoints are stale`, () =>
      Effect.gen(function*() {
        const { id, trialId, uuid } = yield* running
        yield* op(id)
        yield* advance("30 seconds")
        const { trial } = yield* refetched(trialId, uuid)
        assert.isTrue(trial._tag === "Right" && trial.right.state !== "RUNNING")
        // and then cached again
        yield* Trial.get(trialId)
        assert.strictEqual(yield* gets(`/api/v1/trials/${trialId}`), 1)
      }).pipe(Effect.provide(LocalMaster.layer())))
  }

  it.effect("delete an experiment: its cached trials and checkpoints are stale", () =>
    Effect.gen(function*() {
      const { id, trialId, uuid } = yield* running
      yield* Experiment.kill(id)
      yield* advance("1 minute")
      yield* Trial.get(trialId)
      yield* Checkpoint.get(uuid)
      yield* Experiment.delete(id)
      yield* advance("1 minute")
      const { checkpoint, trial } = yield* refetched(trialId, uuid)
      // the master's answer after the delete, not the cached RUNNING/COMPLETED snapshot
      assert.isTrue(trial._tag === "Left" ? trial.left._tag === "NotFound" : trial.right.state !== "RUNNING")
      assert.isTrue(
        checkpoint._tag === "Left" ? checkpoint.left._tag === "NotFound" : checkpoint.right.state !== "COMPLETED"
      )
    }).pipe(Effect.provide(LocalMaster.layer())))

  it.effect("kill a trial: its experiment is stale", () =>
    Effect.gen(function*() {
      const { id, trialId, experiment } = yield* running
      yield* Trial.kill(trialId)
      yield* advance("1 minute")
      yield* resetRequests
      const after = yield* Experiment.get(id)
      assert.strictEqual(yield* gets(`/api/v1/experiments/${id}`), 1)
      assert.strictEqual(experiment.state, "RUNNING")
      assert.notStrictEqual(after.state, "RUNNING") // its only trial was killed
    }).pipe(Effect.provide(LocalMaster.layer())))

  it.effect("delete a checkpoint: the trial and experiment that list it are stale", () =>
    Effect.gen(function*() {
      const { id, trialId, uuid } = yield* running
      yield* Experiment.kill(id)
      yield* advance("1 minute")
      const trialBefore = yield* Trial.get(trialId)
      yield* Experiment.get(id)
      yield* resetRequests
      yield* Checkpoint.delete(uuid)
      yield* advance("1 minute")
      yield* resetRequests
      const trialAfter = yield* Trial.get(trialId)
      yield* Experiment.get(id)
      assert.strictEqual(yield* gets(`/api/v1/trials/${trialId}`), 1)
      assert.strictEqual(yield* gets(`/api/v1/experiments/${id}`), 1)
      assert.isBelow(trialAfter.checkpointCount, trialBefore.checkpointCount)
    }).pipe(Effect.provide(LocalMaster.layer())))

  it.effect("delete a model version: the model that lists it is stale", () =>
    Effect.gen(function*() {
      const { uuid } = yield* running
      const model = yield* Model.create("rules")
      yield* ModelVersion.register(model.id, uuid)
      const second = yield* ModelVersion.register(model.id, uuid)
      const before = yield* Model.get("rules")
      yield* ModelVersion.get(model.id, second.version)
      yield* resetRequests
      yield* ModelVersion.delete(model.id, second.version)
      const after = yield* Model.get("rules")
      const byId = yield* gets(`/api/v1/models/${model.id}`)
      const byName = yield* gets("/api/v1/models/rules")
      assert.strictEqual(byId + byName, 1)
      assert.strictEqual(after.numVersions, before.numVersions - 1)
      // the deleted version is gone from the cache too
      const gone = yield* Effect.either(ModelVersion.get(model.id, second.version))
      assert.isTrue(gone._tag === "Left" && gone.left._tag === "NotFound")
    }).pipe(Effect.provide(LocalMaster.layer())))
})
