/**
 * Command-line options of `npm run demo` (examples/hp-search.ts), parsed with node's `util.parseArgs`.
 *
 *   npm run demo -- --learning-rates 0.0001,0.001,0.01,0.1 --metric validation_loss --patience 5
 *   npm run demo -- --fast --report out/report.html --seed 7
 */
import { parseArgs } from "node:util"

/** What the command line asks for. */
export interface CliOptions {
  readonly learningRates: ReadonlyArray<number>
  readonly metric: string
  readonly smallerIsBetter: boolean
  readonly patience: number
  readonly maxBatches: number
  readonly concurrency: number
  readonly report: string
  readonly seed: number
  readonly fast: boolean
  readonly quiet: boolean
  readonly help: boolean
}

/** The defaults: the seed's search space and metric. */
export const defaults: CliOptions = {
  learningRates: [0.0001, 0.001, 0.01, 0.1],
  metric: "validation_loss",
  smallerIsBetter: true,
  patience: 5,
  maxBatches: 2000,
  concurrency: 4,
  report: "hpsearch-report.html",
  seed: 42,
  fast: false,
  quiet: false,
  help: false
}

/** The `--help` text. */
export const usage = `Usage: npm run demo -- [options]

Runs one experiment per learning rate, follows each first trial, kills trials whose metric stalls, and writes
an HTML report. Against DET_MASTER when it is set, else against an embedded LocalMaster on 127.0.0.1.

Options:
  --learning-rates <list>  comma-separated learning rates        (default ${defaults.learningRates.join(",")})
  --metric <name>          validation metric to rank and stop on (default ${defaults.metric})
  --larger-is-better       the metric is better when larger      (default: smaller is better)
  --patience <n>           validations without improvement before a trial is killed (default ${defaults.patience})
  --max-batches <n>        length of each trial in batches       (default ${defaults.maxBatches})
  --concurrency <n>        experiments running at once           (default ${defaults.concurrency})
  --report <file>          where to write the HTML report        (default ${defaults.report})
  --seed <n>               seed of the embedded LocalMaster         (default ${defaults.seed})
  --fast                   shorter trials and a faster simulation, for CI
  --quiet                  do not print the trials' logs
  -h, --help               this text
`

const positiveInt = (name: string, raw: string | undefined, fallback: number): number => {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n <= 0) {
    throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(raw)}`)
  }
  return n
}

const integer = (name: string, raw: string): number => {
  const n = Number(raw)
  if (!Number.isSafeInteger(n)) throw new Error(`--${name} must be an integer, got ${JSON.stringify(raw)}`)
  return n
}

const learningRates = (raw: string | undefined): ReadonlyArray<number> => {
  if (raw === undefined) return defaults.learningRates
  const values = raw.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number)
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v <= 0)) {
    throw new Error(`--learning-rates must be a comma-separated list of positive numbers, got ${JSON.stringify(raw)}`)
  }
  return Array.from(new Set(values))
}

/** Parses `argv` (without the node and script paths); throws an `Error` with a readable message on bad input. */
export const parse = (argv: ReadonlyArray<string>): CliOptions => {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      "learning-rates": { type: "string" },
      metric: { type: "string" },
      "larger-is-better": { type: "boolean" },
      patience: { type: "string" },
      "max-batches": { type: "string" },
      concurrency: { type: "string" },
      report: { type: "string" },
      seed: { type: "string" },
      fast: { type: "boolean" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" }
    }
  })
  const fast = values.fast === true
  return {
    learningRates: learningRates(values["learning-rates"]),
    metric: values.metric ?? defaults.metric,
    smallerIsBetter: values["larger-is-better"] !== true,
    patience: positiveInt("patience", values.patience, defaults.patience),
    maxBatches: positiveInt("max-batches", values["max-batches"], fast ? 1500 : defaults.maxBatches),
    concurrency: positiveInt("concurrency", values.concurrency, defaults.concurrency),
    report: values.report ?? defaults.report,
    seed: values.seed === undefined ? defaults.seed : integer("seed", values.seed),
    fast,
    quiet: values.quiet === true,
    help: values.help === true
  }
}
