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
// the floor: fetch + JSON.parse, no decoding, no retry, no cache

export interface Raw {
  readonly json: (path: string, query?: Record<string, string | number | ReadonlyArray<number>>) => Promise<any>
  /** Streams a newline-delimited JSON body; `onLine` returns false to stop reading (the response is cancelled). */
  readonly ndjson: (
    path: string,
    query: Record<string, string | number | boolean | ReadonlyArray<number>>,
    onLine: (value: any) => boolean
  ) => Promise<void>
}

const queryString = (query: Record<string, string | number | boolean | ReadonlyArray<number>> = {}) => {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v)) { for (const x of v) params.append(k, String(x)) }
    else params.append(k, String(v))
  }
  const s = params.toString()
  return s === "" ? "" : `?${s}`
}

export const rawClient = async (url: string): Promise<Raw> => {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "determined", password: "" })
  })
  const { token } = JSON.parse(await login.text()) as { token: string }
  const headers = { authorization: `Bearer ${token}`, accept: "application/json" }
  return {
    json: async (path, query) => {
      const response = await fetch(`${url}${path}${queryString(query)}`, { headers })
      const text = await response.text()
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${text.slice(0, 200)}`)
      return JSON.parse(text)
    },
    ndjson: async (path, query, onLine) => {
      const response = await fetch(`${url}${path}${queryString(query)}`, { headers })
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`)
      const reader = response.body!.getReader()
      const decoder = new TextDecoder()
      let rest = ""
      while (true) {
        const { done, value } = await reader.read()
        if (done) break
        rest += decoder.decode(value, { stream: true })
        let start = 0
        let end: number
        while ((end = rest.indexOf("\n", start)) >= 0) {
          const line = rest.slice(start, end)
          start = end + 1
          if (line.length > 0 && !onLine(JSON.parse(line))) {
            await reader.cancel()
            return
          }
        }
        rest = rest.slice(start)
      }
      if (rest.trim() !== "") onLine(JSON.parse(rest))
    }
  }
}

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

export interface Samples {
  readonly sdk: Array<number>
  readonly raw: Array<number>
}

/**
 * Warm-up (one SDK run and one raw run, not kept), then `rounds` interleaved pairs: SDK, raw, SDK, raw, ...
 * Each run returns its own measure (milliseconds, or a rate), taken outside any set-up it does.
 */
export const interleaved = async (
  rounds: number,
  sdk: () => Promise<number>,
  raw: () => Promise<number>,
  options: { readonly warmup?: boolean } = {}
): Promise<Samples> => {
  if (options.warmup !== false) {
    await sdk()
    await raw()
  }
  const out: Samples = { sdk: [], raw: [] }
  for (let i = 0; i < rounds; i++) {
    out.sdk.push(await sdk())
    out.raw.push(await raw())
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// results

export interface Row {
  readonly name: string
  /** median of the SDK runs */
  readonly sdk: number
  /** median of the baseline runs */
  readonly baseline: number
  readonly unit: string
  /** SDK cost / baseline cost: a time ratio (> 1 = the SDK is slower); for a rate, baseline rate / SDK rate */
  readonly ratio: number
  /** HTTP requests the SDK made (counted by the server), when the scenario counts them */
  readonly requests: number | null
  /** requests of the baseline client */
  readonly baselineRequests: number | null
  /** peak RSS of the SDK's process in MiB, when measured in a process of its own */
  readonly rssMb: number | null
  /** (max - min) / median of the SDK runs and of the baseline runs, percent */
  readonly sdkSpreadPct: number
  readonly baselineSpreadPct: number
  readonly goal: string
  readonly goalMet: boolean | null
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

export const markdownTable = (rows: ReadonlyArray<Row>): string => {
  const header = "| scenario | SDK | baseline | ratio | requests | peak RSS MB | goal |"
  const sep = "|---|---:|---:|---:|---:|---:|---|"
  const lines = rows.map((r) => {
    const requests = r.requests === null
      ? "—"
      : r.baselineRequests === null
      ? String(r.requests)
      : `${r.requests.toLocaleString("en-US")} (raw ${r.baselineRequests.toLocaleString("en-US")})`
    const goal = `${r.goal}${r.goalMet === null ? "" : r.goalMet ? " ✓" : " ✗"}`
    return `| ${r.name} | ${cell(r.sdk, r.unit, r.sdkSpreadPct)} | ${cell(r.baseline, r.unit, r.baselineSpreadPct)} | ${
      r.ratio.toFixed(2)
    } | ${requests} | ${r.rssMb === null ? "—" : r.rssMb.toFixed(1)} | ${goal} |`
  })
  return [header, sep, ...lines].join("\n")
}

/** The JSON form: `{ name, sdk, baseline, unit, ratio, requests, rssMb }` plus spreads and goals. */
export const jsonRows = (rows: ReadonlyArray<Row>) =>
  rows.map((r) => ({
    name: r.name,
    sdk: Number(r.sdk.toFixed(3)),
    baseline: Number(r.baseline.toFixed(3)),
    unit: r.unit,
    ratio: Number(r.ratio.toFixed(4)),
    requests: r.requests,
    rssMb: r.rssMb === null ? null : Number(r.rssMb.toFixed(1)),
    baselineRequests: r.baselineRequests,
    sdkSpreadPct: Number(r.sdkSpreadPct.toFixed(2)),
    baselineSpreadPct: Number(r.baselineSpreadPct.toFixed(2)),
    goal: r.goal,
    goalMet: r.goalMet,
    ...(r.note === undefined ? {} : { note: r.note })
  }))
