import { FileSystem, HttpClient, type Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { Determined, Experiment } from "effect-determined"
import type { LocalMaster } from "effect-determined/testing"
import * as FS from "node:fs"
import * as OS from "node:os"
import * as NodePath from "node:path"
import { json, loginOk, makeMockHttp } from "../utils/mockHttp.js"
import { tgz } from "../utils/tar.js"

// The SDK's layers provide the SDK's own services only; the platform's (FileSystem, Path, HttpClient) are the
// application's, and the operations that touch the disk use the application's FileSystem.

type Platform = FileSystem.FileSystem | Path.Path | HttpClient.HttpClient
type Output<L> = L extends Layer.Layer<infer A, any, any> ? A : never
type NamesNoPlatform<L> = [Extract<Output<L>, Platform>] extends [never] ? true : false

// compile-time: tsc (npm test) fails if any of these layers outputs a platform service
const layerOutputs: [
  NamesNoPlatform<ReturnType<typeof Determined.layer>>,
  NamesNoPlatform<ReturnType<typeof Determined.layerConfig>>,
  NamesNoPlatform<typeof Determined.layerFromEnv>,
  NamesNoPlatform<ReturnType<typeof Determined.layerWithoutHttpClient>>,
  NamesNoPlatform<ReturnType<typeof LocalMaster.layer>>
] = [true, true, true, true, true]

const tempDir = Effect.acquireRelease(
  Effect.sync(() => FS.mkdtempSync(NodePath.join(OS.tmpdir(), "det-platform-"))),
  (dir) => Effect.sync(() => FS.rmSync(dir, { recursive: true, force: true }))
)

/** The application's own FileSystem: Node's, recording every call (method and first argument). */
const recordingFileSystem = Effect.gen(function*() {
  const node = yield* FileSystem.FileSystem
  const calls: Array<string> = []
  const fs = new Proxy(node, {
    get: (target, key, receiver) => {
      const value = Reflect.get(target, key, receiver)
      if (typeof value !== "function") return value
      return (...args: Array<unknown>) => {
        calls.push(`${String(key)} ${typeof args[0] === "string" ? args[0] : ""}`.trim())
        return value.apply(target, args)
      }
    }
  })
  return { calls, layer: Layer.succeed(FileSystem.FileSystem, fs) }
}).pipe(Effect.provide(NodeContext.layer))

const experimentJson = {
  id: 1,
  name: "platform",
  state: "STATE_ACTIVE",
  archived: false,
  labels: [],
  startTime: "2025-03-01T10:00:00Z",
  endTime: null,
  config: {}
}

const mockMaster = makeMockHttp((r) => {
  if (r.path === "/api/v1/auth/login") return loginOk()
  if (r.path === "/api/v1/experiments" && r.method === "POST") return json({ experiment: experimentJson })
  if (r.path === "/api/v1/experiments/1/model_def") {
    return json({ b64Tgz: Buffer.from(tgz([{ path: "train.py", content: "print(1)\n" }])).toString("base64") })
  }
  return json({ error: { code: 5, reason: "NotFound", error: "not found" } }, 404)
})

describe("platform services come from the application", () => {
  it("Determined.layer* and LocalMaster.layer name no platform service in their output type", () => {
    assert.deepStrictEqual(layerOutputs, [true, true, true, true, true])
  })

  it.scoped("Determined.layer's context holds no FileSystem, Path or HttpClient", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(Determined.layer({ master: "http://localhost:8080" }))
      assert.isTrue(Context.getOption(context, FileSystem.FileSystem)._tag === "None")
      assert.isTrue(Context.getOption(context, HttpClient.HttpClient)._tag === "None")
    }))

  it.scoped("Experiment.create and downloadCode use the application's FileSystem, provided outside the SDK layer", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      FS.writeFileSync(NodePath.join(dir, "train.py"), "print(0)\n")
      const configFile = NodePath.join(dir, "const.yaml")
      FS.writeFileSync(configFile, "name: platform\nentrypoint: python3 train.py\n")
      const mock = yield* mockMaster
      const app = yield* recordingFileSystem
      const sdk = Determined.layerWithoutHttpClient({ master: "http://det.test:8080" }).pipe(
        Layer.provide(Layer.succeed(HttpClient.HttpClient, mock.client)),
        Layer.orDie
      )
      // the application provides its platform services around the SDK's layer, as with NodeContext.layer
      const appLayer = Layer.merge(app.layer, NodeContext.layer.pipe(Layer.map(Context.omit(FileSystem.FileSystem))))

      const created = yield* Experiment.create({ config: configFile, modelDir: dir }).pipe(
        Effect.provide(sdk),
        Effect.provide(appLayer)
      )
      assert.strictEqual(created.id, 1)
      assert.include(app.calls, `readFileString ${configFile}`)
      assert.include(app.calls, `readDirectory ${dir}`)

      const out = NodePath.join(dir, "code")
      const calls = app.calls.length
      yield* Experiment.downloadCode(1, out).pipe(Effect.provide(sdk), Effect.provide(appLayer))
      const downloadCalls = app.calls.slice(calls)
      assert.isTrue(downloadCalls.some((c) => c.startsWith("makeTempDirectory")), downloadCalls.join(", "))
      assert.isTrue(downloadCalls.some((c) => c.startsWith("rename")), downloadCalls.join(", "))
      assert.strictEqual(FS.readFileSync(NodePath.join(out, "train.py"), "utf8"), "print(1)\n")
    }))

  it.effect("a config object without a model directory needs no FileSystem at all", () =>
    Effect.gen(function*() {
      const mock = yield* mockMaster
      const sdk = Determined.layerWithoutHttpClient({ master: "http://det.test:8080" }).pipe(
        Layer.provide(Layer.succeed(HttpClient.HttpClient, mock.client)),
        Layer.orDie
      )
      // typed without FileSystem / Path: this compiles with the SDK's layer alone
      const created = yield* Experiment.create({ config: { name: "platform", entrypoint: "python3 train.py" } }).pipe(
        Effect.provide(sdk)
      )
      assert.strictEqual(created.id, 1)
    }))
})
