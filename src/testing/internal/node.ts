/**
 * The node:http bridge of `LocalMaster.serve`: IncomingMessage → web Request, web Response → socket, streaming
 * bodies written chunk by chunk (each chunk holds whole lines) and cancelled when the client goes away.
 *
 * @internal
 */
import type * as Effect from "effect/Effect"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { createServer } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { connectionFault } from "./faults.js"

/** @internal */
export interface NodeServer {
  readonly server: Server
  readonly port: number
  readonly close: () => Promise<void>
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

const toWebRequest = async (req: IncomingMessage, port: number): Promise<Request> => {
  const headers = new Headers()
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue
    if (Array.isArray(v)) { for (const x of v) headers.append(k, x) }
    else headers.set(k, v)
  }
  const method = req.method ?? "GET"
  const body = method === "GET" || method === "HEAD" ? undefined : await readBody(req)
  return new Request(`http://127.0.0.1:${port}${req.url ?? "/"}`, {
    method,
    headers,
    ...(body !== undefined && body.length > 0 ? { body: new Uint8Array(body) } : {})
  })
}

const writeResponse = async (response: Response, res: ServerResponse): Promise<void> => {
  // a fault plan's refused or dropped connection: no response at all
  if (connectionFault(response) !== undefined) {
    res.socket?.destroy()
    return
  }
  const headers: Record<string, string | Array<string>> = {}
  response.headers.forEach((value, key) => {
    if (key === "set-cookie") return
    headers[key] = value
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) headers["set-cookie"] = cookies
  res.writeHead(response.status, headers)
  if (response.body === null) {
    res.end()
    return
  }
  const reader = response.body.getReader()
  let closed = false
  res.on("close", () => {
    if (!res.writableFinished) {
      closed = true
      reader.cancel().catch(() => {})
    }
  })
  let written: Promise<unknown> = Promise.resolve()
  try {
    while (!closed) {
      const { done, value } = await reader.read()
      if (done) break
      let ok = true
      written = new Promise((resolve) => {
        ok = res.write(value, resolve)
      })
      if (!ok) await new Promise<void>((resolve) => res.once("drain", () => resolve()))
    }
  } catch {
    // the producer failed (e.g. a fault plan's cut): once what was written is flushed, break the connection, so
    // the client sees a truncated body rather than a complete one
    if (!closed) {
      closed = true
      await written
      res.destroy()
    }
  } finally {
    if (!closed) res.end()
  }
}

/**
 * Starts a server on 127.0.0.1. `run` executes an Effect in the caller's runtime.
 *
 * @internal
 */
export const startServer = (
  port: number,
  handle: (request: Request) => Effect.Effect<Response>,
  run: <A>(effect: Effect.Effect<A>) => Promise<A>
): Promise<NodeServer> =>
  new Promise((resolve, reject) => {
    const sockets = new Set<Socket>()
    let actualPort = port
    const server = createServer((req, res) => {
      toWebRequest(req, actualPort)
        .then((request) => run(handle(request)))
        .then((response) => writeResponse(response, res))
        .catch(() => {
          if (!res.headersSent) res.writeHead(500)
          res.end()
        })
    })
    server.on("connection", (s) => {
      sockets.add(s)
      s.on("close", () => sockets.delete(s))
    })
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => {
      actualPort = (server.address() as AddressInfo).port
      resolve({
        server,
        port: actualPort,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          })
      })
    })
  })
