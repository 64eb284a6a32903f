import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Exit, Schema } from "effect"
import { Checkpoint, Experiment, Model, Project, Trial, Workspace } from "effect-determined"
import { Pagination } from "effect-determined/advanced"
import * as fs from "node:fs"
import * as path from "node:path"
import { json, loginOk, makeMockHttp } from "../utils/mockHttp.js"

// Real response bodies of a Determined master live in ../shared/fixtures (present in this repository's CI and
// development checkout, absent for users who clone only the project): skip when they are not there.
const dir = path.resolve(import.meta.dirname, "../../../shared/fixtures/determined")
const present = fs.existsSync(dir)
if (!present) console.warn(`fixtures test skipped: ${dir} is absent (it ships with the development checkout only)`)

const read = (name: string) => JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"))

describe.skipIf(!present)("real master fixtures decode", () => {
  it("workspace.json", () => {
    const decoded = Schema.decodeUnknownEither(Schema.Struct({ workspace: Workspace.Workspace }))(
      read("workspace.json")
    )
    assert.isTrue(Either.isRight(decoded))
    if (Either.isRight(decoded)) {
      assert.strictEqual(decoded.right.workspace.name, "Uncategorized")
      assert.strictEqual(decoded.right.workspace.state, "UNSPECIFIED")
    }
  })
})

describe.skipIf(!present)("real master fixtures decode: experiments, trials, checkpoints", () => {
  it("experiment.json", () => {
    const decoded = Schema.decodeUnknownSync(Schema.Struct({ experiment: Experiment.Experiment }))(
      read("experiment.json")
    )
    const exp = decoded.experiment
    assert.strictEqual(exp.id, 1)
    assert.strictEqual(exp.name, "gan_mnist_pytorch_const")
    assert.strictEqual(exp.state, "COMPLETED")
    assert.deepStrictEqual(exp.startTime, new Date("2022-08-22T17:15:15.517Z"))
    assert.strictEqual(exp.forkedFrom, null)
    assert.strictEqual(exp.progress, 0)
    assert.strictEqual(exp.workspaceId, 1)
    // fields an older master does not send take their proto default or null
    assert.strictEqual(exp.searcherMetric, "")
    assert.strictEqual(exp.hyperparameters, null)
    assert.strictEqual(exp.checkpointSize, 0)
    assert.strictEqual((exp.config?.["searcher"] as any).metric, "loss")
  })

  it("experiments.json", () => {
    const decoded = Schema.decodeUnknownSync(
      Schema.Struct({ experiments: Schema.Array(Experiment.Experiment), pagination: Pagination.Pagination })
    )(read("experiments.json"))
    assert.strictEqual(decoded.experiments.length, 10)
    assert.strictEqual(decoded.pagination.total, 10)
    const first = decoded.experiments[0]!
    assert.strictEqual(first.checkpointSize, 14432299)
    assert.strictEqual(first.duration, 508)
    // nanosecond fractions are accepted (cut to milliseconds)
    assert.deepStrictEqual(first.startTime, new Date("2023-07-13T18:29:52.070Z"))
  })

  it("trial.json", () => {
    const { trial } = Schema.decodeUnknownSync(Schema.Struct({ trial: Trial.Trial }))(read("trial.json"))
    assert.strictEqual(trial.id, 1)
    assert.strictEqual(trial.experimentId, 1)
    assert.strictEqual(trial.state, "COMPLETED")
    assert.strictEqual(trial.totalCheckpointSize, 2075753)
    assert.strictEqual(trial.bestCheckpoint?.resources["checkpoint"], 117)
    assert.strictEqual(trial.bestCheckpoint?.state, "COMPLETED")
    assert.strictEqual(trial.bestValidation?.metrics?.avgMetrics?.["val_loss"], 0.345882773399353)
    assert.strictEqual(trial.latestValidation?.totalBatches, 9375)
    assert.strictEqual((trial.summaryMetrics?.["avg_metrics"] as any).loss.count, 94)
    assert.deepStrictEqual(trial.taskIds, [])
    assert.strictEqual(trial.logRetentionDays, null)
  })

  it("checkpoints.json", () => {
    const decoded = Schema.decodeUnknownSync(
      Schema.Struct({ checkpoints: Schema.Array(Checkpoint.Checkpoint), pagination: Pagination.Pagination })
    )(read("checkpoints.json"))
    assert.strictEqual(decoded.checkpoints.length, 10)
    const c = decoded.checkpoints[0]!
    assert.strictEqual(c.uuid, "eee1423a-2389-4536-baf0-c99b5b3b2f6c")
    assert.strictEqual(c.state, "COMPLETED")
    assert.strictEqual(c.resources["state_dict.pth"], 14418394)
    assert.strictEqual(c.metadata["steps_completed"], 700)
    assert.strictEqual(c.training?.trialId, 319)
    assert.strictEqual(c.trialId, 319)
    assert.strictEqual(c.training?.searcherMetric, 0.051794371442724)
    assert.strictEqual(c.training?.validationMetrics?.avgMetrics?.["validation_loss"], 0.051794371442723974)
    assert.strictEqual(c.storageId, null)
    assert.isTrue(c.size > 14418394)
  })

  it("pagination.json", () => {
    const decoded = Schema.decodeUnknownSync(Schema.Struct({ pagination: Pagination.Pagination }))(
      read("pagination.json")
    )
    assert.deepStrictEqual(decoded.pagination, { endIndex: 4, limit: 0, offset: 0, startIndex: 0, total: 4 })
  })

  it("a hand-edited timestamp is a decode failure naming the field", () => {
    const body = read("experiment.json")
    body.experiment.endTime = "None"
    const decoded = Schema.decodeUnknownEither(Schema.Struct({ experiment: Experiment.Experiment }))(body)
    assert.isTrue(Either.isLeft(decoded))
    if (Either.isLeft(decoded)) {
      assert.include(decoded.left.message, "endTime")
      assert.include(decoded.left.message, "expected an RFC 3339 timestamp")
    }
  })
})

