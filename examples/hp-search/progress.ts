/**
 * The live progress view of the hp-search: one line per trial (state, batches, best validation, early-stopped or
 * not). On a TTY the block of lines is redrawn in place with ANSI escapes and log lines scroll above it; anywhere
 * else (CI, a pipe, a file) each trial's line is printed again only when it changed.
 */
import { Effect, Logger } from "effect"
import type { TrialProgress } from "./search.js"

/** Where the view writes, and whether it may redraw in place. */
export interface Terminal {
  readonly write: (text: string) => void
  readonly isTTY: boolean
  /** Width of the terminal; block lines are cut to it so that redrawing in place never miscounts lines. */
  readonly columns?: () => number | undefined
}

/** The process's stdout. */
export const stdout: Terminal = {
  write: (text) => void process.stdout.write(text),
  isTTY: process.stdout.isTTY === true,
  columns: () => process.stdout.columns
}

/** A terminal that keeps what is written, for tests. */
export const memory = (isTTY = false): Terminal & { readonly output: () => string } => {
  const chunks: Array<string> = []
  return { write: (text) => void chunks.push(text), isTTY, output: () => chunks.join("") }
}

/** The view: feed it updates and log lines. */
export interface ProgressView {
  readonly update: (row: TrialProgress) => Effect.Effect<void>
  readonly log: (line: string) => Effect.Effect<void>
  /** A logger that prints `Effect.log*` lines through the view (above the block on a TTY). */
  readonly logger: Logger.Logger<unknown, void>
  /** Leave the last state on screen (the block stays where it is; later output goes below it). */
  readonly close: Effect.Effect<void>
}

const fmt = (x: number | undefined) => (x === undefined ? "-" : x.toFixed(4))

/** One trial as a line of text. */
export const formatRow = (row: TrialProgress, metric: string, maxBatches: number): string => {
  const parts = [
    `lr=${String(row.learningRate).padEnd(8)}`,
    `exp ${String(row.experimentId ?? "-").padStart(3)}`,
    `trial ${String(row.trialId ?? "-").padStart(3)}`,
    row.state.padEnd(10),
    `batches ${String(row.batches).padStart(5)}/${maxBatches}`,
    `best ${metric} ${fmt(row.best)}`,
    `(${row.validations} validations)`
  ]
  if (row.earlyStopped) parts.push("EARLY-STOPPED")
  if (row.error !== undefined) parts.push(`error: ${row.error}`)
  return parts.join("  ")
}

const CLEAR_LINE = "\x1b[2K"
const up = (n: number) => (n > 0 ? `\x1b[${n}F` : "")

/**
 * A progress view over `terminal` for the trials of `learningRates` (one line each, in that order). Its state
 * lives in the closure and every change is one synchronous write, so updates from concurrent fibers (and the
 * logger, which must be synchronous) never interleave.
 */
export const make = (options: {
  readonly terminal: Terminal
  readonly learningRates: ReadonlyArray<number>
  readonly metric: string
  readonly maxBatches: number
}): Effect.Effect<ProgressView> =>
  Effect.sync(() => {
    const { maxBatches, metric, terminal } = options
    const rows = new Map<number, TrialProgress>()
    const printed = new Map<number, string>()
    let drawn = 0
    const block = () =>
      options.learningRates.flatMap((lr) => {
        const row = rows.get(lr)
        return row === undefined ? [] : [formatRow(row, metric, maxBatches)]
      })
    // TTY: back to the top of the block, print `above` (clearing the block first), redraw the block
    const redraw = (above = "") => {
      const width = terminal.columns?.()
      const lines = block().map((
        l
      ) => (width !== undefined && width > 1 && l.length >= width ? l.slice(0, width - 1) : l))
      terminal.write(
        up(drawn) + (above === "" ? "" : "\x1b[J" + above) + lines.map((l) => CLEAR_LINE + l + "\n").join("")
      )
      drawn = lines.length
    }
    const writeLog = (line: string) => {
      const text = line.endsWith("\n") ? line : line + "\n"
      if (terminal.isTTY) redraw(text)
      else terminal.write(text)
    }
    return {
      update: (row) =>
        Effect.sync(() => {
          rows.set(row.learningRate, row)
          if (terminal.isTTY) return redraw()
          const line = formatRow(row, metric, maxBatches)
          if (printed.get(row.learningRate) === line) return
          printed.set(row.learningRate, line)
          terminal.write(line + "\n")
        }),
      log: (line) => Effect.sync(() => writeLog(line)),
      logger: Logger.make(({ logLevel, message }) => {
        const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
        writeLog(`${logLevel.label} ${text}`)
      }),
      close: Effect.sync(() => {
        drawn = 0
      })
    }
  })
