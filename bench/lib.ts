/**
 * Shared pieces of the benchmark suite: the server process, the raw HTTP client (the floor), timing and the
 * result table.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import type { Manifest } from "./server.js"

export type { Manifest } from "./server.js"

// ---------------------------------------------------------------------------------------------------------------
// the server process

/** Requests the server received since the last reset, by route (`GET /api/v1/trials/{id}`). */
export interface Counts {
  readonly total: number
  readonly byRoute: Readonly<Record<string, number>>
}

export interface BenchServer {
  readonly url: string
  readonly manifest: Manifest
  readonly reset: () => Promise<void>
  readonly count: () => Promise<Counts>
  /** Turns on or off the server's injected latency (the fault plan's, bench/server.ts `latencyMillis`). */
  readonly setLatency: (on: boolean) => Promise<void>
  readonly close: () => Promise<void>
}

/** Arguments that start a TypeScript file with the same loader as this process (tsx). */
export const tsxArgs = (file: string): Array<string> => [
  ...process.execArgv.filter((a) => !a.startsWith("--cpu-prof") && !a.startsWith("--prof")),
  fileURLToPath(new URL(file, import.meta.url))
]

/** Starts bench/server.ts in its own process and waits until it listens. */
export const startServer = (scale: number): Promise<BenchServer> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [...tsxArgs("./server.ts"), "--scale", String(scale)], {
      stdio: ["pipe", "pipe", "inherit"]
    })
    const waiting: Array<(line: string) => void> = []
    let manifest: Manifest | undefined
    let started = false
    child.once("exit", (code) => {
      if (!started) reject(new Error(`the bench server exited with ${code} before listening`))
    })
    const lines = createInterface({ input: child.stdout! })
    const next = () => new Promise<string>((res) => waiting.push(res))
    const command = async (text: string, prefix: string) => {
      const answer = next()
      child.stdin!.write(`${text}\n`)
      const line = await answer
      if (!line.startsWith(prefix)) throw new Error(`bench server answered ${line} to ${text}`)
      return line.slice(prefix.length)
    }
    lines.on("line", (line) => {
      if (!started) {
        if (line.startsWith("manifest ")) manifest = JSON.parse(line.slice("manifest ".length)) as Manifest
        const m = /^listening on (http:\/\/\S+)/.exec(line)
        if (m !== null && manifest !== undefined) {
          started = true
          resolve({
            url: m[1]!,
            manifest,
            reset: async () => {
              await command("reset", "ok")
            },
            count: async () => JSON.parse(await command("count", "count ")) as Counts,
            setLatency: async (on) => {
              await command(on ? "latency on" : "latency off", "ok")
            },
            close: () =>
              new Promise<void>((res) => {
                child.once("exit", () => res())
                child.stdin!.end()
              })
          })
        }
        return
      }
      const waiter = waiting.shift()
      if (waiter !== undefined) waiter(line)
    })
  })

/** Requests of one route in a count (the route with ids replaced by `{id}`). */
export const routeCount = (counts: Counts, route: string): number => counts.byRoute[route] ?? 0

// ---------------------------------------------------------------------------------------------------------------
// the floors: fetch + JSON.parse and undici.request + JSON.parse, no decoding, no retry, no cache (bench/raw.mjs)

export type { Raw, Transport } from "./raw.mjs"
export { rawClient } from "./raw.mjs"

// ---------------------------------------------------------------------------------------------------------------
// timing

export const now = () => performance.now()

/** Runs `f` and returns how long it took in milliseconds, and its result. */
export const timed = async <A>(f: () => Promise<A>): Promise<{ readonly ms: number; readonly value: A }> => {
  const start = now()
  const value = await f()
  return { ms: now() - start, value }
}

export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** (max - min) / median, in percent. */
export const spread = (xs: ReadonlyArray<number>): number => {
  const m = median(xs)
  return m === 0 ? 0 : ((Math.max(...xs) - Math.min(...xs)) / m) * 100
}

const cpuMicros = () => {
  const u = process.cpuUsage()
  return u.user + u.system
}

/** The measures of each runner (one per run), and the client CPU (µs) each run took. */
export interface Samples<K extends string = "sdk" | "fetch" | "undici"> {
  readonly values: Record<K, Array<number>>
  readonly cpu: Record<K, Array<number>>
}

/**
 * Warm-up (one run of each runner, not kept), then `rounds` interleaved rounds: each runner once, in order.
 * Each run returns its own measure (milliseconds, or a rate), taken outside any set-up it does; the client CPU
 * of the whole run is recorded beside it.
 */
export const interleaved = async <K extends string>(
  rounds: number,
  runners: Record<K, () => Promise<number>>,
  options: { readonly warmup?: boolean } = {}
): Promise<Samples<K>> => {
  const keys = Object.keys(runners) as Array<K>
  if (options.warmup !== false) { for (const k of keys) await runners[k]() }
  const values = Object.fromEntries(keys.map((k) => [k, []])) as unknown as Record<K, Array<number>>
  const cpu = Object.fromEntries(keys.map((k) => [k, []])) as unknown as Record<K, Array<number>>
  for (let i = 0; i < rounds; i++) {
    for (const k of keys) {
      const start = cpuMicros()
      values[k].push(await runners[k]())
      cpu[k].push(cpuMicros() - start)
    }
  }
  return { values, cpu }
}

