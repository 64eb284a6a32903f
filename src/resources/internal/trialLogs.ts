/**
 * Trial logs: `GET /api/v1/trials/{id}/logs` (a newline-delimited stream) as a `Stream` of entries, with every
 * filter of upstream's `Trial.iter_logs`, and a `follow` that survives dropped connections.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Errors from "../../DeterminedError.js"
import * as F from "../../internal/fastDecode.js"
import { DeterminedHttp, path, type QueryValue } from "../../services/DeterminedHttp.js"
import { trialLog } from "./models/fast.js"
import { resuming } from "./resume.js"
import * as Wire from "./wire.js"

/**
 * Log levels of the master (`LOG_LEVEL_*` on the wire), in increasing severity after `UNSPECIFIED` (a line
 * with no parsed level).
 *
 * @since 0.1.0
 * @category models
 */
export type LogLevel = Wire.Open<"UNSPECIFIED" | "TRACE" | "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL">

const levelOrder = ["TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const

/**
 * One log entry of a trial (`TrialLogsResponse`).
 *
 * @since 0.1.0
 * @category models
 */
export class TrialLog extends Schema.Class<TrialLog>("effect-determined/TrialLog")({
  /** The log id: increasing across the cluster; the stream is ordered by it. */
  id: Wire.Int64,
  trialId: Schema.Number,
  /** When the line was written; `null` only if the master sent none. */
  timestamp: Schema.NullOr(Wire.Timestamp),
  level: Wire.Enum("LOG_LEVEL_", ["UNSPECIFIED", "TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
  /** The pre-formatted line (`[ts] container || LEVEL: log`), as upstream's `iter_logs` yields it. */
  message: Schema.String,
  /** The raw text of the entry (always sent by 0.38 masters). */
  log: Schema.optional(Schema.String),
  /** Absent on master lines. */
  agentId: Schema.optional(Schema.String),
  /** Absent on master lines. */
  containerId: Schema.optional(Schema.String),
  /** Present when the line came from a distributed rank. */
  rankId: Schema.optional(Schema.Number),
  /** `master`, `agent` or `task`. */
  source: Schema.optional(Schema.String),
  /** `stdout` or `stderr`. */
  stdtype: Schema.optional(Schema.String)
}) {}

/** `TrialLog` with its fast path (models/fast.ts), for the lines of the stream. @internal */
export const TrialLogLine = F.withFastPath(TrialLog, trialLog<TrialLog>(TrialLog.prototype))

/**
 * The distinct values of a trial's log fields (`TrialLogsFieldsResponse`): what the filters of {@link logs}
 * can select.
 *
 * @since 0.1.0
 * @category models
 */
export class TrialLogFields extends Schema.Class<TrialLogFields>("effect-determined/TrialLogFields")({
  agentIds: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [], nullable: true }),
  containerIds: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [], nullable: true }),
  rankIds: Schema.optionalWith(Schema.Array(Schema.Number), { default: () => [], nullable: true }),
  stdtypes: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [], nullable: true }),
  sources: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [], nullable: true })
}) {}

/**
 * Options of {@link logs}: upstream's `iter_logs` arguments.
 *
 * @since 0.1.0
 * @category models
 */
export interface LogsOptions {
  /**
   * Keep reading until the trial ends. A connection that drops is re-opened by the `RetryPolicy` and resumes
   * after the last entry delivered. Excludes `head` and `tail`.
   */
  readonly follow?: boolean | undefined
  /** Only the first `head` entries (0: all, as upstream). */
  readonly head?: number | undefined
  /** Only the last `tail` entries, in chronological order (0: all, as upstream). */
  readonly tail?: number | undefined
  readonly agentIds?: ReadonlyArray<string> | undefined
  readonly containerIds?: ReadonlyArray<string> | undefined
  readonly rankIds?: ReadonlyArray<number> | undefined
  /** e.g. `stdout`, `stderr`. */
  readonly stdtypes?: ReadonlyArray<string> | undefined
  /** e.g. `master`, `agent`, `task`. */
  readonly sources?: ReadonlyArray<string> | undefined
  /** This level and the ones above it (`INFO` → INFO, WARNING, ERROR, CRITICAL). */
  readonly minLevel?: Exclude<LogLevel, "UNSPECIFIED"> | undefined
  /** Entries strictly before this time: a `Date` or an RFC 3339 string. */
  readonly timestampBefore?: Date | string | undefined
  /** Entries strictly after this time: a `Date` or an RFC 3339 string. */
  readonly timestampAfter?: Date | string | undefined
  /** Substring match on the log text. */
  readonly searchText?: string | undefined
  /**
   * How far before the newest timestamp delivered a resumed `follow` asks again (default 0: only the window it
   * learns). Lines are stamped by the shippers of their ranks, so a line with a higher id can carry an earlier
   * timestamp than lines delivered before it; the master filters a re-opened stream by timestamp only. A resume
   * asks for everything after the newest delivered timestamp minus the larger of this window and twice the
   * largest lateness seen so far (how far a line's timestamp fell behind the newest one before it), and drops the
   * ids it already delivered. Set it when ranks may be out of order by more than the first lines show, e.g.
   * nodes whose clocks differ.
   */
  readonly resumeWindow?: Duration.DurationInput | undefined
}

