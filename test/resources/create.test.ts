import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { Experiment } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { execFileSync } from "node:child_process"
import * as FS from "node:fs"
import * as OS from "node:os"
import * as NodePath from "node:path"
import * as YAML from "yaml"
import { driveClock, json, loginOk, makeMockHttp, type Recorded } from "../utils/mockHttp.js"
import { config as localConfig } from "./localHelpers.js"

// Experiment.create (packing as upstream, config forms, typed failures, no blind retry) and
// Experiment.downloadCode (a round trip through LocalMaster).

/** A temporary directory under os.tmpdir(), removed with the scope. */
const tempDir = Effect.acquireRelease(
  Effect.sync(() => FS.mkdtempSync(NodePath.join(OS.tmpdir(), "det-create-"))),
  (dir) => Effect.sync(() => FS.rmSync(dir, { recursive: true, force: true }))
)

const write = (root: string, rel: string, content: string | Uint8Array, mode = 0o644) => {
  const file = NodePath.join(root, rel)
  FS.mkdirSync(NodePath.dirname(file), { recursive: true })
  FS.writeFileSync(file, content)
  FS.chmodSync(file, mode)
  return file
}

interface TreeEntry {
  readonly path: string
  readonly type: "file" | "dir"
  readonly mode: number
  readonly content?: string
  readonly mtime?: number
}

/** Every entry under root (sorted), with mode, base64 content and whole-second mtime of files. */
const listTree = (root: string): Array<TreeEntry> => {
  const out: Array<TreeEntry> = []
  const visit = (rel: string) => {
    for (const name of FS.readdirSync(NodePath.join(root, rel)).sort()) {
      const r = rel === "" ? name : `${rel}/${name}`
      const st = FS.lstatSync(NodePath.join(root, r))
      if (st.isDirectory()) {
        out.push({ path: r, type: "dir", mode: st.mode & 0o7777 })
        visit(r)
      } else {
        out.push({
          path: r,
          type: "file",
          mode: st.mode & 0o7777,
          content: FS.readFileSync(NodePath.join(root, r)).toString("base64"),
          mtime: Math.trunc(st.mtimeMs / 1000)
        })
      }
    }
  }
  visit("")
  return out
}

const experimentJson = (id: number) => ({
  id,
  name: "fixed",
  state: "STATE_ACTIVE",
  archived: false,
  labels: [],
  startTime: "2025-03-01T10:00:00Z",
  endTime: null,
  config: {}
})

/** A mock master that answers the create with experiment 1 and records every request. */
const mockMaster = (
  onCreate: (r: Recorded) => Response | "transport-error" = () =>
    json({ experiment: experimentJson(1), config: {}, warnings: ["LAUNCH_WARNING_CURRENT_SLOTS_EXCEEDED"] })
) =>
  makeMockHttp((r) => {
    if (r.path === "/api/v1/auth/login") return loginOk()
    if (r.path === "/api/v1/experiments" && r.method === "POST") return onCreate(r)
    return json({ error: { code: 5, reason: "NotFound", error: "not found" } }, 404)
  })

const createsOf = (requests: ReadonlyArray<Recorded>) =>
  requests.filter((r) => r.path === "/api/v1/experiments" && r.method === "POST")

