/**
 * Test support: LocalMaster, an embedded emulator of the Determined master.
 *
 * @since 0.1.0
 */

/**
 * LocalMaster: the Determined master as an in-process function, an SDK layer, or a loopback HTTP server.
 *
 * @since 0.1.0
 * @category modules
 */
export * as LocalMaster from "./LocalMaster.js"

/**
 * Scripted trials: a typed builder for the `hyperparameters.actions` steps a LocalMaster trial follows.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Script from "./Script.js"

/**
 * Stepping virtual time: drive a program that sleeps and polls under `TestClock` to its end (`VirtualTime.run`).
 *
 * @since 0.1.0
 * @category modules
 */
export * as VirtualTime from "./VirtualTime.js"
