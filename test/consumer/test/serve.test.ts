// The same SDK over real loopback HTTP: LocalMaster.serve is a server on 127.0.0.1 that anything speaking HTTP can
// use (the SDK here, curl, the Python SDK), closed with the test's scope.
import { assert, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { Determined, Experiment } from "effect-determined"
import { LocalMaster, Script } from "effect-determined/testing"

it.live("a scripted experiment over HTTP: three rounds, the best validation is the last", () =>
  Effect.gen(function*() {
    const { url, master } = yield* LocalMaster.serve({ port: 0 })
    const sdk = Determined.layer({ master: url, username: "determined", password: "" })

    const result = yield* Effect.gen(function*() {
      const actions = Script.make(Script.trainingLike(3, { metric: "validation_loss", scale: 0.9 }))
      const config = Script.config(actions, { searcher: { metric: "validation_loss" } })
      const experiment = yield* Experiment.create({ config })
      // on the live clock: the trial starts 1 s after it is scheduled, then the script takes no clock time
      const state = yield* Experiment.wait(experiment.id, { every: "200 millis", timeout: "30 seconds" })
      const best = yield* Experiment.bestSearcherValidationMetric(experiment.id)
      return { state, best }
    }).pipe(Effect.provide(sdk))

    assert.strictEqual(result.state, "COMPLETED")
    // validation_loss 1, 0.9, 0.81: the script's third round is the best
    assert.deepStrictEqual(result.best, Option.some(0.81))
    // the server saw the SDK's login and its requests, over the socket
    const requests = yield* master.requests
    assert.isTrue(requests.some((r) => r.path === "/api/v1/auth/login"))
    assert.isTrue(url.startsWith("http://127.0.0.1:"))
  }).pipe(Effect.scoped))
