/**
 * The closed set of errors every operation of the SDK can fail with.
 *
 * Transport-level failures of `@effect/platform` (`HttpClientError`) and Schema's `ParseError` are mapped
 * into these classes at the HTTP boundary (`DeterminedHttp`) and never reach users. Every error carries the
 * `method` and `path` of the request that failed (never a query string with secrets, never a header, never a
 * token).
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

const requestFields = {
  /** HTTP method of the request that failed, e.g. `GET`. */
  method: Schema.String,
  /** Path of the request that failed, without query string, e.g. `/api/v1/experiments/7`. */
  path: Schema.String
}

/**
 * The resource does not exist, or the caller cannot see it (the master answers 404 in both cases).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const maybe = Experiment.get(7).pipe(Effect.catchTag("NotFound", () => Effect.succeed(undefined)))
 */
export class NotFound extends Schema.TaggedError<NotFound>("effect-determined/NotFound")("NotFound", {
  ...requestFields,
  /** Resource kind, e.g. `experiment`, `trial`, `checkpoint`, `model`. */
  resource: Schema.String,
  /** The id, uuid or name that was looked up. */
  id: Schema.String,
  message: Schema.String
}) {}

/**
 * No valid credentials: the token is missing, expired or revoked, or the login was refused (HTTP 401).
 * A 401 from a request with a session token is retried once after logging in again; this error means that
 * did not help.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { User } from "effect-determined"
 *
 * const me = User.whoami().pipe(
 *   Effect.catchTag("Unauthenticated", (e) => Effect.fail(`log in again (DET_USER / DET_PASS): ${e.message}`))
 * )
 */
export class Unauthenticated extends Schema.TaggedError<Unauthenticated>("effect-determined/Unauthenticated")(
  "Unauthenticated",
  { ...requestFields, message: Schema.String }
) {}

/**
 * The user is not allowed to do this, or is deactivated (HTTP 403).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const killed = Experiment.kill(7).pipe(
 *   Effect.catchTag("Forbidden", (e) => Effect.logWarning(`not allowed to kill experiment 7: ${e.message}`))
 * )
 */
export class Forbidden extends Schema.TaggedError<Forbidden>("effect-determined/Forbidden")("Forbidden", {
  ...requestFields,
  message: Schema.String
}) {}

/**
 * The master rejected the request as invalid (HTTP 400: `InvalidArgument`, `FailedPrecondition`,
 * `OutOfRange`), or the SDK rejected the input before sending anything (`status` 0).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const paused = Experiment.pause(7).pipe(
 *   Effect.catchTag("InvalidRequest", (e) => Effect.logWarning(`${e.reason}: ${e.message}`))
 * )
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>("effect-determined/InvalidRequest")(
  "InvalidRequest",
  {
    ...requestFields,
    status: Schema.Number,
    /** gRPC reason name from the master, e.g. `FailedPrecondition`; `ClientValidation` for SDK-side checks. */
    reason: Schema.String,
    message: Schema.String
  }
) {}

/**
 * The resource already exists or the operation conflicts with its state (HTTP 409: `AlreadyExists`, `Aborted`).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Workspace } from "effect-determined"
 *
 * // a taken name is a Conflict: use the workspace that has it
 * const research = Workspace.create("research").pipe(
 *   Effect.catchTag("Conflict", () => Workspace.getByName("research"))
 * )
 */
export class Conflict extends Schema.TaggedError<Conflict>("effect-determined/Conflict")("Conflict", {
  ...requestFields,
  message: Schema.String
}) {}

/**
 * The master (or a proxy) asked us to slow down (HTTP 429) and retries did not get through.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const experiments = Experiment.list().pipe(
 *   Effect.catchTag("RateLimited", (e) => Effect.fail(`slow down: retry after ${e.retryAfterMillis ?? "?"} ms`))
 * )
 */
export class RateLimited extends Schema.TaggedError<RateLimited>("effect-determined/RateLimited")("RateLimited", {
  ...requestFields,
  /** The `Retry-After` the server sent, in milliseconds, when it sent one. */
  retryAfterMillis: Schema.optional(Schema.Number),
  message: Schema.String
}) {}

