/**
 * LocalMaster wire details: lenient request decoding, enums by number, `?pretty`, route order, text-built stream
 * lines identical to the object renderers.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { LocalMaster } from "effect-determined/testing"
import { logJson, logLine } from "../../src/testing/internal/views.js"
import { call, lines, singleConfig } from "./helpers.js"

describe("LocalMaster wire", () => {
  it.scoped("bodies in snake_case, enums by number, ?pretty, unknown query parameters", () =>
    Effect.gen(function*() {
      const master = yield* LocalMaster.make()
      const token = yield* master.token()
      const created = yield* call(master, "POST", "/api/v1/experiments", {
        token,
        body: { config: singleConfig(100), activate: true, model_definition: [], project_id: 0, unknown_field: 1 }
      })
      assert.strictEqual(created.status, 200)
      const asc = yield* call(master, "GET", "/api/v1/users?order_by=2&whatever=1", { token })
      assert.deepStrictEqual(asc.json.users.map((u: any) => u.id), [2, 1])
      const bad = yield* call(master, "GET", "/api/v1/users?orderBy=ORDER_BY_SIDEWAYS", { token })
      assert.strictEqual(bad.status, 400)
      const pretty = yield* call(master, "GET", "/api/v1/master?pretty", {})
      assert.match(pretty.text, /^\{\n {4}"version": "0\.38\.1"/)
      const time = yield* call(master, "GET", "/api/v1/trials/time-series", { token })
      assert.strictEqual(time.status, 501) // CompareTrials (order 68) is matched before GetTrial (75)
    }))

  it.scoped("text-built log lines equal the object renderer's JSON", () =>
    Effect.gen(function*() {
      const master = yield* LocalMaster.make()
      const token = yield* master.token()
      const exp = (yield* call(master, "POST", "/api/v1/experiments", {
        token,
        body: { config: singleConfig(200), activate: true }
      })).json.experiment
      yield* TestClock.adjust("10 seconds")
      const trialId = exp.trialIds[0] as number
      const streamed = lines((yield* call(master, "GET", `/api/v1/trials/${trialId}/logs`, { token })).text)
      assert.isAbove(streamed.length, 10)
      for (const l of streamed) {
        const row = {
          id: Number(l.result.id),
          trialId: l.result.trialId,
          timestamp: Date.parse(l.result.timestamp) + Number(`0.${l.result.timestamp.slice(23, 26)}`),
          level: l.result.level,
          log: l.result.log,
          source: l.result.source,
          stdtype: l.result.stdtype,
          agentId: l.result.agentId,
          containerId: l.result.containerId,
          rankId: l.result.rankId
        }
        assert.deepStrictEqual(JSON.parse(logLine(row)), { result: logJson(row) })
        assert.deepStrictEqual(JSON.parse(logLine(row)), l)
      }
    }))
})
