/**
 * The contract walk: every endpoint LocalMaster implements is called, with success and error cases, and every
 * response body and stream line is validated against ../shared/contract/determined-api.json (fields by JSON
 * name, JSON types, enum values, int64 strings, presence of every non-optional field, no unknown field).
 *
 * Without ../shared (a plain clone of the project) the suite skips itself: the contract is not shipped.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { LocalMaster } from "effect-determined/testing"
import { routes } from "../../src/testing/internal/routes/index.js"
import type { Contract } from "../utils/contract.js"
import { assertErrorBody, assertResponse, assertStreamLine, contractPath, loadContract } from "../utils/contract.js"
import type { Master } from "./helpers.js"
import { call, gridConfig, lines, modelDefinition, singleConfig } from "./helpers.js"

const contract = loadContract()
if (contract === undefined) {
  console.warn(`contract tests skipped: ${contractPath} not found (../shared is not part of a plain clone)`)
}

class Walk {
  readonly ok = new Set<string>()
  readonly failed = new Set<string>()
  constructor(readonly contract: Contract, readonly master: Master, public token: string) {}

  private check(endpoint: string, method: string, path: string) {
    const e = this.contract.endpoints.find((x) => x.name === endpoint)
    assert.isDefined(e, `unknown endpoint ${endpoint}`)
    assert.strictEqual(e!.method, method, `${endpoint} method`)
    const pattern = new RegExp(`^${e!.path.replace(/\{[^}]+\}/g, "[^/]+")}$`)
    assert.isTrue(pattern.test(path.split("?")[0]!), `${path} is not a path of ${endpoint} (${e!.path})`)
    return e!
  }

  /** A unary call expected to succeed; validates the body. */
  call(endpoint: string, method: string, path: string, body?: unknown, token: string | null = this.token) {
    return Effect.gen(this, function*() {
      this.check(endpoint, method, path)
      const r = yield* call(this.master, method, path, { body, token })
      assert.strictEqual(r.status, 200, `${endpoint} ${method} ${path}: ${r.text}`)
      assert.strictEqual(r.headers.get("content-type"), "application/json")
      assertResponse(this.contract, endpoint, r.json)
      this.ok.add(endpoint)
      return r.json
    })
  }

  /** A call expected to fail with `status` and the given error shape; returns the message. */
  fail(
    endpoint: string,
    method: string,
    path: string,
    status: number,
    body?: unknown,
    shape?: "unary" | "stream",
    token: string | null = this.token
  ) {
    return Effect.gen(this, function*() {
      const e = this.check(endpoint, method, path)
      const r = yield* call(this.master, method, path, { body, token })
      assert.strictEqual(r.status, status, `${endpoint} ${method} ${path}: ${r.text}`)
      const s = shape ?? (e.streaming ? "stream" : "unary")
      assertErrorBody(r.json, s)
      if (s === "unary") {
        assert.strictEqual(r.text.endsWith("\n"), false)
        assert.strictEqual(r.json.error.code === 2, false, "Unknown is rewritten to Internal on unary routes")
      } else {
        assert.strictEqual(r.json.error.httpCode, status)
      }
      this.failed.add(endpoint)
      return (s === "unary" ? r.json.error.error : r.json.error.message) as string
    })
  }

  /** A streaming call; validates every line and returns them. */
  stream(endpoint: string, path: string) {
    return Effect.gen(this, function*() {
      this.check(endpoint, "GET", path)
      const r = yield* call(this.master, "GET", path, { token: this.token })
      assert.strictEqual(r.status, 200, `${endpoint} ${path}: ${r.text}`)
      const ls = lines(r.text)
      if (r.text !== "") assert.isTrue(r.text.endsWith("\n"), "every stream line ends with a newline")
      for (const l of ls) assertStreamLine(this.contract, endpoint, l)
      this.ok.add(endpoint)
      return ls
    })
  }
}