/**
 * The master failed (HTTP 5xx, or any status the SDK does not map more precisely). Many validation failures
 * of the real master surface as 500 with a message: read `message`.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const experiment = Experiment.get(7).pipe(
 *   Effect.tapErrorTag("ServerError", (e) => Effect.logError(`master answered ${e.status}: ${e.message}`))
 * )
 */
export class ServerError extends Schema.TaggedError<ServerError>("effect-determined/ServerError")("ServerError", {
  ...requestFields,
  status: Schema.Number,
  /** gRPC reason name when the body carried one, e.g. `Internal`, `Unimplemented`. */
  reason: Schema.optional(Schema.String),
  /** The `Retry-After` the server sent (503), in milliseconds. */
  retryAfterMillis: Schema.optional(Schema.Number),
  message: Schema.String
}) {}

/**
 * The request did not complete at the network level: connection refused or reset, DNS failure, TLS failure,
 * or a stream that was cut in the middle of a line.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Master } from "effect-determined"
 *
 * const reachable = Master.info().pipe(
 *   Effect.as(true),
 *   Effect.catchTag("TransportError", (e) => Effect.as(Effect.logWarning(e.message), false))
 * )
 */
export class TransportError extends Schema.TaggedError<TransportError>("effect-determined/TransportError")(
  "TransportError",
  {
    ...requestFields,
    message: Schema.String,
    /**
     * Whether the request certainly never reached the server (`false`, e.g. connection refused), or may have
     * (`true`/unknown). Non-idempotent requests are only retried when it is `false`.
     */
    maybeSent: Schema.Boolean,
    /**
     * The server's TLS certificate failed verification (unknown CA, expired, wrong name, ...). Such a failure is
     * not transient and is never retried.
     */
    certificateRejected: Schema.optional(Schema.Boolean),
    cause: Schema.optional(Schema.Defect)
  }
) {}

/**
 * A request took too long: one attempt of a unary call did not complete (headers and the whole body) within
 * `DeterminedConfig.timeout`, a stream's headers did not arrive within it (`stage: "attempt"`), or a stream or
 * download received no bytes for `DeterminedConfig.streamIdleTimeout` (`stage: "idle"`; a follow resumes it like
 * a cut connection).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const experiment = Experiment.get(7).pipe(
 *   Effect.catchTag("Timeout", (e) => Effect.fail(`no answer within ${e.timeoutMillis} ms (${e.stage ?? "attempt"})`))
 * )
 */
export class Timeout extends Schema.TaggedError<Timeout>("effect-determined/Timeout")("Timeout", {
  ...requestFields,
  timeoutMillis: Schema.Number,
  /** Which deadline passed: the attempt's (`timeout`) or the idle time between a stream's chunks. */
  stage: Schema.optional(Schema.Literal("attempt", "idle")),
  message: Schema.String
}) {}

/**
 * The response could not be decoded: not JSON, an HTML page from a proxy, an empty body where one was
 * expected, too large, or JSON that does not match the expected shape. `field` names where it went wrong.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Trial } from "effect-determined"
 *
 * const trial = Trial.get(12).pipe(
 *   Effect.tapErrorTag("DecodeError", (e) => Effect.logError(`unexpected body at "${e.field}": ${e.message}`))
 * )
 */
export class DecodeError extends Schema.TaggedError<DecodeError>("effect-determined/DecodeError")("DecodeError", {
  ...requestFields,
  /** HTTP status of the response. */
  status: Schema.Number,
  /** The path of the offending field in the body, e.g. `experiment.startTime`; empty for the whole body. */
  field: Schema.String,
  message: Schema.String
}) {}

/**
 * Invalid SDK configuration, e.g. a master URL that cannot be canonicalised.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Determined, Experiment } from "effect-determined"
 *
 * const program = Experiment.list().pipe(
 *   Effect.provide(Determined.layer({ master: "not a url::" })),
 *   Effect.catchTag("InvalidConfiguration", (e) => Effect.fail(`fix the master address: ${e.message}`))
 * )
 */
export class InvalidConfiguration
  extends Schema.TaggedError<InvalidConfiguration>("effect-determined/InvalidConfiguration")("InvalidConfiguration", {
    message: Schema.String
  })
{}

