/**
 * The program's log lines as the trial's task logs: an Effect `Logger` that queues each line, and a shipper that
 * posts them to the master's `POST /task-logs` in batches of at most 1000 lines, at most once a second (as
 * Python's `_UnmanagedTrialLogShipper`). The queue drops lines beyond `capacity` rather than slow the program;
 * dropped lines are counted and reported in the next batch. A batch that cannot be delivered after the retry
 * policy's attempts is dropped (logs are best-effort, like Python's). `POST /task-logs` appends: a batch is not
 * repeated after a failure that may have reached the master.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"
import * as Queue from "effect/Queue"
import * as Log from "../../../internal/log.js"
import { DeterminedHttp } from "../../../services/DeterminedHttp.js"

/** One line as the master's `TaskLog` JSON. @internal */
export interface TaskLogLine {
  readonly task_id: string
  readonly timestamp: string
  readonly log: string
  readonly level: string
  readonly stdtype: string
}

const LEVELS: Readonly<Record<LogLevel.LogLevel["_tag"], string>> = {
  All: "TRACE",
  Trace: "TRACE",
  Debug: "DEBUG",
  Info: "INFO",
  Warning: "WARNING",
  Error: "ERROR",
  Fatal: "CRITICAL",
  None: "INFO"
}

const text = (message: unknown): string => {
  const parts = Array.isArray(message) ? message : [message]
  return parts.map((p) => (typeof p === "string" ? p : p instanceof Error ? p.message : JSON.stringify(p))).join(" ")
}

/** The batch size and period of the shipper. @internal */
export const BATCH = 1000

/**
 * The logger and its shipper.
 *
 * @internal
 */
export const make = (taskId: string, capacity: number) =>
  Effect.gen(function*() {
    const queue = yield* Queue.dropping<TaskLogLine>(capacity)
    // counted by the (synchronous) logger, read by the shipper
    let dropped = 0
    const http = yield* DeterminedHttp
    const logger = Logger.make<unknown, void>(({ annotations, cause, date, logLevel, message }) => {
      // the SDK's own lines about shipping logs would feed back into the queue
      if (HashMap.get(annotations, Log.annotation)._tag === "Some") return
      const causeText = Cause.isEmpty(cause) ? "" : `\n${Cause.pretty(cause)}`
      const line: TaskLogLine = {
        task_id: taskId,
        timestamp: date.toISOString(),
        log: `${text(message)}${causeText}\n`,
        level: LEVELS[logLevel._tag],
        stdtype: logLevel._tag === "Error" || logLevel._tag === "Fatal" ? "stderr" : "stdout"
      }
      if (!Queue.unsafeOffer(queue, line)) dropped += 1
    })
    const post = (lines: ReadonlyArray<TaskLogLine>) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const n = dropped
        dropped = 0
        const body = n === 0 ? lines : [
          ...lines,
          {
            task_id: taskId,
            timestamp: new Date(now).toISOString(),
            log: `[effect-determined] ${n} log line(s) dropped: the log queue was full\n`,
            level: "WARNING",
            stdtype: "stderr"
          }
        ]
        yield* http.void({ method: "POST", path: "/task-logs", body, idempotent: false }).pipe(
          Effect.catchAll((e) =>
            Log.debug("Core.logs", `dropped ${lines.length} log line(s) of task ${taskId}: ${e._tag} ${e.message}`)
          )
        )
      })
    /** Post what is queued now, in batches. */
    const drain: Effect.Effect<void> = Effect.gen(function*() {
      for (;;) {
        const chunk = yield* Queue.takeUpTo(queue, BATCH)
        if (Chunk.isEmpty(chunk)) return
        yield* post(Chunk.toReadonlyArray(chunk))
      }
    })
    const loop = Queue.takeBetween(queue, 1, BATCH).pipe(
      Effect.flatMap((chunk) => post(Chunk.toReadonlyArray(chunk))),
      Effect.zipRight(Effect.sleep("1 second")),
      Effect.forever
    )
    // interruptible: forked while the Core context is acquired (an uninterruptible region)
    const fiber = yield* Effect.forkDaemon(Effect.interruptible(loop))
    return { logger, fiber, drain }
  })
