import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Checkpoint, Experiment } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import * as FS from "node:fs"
import * as OS from "node:os"
import * as NodePath from "node:path"
import { json, loginOk, makeMockHttp, type Recorded } from "../utils/mockHttp.js"
import { tgz } from "../utils/tar.js"
import { advance, config, requests, resetRequests } from "./localHelpers.js"

// Checkpoint.download: upstream's MASTER mode (GET /checkpoints/{uuid}, Accept: application/gzip), streamed into
// a safe, atomic extraction, metadata.json written as upstream.

const tempDir = Effect.acquireRelease(
  Effect.sync(() => FS.mkdtempSync(NodePath.join(OS.tmpdir(), "det-download-"))),
  (dir) => Effect.sync(() => FS.rmSync(dir, { recursive: true, force: true }))
)

const UUID = "2db6eed3-c86e-4720-876d-eae2af9a1aca"

const checkpointJson = (state: string, extra: Record<string, unknown> = {}) => ({
  uuid: UUID,
  taskId: "task-1",
  allocationId: "task-1.1",
  reportTime: "2025-03-01T10:00:00Z",
  resources: { "weights.bin": "5" },
  metadata: { steps_completed: 5, note: "café ☕", nested: { a: [1, 2] }, empty: {} },
  state,
  training: { trialId: 1, experimentId: 1, experimentConfig: {}, hparams: {} },
  storageId: 1,
  ...extra
})

const mockMaster = (options: {
  readonly state?: string
  readonly training?: null
  readonly archive?: Uint8Array
  readonly status?: number
} = {}) =>
  makeMockHttp((r: Recorded) => {
    if (r.path === "/api/v1/auth/login") return loginOk()
    if (r.path === `/api/v1/checkpoints/${UUID}`) {
      return json({
        checkpoint: checkpointJson(
          options.state ?? "STATE_COMPLETED",
          options.training === null ? { training: null } : {}
        )
      })
    }
    if (r.path === `/checkpoints/${UUID}`) {
      if (options.status !== undefined) return json({ message: "checkpoint not found" }, options.status)
      return new Response(Buffer.from(options.archive ?? tgz([{ path: "weights.bin", content: "hello" }])), {
        headers: { "content-type": "application/gzip" }
      })
    }
    return json({ error: { code: 5, reason: "NotFound", error: "not found" } }, 404)
  })

describe("Checkpoint.download (wire)", () => {
  it.scoped("GET /checkpoints/{uuid} with Accept: application/gzip, extracted; metadata.json as json.dump(indent=2)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const mock = yield* mockMaster()
      const out = NodePath.join(dir, "ckpt")
      const result = yield* Checkpoint.download(UUID, out).pipe(Effect.provide(mock.layer()))
      assert.strictEqual(result, out)
      const downloads = (yield* mock.requests).filter((r) => r.path === `/checkpoints/${UUID}`)
      assert.strictEqual(downloads.length, 1)
      assert.strictEqual(downloads[0]!.method, "GET")
      assert.strictEqual(downloads[0]!.headers["accept"], "application/gzip")
      assert.strictEqual(FS.readFileSync(NodePath.join(out, "weights.bin"), "utf8"), "hello")
      // what Python's json.dump(metadata, f, indent=2) writes (ensure_ascii escapes non-ASCII), written by hand
      const expected = "{\n" +
        "  \"steps_completed\": 5,\n" +
        "  \"note\": \"caf\\u00e9 \\u2615\",\n" +
        "  \"nested\": {\n" +
        "    \"a\": [\n" +
        "      1,\n" +
        "      2\n" +
        "    ]\n" +
        "  },\n" +
        "  \"empty\": {}\n" +
        "}"
      assert.strictEqual(FS.readFileSync(NodePath.join(out, "metadata.json"), "utf8"), expected)
      assert.deepStrictEqual(FS.readdirSync(dir), ["ckpt"])

      // a directory that already holds a checkpoint is not fetched again (as upstream)
      yield* Checkpoint.download(UUID, out).pipe(Effect.provide(mock.layer()))
      assert.strictEqual((yield* mock.requests).filter((r) => r.path === `/checkpoints/${UUID}`).length, 1)
    }))

  it.scoped("a checkpoint that is not COMPLETED (after one reload) or not from a trial is refused before downloading", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const active = yield* mockMaster({ state: "STATE_ACTIVE" })
      const error = yield* Checkpoint.download(UUID, NodePath.join(dir, "a")).pipe(
        Effect.provide(active.layer()),
        Effect.flip
      )
      assert.strictEqual(error._tag, "CheckpointNotDownloadable")
      assert.strictEqual(error._tag === "CheckpointNotDownloadable" && error.state, "ACTIVE")
      const seen = (yield* active.requests).map((r) => r.path).filter((p) => p !== "/api/v1/auth/login")
      assert.deepStrictEqual(seen, [`/api/v1/checkpoints/${UUID}`, `/api/v1/checkpoints/${UUID}`])

      const orphan = yield* mockMaster({ training: null })
      const noTrial = yield* Checkpoint.download(UUID, NodePath.join(dir, "b")).pipe(
        Effect.provide(orphan.layer()),
        Effect.flip
      )
      assert.strictEqual(noTrial._tag, "CheckpointNotDownloadable")
      assert.deepStrictEqual(FS.readdirSync(dir), [])
    }))

  it.scoped("a malicious archive fails with UnsafeArchiveEntry; a 404 is NotFound; nothing is left behind", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const evil = yield* mockMaster({
        archive: tgz([{ path: "ok.txt", content: "ok" }, { path: "../../escaped.txt", content: "pwned" }])
      })
      const unsafe = yield* Checkpoint.download(UUID, NodePath.join(dir, "c")).pipe(
        Effect.provide(evil.layer()),
        Effect.flip
      )
      assert.strictEqual(unsafe._tag, "UnsafeArchiveEntry")
      const missing = yield* mockMaster({ status: 404 })
      const notFound = yield* Checkpoint.download(UUID, NodePath.join(dir, "d")).pipe(
        Effect.provide(missing.layer()),
        Effect.flip
      )
      assert.strictEqual(notFound._tag === "NotFound" && notFound.resource, "checkpoint")
      assert.deepStrictEqual(FS.readdirSync(dir), [])
      assert.isFalse(FS.existsSync(NodePath.join(OS.tmpdir(), "escaped.txt")))
    }))
})