/**
 * What any request to the master can meet, whatever it asks: the network (`TransportError`, `Timeout`), the
 * master's or a proxy's load (`RateLimited`, `ServerError`), the session (`Unauthenticated`, and `Forbidden`: with
 * RBAC any request can be refused, and a deactivated user is refused everything) and the body (`DecodeError`).
 * Every operation that talks to the master has these in its error type.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * // Experiment.get fails with Experiment.GetError = RequestError | NotFound
 * const orUndefined = Experiment.get(7).pipe(Effect.catchTag("NotFound", () => Effect.succeed(undefined)))
 */
export type RequestError =
  | Unauthenticated
  | Forbidden
  | RateLimited
  | ServerError
  | TransportError
  | Timeout
  | DecodeError

/**
 * The errors a request can meet because of what it asks: the thing is not there (`NotFound`), the master refuses
 * the input or the state (`InvalidRequest`), or it conflicts with what exists (`Conflict`). An operation's type
 * lists only those of them its requests can really produce; a status the operation does not expect (say a 409
 * from a GET) arrives as `ServerError` with that status, so the type never lies.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import type { DeterminedError } from "effect-determined"
 * import { Project } from "effect-determined"
 *
 * const describe = (e: DeterminedError.SemanticError): string =>
 *   e._tag === "NotFound" ? `no ${e.resource} ${e.id}` : `${e._tag}: ${e.message}`
 *
 * const renamed = Project.patch(3, { name: "vision" }).pipe(
 *   Effect.catchTags({ NotFound: (e) => Effect.fail(describe(e)), Conflict: (e) => Effect.fail(describe(e)) })
 * )
 */
export type SemanticError = NotFound | InvalidRequest | Conflict

/**
 * Every error a request to the master can produce: {@link RequestError} and {@link SemanticError}. Operations
 * have narrower types; this is the widest.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import type { DeterminedError } from "effect-determined"
 * import { Experiment } from "effect-determined"
 *
 * const where = (e: DeterminedError.HttpError): string => `${e._tag} on ${e.method} ${e.path}`
 *
 * const experiment = Experiment.get(7).pipe(Effect.tapError((e) => Effect.logError(where(e))))
 */
export type HttpError = RequestError | SemanticError

/**
 * Tags of {@link RequestError}.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { DeterminedError } from "effect-determined"
 *
 * // the tags every request to the master can fail with, whatever it asks
 * const always: ReadonlySet<string> = new Set(DeterminedError.requestErrorTags)
 * const isAlways = always.has("Timeout") // true
 */
export const requestErrorTags: ReadonlyArray<RequestError["_tag"]> = [
  "Unauthenticated",
  "Forbidden",
  "RateLimited",
  "ServerError",
  "TransportError",
  "Timeout",
  "DecodeError"
]

/**
 * Tags of {@link HttpError}.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { DeterminedError } from "effect-determined"
 *
 * const isSdkTag = (tag: string): boolean => (DeterminedError.httpErrorTags as ReadonlyArray<string>).includes(tag)
 * const yes = isSdkTag("NotFound") // true
 */
export const httpErrorTags: ReadonlyArray<HttpError["_tag"]> = [
  "NotFound",
  "InvalidRequest",
  "Conflict",
  ...requestErrorTags
]

/**
 * Is this value one of the SDK's HTTP errors?
 *
 * @since 0.1.0
 * @category guards
 * @example
 * import { Cause, Effect } from "effect"
 * import { DeterminedError, Experiment } from "effect-determined"
 *
 * // a report of any failure: the SDK's own errors with their request
 * const report = (u: unknown): string =>
 *   DeterminedError.isHttpError(u) ? `${u._tag} on ${u.method} ${u.path}: ${u.message}` : String(u)
 *
 * const logged = Experiment.get(7).pipe(Effect.tapErrorCause((cause) => Effect.logError(report(Cause.squash(cause)))))
 */
export const isHttpError = (u: unknown): u is HttpError =>
  Predicate.hasProperty(u, "_tag") && httpErrorTags.includes(u._tag as HttpError["_tag"])