describe("Experiment.create: upload body", () => {
  it.scoped("a small fixed directory is sent field for field as upstream's read_v1_context packs it", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      write(root, "model_def.py", "print(\"hi\")\n", 0o644)
      write(root, "run.sh", "#!/bin/sh\necho hi\n", 0o755)
      write(root, "data/x.csv", "a,b\n1,2\n", 0o600)
      write(root, ".detignore", "*.log\n")
      write(root, "debug.log", "ignored by .detignore\n")
      write(root, "__pycache__/m.cpython-311.pyc", "ignored by the built-in list")
      write(root, "notes.pyc", "ignored by the built-in list")
      FS.chmodSync(NodePath.join(root, "data"), 0o755)
      FS.utimesSync(NodePath.join(root, "model_def.py"), 1700000000, 1700000000)
      FS.utimesSync(NodePath.join(root, "data/x.csv"), 1700000200, 1700000200.9)
      FS.utimesSync(NodePath.join(root, "run.sh"), 1700000300, 1700000300)
      FS.utimesSync(NodePath.join(root, "data"), 1700000100, 1700000100)

      const mock = yield* mockMaster()
      const text = "name: fixed\nentrypoint: python3 model_def.py\n"
      const exp = yield* Experiment.create({ config: text, modelDir: root }).pipe(Effect.provide(mock.layer()))
      assert.strictEqual(exp.id, 1)

      // written by hand from upstream's context.py / detignore.py / v1file_utils.py: os.walk order (per directory
      // its sub-directories, then its files; names sorted here), the root not emitted, .detignore not sent,
      // mtime = str(int(st_mtime)), mode = full st_mode, content = base64 ("" for directories), uid = gid = 0
      const expected = {
        activate: true,
        config: "name: fixed\nentrypoint: python3 model_def.py\n",
        modelDefinition: [
          { path: "data", type: 53, content: "", mtime: "1700000100", mode: 16877, uid: 0, gid: 0 },
          {
            path: "model_def.py",
            type: 48,
            content: "cHJpbnQoImhpIikK",
            mtime: "1700000000",
            mode: 33188,
            uid: 0,
            gid: 0
          },
          {
            path: "run.sh",
            type: 48,
            content: "IyEvYmluL3NoCmVjaG8gaGkK",
            mtime: "1700000300",
            mode: 33261,
            uid: 0,
            gid: 0
          },
          { path: "data/x.csv", type: 48, content: "YSxiCjEsMgo=", mtime: "1700000200", mode: 33152, uid: 0, gid: 0 }
        ],
        projectId: null,
        template: null
      }
      const creates = createsOf(yield* mock.requests)
      assert.strictEqual(creates.length, 1)
      assert.deepStrictEqual(creates[0]!.body, expected)
    }))

  it.scoped("includes: a file under its base name, a directory as its own entry plus its contents", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      write(root, "model/train.py", "x = 1\n")
      write(root, "extra.txt", "more\n")
      write(root, "lib/util.py", "def f(): pass\n")
      write(root, "lib/.detignore", "skip.me\n")
      write(root, "lib/skip.me", "no\n")
      const mock = yield* mockMaster()
      yield* Experiment.create({
        config: { name: "inc", entrypoint: "python3 train.py" },
        modelDir: NodePath.join(root, "model"),
        includes: [NodePath.join(root, "extra.txt"), NodePath.join(root, "lib")],
        projectId: 3,
        template: "tpl",
        activate: false
      }).pipe(Effect.provide(mock.layer()))
      const body = createsOf(yield* mock.requests)[0]!.body as any
      assert.deepStrictEqual(
        body.modelDefinition.map((f: any) => [f.path, f.type]),
        [["train.py", 48], ["extra.txt", 48], ["lib", 53], ["lib/util.py", 48]]
      )
      assert.strictEqual(body.projectId, 3)
      assert.strictEqual(body.template, "tpl")
      assert.strictEqual(body.activate, false)

      const clash = yield* Experiment.create({
        config: { name: "inc" },
        modelDir: NodePath.join(root, "model"),
        includes: [NodePath.join(root, "model/train.py")]
      }).pipe(Effect.provide(mock.layer()), Effect.flip)
      assert.strictEqual(clash._tag, "ModelDirError")
      assert.strictEqual(clash._tag === "ModelDirError" && clash.reason, "DuplicatePath")
    }))
})

