/**
 * `npm run demo`: the seed's hyperparameter search, end to end.
 *
 * Parses the command line, picks the master (DET_MASTER from the environment, or an embedded LocalMaster served
 * on 127.0.0.1), runs the search of ./hp-search/search.ts with a live progress view, then prints the summary and
 * writes the HTML report. Ctrl-C interrupts the search: the experiments it launched are killed before exit.
 *
 *   npm run demo
 *   npm run demo -- --learning-rates 0.001,0.003,0.01 --patience 3 --report out/report.html
 *   DET_MASTER=https://det.example.com DET_USER=alice DET_PASS=... npm run demo
 */
import { Console, Duration, Effect, Logger } from "effect"
import * as Options from "./hp-search/options.js"
import * as Progress from "./hp-search/progress.js"
import * as Report from "./hp-search/report.js"
import { runSearch } from "./hp-search/search.js"
import { isEmbedded, runMain, sdkLayer } from "./lib/main.js"

/** Simulated batches per second of the embedded LocalMaster: a 2000-batch trial takes ~13 s, `--fast` ~3 s. */
const embeddedSpeed = (cli: Options.CliOptions) => (cli.fast ? 600 : 150)

const main = (cli: Options.CliOptions) =>
  Effect.gen(function*() {
    const embedded = yield* isEmbedded
    const view = yield* Progress.make({
      terminal: Progress.stdout,
      learningRates: cli.learningRates,
      metric: cli.metric,
      maxBatches: cli.maxBatches
    })
    yield* Console.log(
      `hp-search: learning rates ${cli.learningRates.join(", ")}; ${cli.metric} (${
        cli.smallerIsBetter ? "smaller" : "larger"
      } is better); patience ${cli.patience} validations; ${cli.maxBatches} batches per trial`
    )
    const summary = yield* runSearch({
      learningRates: cli.learningRates,
      metric: cli.metric,
      smallerIsBetter: cli.smallerIsBetter,
      patience: cli.patience,
      maxBatches: cli.maxBatches,
      concurrency: cli.concurrency,
      // the simulation validates every ~0.2-0.7 s of wall time; a real master is polled gently
      pollEvery: embedded ? Duration.millis(100) : Duration.seconds(5),
      onProgress: view.update,
      onLog: cli.quiet ? undefined : (lr, trialId, line) => view.log(`[trial ${trialId} lr=${lr}] ${line.trimEnd()}`)
    }).pipe(
      // Effect's log lines (e.g. the early-stopping helper's) go through the view, so they do not tear it
      Effect.provide(Logger.replace(Logger.defaultLogger, view.logger)),
      Effect.ensuring(view.close)
    )
    yield* Console.log("")
    yield* Console.log(Report.renderText(summary))
    const file = yield* Report.writeReport(summary, cli.report)
    yield* Console.log(`\nreport: ${file}`)
    return summary
  }).pipe(Effect.provide(sdkLayer({ seed: cli.seed, speed: embeddedSpeed(cli) })))

const cli = (() => {
  try {
    return Options.parse(process.argv.slice(2))
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n\n${Options.usage}`)
    process.exit(2)
  }
})()

if (cli.help) {
  process.stdout.write(Options.usage)
} else {
  runMain(main(cli), { disablePrettyLogger: true })
}