describe("Checkpoint.download against LocalMaster", () => {
  it.scoped("a trained checkpoint comes back with its resources, its code and metadata.json", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const src = NodePath.join(dir, "src")
      FS.mkdirSync(NodePath.join(src, "lib"), { recursive: true })
      FS.writeFileSync(NodePath.join(src, "train.py"), "print('train')\n")
      FS.writeFileSync(NodePath.join(src, "lib", "util.py"), "x = 1\n")
      const out = NodePath.join(dir, "ckpt")
      yield* Effect.gen(function*() {
        const exp = yield* Experiment.create({ config: config({ name: "ckpt-download" }), modelDir: src })
        yield* advance("30 seconds")
        const [best] = yield* Experiment.listCheckpoints(exp.id, { maxResults: 1 })
        assert.isDefined(best)
        yield* resetRequests
        const path = yield* Checkpoint.download(best!.uuid, out)
        assert.strictEqual(path, out)
        const checkpoint = yield* Checkpoint.get(best!.uuid)
        for (const [name, size] of Object.entries(checkpoint.resources)) {
          const local = NodePath.join(out, name)
          assert.isTrue(FS.existsSync(local), name)
          if (!name.endsWith("/") && name !== "metadata.json") assert.strictEqual(FS.statSync(local).size, size, name)
        }
        assert.deepStrictEqual(
          JSON.parse(FS.readFileSync(NodePath.join(out, "metadata.json"), "utf8")),
          checkpoint.metadata
        )
        assert.strictEqual(FS.readFileSync(NodePath.join(out, "code", "lib", "util.py"), "utf8"), "x = 1\n")
        const paths = (yield* requests).map((r) => `${r.method} ${r.path}`)
        // the snapshot (state, metadata) through the cache, then the archive; the later get is a cache hit
        assert.deepStrictEqual(paths, [`GET /api/v1/checkpoints/${best!.uuid}`, `GET /checkpoints/${best!.uuid}`])
      }).pipe(Effect.provide(NodeContext.layer), Effect.provide(LocalMaster.layer({ seed: 3 })))
    }))
})

describe("LocalMaster GET /checkpoints/{uuid}", () => {
  it.scoped("as the master's echo route: 401 without a token, 415 for zip, 400 for a bad uuid, 404, tar by default", () =>
    Effect.gen(function*() {
      const master = yield* LocalMaster.LocalMaster
      const token = yield* master.token()
      const exp = yield* Experiment.create({ config: config({ name: "route" }) })
      yield* advance("30 seconds")
      const [best] = yield* Experiment.listCheckpoints(exp.id, { maxResults: 1 })
      const get = (path: string, headers: Record<string, string>) =>
        master.handle(new Request(`http://local${path}`, { headers }))
      const auth = { authorization: `Bearer ${token}` }
      assert.strictEqual((yield* get(`/checkpoints/${best!.uuid}`, {})).status, 401)
      const zip = yield* get(`/checkpoints/${best!.uuid}`, { ...auth, accept: "application/zip" })
      assert.strictEqual(zip.status, 415)
      assert.isTrue((yield* Effect.promise(() => zip.json())).message.includes("unsupported media type"))
      assert.strictEqual((yield* get("/checkpoints/not-a-uuid", auth)).status, 400)
      assert.strictEqual((yield* get(`/checkpoints/${UUID}`, auth)).status, 404)
      const tar = yield* get(`/checkpoints/${best!.uuid}`, auth)
      assert.strictEqual(tar.status, 200)
      assert.strictEqual(tar.headers.get("content-type"), "application/x-tar")
      const bytes = new Uint8Array(yield* Effect.promise(() => tar.arrayBuffer()))
      assert.strictEqual(new TextDecoder().decode(bytes.subarray(257, 262)), "ustar")
    }).pipe(Effect.provide(NodeContext.layer), Effect.provide(LocalMaster.layer({ seed: 5 }))))
})
