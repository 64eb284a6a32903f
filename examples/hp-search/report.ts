/**
 * The hp-search report: the summary table sorted by best validation, the best hyperparameters, and an HTML
 * file with an inline SVG chart of every trial's validation curve, marking where trials were early-stopped.
 * The chart is a Vega-Lite spec compiled to Vega and rendered to SVG headlessly (no canvas, no browser).
 */
import { Data, Effect } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as vega from "vega"
import * as vegaLite from "vega-lite"
import type { SearchSummary, TrialResult } from "./search.js"

const fmt = (x: number | undefined, digits = 4): string => x === undefined ? "-" : x.toPrecision(digits)

const label = (r: TrialResult) => `lr=${r.learningRate}`

/** One row per trial, in the summary's order (best first). */
export const tableRows = (summary: SearchSummary): Array<Record<string, string | number>> =>
  summary.results.map((r) => ({
    "learning rate": r.learningRate,
    experiment: r.experimentId ?? "-",
    trial: r.trialId ?? "-",
    state: r.state,
    batches: r.batches,
    [`best ${summary.metric}`]: fmt(r.best),
    "early-stopped": r.earlyStopped ? `yes (at ${r.stoppedAtBatches ?? "?"} batches)` : "no",
    ...(r.error === undefined ? {} : { error: r.error })
  }))

/** The summary as plain text: a table and the best hyperparameters. */
export const renderText = (summary: SearchSummary): string => {
  const rows = tableRows(summary)
  const columns = Array.from(new Set(rows.flatMap((r) => Object.keys(r))))
  const cell = (v: unknown) => v === undefined ? "" : String(v)
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()
  const out = [
    line(columns),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c]))))
  ]
  const best = summary.best
  out.push("")
  out.push(
    best === undefined
      ? `no trial reported ${summary.metric}`
      : `best: learning_rate=${best.learningRate} (trial ${best.trialId}) ${summary.metric}=${fmt(best.best, 6)}` +
        `  hyperparameters: ${JSON.stringify(best.hparams)}`
  )
  return out.join("\n")
}

/** The Vega-Lite spec of the chart: one line per trial, a cross where a trial was early-stopped. */
export const chartSpec = (summary: SearchSummary): vegaLite.TopLevelSpec => {
  const points = summary.results.flatMap((r) =>
    r.curve.map((p) => ({ trial: label(r), batches: p.batches, value: p.value }))
  )
  const stops = summary.results.flatMap((r) => {
    if (!r.earlyStopped) return []
    const last = r.curve.at(-1)
    return last === undefined
      ? []
      : [{ trial: label(r), batches: last.batches, value: last.value, what: "early-stopped" }]
  })
  const positive = points.every((p) => p.value > 0)
  const y = {
    field: "value",
    type: "quantitative" as const,
    title: summary.metric,
    scale: positive ? { type: "log" as const } : { zero: false }
  }
  const x = { field: "batches", type: "quantitative" as const, title: "batches" }
  const color = { field: "trial", type: "nominal" as const, title: "trial" }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `${summary.metric} per trial (${summary.smallerIsBetter ? "smaller" : "larger"} is better)`,
    width: 640,
    height: 360,
    background: "white",
    layer: [
      { data: { values: points }, mark: { type: "line", point: true }, encoding: { x, y, color } },
      {
        data: { values: stops },
        mark: { type: "point", shape: "cross", size: 220, filled: true, color: "black" },
        encoding: { x, y, tooltip: [{ field: "trial" }, { field: "what" }] }
      },
      {
        data: { values: stops },
        mark: { type: "text", dy: -14, fontSize: 11 },
        encoding: { x, y, text: { value: "stopped" } }
      }
    ]
  }
}

/** Renders the chart to an SVG string with Vega's headless renderer. */
export const renderSvg = (summary: SearchSummary): Effect.Effect<string> =>
  Effect.promise(() => {
    const compiled = vegaLite.compile(chartSpec(summary)).spec
    const view = new vega.View(vega.parse(compiled), { renderer: "none" })
    return view.toSVG().finally(() => view.finalize())
  })

const escape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/** The whole report as an HTML document with the chart inline. */
export const renderHtml = (summary: SearchSummary, svg: string, generatedAt: Date): string => {
  const rows = tableRows(summary)
  const columns = Array.from(new Set(rows.flatMap((r) => Object.keys(r))))
  const best = summary.best
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Hyperparameter search report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; }
th { background: #f3f3f3; }
tr.best td { font-weight: bold; }
code { background: #f6f6f6; padding: 0 0.2rem; }
</style>
</head>
<body>
<h1>Hyperparameter search report</h1>
<p>Metric <code>${escape(summary.metric)}</code> (${summary.smallerIsBetter ? "smaller" : "larger"} is better),
early stopping after ${summary.patience} validations without improvement.
${summary.results.length} trials; generated ${escape(generatedAt.toISOString())}.</p>
<h2>Best</h2>
<p>${
    best === undefined
      ? "No trial reported the metric."
      : `learning_rate = <code>${best.learningRate}</code> (experiment ${best.experimentId}, trial ${best.trialId}): ` +
        `${escape(summary.metric)} = <code>${fmt(best.best, 6)}</code>; hyperparameters <code>${
          escape(JSON.stringify(best.hparams))
        }</code>`
  }</p>
<h2>Validation curves</h2>
${svg}
<h2>Trials (best first)</h2>
<table>
<thead><tr>${columns.map((c) => `<th>${escape(c)}</th>`).join("")}</tr></thead>
<tbody>
${
    rows.map((r, i) =>
      `<tr${i === 0 && best !== undefined ? " class=\"best\"" : ""}>${
        columns.map((c) => `<td>${escape(String(r[c] ?? ""))}</td>`).join("")
      }</tr>`
    ).join("\n")
  }
</tbody>
</table>
</body>
</html>
`
}

/** The report file could not be written. */
export class ReportWriteError extends Data.TaggedError("ReportWriteError")<{
  readonly file: string
  readonly cause: unknown
}> {
  override get message() {
    return `cannot write the report to ${this.file}: ${String(this.cause)}`
  }
}

/** Renders the report and writes it to `file` (directories created); returns the absolute path. */
export const writeReport = (summary: SearchSummary, file: string): Effect.Effect<string, ReportWriteError> =>
  Effect.gen(function*() {
    const svg = yield* renderSvg(summary)
    const now = new Date(yield* Effect.clockWith((clock) => clock.currentTimeMillis))
    const html = renderHtml(summary, svg, now)
    const absolute = path.resolve(file)
    yield* Effect.tryPromise({
      try: () => fs.mkdir(path.dirname(absolute), { recursive: true }).then(() => fs.writeFile(absolute, html, "utf8")),
      catch: (cause) => new ReportWriteError({ file: absolute, cause })
    })
    return absolute
  })
