/**
 * The LocalMaster fault plan itself: matching, validation, determinism, "before the server" faults leaving the
 * emulator untouched, what the SDK does with each fault, `LocalMaster.serve` (a dropped connection is a destroyed
 * socket) and `npm run local-master -- --faults`.
 */
import { HttpClientRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Fiber, Layer, Random, Stream, TestClock, TestContext } from "effect"
import { Determined, Experiment, Project, RetryPolicy, Trial, Workspace } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { spawn } from "node:child_process"
import * as NodePath from "node:path"
import { globToRegExp, parsePlan, validatePlan } from "../../src/testing/internal/faults.js"
import { config, createExperiment } from "../resources/localHelpers.js"
import { VirtualClock } from "./helpers.js"

const quick = RetryPolicy.layer({
  schedule: RetryPolicy.backoff({ times: 6, base: "10 millis", maxDelay: "100 millis" })
})

/** The SDK against an in-process LocalMaster with `faults`, on a {@link VirtualClock}. */
const withMaster = <A, E>(
  faults: LocalMaster.FaultPlan,
  body: (clock: VirtualClock, master: LocalMaster.LocalMaster.Service) => Effect.Effect<A, E, any>
) => {
  const clock = new VirtualClock()
  return Effect.flatMap(LocalMaster.LocalMaster, (master) => body(clock, master)).pipe(
    Effect.provide(Layer.merge(LocalMaster.layer({ seed: 3, speed: 100, faults }), quick)),
    Effect.withClock(clock)
  ) as Effect.Effect<A, E, never>
}

const paths = (master: LocalMaster.LocalMaster.Service, method: string, path: string) =>
  Effect.map(master.requests, (rs) => rs.filter((r) => r.method === method && r.path === path).length)

describe("fault plan: spec", () => {
  it("globs match one segment with *, any depth with **, alternatives with {a,b}", () => {
    const cases: ReadonlyArray<readonly [string, string, boolean]> = [
      ["/api/v1/trials/*/logs", "/api/v1/trials/12/logs", true],
      ["/api/v1/trials/*/logs", "/api/v1/trials/12/logs/fields", false],
      ["/api/v1/**", "/api/v1/experiments/1/trials", true],
      ["/api/v1/**", "/api/v2/experiments", false],
      ["**", "/anything/at/all", true],
      ["/api/v1/{experiments,trials}/*/kill", "/api/v1/trials/3/kill", true],
      ["/api/v1/{experiments,trials}/*/kill", "/api/v1/models/3/kill", false],
      ["/api/v1/experiments/?", "/api/v1/experiments/7", true],
      ["/api/v1/experiments/?", "/api/v1/experiments/17", false],
      ["/api/v1/**/logs", "/api/v1/trials/1/logs", true]
    ]
    for (const [glob, path, expected] of cases) assert.strictEqual(globToRegExp(glob).test(path), expected, glob)
  })

  it("a plan is validated: probabilities in [0, 1], known fields, a JSON text or a file", () => {
    assert.throws(() => validatePlan({ rules: [{ status: { "503": 1.5 } }] }), /invalid fault plan/)
    assert.throws(() => validatePlan({ rules: [{ sometimes: 0.5 }] }), /sometimes/)
    assert.throws(() => validatePlan({ rules: [{ pathRegex: "(" }] }), /invalid fault plan/)
    assert.throws(() => parsePlan("{not json"), /not JSON/)
    const plan = parsePlan(`{"seed": 1, "rules": [{"path": "/api/v1/**", "method": "GET", "status": {"503": 0.2}}]}`)
    assert.strictEqual(plan.rules[0]!.status!["503"], 0.2)
    const fromFile = parsePlan(NodePath.join(import.meta.dirname, "../../docs/faults.example.json"))
    assert.isAbove(fromFile.rules.length, 3)
  })
})