/**
 * Is this error worth retrying for an idempotent request? Transport failures (but a TLS certificate that failed
 * verification), timeouts, 429 and 502/503/504.
 *
 * @since 0.1.0
 * @category guards
 * @example
 * import { Effect } from "effect"
 * import { DeterminedError, Experiment } from "effect-determined"
 *
 * // after the retries gave up: transient failures say "try later", the others are reported as they are
 * const experiment = Experiment.get(7).pipe(
 *   Effect.tapError((e) =>
 *     DeterminedError.isTransient(e) ? Effect.logWarning("the master is busy or unreachable: try later") : Effect.void
 *   )
 * )
 */
export const isTransient = (error: HttpError): boolean => {
  switch (error._tag) {
    case "TransportError":
      return error.certificateRejected !== true
    case "Timeout":
    case "RateLimited":
      return true
    case "ServerError":
      return error.status === 502 || error.status === 503 || error.status === 504
    default:
      return false
  }
}

/**
 * A model directory (or an include) cannot be packed: it does not exist, is not a directory, holds a symbolic
 * link, a file that cannot be read, or two entries with the same top-level name.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { NodeContext } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const created = Experiment.create({ config: { name: "mnist", entrypoint: "python3 train.py" }, modelDir: "./mnist" }).pipe(
 *   Effect.catchTag("ModelDirError", (e) => Effect.fail(`cannot pack ${e.path}: ${e.reason}`)),
 *   Effect.provide(NodeContext.layer)
 * )
 */
export class ModelDirError extends Schema.TaggedError<ModelDirError>("effect-determined/ModelDirError")(
  "ModelDirError",
  {
    /** The local path at fault. */
    path: Schema.String,
    reason: Schema.Literal(
      "NotFound",
      "NotADirectory",
      "SymbolicLink",
      "Unreadable",
      "DuplicatePath",
      "InvalidInclude"
    ),
    message: Schema.String
  }
) {}

/**
 * The packed model definition would exceed the master's limit (95 MiB, as upstream). Checked from file sizes
 * before any file is read or anything is sent. `largest` names the biggest files to `.detignore`.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { NodeContext } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const created = Experiment.create({ config: { name: "mnist", entrypoint: "python3 train.py" }, modelDir: "./mnist" }).pipe(
 *   Effect.catchTag("ModelDirTooLarge", (e) =>
 *     Effect.fail(`add to .detignore: ${e.largest.map((f) => `${f.path} (${f.bytes} bytes)`).join(", ")}`)),
 *   Effect.provide(NodeContext.layer)
 * )
 */
export class ModelDirTooLarge extends Schema.TaggedError<ModelDirTooLarge>("effect-determined/ModelDirTooLarge")(
  "ModelDirTooLarge",
  {
    /** The model directory. */
    path: Schema.String,
    totalBytes: Schema.Number,
    limitBytes: Schema.Number,
    /** The biggest files (up to 10), largest first, with their paths in the model definition. */
    largest: Schema.Array(Schema.Struct({ path: Schema.String, bytes: Schema.Number })),
    message: Schema.String
  }
) {}

/**
 * An experiment configuration that cannot be used: invalid YAML, not a mapping, or a config file that cannot
 * be read. Nothing was sent.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { NodeContext } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const created = Experiment.create({ config: "./mnist/const.yaml", modelDir: "./mnist" }).pipe(
 *   Effect.catchTag("InvalidExperimentConfig", (e) => Effect.fail(`${e.file ?? "config"}:${e.line ?? "?"}: ${e.message}`)),
 *   Effect.provide(NodeContext.layer)
 * )
 */
export class InvalidExperimentConfig
  extends Schema.TaggedError<InvalidExperimentConfig>("effect-determined/InvalidExperimentConfig")(
    "InvalidExperimentConfig",
    {
      /** The config file, when the config was given as a path. */
      file: Schema.optional(Schema.String),
      /** 1-based line of a YAML error, when known. */
      line: Schema.optional(Schema.Number),
      message: Schema.String
    }
  )
{}

