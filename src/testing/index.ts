/**
 * Test support: LocalMaster, an embedded emulator of the Determined master.
 *
 * @since 0.1.0
 */
import * as LocalMaster from "./LocalMaster.js"

// The first module is imported and exported by name: docgen reads an export's documentation from its first
// leading comment, which for the first statement of a file is the module header.
export {
  /**
   * LocalMaster: the Determined master as an in-process function, an SDK layer, or a loopback HTTP server.
   *
   * @since 0.1.0
   * @category modules
   * @example
   * import { Effect } from "effect"
   * import { Experiment } from "effect-determined"
   * import { LocalMaster } from "effect-determined/testing"
   *
   * const experiments = Experiment.list().pipe(Effect.provide(LocalMaster.layer({ seed: 1 })))
   */
  LocalMaster
}

/**
 * Scripted trials: a typed builder for the `hyperparameters.actions` steps a LocalMaster trial follows.
 *
 * @since 0.1.0
 * @category modules
 * @example
 * import { Script } from "effect-determined/testing"
 *
 * const config = Script.config(Script.make(Script.report("validation", { validation_loss: 0.1 }), Script.exit(0)))
 */
export * as Script from "./Script.js"

/**
 * Stepping virtual time: drive a program that sleeps and polls under `TestClock` to its end (`VirtualTime.run`).
 *
 * @since 0.1.0
 * @category modules
 * @example
 * import { Effect } from "effect"
 * import { VirtualTime } from "effect-determined/testing"
 *
 * // an hour of sleeping, in virtual time (under TestClock)
 * const hour = VirtualTime.run(Effect.sleep("1 hour"), { step: "1 minute" })
 */
export * as VirtualTime from "./VirtualTime.js"
