/**
 * `Experiment.create` (POST /api/v1/experiments with the packed model directory) and
 * `Experiment.downloadCode` (GET /api/v1/experiments/{id}/model_def, extracted safely).
 *
 * @internal
 */
import * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Errors from "../../DeterminedError.js"
import { lazyModule } from "../../internal/lazy.js"
import * as Log from "../../internal/log.js"
import { DeterminedHttp, path as urlPath } from "../../services/DeterminedHttp.js"
import * as Archive from "./archive.js"
import * as Descriptors from "./descriptors.js"
import * as ModelDef from "./modelDef.js"
import { Experiment } from "./models/experiment.js"
import type * as Wire from "./wire.js"

/** Documented where it is exported: `Experiment.CreateOptions`. @internal */
export interface CreateOptions {
  /**
   * The experiment configuration, snake_case keys as the master expects: an object (sent as YAML), YAML (or
   * JSON) text (sent as is), or the path of a YAML file (a single line naming an existing file, or ending in
   * `.yaml`/`.yml`; its text is sent as is, as upstream).
   */
  readonly config: Wire.JsonObject | string
  /** The model directory to upload (its `.detignore` applies). Without it, no code is sent. */
  readonly modelDir?: string | undefined
  /** Extra files or directories, each uploaded under its base name next to the model directory's content. */
  readonly includes?: ReadonlyArray<string> | undefined
  /** The project to create the experiment in; otherwise the config's `workspace`/`project`, else project 1. */
  readonly projectId?: number | undefined
  /** A config template name to merge under the config. */
  readonly template?: string | undefined
  /** Start scheduling immediately (default `true`, as upstream); `false` leaves the experiment PAUSED. */
  readonly activate?: boolean | undefined
  /** Per-attempt timeout of the upload, instead of the configured one (large model directories take time). */
  readonly timeout?: Duration.DurationInput | undefined
  /** Size cap of the packed model directory in bytes. Default 95 MiB, as upstream. */
  readonly maxModelDirBytes?: number | undefined
}

interface ParsedConfig {
  /** The text sent as CreateExperimentRequest.config. */
  readonly text: string
  readonly name: string | undefined
  readonly labels: ReadonlyArray<string>
}

const invalidConfig = (message: string, file?: string, line?: number) =>
  new Errors.InvalidExperimentConfig({
    message,
    ...(file === undefined ? {} : { file }),
    ...(line === undefined ? {} : { line })
  })

// loaded at the first config read (internal/lazy.ts)
const yamlModule = lazyModule(() => import("yaml"))

const parseYaml = (text: string, file?: string): Effect.Effect<unknown, Errors.InvalidExperimentConfig> =>
  Effect.flatMap(yamlModule, (YAML) => {
    const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true })
    const error = doc.errors[0]
    if (error !== undefined) {
      const line = error.linePos?.[0].line
      return Effect.fail(invalidConfig(
        `the experiment config is not valid YAML${file === undefined ? "" : ` (${file})`}: ${error.message}`,
        file,
        line
      ))
    }
    return Effect.succeed(doc.toJS({ maxAliasCount: 100 }))
  })

const describe = (
  value: unknown,
  text: string,
  file?: string
): Effect.Effect<ParsedConfig, Errors.InvalidExperimentConfig> => {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return Effect.fail(invalidConfig(
      `the experiment config must be a mapping, got ${
        value === null ? "null" : Array.isArray(value) ? "a list" : typeof value
      }`,
      file
    ))
  }
  const record = value as Record<string, unknown>
  const name = typeof record.name === "string" ? record.name : undefined
  const labels = Array.isArray(record.labels) ? record.labels.filter((l): l is string => typeof l === "string") : []
  return Effect.succeed({ text, name, labels })
}