/**
 * The create request may have reached the master but no answer came back (connection lost, timeout). The SDK
 * never repeats a create blindly: the experiment may exist. Look for it before creating again, e.g. with
 * `Experiment.list({ name })` when the config's `name` is unique, or by a label you set in the config.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * // the create may have reached the master: look for the experiment by its (unique) name before creating again
 * const created = Experiment.create({ config: { name: "nightly-2026-12-03", entrypoint: "python3 train.py" } }).pipe(
 *   Effect.catchTag("ExperimentMayExist", (e) =>
 *     Experiment.list({ name: e.name ?? "" }).pipe(
 *       Effect.flatMap((found) => found[0] === undefined ? Effect.fail(e) : Effect.succeed(found[0]))
 *     ))
 * )
 */
export class ExperimentMayExist extends Schema.TaggedError<ExperimentMayExist>("effect-determined/ExperimentMayExist")(
  "ExperimentMayExist",
  {
    ...requestFields,
    /** The config's `name`, when it has one. */
    name: Schema.optional(Schema.String),
    /** The config's `labels`. */
    labels: Schema.Array(Schema.String),
    message: Schema.String,
    /** The transport failure or timeout. */
    cause: Schema.optional(Schema.Defect)
  }
) {}

/**
 * An archive entry that would write outside the target directory or is not a plain file, directory or
 * contained link: an absolute path, a `..` segment, a link pointing outside, a device or FIFO, or an archive
 * whose total size or entry count is over the limit. Nothing is left behind: extraction happens in a
 * temporary directory that is removed.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { NodeContext } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const code = Experiment.downloadCode(7, "./exp-7-code").pipe(
 *   Effect.catchTag("UnsafeArchiveEntry", (e) => Effect.fail(`refused ${e.entry}: ${e.reason}`)),
 *   Effect.provide(NodeContext.layer)
 * )
 */
export class UnsafeArchiveEntry extends Schema.TaggedError<UnsafeArchiveEntry>("effect-determined/UnsafeArchiveEntry")(
  "UnsafeArchiveEntry",
  {
    /** The entry's path as written in the archive ("" for limits on the whole archive). */
    entry: Schema.String,
    reason: Schema.Literal(
      "AbsolutePath",
      "ParentTraversal",
      "LinkOutside",
      "ThroughLink",
      "SpecialFile",
      "TooLarge",
      "TooManyEntries",
      "Malformed"
    ),
    message: Schema.String
  }
) {}

/**
 * A local output directory cannot be used or written: it exists and is not empty, it is not a directory, or a
 * write failed. Nothing half-written is left at `path`.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { NodeContext } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { Checkpoint } from "effect-determined"
 *
 * const dir = Checkpoint.download("2db6eed3-c86e-4720-876d-eae2af9a1aca", "./best").pipe(
 *   Effect.catchTag("OutputDirError", (e) => Effect.fail(`cannot write ${e.path}: ${e.reason}`)),
 *   Effect.provide(NodeContext.layer)
 * )
 */
export class OutputDirError extends Schema.TaggedError<OutputDirError>("effect-determined/OutputDirError")(
  "OutputDirError",
  {
    path: Schema.String,
    reason: Schema.Literal("NotEmpty", "NotADirectory", "WriteFailed"),
    message: Schema.String
  }
) {}

/**
 * `Experiment.awaitFirstTrial`: the experiment reached a terminal state (`COMPLETED`, `CANCELED`, `ERROR`,
 * `DELETED`) before it had any trial.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const firstTrial = Experiment.awaitFirstTrial(7, { timeout: "10 minutes" }).pipe(
 *   Effect.catchTag("ExperimentEnded", (e) => Effect.fail(`experiment ${e.experimentId} ended ${e.state} without a trial`))
 * )
 */
export class ExperimentEnded extends Schema.TaggedError<ExperimentEnded>("effect-determined/ExperimentEnded")(
  "ExperimentEnded",
  {
    experimentId: Schema.Number,
    /** The state it ended in (short name, e.g. `ERROR`). */
    state: Schema.String,
    message: Schema.String
  }
) {}