describe.skipIf(contract === undefined)("LocalMaster contract walk", () => {
  it.scoped("every implemented endpoint answers in the contract's shapes", () =>
    Effect.gen(function*() {
      const master = yield* LocalMaster.make({ seed: 3, resourcePools: ["gpu"] })
      const w = new Walk(contract!, master, "")

      // ---- master, auth, users -------------------------------------------------------------------------------
      yield* w.call("GetMaster", "GET", "/api/v1/master", undefined, null)
      assert.strictEqual(
        yield* w.fail("Login", "POST", "/api/v1/auth/login", 401, { username: "nobody", password: "" }, "unary", null),
        "invalid credentials"
      )
      assert.strictEqual(
        yield* w.fail("Login", "POST", "/api/v1/auth/login", 400, { username: "" }, "unary", null),
        "missing argument: username"
      )
      yield* w.fail("Login", "POST", "/api/v1/auth/login", 400, "{not json", "unary", null)
      const login = yield* w.call("Login", "POST", "/api/v1/auth/login", { username: "determined", password: "" }, null)
      w.token = login.token
      yield* w.call("Login", "POST", "/api/v1/auth/login", { username: "admin", password: "", isHashed: true }, null)
      assert.strictEqual(
        yield* w.fail("GetExperiments", "GET", "/api/v1/experiments", 401, undefined, "unary", null),
        "token missing"
      )
      assert.strictEqual(
        yield* w.fail("GetExperiments", "GET", "/api/v1/experiments", 401, undefined, "unary", "bogus"),
        "invalid credentials"
      )
      yield* w.call("CurrentUser", "GET", "/api/v1/auth/user")
      const me = yield* w.call("GetMe", "GET", "/api/v1/me")
      assert.strictEqual(me.user.username, "determined")
      const users = yield* w.call("GetUsers", "GET", "/api/v1/users?limit=1&offset=1")
      assert.deepStrictEqual(users.pagination, { offset: 1, limit: 1, startIndex: 1, endIndex: 2, total: 2 })
      yield* w.call("GetUsers", "GET", "/api/v1/users?name=ADM&sortBy=SORT_BY_USER_NAME&orderBy=ORDER_BY_DESC")
      assert.strictEqual(yield* w.fail("GetUsers", "GET", "/api/v1/users?offset=5", 400), "offset out of bounds")
      yield* w.call("GetUser", "GET", "/api/v1/users/1")
      yield* w.fail("GetUser", "GET", "/api/v1/users/99", 404)
      assert.match(yield* w.fail("GetUser", "GET", "/api/v1/users/abc", 400), /^type mismatch, parameter: user_id/)
      yield* w.call("GetUserByUsername", "GET", "/api/v1/users/admin/by-username")
      yield* w.fail("GetUserByUsername", "GET", "/api/v1/users/nobody/by-username", 404)
      const pools = yield* w.call("GetResourcePools", "GET", "/api/v1/resource-pools")
      assert.strictEqual(pools.resourcePools[0].name, "default")

      // ---- workspaces and projects ---------------------------------------------------------------------------
      const ws1 = yield* w.call("GetWorkspace", "GET", "/api/v1/workspaces/1")
      assert.strictEqual(ws1.workspace.immutable, true)
      yield* w.fail("GetWorkspace", "GET", "/api/v1/workspaces/77", 404)
      const ws = (yield* w.call("PostWorkspace", "POST", "/api/v1/workspaces", { name: "team" })).workspace
      assert.strictEqual(ws.pinned, true)
      yield* w.fail("PostWorkspace", "POST", "/api/v1/workspaces", 409, { name: "TEAM" })
      yield* w.fail("PostWorkspace", "POST", "/api/v1/workspaces", 400, { name: "" })
      const ws2 = (yield* w.call("PostWorkspace", "POST", "/api/v1/workspaces", { name: "other" })).workspace
      yield* w.call("PatchWorkspace", "PATCH", `/api/v1/workspaces/${ws2.id}`, { name: "other2" })
      yield* w.call("UnpinWorkspace", "POST", `/api/v1/workspaces/${ws.id}/unpin`)
      yield* w.call("PinWorkspace", "POST", `/api/v1/workspaces/${ws.id}/pin`)
      yield* w.call("GetWorkspaces", "GET", "/api/v1/workspaces?sortBy=SORT_BY_NAME&pinned=true")
      yield* w.call("ArchiveWorkspace", "POST", `/api/v1/workspaces/${ws2.id}/archive`)
      yield* w.call("UnarchiveWorkspace", "POST", `/api/v1/workspaces/${ws2.id}/unarchive`)
      yield* w.fail("PostProject", "POST", "/api/v1/workspaces/1/projects", 500, { name: "p", workspaceId: 1 })
      const project = (yield* w.call("PostProject", "POST", `/api/v1/workspaces/${ws.id}/projects`, {
        name: "vision",
        workspaceId: ws.id
      })).project
      assert.match(project.key, /^VIS[A-Z0-9]{2}$/)
      yield* w.fail("PostProject", "POST", `/api/v1/workspaces/${ws.id}/projects`, 409, { name: "vision" })
      yield* w.fail("PostProject", "POST", `/api/v1/workspaces/${ws.id}/projects`, 400, { name: "x", key: "toolong" })
      yield* w.call("GetProject", "GET", `/api/v1/projects/${project.id}`)
      yield* w.fail("GetProject", "GET", "/api/v1/projects/999", 404)
      yield* w.call("GetProjectByKey", "GET", `/api/v1/projects/key/${project.key.toLowerCase()}`)
      yield* w.fail("GetProjectByKey", "GET", "/api/v1/projects/key/NOPE", 404)
      yield* w.call("PatchProject", "PATCH", `/api/v1/projects/${project.id}`, { description: "d" })
      const notes = yield* w.call("AddProjectNote", "POST", `/api/v1/projects/${project.id}/notes`, {
        name: "n1",
        contents: "c1"
      })
      assert.strictEqual(notes.notes.length, 1)
      yield* w.call("PutProjectNotes", "PUT", `/api/v1/projects/${project.id}/notes`, {
        notes: [{ name: "a", contents: "b" }],
        projectId: project.id
      })
      yield* w.call("ArchiveProject", "POST", `/api/v1/projects/${project.id}/archive`)
      yield* w.call("UnarchiveProject", "POST", `/api/v1/projects/${project.id}/unarchive`)
      const spare = (yield* w.call("PostProject", "POST", `/api/v1/workspaces/${ws.id}/projects`, { name: "spare" }))
        .project
      yield* w.call("MoveProject", "POST", `/api/v1/projects/${spare.id}/move`, { destinationWorkspaceId: ws2.id })
      yield* w.call("GetWorkspaceProjects", "GET", `/api/v1/workspaces/${ws.id}/projects?sortBy=SORT_BY_NAME`)

      // ---- experiments -----------------------------------------------------------------------------------------
      assert.strictEqual(
        yield* w.fail("CreateExperiment", "POST", "/api/v1/experiments", 500, { config: "name: x\n" }),
        "managed experiments require entrypoint"
      )
      yield* w.fail("CreateExperiment", "POST", "/api/v1/experiments", 404, {
        config: singleConfig(),
        projectId: 4242
      })
      const validated = yield* w.call("CreateExperiment", "POST", "/api/v1/experiments", {
        config: singleConfig(),
        validateOnly: true
      })
      assert.strictEqual(validated.experiment.id, 0)
      const created = yield* w.call("CreateExperiment", "POST", "/api/v1/experiments", {
        config: gridConfig,
        modelDefinition,
        activate: true
      })
      const expId = created.experiment.id as number
      assert.strictEqual(created.experiment.state, "STATE_QUEUED")
      assert.strictEqual(created.experiment.numTrials, 4)
      const paused = (yield* w.call("CreateExperiment", "POST", "/api/v1/experiments", {
        config: singleConfig(1000),
        activate: false,
        projectId: project.id
      })).experiment
      assert.strictEqual(paused.state, "STATE_PAUSED")
      yield* w.call("GetExperiment", "GET", `/api/v1/experiments/${expId}`)
      yield* w.fail("GetExperiment", "GET", "/api/v1/experiments/999", 404)
      yield* w.fail("GetExperiment", "GET", "/api/v1/experiments/one", 400)
      yield* w.call("GetExperimentTrials", "GET", `/api/v1/experiments/${expId}/trials`)
      yield* TestClock.adjust("1500 millis")
      const running = yield* w.call("GetExperiment", "GET", `/api/v1/experiments/${expId}`)
      assert.strictEqual(running.experiment.state, "STATE_RUNNING")
      assert.deepStrictEqual(running.jobSummary, { state: "STATE_SCHEDULED", jobsAhead: 0 })
      yield* w.call("ActivateExperiment", "POST", `/api/v1/experiments/${paused.id}/activate`)
      yield* w.call("PauseExperiment", "POST", `/api/v1/experiments/${paused.id}/pause`)
      yield* TestClock.adjust("30 seconds")

      const exp = yield* w.call("GetExperiment", "GET", `/api/v1/experiments/${expId}`)
      assert.strictEqual(exp.experiment.state, "STATE_COMPLETED")
      const list = yield* w.call(
        "GetExperiments",
        "GET",
        `/api/v1/experiments?limit=-1&showTrialData=true&states=STATE_COMPLETED&sortBy=SORT_BY_SEARCHER_METRIC_VAL`
      )
      assert.strictEqual(list.experiments.length, 1)
      assert.isNumber(list.experiments[0].bestTrialSearcherMetric)
      yield* w.call("GetExperiments", "GET", `/api/v1/experiments?projectId=${project.id}&limit=-2`)
      yield* w.fail("GetExperiments", "GET", "/api/v1/experiments?projectId=999", 404)
      const trials = (yield* w.call("GetExperimentTrials", "GET", `/api/v1/experiments/${expId}/trials?limit=-1`))
        .trials
      assert.strictEqual(trials.length, 4)
      const trialId = trials[0].id as number
      yield* w.call("GetTrial", "GET", `/api/v1/trials/${trialId}`)
      yield* w.fail("GetTrial", "GET", "/api/v1/trials/9999", 404)
      yield* w.fail("GetTrial", "GET", "/api/v1/trials/abc", 400)

      const ckpts = (yield* w.call("GetExperimentCheckpoints", "GET", `/api/v1/experiments/${expId}/checkpoints`))
        .checkpoints
      assert.isAbove(ckpts.length, 0)
      yield* w.call(
        "GetExperimentCheckpoints",
        "GET",
        `/api/v1/experiments/${expId}/checkpoints?sortByAttr=SORT_BY_SEARCHER_METRIC&states=STATE_COMPLETED`
      )
      yield* w.fail(
        "GetExperimentCheckpoints",
        "GET",
        `/api/v1/experiments/${expId}/checkpoints?sortByAttr=SORT_BY_UUID&sortByMetric=accuracy`,
        400
      )
      yield* w.fail("GetExperimentCheckpoints", "GET", `/api/v1/experiments/${expId}/checkpoints?offset=-99`, 400)
      const trialCkpts = (yield* w.call("GetTrialCheckpoints", "GET", `/api/v1/trials/${trialId}/checkpoints`))
        .checkpoints
      const ckpt = trialCkpts.find((c: any) => c.state === "STATE_COMPLETED")
      yield* w.call("GetCheckpoint", "GET", `/api/v1/checkpoints/${ckpt.uuid}`)
      yield* w.fail("GetCheckpoint", "GET", "/api/v1/checkpoints/not-a-uuid", 500)
      yield* w.fail("GetCheckpoint", "GET", "/api/v1/checkpoints/00000000-0000-4000-8000-000000000000", 404)
      const withMeta = yield* w.call("PostCheckpointMetadata", "POST", `/api/v1/checkpoints/${ckpt.uuid}/metadata`, {
        checkpoint: { uuid: ckpt.uuid, metadata: { note: "best" } }
      })
      assert.deepStrictEqual(withMeta.checkpoint.metadata, { note: "best" })
      yield* w.call("GetTrialMetricsByCheckpoint", "GET", `/api/v1/checkpoints/${ckpt.uuid}/metrics`)

      // ---- streams ---------------------------------------------------------------------------------------------
      const logs = yield* w.stream("TrialLogs", `/api/v1/trials/${trialId}/logs`)
      assert.isAbove(logs.length, 10)
      yield* w.stream("TrialLogs", `/api/v1/trials/${trialId}/logs?levels=LOG_LEVEL_INFO&limit=3&orderBy=ORDER_BY_DESC`)
      yield* w.fail("TrialLogs", "GET", "/api/v1/trials/9999/logs", 404)
      yield* w.fail("TrialLogs", "GET", "/api/v1/trials/x/logs", 400, undefined, "unary")
      yield* w.stream("TrialLogsFields", `/api/v1/trials/${trialId}/logs/fields`)
      const ids = trials.map((t: any) => `trialIds=${t.id}`).join("&")
      const tm = yield* w.stream("GetTrainingMetrics", `/api/v1/trials/metrics/training_metrics?${ids}`)
      assert.isAbove(tm.length, 0)
      yield* w.stream("GetValidationMetrics", `/api/v1/trials/metrics/validation_metrics?${ids}`)
      yield* w.stream("GetMetrics", `/api/v1/trials/metrics/trial_metrics?${ids}&group=validation`)
      yield* w.fail("GetMetrics", "GET", "/api/v1/trials/metrics/trial_metrics?group=training", 400)

      // ---- experiment artefacts, labels, patch, move ----------------------------------------------------------
      const def = yield* w.call("GetModelDef", "GET", `/api/v1/experiments/${expId}/model_def`)
      assert.isAbove(def.b64Tgz.length, 0)
      const tree = yield* w.call("GetModelDefTree", "GET", `/api/v1/experiments/${expId}/file_tree`)
      assert.deepStrictEqual(tree.files.map((f: any) => f.name), ["data", "train.py"])
      const file = yield* w.call("GetModelDefFile", "POST", `/api/v1/experiments/${expId}/file`, { path: "train.py" })
      assert.strictEqual(Buffer.from(file.file, "base64").toString(), "print('hello')\n")
      yield* w.fail("GetModelDefFile", "POST", `/api/v1/experiments/${expId}/file`, 404, { path: "nope.py" })
      yield* w.call("PutExperimentLabel", "PUT", `/api/v1/experiments/${expId}/labels/a%20b`)
      const labels = yield* w.call("PutExperimentLabel", "PUT", `/api/v1/experiments/${expId}/labels/c`)
      assert.deepStrictEqual(labels.labels, ["a b", "c"])
      yield* w.call("DeleteExperimentLabel", "DELETE", `/api/v1/experiments/${expId}/labels/c`)
      yield* w.fail("PutExperimentLabel", "PUT", `/api/v1/experiments/999/labels/c`, 500)
      yield* w.call("GetExperimentLabels", "GET", "/api/v1/experiment/labels")
      const history = yield* w.call(
        "GetExperimentValidationHistory",
        "GET",
        `/api/v1/experiments/${expId}/validation-history`
      )
      assert.isAbove(history.validationHistory.length, 0)
      yield* w.call(
        "GetBestSearcherValidationMetric",
        "GET",
        `/api/v1/experiments/${expId}/searcher/best_searcher_validation_metric`
      )
      yield* w.fail(
        "GetBestSearcherValidationMetric",
        "GET",
        `/api/v1/experiments/${paused.id}/searcher/best_searcher_validation_metric`,
        404
      )
      const patched = yield* w.call("PatchExperiment", "PATCH", `/api/v1/experiments/${expId}`, {
        name: "renamed",
        notes: "hello",
        labels: ["x", "x", "y"]
      })
      assert.strictEqual(patched.experiment.name, "renamed")
      assert.deepStrictEqual([...patched.experiment.labels].sort(), ["x", "y"])
      yield* w.fail("PatchExperiment", "PATCH", `/api/v1/experiments/${expId}`, 400, { name: "  " })
      yield* w.call("MoveExperiment", "POST", `/api/v1/experiments/${expId}/move`, {
        destinationProjectId: project.id
      })
      yield* w.fail("MoveExperiment", "POST", `/api/v1/experiments/${expId}/move`, 404, { destinationProjectId: 999 })
      yield* w.fail("ActivateExperiment", "POST", `/api/v1/experiments/${expId}/activate`, 404)
      yield* w.fail("PauseExperiment", "POST", `/api/v1/experiments/${expId}/pause`, 400)
      yield* w.fail("UnarchiveExperiment", "POST", `/api/v1/experiments/${expId}/unarchive`, 400)
      yield* w.fail("ArchiveExperiment", "POST", `/api/v1/experiments/${paused.id}/archive`, 400)
      yield* w.call("ArchiveExperiment", "POST", `/api/v1/experiments/${expId}/archive`)
      yield* w.fail("ArchiveExperiment", "POST", `/api/v1/experiments/${expId}/archive`, 400)
      yield* w.call("UnarchiveExperiment", "POST", `/api/v1/experiments/${expId}/unarchive`)

      // ---- model registry --------------------------------------------------------------------------------------
      const model = (yield* w.call("PostModel", "POST", "/api/v1/models", {
        name: "mnist",
        labels: ["prod"],
        metadata: { a: 1 }
      })).model
      yield* w.fail("PostModel", "POST", "/api/v1/models", 409, { name: "mnist" })
      yield* w.fail("PostModel", "POST", "/api/v1/models", 400, { name: "123" })
      yield* w.call("GetModel", "GET", "/api/v1/models/mnist")
      yield* w.call("GetModel", "GET", `/api/v1/models/${model.id}`)
      assert.strictEqual(yield* w.fail("GetModel", "GET", "/api/v1/models/nope", 404), "model \"nope\" not found")
      yield* w.call("GetModels", "GET", "/api/v1/models?labels=prod&sortBy=SORT_BY_NAME")
      yield* w.call("PatchModel", "PATCH", "/api/v1/models/mnist", { description: "digits" })
      const mv = (yield* w.call("PostModelVersion", "POST", "/api/v1/models/mnist/versions", {
        checkpointUuid: ckpt.uuid,
        modelName: "mnist",
        comment: "first"
      })).modelVersion
      assert.strictEqual(mv.version, 1)
      yield* w.fail("PostModelVersion", "POST", "/api/v1/models/mnist/versions", 404, {
        checkpointUuid: "00000000-0000-4000-8000-000000000000"
      })
      yield* w.call("GetModelVersion", "GET", "/api/v1/models/mnist/versions/1")
      yield* w.fail("GetModelVersion", "GET", "/api/v1/models/mnist/versions/7", 404)
      yield* w.call("GetModelVersions", "GET", "/api/v1/models/mnist/versions?orderBy=ORDER_BY_DESC")
      yield* w.call("PatchModelVersion", "PATCH", "/api/v1/models/mnist/versions/1", { comment: "updated" })
      yield* w.call("GetModelLabels", "GET", "/api/v1/model/labels")
      yield* w.call("ArchiveModel", "POST", "/api/v1/models/mnist/archive")
      yield* w.fail("PostModelVersion", "POST", "/api/v1/models/mnist/versions", 500, { checkpointUuid: ckpt.uuid })
      yield* w.call("UnarchiveModel", "POST", "/api/v1/models/mnist/unarchive")
      yield* w.call("MoveModel", "POST", "/api/v1/models/mnist/move", { destinationWorkspaceId: ws.id })
      yield* w.fail("DeleteExperiment", "DELETE", `/api/v1/experiments/${expId}`, 400)
      yield* w.fail("DeleteCheckpoints", "DELETE", "/api/v1/checkpoints", 400, { checkpointUuids: [ckpt.uuid] })
      yield* w.call("DeleteModelVersion", "DELETE", "/api/v1/models/mnist/versions/1")
      yield* w.fail("DeleteWorkspace", "DELETE", `/api/v1/workspaces/${ws.id}`, 400)
      yield* w.call("DeleteModel", "DELETE", "/api/v1/models/mnist")

      // ---- checkpoint files ------------------------------------------------------------------------------------
      const others = ckpts.filter((c: any) => c.uuid !== ckpt.uuid && c.state === "STATE_COMPLETED")
      yield* w.call("PatchCheckpoints", "PATCH", "/api/v1/checkpoints", {
        checkpoints: [{ uuid: ckpt.uuid, resources: { resources: { "metadata.json": "10" } } }]
      })
      assert.strictEqual(
        (yield* w.call("GetCheckpoint", "GET", `/api/v1/checkpoints/${ckpt.uuid}`)).checkpoint.state,
        "STATE_PARTIALLY_DELETED"
      )
      if (others.length > 0) {
        yield* w.call("CheckpointsRemoveFiles", "POST", "/api/v1/checkpoints/rm", {
          checkpointUuids: [others[0].uuid],
          checkpointGlobs: ["code/**"]
        })
        yield* w.call("DeleteCheckpoints", "DELETE", "/api/v1/checkpoints", {
          checkpointUuids: others.slice(1).map((c: any) => c.uuid)
        })
      }
      yield* w.fail("DeleteCheckpoints", "DELETE", "/api/v1/checkpoints", 400, { checkpointUuids: ["zzz"] })
      yield* TestClock.adjust("2 seconds")

      // ---- trial and experiment stops, deletes ------------------------------------------------------------------
      const live = (yield* w.call("CreateExperiment", "POST", "/api/v1/experiments", {
        config: singleConfig(5000),
        activate: true
      })).experiment
      yield* TestClock.adjust("2 seconds")
      const liveTrial = (yield* w.call("GetExperiment", "GET", `/api/v1/experiments/${live.id}`)).experiment.trialIds[0]
      yield* w.fail("PatchTrial", "PATCH", `/api/v1/trials/${liveTrial}`, 500, { state: "STATE_COMPLETED" })
      yield* w.call("KillTrial", "POST", `/api/v1/trials/${liveTrial}/kill`)
      yield* w.fail("KillTrial", "POST", "/api/v1/trials/9999/kill", 404)
      yield* w.call("CancelExperiment", "POST", `/api/v1/experiments/${paused.id}/cancel`)
      yield* w.call("KillExperiment", "POST", `/api/v1/experiments/${paused.id}/kill`)
      yield* w.fail("KillExperiment", "POST", "/api/v1/experiments/999/kill", 404)
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(
        (yield* w.call("GetExperiment", "GET", `/api/v1/experiments/${paused.id}`)).experiment.state,
        "STATE_CANCELED"
      )
      yield* w.call("DeleteExperiment", "DELETE", `/api/v1/experiments/${paused.id}`)
      const deleting = yield* w.call("GetExperiment", "GET", `/api/v1/experiments/${paused.id}`)
      assert.strictEqual(deleting.experiment.state, "STATE_DELETING")
      yield* TestClock.adjust("2 seconds")
      yield* w.fail("GetExperiment", "GET", `/api/v1/experiments/${paused.id}`, 404)
      const emptyProject = (yield* w.call("PostProject", "POST", `/api/v1/workspaces/${ws.id}/projects`, {
        name: "empty"
      })).project
      assert.strictEqual(
        (yield* w.call("DeleteProject", "DELETE", `/api/v1/projects/${emptyProject.id}`)).completed,
        true
      )
      assert.strictEqual((yield* w.call("DeleteWorkspace", "DELETE", `/api/v1/workspaces/${ws2.id}`)).completed, false)
      // ---- issue 10: users create/patch, templates, resource-pool bindings, model-version metrics, tensorboard ----
      const userToken = w.token
      w.token = yield* master.token("admin")
      const newUser = (yield* w.call("PostUser", "POST", "/api/v1/users", {
        user: { username: "walker", active: true, displayName: "Walker" },
        password: "",
        isHashed: true
      })).user
      yield* w.fail("PostUser", "POST", "/api/v1/users", 400, { user: { username: "w" } })
      yield* w.fail("PostUser", "POST", "/api/v1/users", 500, { user: { username: "walker" } })
      yield* w.call("PatchUser", "PATCH", `/api/v1/users/${newUser.id}`, {
        displayName: "W",
        active: false,
        agentUserGroup: { agentUid: 1, agentGid: 2, agentUser: "u", agentGroup: "g" }
      })
      yield* w.fail("PatchUser", "PATCH", "/api/v1/users/999", 404, { active: true })
      yield* w.call("PostTemplate", "POST", "/api/v1/templates/tpl", { name: "tpl", config: { max_restarts: 2 } })
      yield* w.fail("PostTemplate", "POST", "/api/v1/templates/tpl", 500, { name: "tpl", config: {} })
      yield* w.call("PutTemplate", "PUT", "/api/v1/templates/tpl2", { name: "tpl2", config: { a: 1 } })
      yield* w.call("PutTemplate", "PUT", "/api/v1/templates/tpl2", { name: "tpl2", config: { a: 2 }, workspaceId: 1 })
      yield* w.call("GetTemplate", "GET", "/api/v1/templates/tpl")
      yield* w.fail("GetTemplate", "GET", "/api/v1/templates/none", 404)
      yield* w.call("GetTemplates", "GET", "/api/v1/templates?orderBy=ORDER_BY_DESC&limit=1")
      yield* w.call("PatchTemplateConfig", "PATCH", "/api/v1/templates/tpl2", { b: [1, 2] })
      yield* w.fail("PatchTemplateConfig", "PATCH", "/api/v1/templates/none", 500, { b: 1 })
      yield* w.call("PatchTemplateName", "PATCH", "/api/v1/template/rename", { oldName: "tpl2", newName: "tpl3" })
      yield* w.call("DeleteTemplate", "DELETE", "/api/v1/templates/tpl3")
      yield* w.fail("DeleteTemplate", "DELETE", "/api/v1/templates/tpl3", 500)
      const fromTemplate = yield* w.call("CreateExperiment", "POST", "/api/v1/experiments", {
        config: singleConfig(),
        template: "tpl",
        activate: false
      })
      assert.strictEqual(fromTemplate.experiment.config.max_restarts, 2)
      yield* w.fail("CreateExperiment", "POST", "/api/v1/experiments", 404, { config: singleConfig(), template: "x" })
      yield* w.call("BindRPToWorkspace", "POST", "/api/v1/resource-pools/gpu/workspace-bindings", {
        resourcePoolName: "gpu",
        workspaceIds: [ws.id]
      })
      assert.strictEqual(
        yield* w.fail("BindRPToWorkspace", "POST", "/api/v1/resource-pools/default/workspace-bindings", 500, {
          resourcePoolName: "default",
          workspaceIds: [ws.id]
        }),
        "default resource pool default cannot be bound to any workspace"
      )
      yield* w.call("ListWorkspacesBoundToRP", "GET", "/api/v1/resource-pools/gpu/workspace-bindings?limit=5")
      yield* w.fail("ListWorkspacesBoundToRP", "GET", "/api/v1/resource-pools/zz/workspace-bindings?limit=5", 500)
      yield* w.call("ListRPsBoundToWorkspace", "GET", `/api/v1/workspaces/${ws.id}/available-resource-pools?limit=5`)
      yield* w.call("GetResourcePools", "GET", "/api/v1/resource-pools?unbound=true")
      yield* w.call("OverwriteRPWorkspaceBindings", "PUT", "/api/v1/resource-pools/gpu/workspace-bindings", {
        resourcePoolName: "gpu",
        workspaceIds: [1]
      })
      yield* w.call("UnbindRPFromWorkspace", "DELETE", "/api/v1/resource-pools/gpu/workspace-bindings", {
        resourcePoolName: "gpu",
        workspaceIds: [1]
      })
      yield* w.fail("UnbindRPFromWorkspace", "DELETE", "/api/v1/resource-pools/gpu/workspace-bindings", 500, {
        resourcePoolName: "gpu",
        workspaceIds: [1]
      })
      yield* w.call("PostModel", "POST", "/api/v1/models", { name: "reg" })
      const [seeded] = yield* master.seedExperiments(1)
      const seededCkpt = (yield* w.call("GetExperimentCheckpoints", "GET", `/api/v1/experiments/${seeded}/checkpoints`))
        .checkpoints[0]
      yield* w.call("PostModelVersion", "POST", "/api/v1/models/reg/versions", {
        checkpointUuid: seededCkpt.uuid,
        modelName: "reg"
      })
      yield* w.call(
        "GetTrialMetricsByModelVersion",
        "GET",
        "/api/v1/models/reg/versions/1/metrics?metricGroup=training"
      )
      yield* w.fail("GetTrialMetricsByModelVersion", "GET", "/api/v1/models/reg/versions/9/metrics", 404)
      yield* w.call("DeleteTensorboardFiles", "DELETE", `/api/v1/experiments/${expId}/tensorboard-files`)
      yield* w.fail("DeleteTensorboardFiles", "DELETE", "/api/v1/experiments/999/tensorboard-files", 500)
      // ---- search: the filter language (issue 19) ------------------------------------------------------------
      const lossBelow = (v: number) =>
        JSON.stringify({
          filterGroup: {
            kind: "group",
            conjunction: "and",
            children: [{
              kind: "field",
              columnName: "validation.validation_loss.min",
              location: "LOCATION_TYPE_VALIDATIONS",
              operator: "<",
              type: "COLUMN_TYPE_NUMBER",
              value: v
            }]
          },
          showArchived: true
        })
      const searched = yield* w.call("SearchExperiments", "POST", "/api/v1/experiments-search", {
        projectId: 1,
        limit: 5,
        sort: "validation.validation_loss.min=asc",
        filter: lossBelow(10)
      })
      assert.isAbove(searched.experiments.length, 0)
      assert.strictEqual(searched.experiments[0].experiment.bestTrialId, searched.experiments[0].bestTrial.id)
      yield* w.call("SearchExperiments", "POST", "/api/v1/experiments-search", { limit: -1 })
      assert.strictEqual(
        yield* w.fail("SearchExperiments", "POST", "/api/v1/experiments-search", 500, { filter: "x" }),
        "invalid character 'x' looking for beginning of value"
      )
      assert.strictEqual(
        yield* w.fail("SearchExperiments", "POST", "/api/v1/experiments-search", 500, {
          filter: JSON.stringify({
            filterGroup: { kind: "field", columnName: "nope", operator: "=", value: 1 }
          })
        }),
        "invalid experiment column nope"
      )
      assert.strictEqual(
        yield* w.fail("SearchExperiments", "POST", "/api/v1/experiments-search", 400, { sort: "id=up" }),
        "invalid sort direction: up"
      )
      assert.strictEqual(
        yield* w.fail("SearchExperiments", "POST", "/api/v1/experiments-search", 404, { projectId: 0 }),
        "project '0' not found"
      )
      const runs = yield* w.call("SearchRuns", "POST", "/api/v1/runs", {
        projectId: 1,
        limit: 10,
        sort: "id=desc",
        filter: lossBelow(10)
      })
      assert.isAbove(runs.runs.length, 0)
      assert.match(runs.runs[0].localId, /^[A-Z0-9]+-\d+$/)
      assert.match(
        yield* w.fail("SearchRuns", "POST", "/api/v1/runs", 500, {
          filter: JSON.stringify({
            filterGroup: {
              kind: "field",
              columnName: "id",
              location: "LOCATION_TYPE_RUN",
              operator: "contains",
              value: "1"
            }
          })
        }),
        /^ERROR: operator does not exist: integer ~~\* unknown/
      )
      assert.strictEqual(
        yield* w.fail("SearchRuns", "POST", "/api/v1/runs", 400, { sort: "" }),
        "invalid sort parameter: "
      )
      const expColumns = yield* w.call("GetProjectColumns", "GET", "/api/v1/projects/1/columns")
      assert.strictEqual(expColumns.columns[0].column, "id")
      assert.isTrue(
        expColumns.columns.some((c: { column: string }) => c.column === "validation.validation_loss.min")
      )
      const runColumns = yield* w.call(
        "GetProjectColumns",
        "GET",
        "/api/v1/projects/1/columns?tableType=TABLE_TYPE_RUN"
      )
      assert.strictEqual(runColumns.columns[0].displayName, "Global Run ID")
      yield* w.fail("GetProjectColumns", "GET", "/api/v1/projects/999/columns", 404)
      const ranges = yield* w.call(
        "GetProjectNumericMetricsRange",
        "GET",
        "/api/v1/projects/1/experiments/metric-ranges"
      )
      assert.isAbove(ranges.ranges.length, 0)
      yield* w.fail("GetProjectNumericMetricsRange", "GET", "/api/v1/projects/999/experiments/metric-ranges", 404)

      w.token = userToken
      yield* unmanagedWalk(w, expId)

      yield* w.call("Logout", "POST", "/api/v1/auth/logout")
      yield* w.fail("GetMe", "GET", "/api/v1/me", 401)

      // ---- unknown paths, wrong methods, unimplemented endpoints ------------------------------------------------
      for (
        const [method, path] of [["GET", "/api/v1/nope"], ["DELETE", "/api/v1/master"], ["GET", "/api/v1/tasks/count"]]
      ) {
        const r = yield* call(master, method!, path!, { token: login.token })
        assert.strictEqual(r.status, 501)
        assert.deepStrictEqual(r.json, { error: { code: 12, reason: "Unimplemented", error: "Not Implemented" } })
      }

      // ---- coverage: every implemented route was exercised successfully ----------------------------------------
      const missing = Object.keys(routes).filter((name) => !w.ok.has(name))
      assert.deepStrictEqual(missing, [], "implemented endpoints not exercised by the walk")
    }))

  it("the validator itself rejects unknown fields, wrong types and bad enums", () => {
    const c = contract!
    const good = {
      id: 1,
      username: "u",
      admin: false,
      active: true,
      agentUserGroup: null,
      displayName: "",
      modifiedAt: null,
      remote: false
    }
    assertResponse(c, "GetUser", { user: good })
    assert.throws(() => assertResponse(c, "GetUser", { user: { ...good, extra: 1 } }), /unknown field "extra"/)
    assert.throws(() => assertResponse(c, "GetUser", { user: { ...good, id: "1" } }), /expected integer/)
    assert.throws(() => assertResponse(c, "GetUser", { user: { ...good, modifiedAt: "yesterday" } }), /RFC 3339/)
    const { remote: _, ...noRemote } = good
    assert.throws(() => assertResponse(c, "GetUser", { user: noRemote }), /missing field "remote"/)
    assert.throws(
      () =>
        assertStreamLine(c, "TrialLogs", {
          result: { id: 5, timestamp: null, message: "", level: "INFO", trialId: 1 }
        }),
      /int64|enum/
    )
  })
})

