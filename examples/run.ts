/**
 * `npm run example -- <name> [args...]`: runs one of the small examples, against DET_MASTER when it is set,
 * else against an embedded LocalMaster served on 127.0.0.1 (real HTTP).
 *
 *   npm run example -- quickstart
 *   npm run example -- checkpoints 12
 *   npm run example -- train-ts --fast --resume-demo
 */
import type { NodeContext } from "@effect/platform-node"
import { Effect, TestContext } from "effect"
import type { Determined } from "effect-determined"
import * as bulkKill from "./bulk-kill.js"
import * as checkpoints from "./checkpoints.js"
import * as followLogs from "./follow-logs.js"
import { runMain, sdkLayer } from "./lib/main.js"
import * as quickstart from "./quickstart.js"
import * as registerModel from "./register-model.js"
import * as search from "./search.js"
import * as trainTs from "./train-ts.js"
import * as userTest from "./user-test.js"

/** The examples that talk to a master, by name. */
export const examples = {
  quickstart,
  "follow-logs": followLogs,
  checkpoints,
  "register-model": registerModel,
  "bulk-kill": bulkKill,
  "train-ts": trainTs,
  search
} as const

const usage = () =>
  [
    "Usage: npm run example -- <name> [args...]",
    "",
    ...Object.entries(examples).map(([name, e]) => `  ${name.padEnd(16)} ${e.description}`),
    `  ${"user-test".padEnd(16)} ${userTest.description}`,
    "",
    "Against DET_MASTER (with DET_USER / DET_PASS or DET_USER_TOKEN) when set, else an embedded LocalMaster.",
    "The hyperparameter search is `npm run demo`.",
    ""
  ].join("\n")

const [name, ...args] = process.argv.slice(2)

if (name === "user-test") {
  // its own LocalMaster, in process, under a TestClock
  runMain(Effect.provide(userTest.testProgram, TestContext.TestContext))
} else if (name !== undefined && name in examples) {
  const program: Effect.Effect<unknown, unknown, Determined.Services | NodeContext.NodeContext> =
    examples[name as keyof typeof examples].run(
      args
    )
  runMain(Effect.provide(program, sdkLayer({ speed: 1000 })))
} else {
  process.stderr.write(usage())
  process.exitCode = name === undefined || name === "--help" || name === "-h" ? 0 : 2
}