describe.skipIf(!present)("real master fixtures decode: models, workspaces, projects", () => {
  it("model.json", () => {
    const { model } = Schema.decodeUnknownSync(Schema.Struct({ model: Model.Model }))(read("model.json"))
    assert.strictEqual(model.id, 150)
    assert.strictEqual(model.name, "test_model")
    assert.deepStrictEqual(model.creationTime, new Date("2022-07-01T17:17:26.655Z"))
    assert.deepStrictEqual(model.lastUpdatedTime, new Date("2022-09-01T17:30:47.470Z"))
    assert.deepStrictEqual(model.metadata, { abc: "123", def: "456" })
    assert.deepStrictEqual(model.labels, ["asd", "const", "mnist", "dfsafdsafsafsafsafsafdsa"])
    assert.strictEqual(model.numVersions, 4)
    assert.strictEqual(model.username, "det_test_user")
    assert.strictEqual(model.userId, 34)
    assert.strictEqual(model.workspaceId, 1)
    assert.isFalse(model.archived)
    assert.strictEqual(model.notes, "")
  })

  it("workspace.json: every field", () => {
    const { workspace } = Schema.decodeUnknownSync(Schema.Struct({ workspace: Workspace.Workspace }))(
      read("workspace.json")
    )
    assert.strictEqual(workspace.id, 1)
    assert.isTrue(workspace.immutable)
    assert.strictEqual(workspace.numExperiments, 707)
    assert.strictEqual(workspace.numProjects, 1)
    assert.strictEqual(workspace.username, "admin")
    assert.strictEqual(workspace.pinnedAt, null)
    assert.strictEqual(workspace.checkpointStorageConfig, null)
    assert.strictEqual(workspace.agentUserGroup, null)
    assert.strictEqual(workspace.defaultComputePool, "")
  })

  it.effect("project.json: its hand-edited \"None\" is a DecodeError naming project.lastExperimentStartedAt", () =>
    Effect.gen(function*() {
      const body = read("project.json")
      const mock = yield* makeMockHttp((r) => (r.path === "/api/v1/auth/login" ? loginOk() : json(body)))
      const exit = yield* Effect.exit(Project.get(1090).pipe(Effect.provide(mock.layer())))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
      assert.strictEqual(error?._tag, "DecodeError")
      if (error?._tag === "DecodeError") {
        assert.strictEqual(error.field, "project.lastExperimentStartedAt")
        assert.include(error.message, "\"None\"")
      }
    }))

  it("project.json: every other field decodes (with the timestamp a real master sends)", () => {
    const body = read("project.json")
    body.project.lastExperimentStartedAt = null
    const { project } = Schema.decodeUnknownSync(Schema.Struct({ project: Project.Project }))(body)
    assert.strictEqual(project.id, 1090)
    assert.strictEqual(project.name, "CAPS")
    assert.strictEqual(project.workspaceId, 859)
    assert.strictEqual(project.lastExperimentStartedAt, null)
    assert.deepStrictEqual(project.notes.map((n) => n.name), ["note name", "second note"])
    assert.strictEqual(project.notes[0]!.contents, "note body line 1\nnote body line 2")
    assert.strictEqual(project.key, "cap1")
    assert.strictEqual(project.state, "UNSPECIFIED")
    assert.strictEqual(project.userId, 2)
    assert.strictEqual(project.numRuns, 0)
  })
})