describe("Experiment.create: config forms", () => {
  it.scoped("an object is sent as YAML with its snake_case keys; YAML text and a YAML file are sent as is", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const mock = yield* mockMaster()
      const cfg = {
        name: "obj",
        entrypoint: "python3 train.py",
        searcher: { name: "single", max_length: { batches: 5 } }
      }
      yield* Experiment.create({ config: cfg }).pipe(Effect.provide(mock.layer()))
      const yamlText = "# a comment the master keeps in originalConfig\nname: text\nentrypoint: x\n"
      yield* Experiment.create({ config: yamlText }).pipe(Effect.provide(mock.layer()))
      const file = write(
        root,
        "exp.yaml",
        "name: from-file\nentrypoint: python3 train.py\nmin_validation_period:\n  batches: 10\n"
      )
      yield* Experiment.create({ config: file }).pipe(Effect.provide(mock.layer()))
      const bodies = createsOf(yield* mock.requests).map((r) => r.body as any)
      assert.strictEqual(bodies.length, 3)
      assert.deepStrictEqual(YAML.parse(bodies[0].config), cfg)
      assert.isTrue(bodies[0].config.includes("max_length:"))
      assert.strictEqual(bodies[0].modelDefinition, null)
      assert.strictEqual(bodies[1].config, yamlText)
      assert.strictEqual(bodies[2].config, FS.readFileSync(file, "utf8"))
    }))

  it.scoped("invalid YAML, a non-mapping and a missing file fail with InvalidExperimentConfig before any request", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const mock = yield* mockMaster()
      const run = (config: string) => Experiment.create({ config }).pipe(Effect.provide(mock.layer()), Effect.flip)
      const bad = yield* run("name: ok\nsearcher: [unclosed\n")
      assert.strictEqual(bad._tag, "InvalidExperimentConfig")
      assert.isTrue(bad._tag === "InvalidExperimentConfig" && bad.line !== undefined && bad.line >= 2)
      const list = yield* run("- a\n- b\n")
      assert.strictEqual(list._tag, "InvalidExperimentConfig")
      const missing = yield* run(NodePath.join(root, "nope.yaml"))
      assert.strictEqual(missing._tag, "InvalidExperimentConfig")
      assert.strictEqual(missing._tag === "InvalidExperimentConfig" && missing.file, NodePath.join(root, "nope.yaml"))
      const notAFile = yield* run(NodePath.join(root, "experiment.cfg"))
      assert.isTrue(
        notAFile._tag === "InvalidExperimentConfig" && notAFile.message.includes("neither an existing file")
      )
      const badFile = write(root, "bad.yml", "a: b: c\n")
      const fromFile = yield* run(badFile)
      assert.strictEqual(fromFile._tag, "InvalidExperimentConfig")
      assert.strictEqual((yield* mock.requests).length, 0)
    }))
})

