/**
 * Metric reports of the Core API: validated on the caller's fiber, queued in a bounded queue, and posted in
 * order by one shipper fiber.
 *
 * **Back-pressure.** The queue holds `capacity` reports (default 1000, as Python). When the master is slower than
 * the training loop, the queue fills and `report*` suspends until the shipper frees a slot: the loop runs at the
 * master's pace, memory stays bounded, and no report is dropped.
 *
 * **Batching.** The shipper takes every queued report at once (up to `capacity`) and merges consecutive reports of
 * the same group and step whose keys do not overlap into one request (the master merges them the same way).
 *
 * **Retry rule: at most once per (run, group, step, values).** ReportTrialMetrics is not idempotent on the
 * master: an identical report at the same step is merged and counted again in the summary. So a report is sent
 * as a non-idempotent request (the HTTP layer repeats it only when it certainly never reached the master: a
 * refused connection, a 429). After an ambiguous failure (a connection lost after sending, a timeout, a 5xx, an
 * unreadable answer) the shipper reads the trial's reports of that group back and looks for a row of this run at
 * this step holding every key of the report with the same value. Found: the report was stored, it is not sent
 * again. Not found: it is sent again, by the `RetryPolicy`'s schedule. A retry can therefore never count a
 * report twice. The read-back costs one metrics stream of the trial's group, on failures only.
 *
 * **Failures.** A report the master refuses (a conflicting value: `MetricConflict`; another process started the
 * trial again: `StaleRun`), or one still failing when the retries are spent, stops the shipper. The error is
 * returned by the next `report*`, by `flush`, and makes the trial end `ERROR` when the scope closes.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import * as Errors from "../../../DeterminedError.js"
import { scheduleFor } from "../../../internal/retry.js"
import { DeterminedHttp, path } from "../../../services/DeterminedHttp.js"
import * as RetryPolicy from "../../../services/RetryPolicy.js"
import * as Metrics from "../metrics.js"
import type { Json, JsonObject } from "../wire.js"

/** One queued report. @internal */
export interface Report {
  readonly group: string
  readonly steps: number
  readonly metrics: JsonObject
  readonly batchMetrics: ReadonlyArray<JsonObject> | undefined
}

/**
 * What the Core API's requests can fail with: they declare `notFound` (the trial or checkpoint) and, being
 * writes, `InvalidRequest`; none declares `Conflict`.
 *
 * @internal
 */
export type CoreRequestError = Errors.RequestError | Errors.NotFound | Errors.InvalidRequest

/** Why reporting stopped. @internal */
export type ShipError = CoreRequestError | Errors.MetricConflict | Errors.StaleRun

type Item =
  | { readonly _tag: "Report"; readonly report: Report }
  | { readonly _tag: "Flush"; readonly done: Deferred.Deferred<void, ShipError> }

/** The reporting side of a Core context. @internal */
export interface Reporter {
  /** Queue a report (suspends while the queue is full); fails with the error that stopped the shipper. */
  readonly offer: (report: Report) => Effect.Effect<void, ShipError>
  /** Wait until every report queued so far is stored. */
  readonly flush: Effect.Effect<void, ShipError>
  /** The error that stopped the shipper, if any. */
  readonly failure: Effect.Effect<Option.Option<ShipError>>
}