describe("fault plan: injected faults", () => {
  it.effect("the same seed and requests meet the same faults", () =>
    Effect.gen(function*() {
      const plan: LocalMaster.FaultPlan = {
        seed: 5,
        rules: [{ path: "/api/v1/**", status: { "502": 0.2, "503": 0.2 }, html: 0.2 }]
      }
      const statuses = () =>
        Effect.gen(function*() {
          const master = yield* LocalMaster.make({ faults: plan })
          const out: Array<number> = []
          for (let i = 0; i < 40; i++) {
            out.push((yield* master.handle(new Request("http://local/api/v1/master"))).status)
          }
          return { out, stats: yield* master.faultStats }
        }).pipe(Effect.scoped)
      const a = yield* statuses()
      const b = yield* statuses()
      assert.deepStrictEqual(a, b)
      assert.isTrue(a.out.includes(200) && a.out.includes(502) && a.out.includes(503))
      assert.strictEqual(a.stats.status502 + a.stats.status503 + a.stats.html, a.out.filter((s) => s !== 200).length)
    }))

  it("in process, a fault plan answers within the fiber: Effect.runSync sees the 503, the refusal, the cut stream", () => {
    const plan: LocalMaster.FaultPlan = {
      rules: [
        { method: "GET", path: "/api/v1/master", status: { "503": 1 } },
        { method: "GET", path: "/api/v1/me", refuse: 1 },
        { method: "GET", path: "/api/v1/trials/*/logs", cutAfterLines: 3 },
        { method: "GET", path: "/api/v1/experiments/*", dropAfter: 1 }
      ]
    }
    const program = Effect.gen(function*() {
      const master = yield* LocalMaster.make({ seed: 1, faults: plan })
      const [experimentId] = yield* master.seedExperiments(1)
      yield* master.seedLogs(experimentId!, 10)
      const token = yield* master.token()
      const client = LocalMaster.httpClient(master)
      const get = (path: string) =>
        client.execute(HttpClientRequest.get(`http://local${path}`).pipe(HttpClientRequest.bearerToken(token)))
      const unavailable = (yield* get("/api/v1/master")).status
      const refused = yield* Effect.flip(get("/api/v1/me"))
      const logs = yield* get(`/api/v1/trials/${experimentId}/logs`)
      const lines: Array<string> = []
      const cut = yield* Effect.flip(
        Stream.runForEach(Stream.decodeText(logs.stream), (text) => Effect.sync(() => lines.push(text)))
      )
      const half = yield* Effect.flip(Effect.flatMap(get(`/api/v1/experiments/${experimentId}`), (r) => r.text))
      return { unavailable, refused, received: lines.join(""), cut, half, stats: yield* master.faultStats }
    }).pipe(Effect.scoped)
    // no promise, no timer: the whole program runs synchronously
    const out = Effect.runSync(program)
    assert.strictEqual(out.unavailable, 503)
    assert.strictEqual(out.refused._tag, "RequestError")
    assert.strictEqual((out.refused.cause as { code?: string }).code, "ECONNREFUSED")
    // three whole lines, then the head of the fourth, then the connection breaks
    assert.strictEqual(out.received.split("\n").length, 4)
    assert.isFalse(out.received.endsWith("\n"))
    assert.strictEqual(out.cut._tag, "ResponseError")
    assert.strictEqual((out.cut.cause as { code?: string }).code, "ECONNRESET")
    assert.strictEqual(out.half._tag, "ResponseError")
    assert.deepInclude(out.stats, { status503: 1, refused: 1, streamCut: 1, dropAfter: 1 })
  })

  it.effect("in process under TestClock, a program meeting every kind of fault has one outcome: the same on every run", () =>
    Effect.gen(function*() {
      // everything a plan can do, often: latency, 5xx, 429 bursts, HTML, refused and dropped connections, cut
      // streams, expired tokens
      const plan: LocalMaster.FaultPlan = {
        seed: 9,
        rules: [
          { method: "GET", path: "/api/v1/**", status: { "502": 0.05, "503": 0.05 }, html: 0.05, dropAfter: 0.05 },
          { path: "/api/v1/**", refuse: 0.03, dropBefore: 0.03, rateLimit: { probability: 0.03, burst: 2 } },
          { method: "GET", path: "/api/v1/trials/*/logs", cutAfterLines: [5, 15] },
          { path: "/api/v1/**", expireToken: { afterUses: 25 } },
          { path: "/api/v1/**", latency: { probability: 0.5, millis: [1, 80] } }
        ]
      }
      const run = Effect.gen(function*() {
        const master = yield* LocalMaster.LocalMaster
        const program = Effect.gen(function*() {
          const experimentId = yield* createExperiment(config({
            searcher: {
              name: "random",
              metric: "validation_loss",
              max_trials: 4,
              max_concurrent_trials: 4,
              max_length: { batches: 300 }
            },
            hyperparameters: { lr: { type: "log", base: 10, minval: -4, maxval: -1 }, global_batch_size: 32 }
          }))
          yield* Effect.sleep("10 seconds")
          const trials = yield* Experiment.listTrials(experimentId)
          for (const t of trials) yield* master.seedLogs(t.id, 60)
          // concurrent reads: the order in which their faults are drawn is the scheduler's, which must not vary
          const reads = yield* Effect.all(
            trials.map((t) =>
              Effect.all([
                Effect.map(Stream.runCollect(Trial.logs(t.id)), (lines) => Chunk.size(lines)),
                Effect.map(Trial.get(t.id), (trial) => trial.state)
              ])
            ),
            { concurrency: "unbounded" }
          )
          const killed = yield* Effect.either(Experiment.kill(experimentId))
          return { reads, killed: killed._tag }
        })
        const fiber = yield* Effect.fork(program)
        // TestClock.adjust alone moves the program: nothing in it waits for a real turn of the event loop
        let steps = 0
        while ((yield* Fiber.poll(fiber))._tag === "None" && steps < 2_000) {
          yield* TestClock.adjust("50 millis")
          steps++
        }
        const result = yield* Fiber.join(fiber)
        return {
          result,
          steps,
          stats: yield* master.faultStats,
          requests: (yield* master.requests).map((r) => `${r.method} ${r.path}?${r.query}`)
        }
      })
      // each run on its own TestClock from time 0, and the retries' jitter drawn from a Random seeded alike
      const once = Effect.suspend(() =>
        run.pipe(
          Effect.provide(Layer.merge(LocalMaster.layer({ seed: 4, speed: 100, faults: plan }), quick)),
          Effect.withRandom(Random.make(7)),
          Effect.provide(TestContext.TestContext)
        )
      )
      const first = yield* once
      for (let n = 2; n <= 3; n++) assert.deepStrictEqual(yield* once, first, `run ${n}`)
      // the plan did bite: most kinds of fault were met
      const met = Object.entries(first.stats).filter(([, n]) => n > 0).map(([k]) => k)
      assert.includeMembers(met, ["latency", "streamCut", "expiredToken", "refused", "dropBefore"])
      assert.isAbove(met.length, 7)
      assert.strictEqual(first.result.reads.length, 4)
    }))

  it.effect("a fault before the server never reaches the router: a create answered 503 creates nothing", () =>
    withMaster(
      { rules: [{ method: "POST", path: "/api/v1/workspaces", status: { "503": 1 } }] },
      (clock, master) =>
        Effect.gen(function*() {
          const error = yield* clock.run(Effect.flip(Workspace.create("never")))
          // a create is not idempotent: a 503 is not retried
          assert.strictEqual(error._tag, "ServerError")
          assert.strictEqual((yield* master.faultStats).status503, 1)
          assert.strictEqual(yield* paths(master, "POST", "/api/v1/workspaces"), 0)
          yield* master.setFaultsActive(false)
          const found = yield* clock.run(Effect.flip(Workspace.getByName("never")))
          assert.strictEqual(found._tag, "NotFound")
        })
    ))

  it.effect("refused connections and 429s: even creates are retried, and each is created once", () =>
    withMaster(
      {
        seed: 11,
        rules: [{
          method: "POST",
          path: "/api/v1/workspaces",
          refuse: 0.4,
          rateLimit: { probability: 0.3, retryAfterSeconds: 1 }
        }]
      },
      (clock, master) =>
        Effect.gen(function*() {
          const names = ["w1", "w2", "w3", "w4", "w5", "w6"]
          yield* clock.run(Effect.forEach(names, (n) => Workspace.create(n)))
          const stats = yield* master.faultStats
          assert.isAbove(stats.refused, 0)
          assert.isAbove(stats.rateLimited, 0)
          assert.strictEqual(yield* paths(master, "POST", "/api/v1/workspaces"), names.length)
          yield* master.setFaultsActive(false)
          const all = yield* clock.run(Workspace.list())
          assert.deepStrictEqual(all.map((w) => w.name).filter((n) => names.includes(n)).sort(), names)
        })
    ))

  it.effect("idempotent writes failing before the server are retried: each reaches the master exactly once", () =>
    withMaster(
      {
        seed: 8,
        rules: [{
          method: "POST",
          path: "/api/v1/experiments/*/{archive,kill}",
          status: { "503": 0.2 },
          dropBefore: 0.2
        }]
      },
      (clock, master) =>
        Effect.gen(function*() {
          const ids = yield* master.seedExperiments(40)
          yield* clock.run(Effect.forEach(ids, (id) => Effect.zipRight(Experiment.kill(id), Experiment.archive(id))))
          const stats = yield* master.faultStats
          assert.isAbove(stats.status503 + stats.dropBefore, 10)
          const writes = (yield* master.requests).filter((r) => r.method === "POST")
          assert.strictEqual(writes.filter((r) => r.path.endsWith("/archive")).length, ids.length)
          assert.strictEqual(writes.filter((r) => r.path.endsWith("/kill")).length, ids.length)
          yield* master.setFaultsActive(false)
          const archived = yield* clock.run(Experiment.list({ archived: true }))
          assert.strictEqual(archived.length, ids.length)
        })
    ))

  it.effect("a connection dropped after the create reached the master: ExperimentMayExist, and exactly one exists", () =>
    withMaster(
      { rules: [{ method: "POST", path: "/api/v1/experiments", dropAfter: 1 }] },
      (clock, master) =>
        Effect.gen(function*() {
          const error = yield* clock.run(Effect.flip(Experiment.create({ config: config({ name: "once" }) })))
          assert.strictEqual(error._tag, "ExperimentMayExist")
          assert.strictEqual((yield* master.faultStats).dropAfter, 1)
          yield* master.setFaultsActive(false)
          const found = yield* clock.run(Experiment.list({ name: "once" }))
          assert.strictEqual(found.length, 1)
        })
    ))

  it.effect("429s honour Retry-After on the Clock, latency is Clock time, and a burst that outlasts the retries fails", () =>
    withMaster(
      {
        rules: [
          { method: "GET", path: "/api/v1/experiments", rateLimit: { probability: 1, retryAfterSeconds: 2 } },
          { method: "GET", path: "/api/v1/experiments", latency: { millis: 300 } }
        ]
      },
      (clock, master) =>
        Effect.gen(function*() {
          const [elapsed, error] = yield* clock.run(
            Effect.timed(Effect.flip(Experiment.list())).pipe(
              Effect.provide(RetryPolicy.layer({ schedule: RetryPolicy.backoff({ times: 3, maxDelay: "10 seconds" }) }))
            )
          )
          assert.strictEqual(error._tag, "RateLimited")
          assert.strictEqual(error._tag === "RateLimited" && error.retryAfterMillis, 2000)
          const stats = yield* master.faultStats
          assert.strictEqual(stats.rateLimited, 4)
          assert.strictEqual(stats.latency, 4)
          // 4 answers after 300 ms each and 3 waits of Retry-After (2 s): 7.2 s of Clock time
          assert.isAtLeast(Duration.toMillis(elapsed), 7200)
          assert.isBelow(Duration.toMillis(elapsed), 9000)
        })
    ))

  it.effect("tokens expire after N uses of that token: the SDK logs in again and replays", () =>
    withMaster(
      { rules: [{ path: "/api/v1/**", expireToken: { afterUses: 3 } }] },
      (clock, master) =>
        Effect.gen(function*() {
          for (let i = 0; i < 10; i++) yield* clock.run(Workspace.list())
          const stats = yield* master.faultStats
          // each token serves 3 lists; the 4th, 7th and 10th meet an expired token and are replayed with a new one
          assert.strictEqual(stats.expiredToken, 3)
          const logins = yield* paths(master, "POST", "/api/v1/auth/login")
          assert.strictEqual(logins, 1 + stats.expiredToken)
        })
    ))

  it.effect("tokens expire by age on the Clock: 20 concurrent calls on an old token share one re-login", () =>
    withMaster(
      { rules: [{ path: "/api/v1/**", expireToken: { afterMillis: 60_000 } }] },
      (clock, master) =>
        Effect.gen(function*() {
          yield* clock.run(Workspace.list())
          yield* clock.advanceTo(61_000)
          yield* clock.run(Effect.all(Array.from({ length: 20 }, () => Workspace.list()), { concurrency: "unbounded" }))
          const stats = yield* master.faultStats
          assert.strictEqual(stats.expiredToken, 20, "every call on the old token, none on the new one")
          assert.strictEqual(yield* paths(master, "POST", "/api/v1/auth/login"), 2)
          // the new token is as good as new: a minute of calls on it meets no expiry
          yield* clock.run(Workspace.list())
          assert.strictEqual((yield* master.faultStats).expiredToken, 20)
        })
    ))

  it.effect("an HTML page instead of JSON is a 502 (retried), or with htmlStatus 200 a DecodeError", () =>
    withMaster(
      {
        seed: 4,
        rules: [
          { method: "GET", path: "/api/v1/workspaces", html: 0.3 },
          { method: "GET", path: "/api/v1/projects/*", html: 1, htmlStatus: 200 }
        ]
      },
      (clock, master) =>
        Effect.gen(function*() {
          for (let i = 0; i < 5; i++) yield* clock.run(Workspace.list())
          assert.isAbove((yield* master.faultStats).html, 0)
          const error = yield* clock.run(Effect.flip(Project.get(1)))
          assert.strictEqual(error._tag, "DecodeError")
          assert.include(error.message, "HTML page instead of JSON")
        })
    ))

  it.effect("streams cut after N lines: a follow resumes with every line once; every stream is closed", () =>
    withMaster(
      { rules: [{ method: "GET", path: "/api/v1/trials/*/logs", cutAfterLines: [20, 40], dropAfter: 0.1 }] },
      (clock, master) =>
        Effect.gen(function*() {
          const experimentId = yield* clock.run(createExperiment(config()))
          const trial = yield* clock.run(Experiment.awaitFirstTrial(experimentId))
          // 7 lines every 100 ms for 8 s, while the trial runs (a follow ends once its trial ended and it is drained)
          const seeding = yield* Effect.fork(
            Effect.zipRight(Effect.sleep("100 millis"), master.seedLogs(trial.id, 7)).pipe(Effect.repeatN(79))
          )
          const followed = yield* clock.run(
            Stream.runCollect(Trial.logs(trial.id, { follow: true })).pipe(Effect.ensuring(Fiber.interrupt(seeding)))
          )
          const ids = Chunk.toReadonlyArray(followed).map((l) => l.id)
          yield* master.setFaultsActive(false)
          const truth = yield* clock.run(Stream.runCollect(Trial.logs(trial.id)))
          assert.deepStrictEqual(ids, Chunk.toReadonlyArray(truth).map((l) => l.id))
          assert.isAbove(ids.length, 500)
          assert.isAbove((yield* master.faultStats).streamCut, 10)
          assert.strictEqual(yield* master.openStreams, 0)
        })
    ))
})

