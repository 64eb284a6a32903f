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

describe.skipIf(process.platform === "win32")("npm run local-master, stopped through npm", () => {
  it.scopedLive(
    "SIGTERM to the npm process stops the server (the script execs, so npm's signal reaches it)",
    () =>
      Effect.gen(function*() {
        // a process group of its own, so that whatever outlives npm is found and killed at the end of the test
        const npm = yield* Effect.acquireRelease(
          Effect.sync(() =>
            spawn("npm", ["run", "local-master", "--", "--port", "0", "--seed", "7"], {
              cwd: root,
              detached: true,
              stdio: ["ignore", "pipe", "inherit"]
            })
          ),
          (child) =>
            Effect.sync(() => {
              try {
                process.kill(-child.pid!, "SIGKILL")
              } catch {
                // the group is gone: nothing outlived the test
              }
            })
        )
        const url = yield* Effect.async<string, Error>((resume) => {
          const lines = createInterface({ input: npm.stdout! })
          lines.on("line", (line) => {
            const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)
            if (m !== null) resume(Effect.succeed(m[1]!))
          })
          npm.once("exit", (code) => resume(Effect.fail(new Error(`npm exited with ${code} before listening`))))
        }).pipe(Effect.timeout("90 seconds"))
        const answers = Effect.promise(() => fetch(`${url}/api/v1/master`).then((r) => r.status === 200, () => false))
        assert.isTrue(yield* answers)
        yield* Effect.async<void>((resume) => {
          npm.once("exit", () => resume(Effect.void))
          npm.kill("SIGTERM")
        })
        // the server stops on its own (before: npm went, the server kept answering); a bounded wait, not a timing
        let up = true
        for (let i = 0; i < 100 && up; i++) {
          up = yield* answers
          if (up) yield* Effect.sleep("100 millis")
        }
        assert.isFalse(up, "the server still answers after npm was stopped")
      }),
    120_000
  )
})