const TrialStateResponse = Schema.Struct({
  trial: Schema.Struct({ state: Wire.Enum("STATE_", []) })
})

const clientError = (trialId: number, message: string) =>
  new Errors.InvalidRequest({
    method: "GET",
    path: path`/api/v1/trials/${trialId}/logs`,
    status: 0,
    reason: "ClientValidation",
    message
  })

const decodeTimestamp = ParseResult.decodeUnknownEither(Wire.Timestamp)

const toInstant = (
  trialId: number,
  name: string,
  value: Date | string | undefined
): Either.Either<Date | undefined, Errors.InvalidRequest> => {
  if (value === undefined) return Either.right(undefined)
  if (value instanceof Date) {
    return Number.isNaN(value.getTime())
      ? Either.left(clientError(trialId, `${name} is an invalid Date`))
      : Either.right(value)
  }
  return Either.mapLeft(
    decodeTimestamp(value),
    () => clientError(trialId, `${name} must be an RFC 3339 timestamp, got ${JSON.stringify(value)}`)
  )
}

const validCount = (trialId: number, name: string, n: number | undefined) =>
  n === undefined || (Number.isInteger(n) && n >= 0)
    ? Either.right(n)
    : Either.left(clientError(trialId, `${name} must be a non-negative integer, got ${n}`))

/** Has the trial stopped producing logs (a terminal state, or paused)? @internal */
export const isStoppedTrialState = (state: string) =>
  state === "COMPLETED" || state === "CANCELED" || state === "ERROR" || state === "PAUSED"

/**
 * The logs of a trial as a stream of entries, oldest first, with every field of the wire entry.
 *
 * - `follow: true` keeps the response open until the trial ends (the master closes it then). When the
 *   connection drops (or the server closes the stream while the trial still runs) it is re-opened with the
 *   delays of the `RetryPolicy` and resumes after the last entry delivered: it asks again from the newest
 *   timestamp delivered minus a window (`resumeWindow`, widened to twice the largest lateness of a rank's
 *   timestamps seen so far) and skips ids it already delivered, so there is no duplicate, and no gap for any line
 *   whose timestamp is within that window of the newest one before it. Re-opens that deliver nothing new count
 *   as retries: when the policy gives up, the follow fails with a `TransportError` that says how many re-opens
 *   delivered nothing new.
 * - `head: n` / `tail: n`: the first / last n entries (`tail` asks the master for the newest n and yields them
 *   oldest first).
 * - Interrupting the stream (e.g. `Stream.take`, or the fiber that runs it) closes the HTTP response.
 *
 * Fails with `InvalidRequest` (status 0) for `follow` with `head`/`tail`, both `head` and `tail`, negative
 * counts or malformed timestamps, before any request; `NotFound` for an unknown trial.
 *
 * @since 0.1.0
 * @category streams
 * @example
 * import { Console, Effect, Stream } from "effect"
 * import { Trial } from "effect-determined"
 *
 * const printAll = Trial.logs(7, { follow: true, minLevel: "WARNING" }).pipe(
 *   Stream.runForEach((entry) => Console.log(`${entry.timestamp?.toISOString()} ${entry.log ?? entry.message}`))
 * )
 */