describe("fault plan over real HTTP (LocalMaster.serve)", () => {
  it.scopedLive("a dropped connection is a destroyed socket, before or after the body starts", () =>
    Effect.gen(function*() {
      const { master, url } = yield* LocalMaster.serve({
        faults: {
          rules: [
            { path: "/api/v1/master", dropBefore: 1 },
            { path: "/info", dropAfter: 1 },
            { path: "/api/v1/trials/*/logs", cutAfterLines: 2 }
          ]
        }
      })
      const outcome = (path: string, headers: Record<string, string> = {}) =>
        Effect.promise(async () => {
          try {
            const response = await fetch(`${url}${path}`, { headers })
            try {
              const text = await response.text()
              return `body ${response.status} ${text.split("\n").filter((l) => l !== "").length} lines`
            } catch {
              return `body broken after ${response.status}`
            }
          } catch {
            return "no response"
          }
        })
      assert.strictEqual(yield* outcome("/api/v1/master"), "no response")
      assert.strictEqual(yield* outcome("/info"), "body broken after 200")
      const token = yield* master.token()
      const experimentId = yield* Effect.promise(() =>
        fetch(`${url}/api/v1/experiments`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
          body: JSON.stringify({ config: JSON.stringify(config()), activate: true })
        }).then((r) => r.json() as Promise<{ experiment: { id: number } }>)
      )
      yield* Effect.sleep("1500 millis")
      const trials = yield* Effect.promise(() =>
        fetch(`${url}/api/v1/experiments/${experimentId.experiment.id}/trials`, {
          headers: { authorization: `Bearer ${token}` }
        }).then((r) => r.json() as Promise<{ trials: Array<{ id: number }> }>)
      )
      yield* master.seedLogs(trials.trials[0]!.id, 10)
      assert.strictEqual(
        yield* outcome(`/api/v1/trials/${trials.trials[0]!.id}/logs`, { authorization: `Bearer ${token}` }),
        "body broken after 200"
      )
      const stats = yield* master.faultStats
      assert.deepStrictEqual([stats.dropBefore, stats.dropAfter, stats.streamCut], [1, 1, 1])
      // the router never saw the dropped-before request
      assert.isFalse((yield* master.requests).some((r) => r.path === "/api/v1/master"))
    }))

  it.scopedLive("the SDK over loopback HTTP survives 30 % of reads failing", () =>
    Effect.gen(function*() {
      const { master, url } = yield* LocalMaster.serve({
        faults: {
          seed: 3,
          rules: [{ method: "GET", path: "/api/v1/**", dropBefore: 0.1, dropAfter: 0.1, status: { "503": 0.1 } }]
        }
      })
      yield* master.seedExperiments(30)
      const listed = yield* Effect.forEach([1, 2, 3, 4, 5], () => Experiment.list({ pageSize: 5 })).pipe(
        Effect.provide(Determined.layer({ master: url })),
        Effect.provide(
          RetryPolicy.layer({ schedule: RetryPolicy.backoff({ times: 10, base: "1 millis", maxDelay: "5 millis" }) })
        )
      )
      for (const l of listed) assert.strictEqual(l.length, 30)
      const stats = yield* master.faultStats
      assert.isAbove(stats.dropBefore + stats.dropAfter + stats.status503, 5)
    }))
})