const looksLikePath = (s: string) => !s.includes("\n") && !/^\s*[{[]/.test(s)

/** Turn the `config` option into the text to send. @internal */
export const readConfig = (
  config: Wire.JsonObject | string
): Effect.Effect<ParsedConfig, Errors.InvalidExperimentConfig, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    if (typeof config !== "string") {
      if (config === null || typeof config !== "object" || Array.isArray(config)) {
        return yield* invalidConfig("the experiment config must be an object, YAML text or a path to a YAML file")
      }
      const YAML = yield* yamlModule
      return yield* describe(config, YAML.stringify(config))
    }
    if (looksLikePath(config)) {
      const fs = yield* FileSystem.FileSystem
      const info = yield* Effect.option(fs.stat(config))
      const isFile = Option.isSome(info) && info.value.type === "File"
      if (isFile || /\.ya?ml$/i.test(config.trim())) {
        if (!isFile) return yield* invalidConfig(`the config file ${config} does not exist`, config)
        const text = yield* fs.readFileString(config).pipe(
          Effect.mapError((e) => invalidConfig(`cannot read the config file ${config}: ${e.message}`, config))
        )
        return yield* describe(yield* parseYaml(text, config), text, config)
      }
    }
    const value = yield* parseYaml(config)
    if (typeof value === "string" && looksLikePath(config)) {
      return yield* invalidConfig(
        `the experiment config ${JSON.stringify(config)} is neither an existing file nor a YAML mapping`
      )
    }
    return yield* describe(value, config)
  })

const launchWarnings: Record<string, string> = {
  LAUNCH_WARNING_CURRENT_SLOTS_EXCEEDED: "Warning: The requested job requires more slots than currently available. " +
    "You may need to increase cluster resources in order for the job to run."
}

const CreateExperimentResponse = Schema.Struct({
  experiment: Experiment,
  warnings: Schema.optionalWith(Schema.NullOr(Schema.Array(Schema.String)), { default: () => [] })
})

const createImpl = Effect.fn("Experiment.create")(function*(options: CreateOptions) {
  const config = yield* readConfig(options.config)
  const modelDefinition = options.modelDir === undefined && (options.includes ?? []).length === 0
    ? null
    : yield* ModelDef.pack(options.modelDir, { includes: options.includes, limitBytes: options.maxModelDirBytes })
  const http = yield* DeterminedHttp
  const request = {
    method: "POST" as const,
    path: "/api/v1/experiments",
    body: {
      activate: options.activate ?? true,
      config: config.text,
      modelDefinition,
      projectId: options.projectId ?? null,
      template: options.template ?? null
    },
    idempotent: false,
    timeout: options.timeout,
    ...(options.projectId === undefined ? {} : { notFound: { resource: "project", id: options.projectId } })
  }
  // A transport failure that may have reached the master, or a timeout, becomes ExperimentMayExist; a connection
  // that was never made (or a failed login) stays what it is: the types keep TransportError and Timeout, because
  // this narrows by tag only and re-fails what it does not convert.
  const mayExist = (e: Errors.TransportError | Errors.Timeout) => {
    const how = config.name !== undefined
      ? `look for it with Experiment.list({ name: ${JSON.stringify(config.name)} })`
      : config.labels.length > 0
      ? `look for it by its label ${JSON.stringify(config.labels[0])} (Experiment.list({ labels: [...] }))`
      : "set a unique name or label in the config to find it; look for your most recent experiment"
    return new Errors.ExperimentMayExist({
      method: request.method,
      path: request.path,
      ...(config.name === undefined ? {} : { name: config.name }),
      labels: [...config.labels],
      message: `the create request may have reached the master but no answer came back (${e.message}); ` +
        `the experiment may exist: ${how} before creating it again`,
      cause: e
    })
  }
  const response = yield* http.json(request, CreateExperimentResponse).pipe(
    Effect.catchTags({
      TransportError: (e) => Effect.fail(e.path === request.path && e.maybeSent ? mayExist(e) : e),
      Timeout: (e) => Effect.fail(e.path === request.path ? mayExist(e) : e)
    })
  )
  for (const warning of response.warnings ?? []) {
    yield* Log.warning("Experiment.create", launchWarnings[warning] ?? `Warning: ${warning}`)
  }
  const experiment = response.experiment
  yield* Effect.annotateCurrentSpan("determined.experiment.id", experiment.id)
  return yield* Descriptors.experiment.store(experiment)
})

