/**
 * The `local-master` command as a real process, answered by plain `curl` (the check, automated): it prints
 * one `listening on http://127.0.0.1:<port>` line, serves a login and `GET /api/v1/experiments`, and stops cleanly
 * on SIGTERM.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFileSync, spawn } from "node:child_process"
import * as path from "node:path"
import { createInterface } from "node:readline"

const hasCurl = (() => {
  try {
    execFileSync("curl", ["--version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()
if (!hasCurl) console.warn("curl test skipped: curl is not installed")

const root = path.resolve(import.meta.dirname, "../..")

const curl = (args: ReadonlyArray<string>) =>
  Effect.sync(() => execFileSync("curl", ["-s", "-w", "\\n%{http_code}", ...args], { encoding: "utf8" })).pipe(
    Effect.map((out) => {
      const lines = out.trimEnd().split("\n")
      const status = Number(lines.pop())
      return { status, body: JSON.parse(lines.join("\n")) as any }
    })
  )

describe.skipIf(!hasCurl)("npm run local-master, answered by curl", () => {
  it.scopedLive("login and GET /api/v1/experiments over the served port", () =>
    Effect.gen(function*() {
      const child = yield* Effect.acquireRelease(
        Effect.sync(() =>
          spawn(process.execPath, ["--import", "tsx", "src/bin/local-master.ts", "--port", "0", "--seed", "7"], {
            cwd: root,
            stdio: ["ignore", "pipe", "inherit"]
          })
        ),
        (child) =>
          Effect.async<void>((resume) => {
            if (child.exitCode !== null) return resume(Effect.void)
            child.once("exit", () => resume(Effect.void))
            child.kill("SIGTERM")
          })
      )
      const url = yield* Effect.async<string, Error>((resume) => {
        const lines = createInterface({ input: child.stdout! })
        lines.once("line", (line) => {
          const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)
          resume(m === null ? Effect.fail(new Error(`unexpected first line: ${line}`)) : Effect.succeed(m[1]!))
        })
      }).pipe(Effect.timeout("60 seconds"))

      const login = yield* curl([
        "-X",
        "POST",
        `${url}/api/v1/auth/login`,
        "-H",
        "content-type: application/json",
        "-d",
        "{\"username\":\"determined\",\"password\":\"\"}"
      ])
      assert.strictEqual(login.status, 200)
      assert.isString(login.body.token)
      assert.strictEqual(login.body.user.username, "determined")

      const denied = yield* curl([`${url}/api/v1/experiments`])
      assert.strictEqual(denied.status, 401)
      assert.deepStrictEqual(denied.body, { error: { code: 16, reason: "Unauthenticated", error: "token missing" } })

      const list = yield* curl([`${url}/api/v1/experiments`, "-H", `Authorization: Bearer ${login.body.token}`])
      assert.strictEqual(list.status, 200)
      assert.deepStrictEqual(list.body.experiments, [])
      assert.deepStrictEqual(list.body.pagination, { offset: 0, limit: 0, startIndex: 0, endIndex: 0, total: 0 })

      // stops cleanly on SIGTERM, with exit code 0
      const code = yield* Effect.async<number | null>((resume) => {
        child.once("exit", (c) => resume(Effect.succeed(c)))
        child.kill("SIGTERM")
      })
      assert.strictEqual(code, 0)
    }), 90_000)
})