describe("npm run local-master -- --faults", () => {
  const start = (args: ReadonlyArray<string>) =>
    Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, ["--import", "tsx", "src/bin/local-master.ts", ...args], {
          cwd: NodePath.join(import.meta.dirname, "../.."),
          stdio: ["ignore", "pipe", "pipe"]
        })
      ),
      (child) => Effect.sync(() => child.kill("SIGTERM"))
    )
  const firstLine = (child: ReturnType<typeof spawn>) =>
    Effect.async<{ readonly out: string; readonly code: number | null }>((resume) => {
      let out = ""
      const onData = (b: Buffer) => {
        out += b.toString()
        if (out.includes("\n") && out.includes("listening on")) resume(Effect.succeed({ out, code: null }))
      }
      child.stdout!.on("data", onData)
      child.stderr!.on("data", (b: Buffer) => (out += b.toString()))
      child.on("exit", (code) => resume(Effect.succeed({ out, code })))
    })

  it.scopedLive("serves with the plan given as JSON; a bad plan exits 2 with the reason", () =>
    Effect.gen(function*() {
      const plan = JSON.stringify({ rules: [{ path: "/api/v1/master", status: { "503": 1 } }] })
      const child = yield* start(["--port", "0", "--faults", plan])
      const { out } = yield* firstLine(child)
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
      assert.isDefined(url, out)
      const status = yield* Effect.promise(() => fetch(`${url}/api/v1/master`).then((r) => r.status))
      assert.strictEqual(status, 503)
      const info = yield* Effect.promise(() => fetch(`${url}/info`).then((r) => r.status))
      assert.strictEqual(info, 200)

      const bad = yield* start(["--port", "0", "--faults", `{"rules":[{"status":{"503":2}}]}`])
      const result = yield* firstLine(bad)
      assert.strictEqual(result.code, 2)
      assert.include(result.out, "invalid fault plan")
    }), 60_000)
})
