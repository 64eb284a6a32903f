/**
 * A hostile master of the tests' own: a node:http server on 127.0.0.1 whose every request is answered by a
 * handler that may misbehave at will (send the headers and trickle the body, stall, send a huge line, redirect
 * elsewhere, cut the connection). Logins are answered with a token unless the handler takes them. Scoped: every socket
 * is destroyed and the server closed when the scope ends, so a stalled response never outlives its test.
 */
import { Effect } from "effect"
import * as Http from "node:http"
import type * as Net from "node:net"

export interface HostileRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Http.IncomingHttpHeaders
  /** 1-based, over every request the server received. */
  readonly n: number
}

export type HostileHandler = (request: HostileRequest, res: Http.ServerResponse, req: Http.IncomingMessage) => void

export interface HostileServer {
  readonly url: string
  /** Every request received, in order (login included). */
  readonly requests: ReadonlyArray<HostileRequest>
  /** Sockets currently open (responses a test left stalled are among them until the scope ends). */
  readonly openSockets: () => number
}

const loginAnswer = (res: Http.ServerResponse) => {
  res.setHeader("content-type", "application/json")
  res.end(JSON.stringify({ token: "hostile-token", user: { id: 1, username: "determined" } }))
}

/** Serve `handler` on loopback for the scope; logins are answered with a token unless `handleLogin`. */
export const hostileServer = (handler: HostileHandler, options: { readonly handleLogin?: boolean } = {}) =>
  Effect.acquireRelease(
    Effect.async<HostileServer & { readonly server: Http.Server; readonly sockets: Set<Net.Socket> }>((resume) => {
      const requests: Array<HostileRequest> = []
      const sockets = new Set<Net.Socket>()
      const server = Http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1")
        const request: HostileRequest = {
          method: req.method ?? "GET",
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          n: requests.length + 1
        }
        requests.push(request)
        // drain what the client sends so that the answer can be written whatever the handler does
        req.resume()
        if (request.path === "/api/v1/auth/login" && !options.handleLogin) return loginAnswer(res)
        handler(request, res, req)
      })
      server.on("connection", (socket) => {
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
      })
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as Net.AddressInfo).port
        resume(Effect.succeed({
          url: `http://127.0.0.1:${port}`,
          requests,
          openSockets: () => sockets.size,
          server,
          sockets
        }))
      })
    }),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resume(Effect.void))
      })
  )

/** Answer the login of the SDK (the handlers call it for `/api/v1/auth/login`). */
export const answerLogin = loginAnswer

/** Send a JSON answer. */
export const answerJson = (res: Http.ServerResponse, body: unknown, status = 200) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(typeof body === "string" ? body : JSON.stringify(body))
}
