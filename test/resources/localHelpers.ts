/**
 * Helpers of the resource tests against LocalMaster: create experiments through the REST API directly (so these
 * tests do not depend on `Experiment.create`), and count the requests the master received.
 */
import { Effect, Exit, Schema, TestClock } from "effect"
import { DeterminedHttp } from "effect-determined/advanced"
import { LocalMaster } from "effect-determined/testing"

export const config = (overrides: Record<string, unknown> = {}) => ({
  name: "local-test",
  entrypoint: "python3 train.py",
  searcher: { name: "single", metric: "validation_loss", smaller_is_better: true, max_length: { batches: 1000 } },
  hyperparameters: { lr: 0.01, global_batch_size: 32 },
  min_validation_period: { batches: 200 },
  min_checkpoint_period: { batches: 200 },
  ...overrides
})

/** POST /api/v1/experiments with a JSON config (YAML is a superset of JSON); returns the id. */
export const createExperiment = (cfg: Record<string, unknown> = config(), options: { activate?: boolean } = {}) =>
  Effect.flatMap(DeterminedHttp.DeterminedHttp, (http) =>
    http.json(
      {
        method: "POST",
        path: "/api/v1/experiments",
        body: { config: JSON.stringify(cfg), activate: options.activate ?? true, modelDefinition: [] }
      },
      Schema.Struct({ experiment: Schema.Struct({ id: Schema.Number }) })
    )).pipe(Effect.map((r) => r.experiment.id))

/** Requests the master received since the last reset, without logins. */
export const requests = Effect.map(
  Effect.flatMap(LocalMaster.LocalMaster, (m) => m.requests),
  (rs) => rs.filter((r) => !r.path.startsWith("/api/v1/auth/"))
)

export const resetRequests = Effect.flatMap(LocalMaster.LocalMaster, (m) => m.resetRequests)

export const advance = (duration: Parameters<typeof TestClock.adjust>[0]) => TestClock.adjust(duration)

/** The typed failure of an exit; throws (failing the test) on success or on a defect. */
export const failure = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit) || exit.cause._tag !== "Fail") throw new Error(`expected a typed failure: ${exit}`)
  return exit.cause.error
}