const wireValue = (v: Json): Json =>
  typeof v === "number" && !Number.isFinite(v) ? (Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity") : v

/** Numbers the JSON wire cannot carry (NaN, ±Infinity) as the strings the master stores. @internal */
export const wireMetrics = (metrics: JsonObject): JsonObject => {
  const out: Record<string, Json> = {}
  for (const [k, v] of Object.entries(metrics)) out[k] = wireValue(v)
  return out
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

const conflictOf = (trialId: number, report: Report, error: CoreRequestError): ShipError => {
  if (error._tag !== "ServerError" || error.status !== 500) return error
  const conflict = /overwriting existing metric keys is not supported, conflicting key: (.*)$/.exec(error.message)
  if (conflict !== null) {
    return new Errors.MetricConflict({
      trialId,
      group: report.group,
      steps: report.steps,
      key: conflict[1]!,
      message: `${report.group} metrics at step ${report.steps} of trial ${trialId} already hold another value ` +
        `for ${conflict[1]}`
    })
  }
  const stale = /invalid run id, (\d+) \(reported\) != (\d+) \(expected\)/.exec(error.message)
  if (stale !== null) {
    return new Errors.StaleRun({
      trialId,
      reported: Number(stale[1]),
      expected: Number(stale[2]),
      message: `trial ${trialId} was started again elsewhere: run ${stale[1]} is no longer current (now ${stale[2]})`
    })
  }
  return error
}

/** A failure after which the report may or may not be stored. @internal */
export const isAmbiguous = (error: Errors.HttpError): boolean =>
  (error._tag === "TransportError" && error.maybeSent && error.certificateRejected !== true) ||
  error._tag === "Timeout" ||
  error._tag === "DecodeError" ||
  (error._tag === "ServerError" && error.status >= 500)

/**
 * Send one report with the retry rule of this module.
 *
 * @internal
 */
export const send = (trialId: number, trialRunId: number, report: Report) =>
  Effect.gen(function*() {
    const http = yield* DeterminedHttp
    const policy = yield* RetryPolicy.RetryPolicy
    const request = {
      method: "POST" as const,
      path: path`/api/v1/trials/${trialId}/metrics`,
      notFound: { resource: "trial", id: trialId },
      idempotent: false,
      body: {
        group: report.group,
        metrics: {
          trialId,
          trialRunId,
          stepsCompleted: report.steps,
          reportTime: null,
          metrics: { avgMetrics: report.metrics, batchMetrics: report.batchMetrics ?? null }
        }
      }
    }
    const stored = Metrics.metrics(trialId, { group: report.group }).pipe(
      Stream.filter((row) => row.trialRunId === trialRunId && row.stepsCompleted === report.steps),
      Stream.filter((row) => Object.entries(report.metrics).every(([k, v]) => sameValue(row.metrics[k], v))),
      Stream.runHead,
      Effect.map(Option.isSome)
    )
    // an ambiguous failure is answered by reading back: stored → done, absent → fail again (and be retried)
    const once = Effect.catchIf(
      http.void(request),
      (e) => isAmbiguous(e) && !conflictMessage(e),
      (error) =>
        Effect.flatMap(stored, (found) =>
          found
            ? Effect.logDebug(`metrics of trial ${trialId} at step ${report.steps} were stored; not sent again`)
            : Effect.fail(error))
    )
    // after a read-back said "absent" the report is safe to repeat: the policy's schedule, as for idempotent calls
    yield* Effect.retry(
      once,
      scheduleFor(
        { ...policy, retryable: (e, r) => (isAmbiguous(e) && !conflictMessage(e)) || policy.retryable(e, r) },
        { method: "POST", path: request.path, idempotent: true },
        "retry"
      )
    ).pipe(Effect.mapError((e) => conflictOf(trialId, report, e)))
  })

const conflictMessage = (e: Errors.HttpError) =>
  e._tag === "ServerError" && /overwriting existing metric keys|invalid run id/.test(e.message)

/** Merge consecutive reports of the same group and step with disjoint keys (one request each). @internal */
export const coalesce = (reports: ReadonlyArray<Report>): Array<Report> => {
  const out: Array<Report> = []
  for (const r of reports) {
    const last = out[out.length - 1]
    if (
      last !== undefined && last.group === r.group && last.steps === r.steps &&
      (last.batchMetrics === undefined || r.batchMetrics === undefined) &&
      Object.keys(r.metrics).every((k) => !(k in last.metrics))
    ) {
      out[out.length - 1] = {
        group: r.group,
        steps: r.steps,
        metrics: { ...last.metrics, ...r.metrics },
        batchMetrics: last.batchMetrics ?? r.batchMetrics
      }
    } else {
      out.push(r)
    }
  }
  return out
}

/**
 * Start the reporter: a bounded queue and the shipper fiber (a daemon: the Core context interrupts it when it
 * closes, after flushing).
 *
 * @internal
 */
export const make = (trialId: number, trialRunId: number, capacity: number) =>
  Effect.gen(function*() {
    const queue = yield* Queue.bounded<Item>(capacity)
    const failed = yield* Ref.make(Option.none<ShipError>())
    const context = yield* Effect.context<DeterminedHttp>()
    const ship = (items: ReadonlyArray<Item>) =>
      Effect.gen(function*() {
        let pending: Array<Report> = []
        const sendPending = Effect.suspend(() => {
          const batch = coalesce(pending)
          pending = []
          return Effect.forEach(batch, (r) => send(trialId, trialRunId, r), { discard: true })
        })
        for (const item of items) {
          if (item._tag === "Report") {
            pending.push(item.report)
          } else {
            yield* sendPending
            yield* Deferred.succeed(item.done, undefined)
          }
        }
        yield* sendPending
      })
    const loop: Effect.Effect<void> = Queue.takeBetween(queue, 1, capacity).pipe(
      Effect.flatMap((chunk) =>
        ship([...chunk]).pipe(
          // flushes of this chunk not reached yet get the error (an answered one is left as it is)
          Effect.tapError((error) =>
            Effect.forEach(chunk, (i) => i._tag === "Flush" ? Deferred.fail(i.done, error) : Effect.void, {
              discard: true
            })
          )
        )
      ),
      Effect.forever,
      Effect.catchAll((error) =>
        // stopped: remember why, then keep draining so no caller waits forever: a waiting flush gets the error,
        // a report queued meanwhile is dropped (its caller's next call gets the error)
        Ref.set(failed, Option.some(error)).pipe(
          Effect.zipRight(
            Queue.take(queue).pipe(
              Effect.flatMap((i) => i._tag === "Flush" ? Deferred.fail(i.done, error) : Effect.void),
              Effect.forever
            )
          )
        )
      ),
      Effect.provide(context)
    ) as Effect.Effect<void>
    // interruptible: forked while the Core context is acquired (an uninterruptible region)
    const fiber = yield* Effect.forkDaemon(Effect.interruptible(loop))
    const failure = Ref.get(failed)
    const check = Effect.flatMap(failure, Option.match({ onNone: () => Effect.void, onSome: Effect.fail }))
    const reporter: Reporter = {
      offer: (report) =>
        check.pipe(
          Effect.zipRight(Queue.offer(queue, { _tag: "Report", report })),
          Effect.zipRight(check)
        ),
      flush: Effect.gen(function*() {
        yield* check
        const done = yield* Deferred.make<void, ShipError>()
        yield* Queue.offer(queue, { _tag: "Flush", done })
        yield* Deferred.await(done)
      }),
      failure
    }
    return { reporter, fiber, queue }
  })