/**
 * `Experiment.wait`: the experiment is `PAUSED`, so it would never end by itself (upstream raises a
 * `ValueError`). Activate it and wait again.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * // a paused experiment never ends by itself: activate it and wait again
 * const ended = Experiment.wait(7).pipe(
 *   Effect.catchTag("ExperimentPaused", (e) => Effect.zipRight(Experiment.activate(e.experimentId), Experiment.wait(7)))
 * )
 */
export class ExperimentPaused extends Schema.TaggedError<ExperimentPaused>("effect-determined/ExperimentPaused")(
  "ExperimentPaused",
  {
    experimentId: Schema.Number,
    message: Schema.String
  }
) {}

/**
 * A wait (`Experiment.awaitFirstTrial`, `Experiment.wait`) did not see what it waited for within its `timeout`,
 * or its poll `schedule` ended first.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 *
 * const ended = Experiment.wait(7, { timeout: "2 hours" }).pipe(
 *   Effect.catchTag("WaitTimeout", (e) => Effect.as(Effect.logWarning(`still waiting for the ${e.waitingFor}`), null))
 * )
 */
export class WaitTimeout extends Schema.TaggedError<WaitTimeout>("effect-determined/WaitTimeout")("WaitTimeout", {
  /** Resource kind, e.g. `experiment`. */
  resource: Schema.String,
  id: Schema.String,
  /** What was awaited, e.g. `first trial`, `terminal state`. */
  waitingFor: Schema.String,
  /** The timeout, when one was given. */
  timeoutMillis: Schema.optional(Schema.Number),
  message: Schema.String
}) {}

/**
 * The checkpoint cannot be downloaded: only `COMPLETED` and `PARTIALLY_DELETED` checkpoints that come from a
 * trial can be (as upstream).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { NodeContext } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { Checkpoint } from "effect-determined"
 *
 * const dir = Checkpoint.download("2db6eed3-c86e-4720-876d-eae2af9a1aca").pipe(
 *   Effect.catchTag("CheckpointNotDownloadable", (e) => Effect.fail(`checkpoint ${e.uuid} is ${e.state}`)),
 *   Effect.provide(NodeContext.layer)
 * )
 */
export class CheckpointNotDownloadable
  extends Schema.TaggedError<CheckpointNotDownloadable>("effect-determined/CheckpointNotDownloadable")(
    "CheckpointNotDownloadable",
    {
      uuid: Schema.String,
      /** The checkpoint's state, short name (e.g. `ACTIVE`, `DELETED`). */
      state: Schema.String,
      message: Schema.String
    }
  )
{}

// ---- the Core API (src/resources/Core.ts, docs/CORE-API.md) ---------------------------------------------------

/**
 * A Core API call was given something the master would refuse or the Python Core API rejects client-side: an
 * empty metric group or one with `.`, a `null` metric value, a non-numeric `epoch`/`epochs`, a negative or
 * fractional step, progress outside [0, 1], checkpoint metadata without `steps_completed`, an external trial id
 * without an external experiment id, `workspace` without `project`. Nothing was sent.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Core } from "effect-determined"
 *
 * const report = Core.reportTrainingMetrics(100, { loss: 0.25 }).pipe(
 *   Effect.catchTag("InvalidReport", (e) => Effect.logWarning(`${e.operation}: ${e.field}: ${e.message}`))
 * )
 */
export class InvalidReport extends Schema.TaggedError<InvalidReport>("effect-determined/InvalidReport")(
  "InvalidReport",
  {
    /** The Core operation, e.g. `reportTrainingMetrics`. */
    operation: Schema.String,
    /** The offending field, e.g. `group`, `metrics.loss`, `progress`. */
    field: Schema.String,
    message: Schema.String
  }
) {}

/**
 * A metric report at a step and group that already holds a different value for one of its keys: the master
 * refuses to overwrite (`overwriting existing metric keys is not supported`).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Core } from "effect-determined"
 *
 * // reporting the same step twice with another value is refused by the master
 * const report = Core.reportValidationMetrics(100, { accuracy: 0.97 }).pipe(
 *   Effect.catchTag("MetricConflict", (e) => Effect.logWarning(`step ${e.steps} already has ${e.group}.${e.key}`))
 * )
 */
