/**
 * The time model's constants (clock milliseconds) and the master version LocalMaster stands for.
 *
 * - A trial's allocation is QUEUED for 400 ms, PULLING until 600 ms, STARTING until 1000 ms, then RUNNING.
 * - Cancel: trials checkpoint and end CANCELED 1 s later; kill: trials end CANCELED 200 ms later.
 * - ASHA stops are prompt: a stopped trial shows STOPPING_COMPLETED, checkpoints and ends COMPLETED 500 ms later
 *   (the real 0.38.1 master lets it train on to its own end).
 * - Terminal experiments garbage-collect checkpoints 1 s later; deletes finish 1 s after DELETING.
 *
 * @internal
 */

/** @internal */
export const PULL_AT = 400
/** @internal */
export const START_AT = 600
/** @internal */
export const RUN_AT = 1000
/** @internal */
export const CANCEL_DELAY = 1000
/** @internal */
export const KILL_DELAY = 200
/** @internal */
export const ASHA_STOP_DELAY = 500
/** @internal */
export const GC_DELAY = 1000
/** @internal */
export const DELETE_DELAY = 1000
/** @internal */
export const DETERMINED_VERSION = "0.38.1"
