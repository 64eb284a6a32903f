/**
 * The SDK's own log lines: DEBUG for what it does on its own (retries, re-logins, resumed streams, early stops),
 * WARNING only for what a user must see (docs/TESTING.md, *Logging*). Every line carries the annotation
 * {@link annotation}, whose value names the part of the SDK that wrote it, so a program can find, filter or route
 * them with its own `Logger`. The SDK never writes to stdout or stderr itself: its lines go to the program's logger.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

/** The log annotation every SDK log line carries (value: the writing part, e.g. `DeterminedHttp.retry`). @internal */
export const annotation = "effect-determined"

/** A DEBUG line of the SDK. @internal */
export const debug = (source: string, message: string): Effect.Effect<void> =>
  Effect.annotateLogs(Effect.logDebug(message), annotation, source)

/** A WARNING of the SDK: something a user must see (and docs/TESTING.md lists). @internal */
export const warning = (source: string, message: string): Effect.Effect<void> =>
  Effect.annotateLogs(Effect.logWarning(message), annotation, source)