export class MetricConflict extends Schema.TaggedError<MetricConflict>("effect-determined/MetricConflict")(
  "MetricConflict",
  {
    trialId: Schema.Number,
    group: Schema.String,
    steps: Schema.Number,
    /** The conflicting metric name. */
    key: Schema.String,
    message: Schema.String
  }
) {}

/**
 * The trial was started again by another process (same external ids): this run's reports carry a run id the
 * master no longer accepts (`invalid run id, R (reported) != S (expected)`).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Core } from "effect-determined"
 *
 * // another process resumed this trial: stop reporting
 * const flushed = Core.flush.pipe(
 *   Effect.catchTag("StaleRun", (e) => Effect.logWarning(`trial ${e.trialId} now runs as run ${e.expected}`))
 * )
 */
export class StaleRun extends Schema.TaggedError<StaleRun>("effect-determined/StaleRun")("StaleRun", {
  trialId: Schema.Number,
  reported: Schema.Number,
  expected: Schema.Number,
  message: Schema.String
}) {}

/**
 * A Core context was used after its scope closed (the trial already has its final state).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Core } from "effect-determined"
 *
 * const progress = Core.reportProgress(0.5).pipe(
 *   Effect.catchTag("CoreClosed", (e) => Effect.logWarning(`trial ${e.trialId} has ended: ${e.operation} ignored`))
 * )
 */
export class CoreClosed extends Schema.TaggedError<CoreClosed>("effect-determined/CoreClosed")("CoreClosed", {
  trialId: Schema.Number,
  operation: Schema.String,
  message: Schema.String
}) {}

/**
 * The checkpoint storage type has no driver: the SDK stores `shared_fs` and `directory` checkpoints; `s3`,
 * `gcs`, `azure` (or any other type) need a driver added with `Core.layerStorageDrivers`.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { NodeContext } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { Core } from "effect-determined"
 *
 * const run = Effect.scoped(Core.init({ name: "mnist-ts", checkpointStorage: "s3://bucket/checkpoints" })).pipe(
 *   Effect.catchTag("UnsupportedStorage", (e) =>
 *     Effect.fail(`no driver for ${e.storageType}; drivers: ${e.supported.join(", ")} (add one: Core.layerStorageDrivers)`)),
 *   Effect.provide(NodeContext.layer)
 * )
 */
export class UnsupportedStorage extends Schema.TaggedError<UnsupportedStorage>("effect-determined/UnsupportedStorage")(
  "UnsupportedStorage",
  {
    /** The `type` of the checkpoint storage config, e.g. `s3`. */
    storageType: Schema.String,
    /** The types that have a driver. */
    supported: Schema.Array(Schema.String),
    message: Schema.String
  }
) {}

/**
 * Reading or writing checkpoint files in the storage failed (the local file system's error, as text).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { Core } from "effect-determined"
 *
 * const restored = Effect.flatMap(Core.checkpoints, (checkpoints) => checkpoints.restorePath("a4c1e2b0")).pipe(
 *   Effect.catchTag("CheckpointStorageError", (e) => Effect.fail(`cannot read ${e.path}: ${e.message}`))
 * )
 */
export class CheckpointStorageError
  extends Schema.TaggedError<CheckpointStorageError>("effect-determined/CheckpointStorageError")(
    "CheckpointStorageError",
    {
      /** The checkpoint uuid, when the failure belongs to one. */
      uuid: Schema.optional(Schema.String),
      /** The local path involved. */
      path: Schema.String,
      message: Schema.String
    }
  )
{}

/**
 * The experiment named by the external id (or the trial) is managed: the Core API reports only to unmanaged
 * experiments (`trials can only be created on unmanaged experiments`, `only unmanaged trials are supported`).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { NodeContext } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { Core } from "effect-determined"
 *
 * const run = Effect.scoped(Core.init({ externalExperimentId: "mnist" })).pipe(
 *   Effect.catchTag("NotUnmanaged", (e) => Effect.fail(`that external id names a managed experiment: ${e.message}`)),
 *   Effect.provide(NodeContext.layer)
 * )
 */
export class NotUnmanaged extends Schema.TaggedError<NotUnmanaged>("effect-determined/NotUnmanaged")(
  "NotUnmanaged",
  {
    message: Schema.String
  }
) {}