describe("Experiment.create: typed failures", () => {
  it.scoped("a missing directory, a file, a symlink and a FIFO give ModelDirError; nothing is sent", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const mock = yield* mockMaster()
      const run = (modelDir: string) =>
        Experiment.create({ config: { name: "x" }, modelDir }).pipe(Effect.provide(mock.layer()), Effect.flip)
      const reasonOf = (e: { readonly _tag: string }) => (e._tag === "ModelDirError" ? (e as any).reason : e._tag)

      assert.strictEqual(reasonOf(yield* run(NodePath.join(root, "missing"))), "NotFound")
      assert.strictEqual(reasonOf(yield* run(write(root, "file.txt", "x"))), "NotADirectory")

      const withLink = NodePath.join(root, "withLink")
      write(withLink, "a.py", "a")
      FS.symlinkSync(NodePath.join(withLink, "a.py"), NodePath.join(withLink, "b.py"))
      const link = yield* run(withLink)
      assert.strictEqual(reasonOf(link), "SymbolicLink")
      assert.isTrue(link._tag === "ModelDirError" && link.path.endsWith("b.py"))

      // an ignored link is fine
      write(withLink, ".detignore", "b.py\n")
      yield* Experiment.create({ config: { name: "x" }, modelDir: withLink }).pipe(Effect.provide(mock.layer()))
      assert.strictEqual(createsOf(yield* mock.requests).length, 1)

      const withFifo = NodePath.join(root, "withFifo")
      write(withFifo, "a.py", "a")
      execFileSync("mkfifo", [NodePath.join(withFifo, "pipe")])
      assert.strictEqual(reasonOf(yield* run(withFifo)), "Unreadable")
      assert.strictEqual(createsOf(yield* mock.requests).length, 1)
    }))

  it.scoped("over the 95 MiB cap: ModelDirTooLarge names the biggest files, decided from sizes before reading", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      write(root, "train.py", "x = 1\n")
      write(root, "data/small.bin", new Uint8Array(1000))
      // sparse: 60 MiB each, never read (reading would take the time and memory this check avoids)
      for (const name of ["data/big-a.bin", "data/big-b.bin"]) {
        const fd = FS.openSync(NodePath.join(root, name), "w")
        FS.ftruncateSync(fd, 60 * 1024 * 1024)
        FS.closeSync(fd)
      }
      const mock = yield* mockMaster()
      const error = yield* Experiment.create({ config: { name: "big" }, modelDir: root }).pipe(
        Effect.provide(mock.layer()),
        Effect.flip
      )
      assert.strictEqual(error._tag, "ModelDirTooLarge")
      if (error._tag !== "ModelDirTooLarge") return
      assert.strictEqual(error.limitBytes, 95 * 1024 * 1024)
      assert.deepStrictEqual(error.largest.slice(0, 2).map((f) => f.path).sort(), ["data/big-a.bin", "data/big-b.bin"])
      assert.isTrue(error.message.includes("data/big-a.bin") && error.message.includes(".detignore"))
      assert.strictEqual((yield* mock.requests).length, 0)

      // a lower cap per call
      FS.rmSync(NodePath.join(root, "data"), { recursive: true })
      write(root, "w.bin", new Uint8Array(2000))
      const small = yield* Experiment.create({ config: { name: "big" }, modelDir: root, maxModelDirBytes: 1000 }).pipe(
        Effect.provide(mock.layer()),
        Effect.flip
      )
      assert.strictEqual(small._tag === "ModelDirTooLarge" && small.largest[0]!.path, "w.bin")
    }))

  it.scoped("a connection lost after sending is not retried: ExperimentMayExist says how to find the experiment", () =>
    Effect.gen(function*() {
      const mock = yield* mockMaster(() => "transport-error")
      const error = yield* Experiment.create({ config: { name: "unique-run-42", labels: ["batch-7"] } }).pipe(
        Effect.provide(mock.layer()),
        Effect.flip
      )
      assert.strictEqual(error._tag, "ExperimentMayExist")
      if (error._tag !== "ExperimentMayExist") return
      assert.strictEqual(error.name, "unique-run-42")
      assert.deepStrictEqual(error.labels, ["batch-7"])
      assert.isTrue(error.message.includes("Experiment.list({ name: \"unique-run-42\" })"))
      assert.strictEqual(createsOf(yield* mock.requests).length, 1)
    }))
})

describe("Experiment.create: no answer within the timeout", () => {
  it.scoped("a create that times out after sending is ExperimentMayExist, sent once", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp((r) =>
        r.path === "/api/v1/auth/login" ? loginOk() : new Promise<Response>(() => {})
      )
      const fiber = yield* Experiment.create({ config: { labels: ["sweep-3"] }, timeout: "5 seconds" }).pipe(
        Effect.provide(mock.layer()),
        Effect.flip,
        Effect.fork
      )
      const error = yield* driveClock(fiber)
      assert.strictEqual(error._tag, "ExperimentMayExist")
      assert.isTrue(error._tag === "ExperimentMayExist" && error.message.includes("\"sweep-3\""))
      assert.strictEqual(createsOf(yield* mock.requests).length, 1)
      yield* Fiber.interrupt(fiber)
    }))
})