/**
 * The Core API routes (core-api.md): an unmanaged experiment and trial created, put again, started, patched,
 * reported to and read back, with the documented error of every mistake. `managedExp` is a managed experiment.
 */
function unmanagedWalk(w: Walk, managedExp: number) {
  return Effect.gen(function*() {
    const yaml = "name: walk\nsearcher: {name: single, metric: loss}\ncheckpoint_storage: {type: directory, " +
      "container_path: /tmp/walk}\n"
    const created = yield* w.call("CreateExperiment", "POST", "/api/v1/experiments", { config: yaml, unmanaged: true })
    assert.strictEqual(created.experiment.unmanaged, true)
    assert.strictEqual(created.experiment.state, "STATE_PAUSED")
    const put = yield* w.call("PutExperiment", "PUT", "/api/v1/experiments/by-external-id/ext%2F1", {
      config: yaml,
      unmanaged: true
    })
    const E = put.experiment.id
    const again = yield* w.call("PutExperiment", "PUT", "/api/v1/experiments/by-external-id/ext%2F1", {
      config: yaml.replace("name: walk", "name: walk2"),
      unmanaged: true
    })
    assert.strictEqual(again.experiment.id, E)
    assert.strictEqual(again.experiment.name, "walk2")
    const rows = yield* w.call("GetExperiments", "GET", `/api/v1/experiments?experimentIdFilter.incl=${E}`)
    assert.strictEqual(rows.experiments[0].externalExperimentId, "ext/1")
    assert.strictEqual(
      yield* w.fail("PutExperiment", "PUT", "/api/v1/experiments/by-external-id/x", 500, { config: yaml }),
      "only unmanaged experiments are supported"
    )
    assert.strictEqual(
      yield* w.fail("PutExperiment", "PUT", "/api/v1/experiments/by-external-id/x", 500, {
        config: yaml,
        unmanaged: true,
        parentId: 3
      }),
      "can't fork into an unmanaged experiment"
    )
    assert.match(
      yield* w.fail("PutExperiment", "PUT", "/api/v1/experiments/by-external-id/x", 500, {
        config: "searcher: {name: nope}",
        unmanaged: true
      }),
      /^failed to parse exp config: invalid experiment configuration: /
    )

    const plain = yield* w.call("CreateTrial", "POST", "/api/v1/trials", {
      experimentId: created.experiment.id,
      hparams: null,
      unmanaged: true
    })
    assert.match(plain.trial.taskId, new RegExp(`^${created.experiment.id}\\.[0-9a-f-]{36}$`))
    yield* w.fail("CreateTrial", "POST", "/api/v1/trials", 404, { experimentId: 999, unmanaged: true })
    assert.strictEqual(
      yield* w.fail("CreateTrial", "POST", "/api/v1/trials", 500, { experimentId: E }),
      "only unmanaged trials are supported"
    )
    assert.strictEqual(
      yield* w.fail("CreateTrial", "POST", "/api/v1/trials", 500, { experimentId: managedExp, unmanaged: true }),
      "trials can only be created on unmanaged experiments"
    )
    const trialBody = { createTrialRequest: { experimentId: E, hparams: { lr: 0.1 }, unmanaged: true } }
    const t = (yield* w.call("PutTrial", "PUT", "/api/v1/trials", { ...trialBody, externalTrialId: "t1" })).trial
    assert.strictEqual(t.taskId, `${E}.t1`)
    assert.strictEqual(t.state, "STATE_PAUSED")
    const T = t.id
    const t2 = yield* w.call("PutTrial", "PUT", "/api/v1/trials", {
      createTrialRequest: { experimentId: E, hparams: { lr: 0.2 }, unmanaged: true },
      externalTrialId: "t1"
    })
    assert.strictEqual(t2.trial.id, T)
    assert.deepStrictEqual(t2.trial.hparams, { lr: 0.2 })
    assert.strictEqual(
      yield* w.fail("PutTrial", "PUT", "/api/v1/trials", 500, {
        createTrialRequest: { experimentId: managedExp, unmanaged: true },
        externalTrialId: "t1"
      }),
      "failed to run create trial tx: failed to create trial: trials can only be created on unmanaged experiments"
    )
    yield* w.fail("PutTrial", "PUT", "/api/v1/trials", 404, {
      createTrialRequest: { experimentId: 999, unmanaged: true },
      externalTrialId: "t1"
    })

    const [managedTrial] = (yield* w.call("GetExperiment", "GET", `/api/v1/experiments/${managedExp}`)).experiment
      .trialIds as Array<number>
    const start = yield* w.call("StartTrial", "POST", `/api/v1/trials/${T}/start`, { trialId: T, resume: true })
    assert.deepStrictEqual(start, { trialRunId: 1, stepsCompleted: 0 })
    assert.strictEqual(
      yield* w.fail("StartTrial", "POST", `/api/v1/trials/${T}/start`, 500, { trialId: T }),
      "failed to start trial: trial has already been started"
    )
    assert.strictEqual(
      yield* w.fail("StartTrial", "POST", "/api/v1/trials/999/start", 500, { trialId: 999, resume: true }),
      "failed to find experiment by trial id: not found"
    )
    if (managedTrial !== undefined) {
      assert.strictEqual(
        yield* w.fail("StartTrial", "POST", `/api/v1/trials/${managedTrial}/start`, 500, { resume: true }),
        "only unmanaged trials are supported"
      )
      assert.strictEqual(
        yield* w.fail("PatchTrial", "PATCH", `/api/v1/trials/${managedTrial}`, 500, {}),
        "only unmanaged trials are supported"
      )
    }
    const storage = { type: "directory", container_path: "/tmp/walk" }
    const prep = yield* w.call("RunPrepareForReporting", "POST", "/api/v1/runs/start", {
      runId: T,
      checkpointStorage: storage
    })
    const prep2 = yield* w.call("RunPrepareForReporting", "POST", "/api/v1/runs/start", {
      runId: T,
      checkpointStorage: { ...storage }
    })
    assert.strictEqual(prep2.storageId, prep.storageId)
    assert.deepStrictEqual(yield* w.call("RunPrepareForReporting", "POST", "/api/v1/runs/start", { runId: T }), {})
    yield* w.fail("RunPrepareForReporting", "POST", "/api/v1/runs/start", 404, { runId: 999 })
    assert.match(
      yield* w.fail("RunPrepareForReporting", "POST", "/api/v1/runs/start", 500, {
        runId: T,
        checkpointStorage: { type: "shared_fs" }
      }),
      new RegExp(`^adding storage ID for runID ${T}: schema is not complete: `)
    )
    const running = yield* w.call("PatchTrial", "PATCH", `/api/v1/trials/${T}`, { trialId: T, state: "STATE_RUNNING" })
    assert.strictEqual(running.trial.state, "STATE_RUNNING")
    yield* w.call("PatchTrial", "PATCH", `/api/v1/trials/${T}`, { trialId: T })
    assert.strictEqual(yield* w.fail("PatchTrial", "PATCH", "/api/v1/trials/999", 500, {}), "not found")
    yield* w.fail("PatchTrial", "PATCH", `/api/v1/trials/${T}`, 400, { state: "STATE_BOGUS" })
    assert.match(
      yield* w.fail("PatchTrial", "PATCH", `/api/v1/trials/${T}`, 500, { state: "STATE_QUEUED" }),
      /invalid input value for enum trial_state: "QUEUED"/
    )
    const exp = (yield* w.call("GetExperiment", "GET", `/api/v1/experiments/${E}`)).experiment
    assert.strictEqual(exp.state, "STATE_RUNNING")

    const report = (steps: number, avgMetrics: Record<string, unknown>, group = "training", run = 1) => ({
      group,
      metrics: { trialId: T, trialRunId: run, stepsCompleted: steps, reportTime: null, metrics: { avgMetrics } }
    })
    const metricsPath = `/api/v1/trials/${T}/metrics`
    yield* w.call("ReportTrialMetrics", "POST", metricsPath, report(10, { loss: 0.5 }))
    yield* w.call("ReportTrialMetrics", "POST", metricsPath, report(10, { loss: 0.5, acc: 0.7 }))
    yield* w.call("ReportTrialMetrics", "POST", metricsPath, report(10, { loss: 0.4 }, "validation"))
    assert.match(
      yield* w.fail("ReportTrialMetrics", "POST", metricsPath, 500, report(10, { loss: 0.6 })),
      /overwriting existing metric keys is not supported, conflicting key: loss$/
    )
    assert.match(
      yield* w.fail("ReportTrialMetrics", "POST", metricsPath, 500, report(20, { loss: 0.6 }, "training", 7)),
      /invalid run id, 7 \(reported\) != 1 \(expected\): invalid arguments$/
    )
    assert.strictEqual(
      yield* w.fail("ReportTrialMetrics", "POST", metricsPath, 400, report(20, { loss: 1 }, "")),
      "metric group cannot be empty"
    )
    assert.strictEqual(
      yield* w.fail("ReportTrialMetrics", "POST", metricsPath, 400, report(20, { loss: 1 }, "a.b")),
      "metric group cannot contain '.'"
    )
    assert.match(
      yield* w.fail("ReportTrialMetrics", "POST", metricsPath, 500, report(20, { epoch: "x" })),
      /^cannot add metric with non numeric 'epoch' value got/
    )
    yield* w.fail("ReportTrialMetrics", "POST", "/api/v1/trials/999/metrics", 404, report(1, { loss: 1 }))
    const trialNow = (yield* w.call("GetTrial", "GET", `/api/v1/trials/${T}`)).trial
    assert.strictEqual(trialNow.summaryMetrics.avg_metrics.loss.count, 2, "an identical re-report counts again")
    assert.strictEqual(trialNow.bestValidation.metrics.avgMetrics.loss, 0.4)

    yield* w.call("ReportTrialProgress", "POST", `/api/v1/trials/${T}/progress`, { progress: 0.25, is_raw: true })
    assert.strictEqual(
      yield* w.fail("ReportTrialProgress", "POST", `/api/v1/trials/${T}/progress`, 500, { progress: 1.5 }),
      "invalid progress value: 1.500000. Progress value should be between 0 and 1"
    )
    yield* w.fail("ReportTrialProgress", "POST", "/api/v1/trials/999/progress", 404, { progress: 0.5 })
    yield* w.call("PostTrialRunnerMetadata", "POST", `/api/v1/trials/${T}/runner/metadata`, { state: "training" })
    yield* w.fail("PostTrialRunnerMetadata", "POST", "/api/v1/trials/999/runner/metadata", 404, { state: "x" })

    assert.deepStrictEqual(yield* w.call("GetRunMetadata", "GET", `/api/v1/runs/${T}/metadata`), { metadata: {} })
    const meta = { owner: "walk", nested: { n: 1, when: "2026-01-02" }, tags: ["a", "b"] }
    assert.deepStrictEqual(
      yield* w.call("PostRunMetadata", "POST", `/api/v1/runs/${T}/metadata`, { runId: T, metadata: meta }),
      { metadata: meta }
    )
    assert.deepStrictEqual(yield* w.call("GetRunMetadata", "GET", `/api/v1/runs/${T}/metadata`), { metadata: meta })
    assert.match(
      yield* w.fail("PostRunMetadata", "POST", `/api/v1/runs/${T}/metadata`, 400, { metadata: { "a.b": 1 } }),
      /^error flattening metadata: /
    )
    yield* w.fail("PostRunMetadata", "POST", "/api/v1/runs/999/metadata", 404, { metadata: {} })
    yield* w.fail("GetRunMetadata", "GET", "/api/v1/runs/999/metadata", 404)

    const uuid = "2b9a0c1e-8f3d-4c55-9a77-0123456789ab"
    const ckpt = {
      uuid,
      taskId: `${E}.t1`,
      allocationId: null,
      reportTime: "2026-01-01T00:00:00.000000+00:00",
      resources: { "metadata.json": "21", "model.json": "100", "sub/": "0" },
      metadata: { steps_completed: 10 },
      training: {},
      state: "STATE_COMPLETED",
      storageId: prep.storageId
    }
    yield* w.call("ReportCheckpoint", "POST", "/api/v1/checkpoints", ckpt)
    assert.match(
      yield* w.fail("ReportCheckpoint", "POST", "/api/v1/checkpoints", 500, ckpt),
      /^error adding checkpoint metadata: inserting checkpoint model: /
    )
    yield* w.fail("ReportCheckpoint", "POST", "/api/v1/checkpoints", 404, { ...ckpt, taskId: "nope" })
    assert.match(
      yield* w.fail("ReportCheckpoint", "POST", "/api/v1/checkpoints", 400, { ...ckpt, state: "STATE_ERROR" }),
      /invalid state for reported checkpoint: STATE_ERROR$/
    )
    assert.match(
      yield* w.fail("ReportCheckpoint", "POST", "/api/v1/checkpoints", 400, { ...ckpt, uuid: "nope" }),
      /converting checkpoint: string nope is not a valid uuid$/
    )
    const stored = (yield* w.call("GetCheckpoint", "GET", `/api/v1/checkpoints/${uuid}`)).checkpoint
    assert.strictEqual(stored.storageId, prep.storageId)
    assert.strictEqual(stored.training.trialId, T)
    assert.deepStrictEqual(stored.training.trainingMetrics.avgMetrics, { loss: 0.5, acc: 0.7 })

    // ---- registry-less actions (§11.3), then the trial ends and the experiment follows -------------------------
    yield* w.fail("ActivateExperiment", "POST", `/api/v1/experiments/${E}/activate`, 404)
    assert.strictEqual(
      yield* w.fail("PauseExperiment", "POST", `/api/v1/experiments/${E}/pause`, 400),
      "experiment in terminal state"
    )
    yield* w.call("CancelExperiment", "POST", `/api/v1/experiments/${E}/cancel`)
    yield* w.call("KillExperiment", "POST", `/api/v1/experiments/${E}/kill`)
    yield* w.fail("KillTrial", "POST", `/api/v1/trials/${T}/kill`, 404)
    yield* w.call("PatchTrial", "PATCH", `/api/v1/trials/${T}`, { trialId: T, state: "STATE_COMPLETED" })
    const done = (yield* w.call("GetExperiment", "GET", `/api/v1/experiments/${E}`)).experiment
    assert.strictEqual(done.state, "STATE_COMPLETED")
    assert.strictEqual(done.progress, 1)
    const resumed = yield* w.call("StartTrial", "POST", `/api/v1/trials/${T}/start`, { trialId: T, resume: true })
    assert.deepStrictEqual(resumed, { trialRunId: 2, stepsCompleted: 10, latestCheckpoint: uuid })
    yield* w.call("PatchCheckpoints", "PATCH", "/api/v1/checkpoints", {
      checkpoints: [{ uuid, resources: { resources: {} } }]
    })
    assert.strictEqual(
      (yield* w.call("GetCheckpoint", "GET", `/api/v1/checkpoints/${uuid}`)).checkpoint.state,
      "STATE_DELETED"
    )
  })
}