/** Documented where it is exported: `Experiment.create`. @internal */
export const create: {
  (
    options: CreateOptions & {
      readonly config: Wire.JsonObject
      readonly modelDir?: undefined
      readonly includes?: undefined
    }
  ): Effect.Effect<
    Experiment,
    Effect.Effect.Error<ReturnType<typeof createImpl>>,
    Exclude<Effect.Effect.Context<ReturnType<typeof createImpl>>, FileSystem.FileSystem | Path.Path>
  >
  (options: CreateOptions): ReturnType<typeof createImpl>
} = createImpl as any

/**
 * The `b64Tgz` string of a GetModelDef response, decoded while it streams: the JSON is scanned for the field
 * and its base64 text is decoded in 4-character groups, so the archive is never held whole in memory.
 */
const b64FieldStream = <E>(
  body: Stream.Stream<Uint8Array, E>,
  onMalformed: (message: string) => Errors.DecodeError
): Stream.Stream<Uint8Array, E | Errors.DecodeError> =>
  Stream.suspend(() => {
    const decoder = new TextDecoder()
    let state: "key" | "value" | "done" = "key"
    let head = ""
    let pending = ""
    const step = (text: string): Array<Uint8Array> => {
      const out: Array<Uint8Array> = []
      let rest = text
      if (state === "key") {
        head += rest
        const m = /"b64Tgz"\s*:\s*"/.exec(head)
        if (m === null) {
          if (head.length > 1 << 20) throw onMalformed("no b64Tgz field in the first MiB of the model_def response")
          return out
        }
        rest = head.slice(m.index + m[0].length)
        head = ""
        state = "value"
      }
      if (state === "value") {
        const end = rest.indexOf("\"")
        const chunk = (end === -1 ? rest : rest.slice(0, end)).replace(/\\\//g, "/").replace(/\s/g, "")
        pending += chunk
        const usable = end === -1 ? pending.length - (pending.length % 4) : pending.length
        if (usable > 0) {
          const piece = pending.slice(0, usable)
          if (!/^[A-Za-z0-9+/]*={0,2}$/.test(piece)) throw onMalformed("b64Tgz is not base64")
          out.push(Buffer.from(piece, "base64"))
          pending = pending.slice(usable)
        }
        if (end !== -1) state = "done"
      }
      return out
    }
    return body.pipe(
      Stream.mapConcatEffect((bytes) =>
        Effect.try({
          try: () => step(decoder.decode(bytes, { stream: true })),
          catch: (e) => (e instanceof Errors.DecodeError ? e : onMalformed(String(e)))
        })
      ),
      Stream.concat(
        Stream.suspend(
          () => (state === "done" ? Stream.empty : Stream.fail(onMalformed("the b64Tgz field is incomplete")))
        )
      )
    )
  })

/** Documented where it is exported: `Experiment.downloadCode`. @internal */
export const downloadCode = Effect.fn("Experiment.downloadCode")(function*(
  id: number,
  outputDir: string,
  options: Archive.ExtractOptions = {}
) {
  yield* Effect.annotateCurrentSpan("determined.experiment.id", id)
  const http = yield* DeterminedHttp
  const request = {
    method: "GET" as const,
    path: urlPath`/api/v1/experiments/${id}/model_def`,
    notFound: { resource: "experiment", id }
  }
  const malformed = (message: string) =>
    new Errors.DecodeError({ method: request.method, path: request.path, status: 200, field: "b64Tgz", message })
  return yield* Archive.extract(b64FieldStream(http.bytes(request), malformed), outputDir, options)
})