export const logs = (
  trialId: number,
  options: LogsOptions = {}
): Stream.Stream<TrialLog, Errors.RequestError | Errors.NotFound | Errors.InvalidRequest, DeterminedHttp> =>
  Stream.unwrap(Effect.gen(function*() {
    const head = yield* validCount(trialId, "head", options.head)
    const tail = yield* validCount(trialId, "tail", options.tail)
    const before = yield* toInstant(trialId, "timestampBefore", options.timestampBefore)
    const after = yield* toInstant(trialId, "timestampAfter", options.timestampAfter)
    const follow = options.follow === true
    const window = options.resumeWindow === undefined
      ? Option.some(Duration.zero)
      : Duration.decodeUnknown(options.resumeWindow)
    const resumeWindow = Option.isSome(window) ? Duration.toMillis(window.value) : Number.NaN
    if (!(resumeWindow >= 0 && Number.isFinite(resumeWindow))) {
      return yield* clientError(trialId, "resumeWindow must be a finite duration")
    }
    if ([follow, head !== undefined, tail !== undefined].filter((b) => b).length > 1) {
      return yield* clientError(trialId, "at most one of follow, head and tail may be given")
    }
    const http = yield* DeterminedHttp
    const requestPath = path`/api/v1/trials/${trialId}/logs`
    const minLevel = options.minLevel
    const levels = minLevel === undefined
      ? undefined
      : levelOrder.slice(Math.max(0, levelOrder.indexOf(minLevel as (typeof levelOrder)[number])))
        .map((l) => `LOG_LEVEL_${l}`)
    const baseQuery = {
      follow,
      agentIds: options.agentIds,
      containerIds: options.containerIds,
      rankIds: options.rankIds,
      levels,
      stdtypes: options.stdtypes,
      sources: options.sources,
      timestampBefore: before?.toISOString(),
      searchText: options.searchText
    }
    const open = (query: Readonly<Record<string, QueryValue>>) =>
      http.stream(
        {
          method: "GET",
          path: requestPath,
          query: { ...baseQuery, ...query },
          // filters the master refuses are a 400
          invalid: true,
          notFound: { resource: "trial", id: trialId }
        },
        TrialLogLine
      )

    if (tail !== undefined && tail > 0) {
      // The newest `tail` entries, newest first on the wire: buffer (at most `tail`) and reverse. A drop
      // re-reads them all (nothing was delivered yet).
      return resuming(
        () =>
          Stream.unwrap(Effect.map(
            Stream.runCollect(
              open({ limit: tail, orderBy: "ORDER_BY_DESC", timestampAfter: after?.toISOString() })
            ),
            (chunk) => Stream.fromChunk(Chunk.reverse(chunk))
          )),
        { method: "GET", path: requestPath }
      )
    }

    // Oldest first: resume after what was delivered. The stream is in id order, but timestamps come from the
    // ranks' shippers and may be out of order, and a re-opened stream can be filtered by timestamp only (strictly,
    // and a `Date` keeps milliseconds): ask again from the newest timestamp delivered minus a window that covers
    // the lateness seen so far, and drop the ids already delivered (every id up to the last one: the stream is in
    // id order, so an id at or below it was delivered, or filtered out by the caller's own filters).
    let lastId: number | undefined
    let newest: number | undefined
    let lateness = 0
    const resumeAfter = (): string | undefined => {
      if (lastId === undefined || newest === undefined) return after?.toISOString()
      const from = newest - Math.max(resumeWindow, 2 * lateness) - 1
      return (after !== undefined && after.getTime() > from ? after : new Date(from)).toISOString()
    }
    const limit = head !== undefined && head > 0 ? head : undefined
    const stream = resuming(
      () =>
        open({
          // On a resumed attempt the remaining count is enforced below (the first entries may be re-sent ones).
          limit: lastId === undefined ? limit : undefined,
          timestampAfter: resumeAfter()
        }).pipe(
          // a network chunk's lines at once: skip what was delivered, remember the last entry
          Stream.mapChunks((entries) => {
            const out: Array<TrialLog> = []
            for (const entry of entries) {
              if (lastId !== undefined && entry.id <= lastId) continue
              lastId = entry.id
              const time = entry.timestamp?.getTime()
              if (time !== undefined) {
                if (newest === undefined || time > newest) newest = time
                else if (newest - time > lateness) lateness = newest - time
              }
              out.push(entry)
            }
            return Chunk.unsafeFromArray(out)
          })
        ),
      {
        method: "GET",
        path: requestPath,
        onEnd: follow
          ? () =>
            Effect.map(
              http.json(
                { method: "GET", path: path`/api/v1/trials/${trialId}`, notFound: { resource: "trial", id: trialId } },
                TrialStateResponse
              ),
              (r) => !isStoppedTrialState(r.trial.state)
            )
          : undefined
      }
    )
    return limit === undefined ? stream : Stream.take(stream, limit)
  })).pipe(Stream.withSpan("Trial.logs", { attributes: { "determined.trial.id": trialId } }))

/**
 * The distinct agent ids, container ids, rank ids, stdtypes and sources of a trial's logs (one message of
 * `GET /api/v1/trials/{id}/logs/fields`).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Trial } from "effect-determined"
 *
 * const ranks = Trial.logFields(7).pipe(Effect.map((fields) => fields.rankIds))
 */
export const logFields = Effect.fn("Trial.logFields")(function*(trialId: number) {
  yield* Effect.annotateCurrentSpan("determined.trial.id", trialId)
  const http = yield* DeterminedHttp
  const first = yield* http.stream(
    {
      method: "GET",
      path: path`/api/v1/trials/${trialId}/logs/fields`,
      query: { follow: false },
      notFound: { resource: "trial", id: trialId }
    },
    TrialLogFields
  ).pipe(Stream.runHead)
  return first._tag === "Some" ? first.value : new TrialLogFields({})
})