describe("Experiment.create + downloadCode against LocalMaster", () => {
  it.scoped("round trip: nested folders, .detignore, binary files and modes come back byte for byte", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const src = NodePath.join(root, "src")
      write(src, "model_def.py", "import os\nprint(os.getcwd())\n", 0o644)
      write(src, "run.sh", "#!/bin/sh\nexec python3 model_def.py\n", 0o755)
      const binary = new Uint8Array(3 * 256 + 17)
      for (let i = 0; i < binary.length; i++) binary[i] = (i * 7 + 3) & 0xff
      write(src, "data/blob.bin", binary, 0o600)
      const weights = new Uint8Array(70_000)
      for (let i = 0; i < weights.length; i++) weights[i] = (i * 31) % 251
      write(src, "data/nested/deep/weights.bin", weights, 0o640)
      write(src, "data/nested/readme.md", "# nested\n", 0o444)
      FS.mkdirSync(NodePath.join(src, "data/empty"))
      write(src, ".detignore", "*.log\nsecret/\n!keep.log\n")
      write(src, "train.log", "ignored\n")
      write(src, "keep.log", "kept by negation\n")
      write(src, "secret/token.txt", "ignored directory\n")
      write(src, "__pycache__/m.cpython-311.pyc", "built-in ignore")
      write(src, ".git/HEAD", "ref: refs/heads/main\n")
      FS.utimesSync(NodePath.join(src, "data/blob.bin"), 1600000000, 1600000000)

      const out = NodePath.join(root, "out", "code")
      const result = yield* Effect.gen(function*() {
        const exp = yield* Experiment.create({ config: localConfig({ name: "round-trip" }), modelDir: src })
        assert.strictEqual(exp.name, "round-trip")
        return yield* Experiment.downloadCode(exp.id, out)
      }).pipe(Effect.provide(NodeContext.layer), Effect.provide(LocalMaster.layer()))
      assert.strictEqual(result, out)

      const ignored = new Set([".detignore", "train.log", "secret", "secret/token.txt", "__pycache__", ".git"])
      const expected = listTree(src).filter((e) =>
        ![...ignored].some((i) => e.path === i || e.path.startsWith(`${i}/`))
      )
      const actual = listTree(out)
      assert.deepStrictEqual(actual.map((e) => e.path), expected.map((e) => e.path))
      assert.deepStrictEqual(actual, expected)
      assert.deepStrictEqual(
        new Uint8Array(FS.readFileSync(NodePath.join(out, "data/nested/deep/weights.bin"))),
        weights
      )
      // no temporary directory is left next to the target
      assert.deepStrictEqual(FS.readdirSync(NodePath.join(root, "out")), ["code"])
    }))

  it.scoped("downloadCode refuses a non-empty target and an unknown experiment, leaving the directory as it was", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const src = NodePath.join(root, "src")
      write(src, "a.py", "a = 1\n")
      const busy = NodePath.join(root, "busy")
      write(busy, "mine.txt", "do not touch\n")
      const exit = yield* Effect.gen(function*() {
        const exp = yield* Experiment.create({ config: localConfig(), modelDir: src })
        const notEmpty = yield* Effect.exit(Experiment.downloadCode(exp.id, busy))
        const unknown = yield* Effect.exit(Experiment.downloadCode(9999, NodePath.join(root, "unknown")))
        return { notEmpty, unknown }
      }).pipe(Effect.provide(NodeContext.layer), Effect.provide(LocalMaster.layer()))
      assert.isTrue(Exit.isFailure(exit.notEmpty))
      if (Exit.isFailure(exit.notEmpty)) {
        const e = exit.notEmpty.cause
        assert.isTrue(JSON.stringify(e).includes("NotEmpty"))
      }
      assert.isTrue(Exit.isFailure(exit.unknown) && JSON.stringify(exit.unknown.cause).includes("NotFound"))
      assert.deepStrictEqual(FS.readdirSync(root).sort(), ["busy", "src"])
      assert.deepStrictEqual(FS.readdirSync(busy), ["mine.txt"])
    }))
})
