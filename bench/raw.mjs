// The floors of the benchmark: hand-written clients with no decoding, no retry and no cache, over `fetch` or
// over `undici.request`, each reading JSON with `JSON.parse`. Plain JavaScript (typed by raw.d.mts) so that the
// metrics child can run under plain `node` against the built package, and bench/lib.ts (under tsx) shares it.
import { Agent, request } from "@effect/platform-node/Undici"

const queryString = (query = {}) => {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v)) { for (const x of v) params.append(k, String(x)) }
    else params.append(k, String(v))
  }
  const s = params.toString()
  return s === "" ? "" : `?${s}`
}

// Splits a byte stream into lines and parses each; `onLine` returns false to stop (then `stop` is called).
const readLines = async (chunks, onLine, stop) => {
  const decoder = new TextDecoder()
  let rest = ""
  for await (const value of chunks) {
    rest += decoder.decode(value, { stream: true })
    let start = 0
    let end
    while ((end = rest.indexOf("\n", start)) >= 0) {
      const line = rest.slice(start, end)
      start = end + 1
      if (line.length > 0 && !onLine(JSON.parse(line))) {
        await stop()
        return
      }
    }
    rest = rest.slice(start)
  }
  if (rest.trim() !== "") onLine(JSON.parse(rest))
}

const webChunks = async function*(reader) {
  while (true) {
    const { done, value } = await reader.read()
    if (done) return
    yield value
  }
}

const fetchTransport = () => ({
  text: async (url, headers, init = {}) => {
    const response = await fetch(url, { headers, ...init })
    return { status: response.status, text: await response.text() }
  },
  lines: async (url, headers, onLine) => {
    const response = await fetch(url, { headers })
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`)
    const reader = response.body.getReader()
    await readLines(webChunks(reader), onLine, () => reader.cancel())
  },
  close: async () => {}
})

const undiciTransport = () => {
  // its own connection pool, kept alive as long as the server allows (bench/server.ts: forever)
  const dispatcher = new Agent({ keepAliveTimeout: 60_000 })
  return {
    text: async (url, headers, init = {}) => {
      const response = await request(url, { headers, dispatcher, ...init })
      return { status: response.statusCode, text: await response.body.text() }
    },
    lines: async (url, headers, onLine) => {
      const response = await request(url, { headers, dispatcher })
      if (response.statusCode >= 300) throw new Error(`${url}: HTTP ${response.statusCode}`)
      const body = response.body
      await readLines(body, onLine, async () => body.destroy())
    },
    close: () => dispatcher.close()
  }
}

/** A raw client of the bench server over `fetch` or `undici.request`, logged in as `determined`. */
export const rawClient = async (url, transport = "fetch") => {
  const t = transport === "undici" ? undiciTransport() : fetchTransport()
  const login = await t.text(`${url}/api/v1/auth/login`, { "content-type": "application/json" }, {
    method: "POST",
    body: JSON.stringify({ username: "determined", password: "" })
  })
  const { token } = JSON.parse(login.text)
  const headers = { authorization: `Bearer ${token}`, accept: "application/json" }
  return {
    transport,
    json: async (path, query) => {
      const { status, text } = await t.text(`${url}${path}${queryString(query)}`, headers)
      if (status >= 300) throw new Error(`${path}: HTTP ${status} ${text.slice(0, 200)}`)
      return JSON.parse(text)
    },
    ndjson: (path, query, onLine) => t.lines(`${url}${path}${queryString(query)}`, headers, onLine),
    close: t.close
  }
}
