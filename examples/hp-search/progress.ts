/**
 * The live progress view of the hp-search: one line per trial (state, batches, best validation, early-stopped or
 * not). On a TTY the block of lines is redrawn in place with ANSI escapes and log lines scroll above it; anywhere
 * else (CI, a pipe, a file) each trial's line is printed again only when it changed.
 */
import { Effect, SynchronizedRef } from "effect"
import type { TrialProgress } from "./search.js"

/** Where the view writes, and whether it may redraw in place. */
export interface Terminal {
  readonly write: (text: string) => void
  readonly isTTY: boolean
}

/** The process's stdout. */
export const stdout: Terminal = {
  write: (text) => void process.stdout.write(text),
  isTTY: process.stdout.isTTY === true
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

interface State {
  readonly order: ReadonlyArray<number>
  readonly rows: ReadonlyMap<number, TrialProgress>
  readonly printed: ReadonlyMap<number, string>
  readonly drawn: number
}

const CLEAR_LINE = "\x1b[2K"
const up = (n: number) => (n > 0 ? `\x1b[${n}F` : "")

/**
 * A progress view over `terminal` for the trials of `learningRates` (one line each, in that order).
 */
export const make = (options: {
  readonly terminal: Terminal
  readonly learningRates: ReadonlyArray<number>
  readonly metric: string
  readonly maxBatches: number
}): Effect.Effect<ProgressView> =>
  Effect.gen(function*() {
    const { maxBatches, metric, terminal } = options
    const ref = yield* SynchronizedRef.make<State>({
      order: options.learningRates,
      rows: new Map(),
      printed: new Map(),
      drawn: 0
    })
    const lines = (s: State) =>
      s.order.flatMap((lr) => {
        const row = s.rows.get(lr)
        return row === undefined ? [] : [formatRow(row, metric, maxBatches)]
      })
    // TTY: move to the top of the block, optionally print text above it, redraw the block
    const redraw = (s: State, above = ""): State => {
      const block = lines(s)
      terminal.write(
        up(s.drawn) + (above === "" ? "" : "\x1b[J" + above) + block.map((l) => CLEAR_LINE + l + "\n").join("")
      )
      return { ...s, drawn: block.length }
    }
    const update = (row: TrialProgress) =>
      SynchronizedRef.updateEffect(ref, (s) =>
        Effect.sync(() => {
          const next: State = { ...s, rows: new Map(s.rows).set(row.learningRate, row) }
          if (terminal.isTTY) return redraw(next)
          const line = formatRow(row, metric, maxBatches)
          if (s.printed.get(row.learningRate) === line) return next
          terminal.write(line + "\n")
          return { ...next, printed: new Map(s.printed).set(row.learningRate, line) }
        }))
    const log = (line: string) =>
      SynchronizedRef.updateEffect(ref, (s) =>
        Effect.sync(() => {
          const text = line.endsWith("\n") ? line : line + "\n"
          if (terminal.isTTY) return redraw(s, text)
          terminal.write(text)
          return s
        }))
    const close = SynchronizedRef.update(ref, (s) => ({ ...s, drawn: 0 }))
    return { update, log, close }
  })