// ---------------------------------------------------------------------------------------------------------------
// results

/** A goal of the issue, checked on this run (`met` is null when the run cannot tell). */
export interface Goal {
  readonly goal: string
  readonly met: boolean | null
}

/** The undici floor of a row (the fetch floor is `baseline`). */
export interface Floor {
  readonly value: number
  readonly spreadPct: number
  /** SDK cost / floor cost, as `ratio` */
  readonly ratio: number
  readonly requests: number | null
}

export interface Row {
  readonly name: string
  /** median of the SDK runs */
  readonly sdk: number
  /** median of the baseline runs: the fetch floor, or the reference the row names (memory, overhead) */
  readonly baseline: number
  readonly unit: string
  /** SDK cost / baseline cost: a time ratio (> 1 = the SDK is slower); for a rate, baseline rate / SDK rate */
  readonly ratio: number
  /** the undici floor (`undici.request` + `JSON.parse`), where it applies */
  readonly undici: Floor | null
  /** HTTP requests the SDK made (counted by the server), when the scenario counts them */
  readonly requests: number | null
  /** requests of the baseline client */
  readonly baselineRequests: number | null
  /** peak RSS of the SDK's process in MiB, when measured in a process of its own */
  readonly rssMb: number | null
  /** (max - min) / median of the SDK runs and of the baseline runs, percent */
  readonly sdkSpreadPct: number
  readonly baselineSpreadPct: number
  readonly goals: ReadonlyArray<Goal>
  readonly note?: string | undefined
}

const fmt = (x: number, unit: string): string => {
  if (unit === "reports/s" || unit === "lines/s") return `${Math.round(x).toLocaleString("en-US")} ${unit}`
  if (unit === "MiB") return `${x.toFixed(1)} MiB`
  if (unit === "µs") return `${x.toFixed(1)} µs`
  if (unit === "ms") return x >= 100 ? `${Math.round(x).toLocaleString("en-US")} ms` : `${x.toFixed(1)} ms`
  return `${x} ${unit}`
}

const cell = (x: number, unit: string, spreadPct: number) =>
  `${fmt(x, unit)}${spreadPct > 0 ? ` ±${spreadPct.toFixed(1)}%` : ""}`

const mark = (met: boolean | null) => (met === null ? "" : met ? " ✓" : " ✗")

export const markdownTable = (rows: ReadonlyArray<Row>): string => {
  const header =
    "| scenario | SDK | fetch floor | undici floor | ÷ fetch | ÷ undici | requests | peak RSS MiB | goals |"
  const sep = "|---|---:|---:|---:|---:|---:|---:|---:|---|"
  const lines = rows.map((r) => {
    const requests = r.requests === null
      ? "—"
      : r.baselineRequests === null
      ? String(r.requests)
      : `${r.requests.toLocaleString("en-US")} (raw ${r.baselineRequests.toLocaleString("en-US")})`
    const goals = r.goals.length === 0 ? "—" : r.goals.map((g) => `${g.goal}${mark(g.met)}`).join("; ")
    const undici = r.undici === null ? "—" : cell(r.undici.value, r.unit, r.undici.spreadPct)
    return `| ${r.name} | ${cell(r.sdk, r.unit, r.sdkSpreadPct)} | ${
      cell(r.baseline, r.unit, r.baselineSpreadPct)
    } | ${undici} | ${r.ratio.toFixed(2)} | ${r.undici === null ? "—" : r.undici.ratio.toFixed(2)} | ${requests} | ${
      r.rssMb === null ? "—" : r.rssMb.toFixed(1)
    } | ${goals} |`
  })
  return [header, sep, ...lines].join("\n")
}

/** The JSON form: `{ name, sdk, baseline, unit, ratio, undici, requests, rssMb, goals }` plus spreads. */
export const jsonRows = (rows: ReadonlyArray<Row>) =>
  rows.map((r) => ({
    name: r.name,
    sdk: Number(r.sdk.toFixed(3)),
    baseline: Number(r.baseline.toFixed(3)),
    unit: r.unit,
    ratio: Number(r.ratio.toFixed(4)),
    undici: r.undici === null ? null : {
      value: Number(r.undici.value.toFixed(3)),
      ratio: Number(r.undici.ratio.toFixed(4)),
      spreadPct: Number(r.undici.spreadPct.toFixed(2)),
      requests: r.undici.requests
    },
    requests: r.requests,
    rssMb: r.rssMb === null ? null : Number(r.rssMb.toFixed(1)),
    baselineRequests: r.baselineRequests,
    sdkSpreadPct: Number(r.sdkSpreadPct.toFixed(2)),
    baselineSpreadPct: Number(r.baselineSpreadPct.toFixed(2)),
    goals: r.goals,
    goalsMet: r.goals.every((g) => g.met !== false),
    ...(r.note === undefined ? {} : { note: r.note })
  }))
