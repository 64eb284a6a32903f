import { Effect, Option, Schedule } from "effect"
import { DeterminedError, Experiment, RetryPolicy } from "effect-determined"

// One tag: NotFound leaves the type, every other error of Experiment.get stays in it.
export const maybeExperiment = (id: number) =>
  Experiment.get(id).pipe(
    Effect.map(Option.some),
    Effect.catchTag("NotFound", () => Effect.succeedNone)
  )
// Effect<Option<Experiment>, RequestError, ...>

// Several tags, each with its own answer.
export const killQuietly = (id: number) =>
  Experiment.kill(id).pipe(
    Effect.catchTags({
      NotFound: () => Effect.logWarning(`experiment ${id} is gone`),
      InvalidRequest: (e) => Effect.logWarning(`experiment ${id} cannot be killed now: ${e.message}`)
    })
  )
// Effect<void, RequestError, ...>

// Every tag of the union: E becomes never, and the compiler tells you when the union changes (a new tag is
// left over, a removed one is an excess key).
export const createOrExplain = (name: string) =>
  Experiment.create({
    config: { name, entrypoint: "python3 train.py", searcher: { name: "single", metric: "loss", max_length: 100 } }
  }).pipe(
    Effect.map((experiment) => `created experiment ${experiment.id}`),
    Effect.catchTags({
      ExperimentMayExist: (e) => Effect.succeed(`the create may have arrived: ${e.message}`),
      InvalidExperimentConfig: (e) => Effect.succeed(`bad config: ${e.message}`),
      ModelDirError: (e) => Effect.succeed(`cannot pack ${e.path}: ${e.reason}`),
      ModelDirTooLarge: (e) => Effect.succeed(e.message),
      NotFound: (e) => Effect.succeed(`no ${e.resource} ${e.id}`),
      InvalidRequest: (e) => Effect.succeed(`refused: ${e.message}`),
      Unauthenticated: () => Effect.succeed("log in again"),
      Forbidden: () => Effect.succeed("not allowed"),
      RateLimited: () => Effect.succeed("the master is busy"),
      ServerError: (e) => Effect.succeed(`the master failed (${e.status})`),
      TransportError: (e) => Effect.succeed(`no connection: ${e.message}`),
      Timeout: (e) => Effect.succeed(`no answer within ${e.timeoutMillis} ms`),
      DecodeError: (e) => Effect.succeed(`unexpected answer at ${e.field}`)
    })
  )
// Effect<string, never, ...>

// All request errors at once, by the guard on the shared union (a boolean test: the type keeps them all).
export const describeFailure = (id: number) =>
  Experiment.get(id).pipe(
    Effect.map((experiment) => experiment.state as string),
    Effect.catchAll((e) => Effect.succeed(DeterminedError.isTransient(e) ? `try later: ${e._tag}` : e._tag))
  )

// A more patient retry for one call: 10 retries with the default backoff (transient errors only).
export const patient = (id: number) =>
  Experiment.get(id).pipe(RetryPolicy.withPolicy({ schedule: RetryPolicy.backoff({ times: 10 }) }))

// No retry at all for one call.
export const once = (id: number) => Experiment.get(id).pipe(RetryPolicy.withPolicy({ schedule: Schedule.stop }))
