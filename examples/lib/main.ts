/**
 * What every example's command-line entry shares: the SDK layer (a real master from the environment, or the
 * embedded LocalMaster served on 127.0.0.1) and a `runMain` that interrupts the program on Ctrl-C, so its
 * finalizers (killing what it launched, closing the server) run before the process exits.
 */
import { NodeContext } from "@effect/platform-node"
import * as Runtime from "@effect/platform/Runtime"
import { Config, Console, Effect, Layer, Option } from "effect"
import { Determined } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"

/** How the embedded LocalMaster runs when `DET_MASTER` is not set. */
export interface EmbeddedOptions {
  readonly seed?: number | undefined
  /** Simulated batches per second of clock time. */
  readonly speed?: number | undefined
}

/** Which master a command talks to. */
export type Target =
  | { readonly _tag: "Remote"; readonly master: string }
  | { readonly _tag: "Embedded"; readonly url: string }

/**
 * The SDK's services, against `DET_MASTER` (with `DET_USER`, `DET_PASS`, `DET_USER_TOKEN`, ... from the
 * environment) when it is set, otherwise against a LocalMaster served on loopback for the lifetime of the layer,
 * so requests go through real HTTP (its `LocalMaster.LocalMaster` service is in the context then, for
 * `Effect.serviceOption`). `onTarget` is told which one it is. Node's platform services (`FileSystem`, `Path`,
 * ...) come from `NodeContext.layer` of `@effect/platform-node`, as in any Effect application: the SDK reads
 * model directories and writes downloads through them.
 */
export const sdkLayer = (
  embedded: EmbeddedOptions = {},
  onTarget: (target: Target) => Effect.Effect<void> = (target) =>
    Console.log(
      target._tag === "Remote"
        ? `master: ${target.master} (DET_MASTER)`
        : `master: embedded LocalMaster at ${target.url} (set DET_MASTER to use a real master)`
    )
) =>
  Layer.unwrapScoped(Effect.gen(function*() {
    const master = yield* Config.option(Config.string("DET_MASTER"))
    if (Option.isSome(master)) {
      yield* onTarget({ _tag: "Remote", master: master.value })
      return Determined.layerFromEnv
    }
    const { master: local, url } = yield* LocalMaster.serve({
      ...(embedded.seed === undefined ? {} : { seed: embedded.seed }),
      ...(embedded.speed === undefined ? {} : { speed: embedded.speed })
    })
    yield* onTarget({ _tag: "Embedded", url })
    // the LocalMaster service too, for examples that seed data or count requests (Effect.serviceOption)
    return Layer.merge(Determined.layer({ master: url }), Layer.succeed(LocalMaster.LocalMaster, local))
  })).pipe(Layer.merge(NodeContext.layer))

/** Is the program talking to the embedded LocalMaster? */
export const isEmbedded = Effect.map(Config.option(Config.string("DET_MASTER")), Option.isNone)

/**
 * Runs a program as the process's main: exit code 0 on success, 1 on failure (the cause is printed), 130 when
 * interrupted by Ctrl-C after its finalizers ran.
 */
export const runMain: Runtime.RunMain = Runtime.makeRunMain(({ fiber, teardown }) => {
  let interrupted = false
  const onSignal = () => {
    interrupted = true
    process.stderr.write("\ninterrupted: cleaning up...\n")
    fiber.unsafeInterruptAsFork(fiber.id())
  }
  process.once("SIGINT", onSignal)
  process.once("SIGTERM", onSignal)
  fiber.addObserver((exit) => {
    process.removeListener("SIGINT", onSignal)
    process.removeListener("SIGTERM", onSignal)
    teardown(exit, (code) => process.exit(interrupted ? 130 : code))
  })
})
