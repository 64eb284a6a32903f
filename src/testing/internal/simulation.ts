/**
 * Simulated training. The world is advanced lazily: before each request is handled, {@link advance} replays every
 * event (allocation lifecycle, training/validation reports, checkpoints, stops, timers) whose time is at or before
 * the request's `Clock.currentTimeMillis`, in time order. Nothing runs between requests, so under `TestClock` a
 * whole search runs in virtual time and the same seed + the same requests at the same clock times always give
 * the same world.
 *
 * Time model (all in clock milliseconds):
 * - A trial's allocation is QUEUED for 400 ms, PULLING until 600 ms, STARTING until 1000 ms, then RUNNING.
 * - A RUNNING trial of an ACTIVE experiment trains `speed` batches per second. It reports training metrics every
 *   `scheduling_unit` batches (default 100) and at its end, validates every `min_validation_period` batches, at
 *   ASHA rung thresholds and at its end, checkpoints per `checkpoint_policy` after validations, every
 *   `min_checkpoint_period` batches, on pause/cancel and at its end, and completes at its length
 *   (`searcher.max_length` in batches; ASHA: `max_time`; default 1000 batches).
 * - Pause keeps the trial at its last report (checkpointing there); activate resumes from it with a new allocation.
 * - Cancel: trials checkpoint and end CANCELED 1 s later; kill: trials end CANCELED 200 ms later.
 * - ASHA stops are prompt: a stopped trial shows STOPPING_COMPLETED, checkpoints and ends COMPLETED 500 ms later
 *   (the real 0.38.1 master lets it train on to its own end).
 * - Terminal experiments garbage-collect checkpoints 1 s later; deletes finish 1 s after DELETING.
 *
 * @internal
 */
import { makeCurve } from "./curves.js"
import type { Json, JsonObject } from "./expconf.js"
import { forEachHp, isObject, lengthInBatches, periodInBatches } from "./expconf.js"
import { isScripted, nextScriptEvent, stepScript } from "./script.js"
import type { Bracket, Checkpoint, Experiment, LogRow, MetricRow, Searcher, Trial, TrialState, World } from "./store.js"
import { isTerminalExperiment, isTerminalTrial } from "./store.js"
import { wireNumber } from "./wire.js"

/** @internal */
export const PULL_AT = 400
/** @internal */
export const START_AT = 600
/** @internal */
export const RUN_AT = 1000
const CANCEL_DELAY = 1000
const KILL_DELAY = 200
const ASHA_STOP_DELAY = 500
const GC_DELAY = 1000
/** @internal */
export const DELETE_DELAY = 1000
/** @internal */
export const DETERMINED_VERSION = "0.38.1"

// ---------------------------------------------------------------------------------------------------------------
// Advancing the world
// ---------------------------------------------------------------------------------------------------------------

/** Replays every event up to `to` (clock millis). @internal */
export const advance = (world: World, to: number): void => {
  if (!(to > world.now)) return
  for (let guard = 0; guard < 10_000_000; guard++) {
    let next = Infinity
    let nextTrial: Trial | undefined
    const timer = world.timers[0]
    if (timer !== undefined) next = timer.at
    for (const expId of world.live) {
      const exp = world.experiments.get(expId)
      if (exp === undefined) continue
      for (const id of exp.trialIds) {
        const trial = world.trials.get(id)!
        if (isTerminalTrial(trial.state)) continue
        const t = nextEventOf(world, exp, trial)
        if (t < next) {
          next = t
          nextTrial = trial
        }
      }
    }
    if (next > to) break
    if (next > world.now) world.now = next
    if (timer !== undefined && timer.at <= next) {
      world.timers.shift()
      timer.run(world, Math.max(timer.at, world.now))
    } else if (nextTrial !== undefined) {
      stepTrial(world, world.experiments.get(nextTrial.experimentId)!, nextTrial, world.now)
    }
  }
  world.now = to
}

const timeOfBatch = (world: World, trial: Trial, b: number): number =>
  trial.runT0 + ((b - trial.runB0) * 1000) / world.speed

const nextEventOf = (world: World, exp: Experiment, trial: Trial): number => {
  if (trial.state.startsWith("STOPPING_")) return trial.stopAt ?? Infinity
  if (trial.state !== "ACTIVE" || trial.phase !== "allocated" || exp.state !== "ACTIVE") return Infinity
  if (trial.stage === 0) return trial.allocAt + PULL_AT
  if (trial.stage === 1) return trial.allocAt + RUN_AT
  if (isScripted(trial)) return nextScriptEvent(world, trial)
  return timeOfBatch(world, trial, nextMilestone(exp, trial))
}

const nextMultiple = (b: number, period: number) => (Math.floor(b / period) + 1) * period

const nextMilestone = (exp: Experiment, trial: Trial): number => {
  const b = trial.batches
  let m = trial.length
  if (exp.schedulingUnit > 0) m = Math.min(m, nextMultiple(b, exp.schedulingUnit))
  if (exp.validationPeriod > 0) m = Math.min(m, nextMultiple(b, exp.validationPeriod))
  if (exp.checkpointPeriod > 0) m = Math.min(m, nextMultiple(b, exp.checkpointPeriod))
  const bi = exp.searcher.trialBracket.get(trial.id)
  if (bi !== undefined) {
    for (const th of exp.searcher.brackets[bi]!.thresholds) if (th > b && th < m) m = th
  }
  return Math.max(m, b + 1)
}

const stepTrial = (world: World, exp: Experiment, trial: Trial, at: number): void => {
  if (trial.state.startsWith("STOPPING_")) {
    finishStopping(world, exp, trial, at)
    return
  }
  if (trial.stage === 0) {
    trial.stage = 1
    logMaster(world, trial, at, `Trial ${trial.id} (Experiment ${exp.id}) was assigned to an agent`)
    const image = ((exp.config.environment as JsonObject | undefined)?.image as JsonObject | undefined)?.cpu
    logAgent(world, trial, at, `image already found, skipping pull phase: docker.io/${String(image)}`)
    logAgent(world, trial, at, "copying files to container: /")
    logAgent(world, trial, at, "copying files to container: /run/determined")
    return
  }
  if (trial.stage === 1) {
    trial.stage = 2
    trial.runT0 = at
    trial.runB0 = trial.batches
    trial.runnerState = "training"
    logMaster(world, trial, at, `Resources for Trial ${trial.id} (Experiment ${exp.id}) have started`)
    logTask(world, trial, at, undefined, "+ test -f startup-hook.sh", "stderr", undefined)
    logTask(world, trial, at, undefined, "+ set +x", "stderr", undefined)
    logTask(
      world,
      trial,
      at,
      "INFO",
      `[${pid(trial)}] root: New trial runner in (container ${trial.containerId}) on agent ${trial.agentId}: {...}`,
      "stdout",
      0
    )
    logTask(world, trial, at, "INFO", `[${pid(trial)}] root: Validating checkpoint storage ...`, "stdout", 0)
    logTask(
      world,
      trial,
      at,
      "INFO",
      `[${pid(trial)}] root: Launching: ['sh', '-c', ${pyRepr(String(exp.config.entrypoint ?? ""))}]`,
      "stdout",
      0
    )
    return
  }
  if (isScripted(trial)) return stepScript(world, exp, trial, at)
  const b = nextMilestone(exp, trial)
  reachBatch(world, exp, trial, b, at)
}

const reachBatch = (world: World, exp: Experiment, trial: Trial, b: number, at: number): void => {
  trial.batches = b
  const end = b >= trial.length
  const s = exp.searcher
  const bi = s.trialBracket.get(trial.id)
  const isTrain = (exp.schedulingUnit > 0 && b % exp.schedulingUnit === 0) || end
  const isVal = (exp.validationPeriod > 0 && b % exp.validationPeriod === 0) || end ||
    (bi !== undefined && s.brackets[bi]!.thresholds.includes(b))
  const isCkpt = exp.checkpointPeriod > 0 && b % exp.checkpointPeriod === 0
  const curve = makeCurve(trial.hparams, `${world.seed}:${trial.seed}`)
  if (isTrain) {
    trial.runnerState = "training"
    const values: JsonObject = { loss: curve.training(b), batches: b, epochs: epochsOf(exp, b) }
    reportMetrics(world, trial, "training", values, b, at)
    logTask(
      world,
      trial,
      at,
      "INFO",
      `[${pid(trial)}] determined.core: ${reportLine("training", b, values)}`,
      "stdout",
      0
    )
    trial.progress = Math.min(1, b / trial.length)
    updateProgress(world, exp)
  }
  if (isVal) {
    trial.runnerState = "validating"
    const v = curve.validation(b)
    const values: JsonObject = { ...v, batches: b, epochs: epochsOf(exp, b) }
    const metricValue = values[s.metric]
    const signed = typeof metricValue === "number" ? s.sign * metricValue : undefined
    const beatsBest = signed !== undefined && (exp.bestSigned === undefined || signed < exp.bestSigned)
    reportMetrics(world, trial, "validation", values, b, at)
    logTask(
      world,
      trial,
      at,
      "INFO",
      `[${pid(trial)}] determined.core: ${reportLine("validation", b, values)}`,
      "stdout",
      0
    )
    const policy = exp.config.checkpoint_policy
    if (policy === "all" || (policy !== "none" && beatsBest)) writeCheckpoint(world, exp, trial, at)
    if (s.kind === "adaptive_asha" && !ashaValidation(world, exp, trial, values, at)) return
  }
  if ((isCkpt || end) && trial.lastCheckpointBatches !== b) writeCheckpoint(world, exp, trial, at)
  if (end) {
    trial.runnerState = trial.runnerState === "training" ? "checkpointing" : trial.runnerState
    logMaster(world, trial, at, "resources exited successfully with a zero exit code")
    logMaster(
      world,
      trial,
      at,
      `Trial ${trial.id} (Experiment ${exp.id}) was terminated: allocation stopped early after all resources exited: resources exited successfully with a zero exit code`
    )
    finishTrial(world, exp, trial, "COMPLETED", at)
  }
}

const epochsOf = (exp: Experiment, b: number): number => Math.floor(b / exp.batchesPerEpoch)

/** @internal */
export const pid = (trial: Trial) => 30 + (trial.seed % 200)

/** @internal */
export const pyRepr = (v: unknown): string => {
  if (typeof v === "string") return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`
  if (typeof v === "boolean") return v ? "True" : "False"
  if (v === null || v === undefined) return "None"
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(v)
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`
  return `{${Object.entries(v as object).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(", ")}}`
}

const reportLine = (group: string, b: number, values: JsonObject) =>
  `report_${group}_metrics(steps_completed=${b}, metrics=${pyRepr(values)})`

// ---------------------------------------------------------------------------------------------------------------
// Metrics and summaries
// ---------------------------------------------------------------------------------------------------------------

const DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/

const typeOf = (v: Json | undefined): string => {
  if (v === null || v === undefined) return "null"
  if (typeof v === "number") return "number"
  if (typeof v === "string") {
    if (v === "NaN" || v === "Infinity" || v === "-Infinity") return "number"
    return DATE_RE.test(v) ? "date" : "string"
  }
  if (typeof v === "boolean") return "boolean"
  return Array.isArray(v) ? "array" : "object"
}

const num = (v: Json | undefined): number =>
  typeof v === "number" ? v : v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : 0

/** Applies one report to a group's summary (master-behaviour.md §1.2). @internal */
export const updateSummary = (summary: JsonObject, key: string, values: JsonObject): void => {
  const group = (summary[key] ?? {}) as JsonObject
  summary[key] = group
  for (const [name, v] of Object.entries(values)) {
    const type = typeOf(v)
    let entry = group[name] as JsonObject | undefined
    if (entry === undefined) {
      entry = { type }
      group[name] = entry
    } else if (entry.type !== type) {
      entry = { type: "string" }
      group[name] = entry
    }
    if (entry.type === "number" && type === "number") {
      const x = num(v)
      if (entry.count === undefined) {
        entry.count = 1
        entry.min = wireNumber(x)
        entry.max = wireNumber(x)
        entry.sum = wireNumber(x)
        entry.mean = wireNumber(x)
      } else {
        const count = (entry.count as number) + 1
        const sum = num(entry.sum) + x
        entry.count = count
        entry.min = wireNumber(Math.min(num(entry.min), x))
        entry.max = wireNumber(Math.max(num(entry.max), x))
        entry.sum = wireNumber(sum)
        entry.mean = wireNumber(sum / count)
      }
    }
  }
  for (const [name, entry] of Object.entries(group)) {
    const v = values[name]
    ;(entry as JsonObject).last = v === undefined ? null : v
  }
  // keep keys sorted the way the master's jsonb does for readability
  for (const name of Object.keys(group)) {
    const e = group[name] as JsonObject
    const sorted: JsonObject = {}
    for (const k of Object.keys(e).sort()) sorted[k] = e[k]!
    group[name] = sorted
  }
}

/** The summaryMetrics key of a metric group. @internal */
export const summaryKey = (group: string) =>
  group === "training" ? "avg_metrics" : group === "validation" ? "validation_metrics" : group

/** Records one metric report on a trial, as ReportTrialMetrics does. @internal */
export const reportMetrics = (
  world: World,
  trial: Trial,
  group: string,
  values: JsonObject,
  steps: number,
  at: number
): MetricRow => {
  const clean: JsonObject = {}
  for (const [k, v] of Object.entries(values)) clean[k] = typeof v === "number" ? wireNumber(v) : v
  const row: MetricRow = {
    id: world.nextId("metric"),
    trialId: trial.id,
    group,
    totalBatches: steps,
    endTime: at,
    trialRunId: Math.max(1, trial.runId),
    metrics: group === "validation"
      ? { validation_metrics: clean }
      : { avg_metrics: clean, batch_metrics: null },
    values: clean
  }
  trial.metrics.push(row)
  if (steps > trial.totalBatchesProcessed) trial.totalBatchesProcessed = steps
  updateSummary(trial.summary, summaryKey(group), clean)
  if (group === "validation") noteValidation(world, trial, row)
  return row
}

const noteValidation = (world: World, trial: Trial, row: MetricRow): void => {
  const exp = world.experiments.get(trial.experimentId)
  if (exp === undefined) return
  const s = exp.searcher
  const v = row.values[s.metric]
  if (typeof v !== "number") return
  trial.latestValidation = row
  const signed = s.sign * v
  const best = trial.bestValidation?.values[s.metric]
  if (trial.bestValidation === undefined || typeof best !== "number" || signed < s.sign * best) {
    trial.bestValidation = row
  }
  if (exp.bestSigned === undefined || signed < exp.bestSigned) exp.bestSigned = signed
}

/** Recomputes summary, best/latest validation and batches from the trial's remaining rows. @internal */
export const recomputeTrialMetrics = (world: World, trial: Trial): void => {
  trial.summary = {}
  trial.latestValidation = undefined
  trial.bestValidation = undefined
  trial.totalBatchesProcessed = 0
  for (const row of trial.metrics) {
    if (row.totalBatches > trial.totalBatchesProcessed) trial.totalBatchesProcessed = row.totalBatches
    updateSummary(trial.summary, summaryKey(row.group), row.values)
    if (row.group === "validation") noteValidation(world, trial, row)
  }
}

const updateProgress = (world: World, exp: Experiment): void => {
  const s = exp.searcher
  if (s.kind === "adaptive_asha") {
    let total = 0
    for (const b of s.brackets) {
      const n = b.rungs[0]!.length
      let p = n / (1.2 * b.maxTrials)
      if (n >= b.maxTrials) p = Math.max(p, b.completed / b.maxTrials)
      total += p
    }
    exp.progress = s.brackets.length === 0 ? 0 : total / s.brackets.length
    return
  }
  const trials = world.trialsOf(exp)
  if (trials.length === 0) return
  let sum = 0
  for (const t of trials) sum += t.closed ? 1 : t.progress
  const p = sum / trials.length
  exp.progress = Number.isFinite(p) ? p : 0
}

// ---------------------------------------------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------------------------------------------

const pushLog = (world: World, trial: Trial, row: Omit<LogRow, "id" | "trialId">): void => {
  // a trial's log never goes back in time: after lines seeded ahead of the clock, new lines take the last stamp
  const last = trial.logs[trial.logs.length - 1]
  const timestamp = last !== undefined && last.timestamp > row.timestamp ? last.timestamp : row.timestamp
  trial.logs.push({ id: world.nextId("log"), trialId: trial.id, ...row, timestamp })
}

/** @internal */
export const logMaster = (world: World, trial: Trial, at: number, text: string, level = "INFO"): void =>
  pushLog(world, trial, {
    timestamp: at,
    level: `LOG_LEVEL_${level}`,
    log: `${text}\n`,
    source: "master",
    stdtype: "stdout",
    agentId: undefined,
    containerId: undefined,
    rankId: undefined
  })

const logAgent = (world: World, trial: Trial, at: number, text: string): void =>
  pushLog(world, trial, {
    timestamp: at,
    level: "LOG_LEVEL_INFO",
    log: `${text}\n`,
    source: "agent",
    stdtype: "stdout",
    agentId: trial.agentId,
    containerId: trial.containerId,
    rankId: undefined
  })

/** @internal */
export const logTask = (
  world: World,
  trial: Trial,
  at: number,
  level: string | undefined,
  text: string,
  stdtype: string,
  rankId: number | undefined
): void =>
  pushLog(world, trial, {
    timestamp: at,
    level: level === undefined ? "LOG_LEVEL_UNSPECIFIED" : `LOG_LEVEL_${level}`,
    log: `${text}\n`,
    source: "task",
    stdtype,
    agentId: trial.agentId,
    containerId: trial.containerId,
    rankId
  })

/**
 * Appends `n` synthetic task log lines to a trial (benchmarks and tests), stamped `every` milliseconds apart from
 * `at` on, or from the trial's last line when that is later. @internal
 */
export const seedLogs = (world: World, trial: Trial, n: number, at: number, every: number): void => {
  const levels = ["LOG_LEVEL_INFO", "LOG_LEVEL_INFO", "LOG_LEVEL_INFO", "LOG_LEVEL_DEBUG", "LOG_LEVEL_WARNING"]
  const last = trial.logs[trial.logs.length - 1]
  const start = last !== undefined && last.timestamp + every > at ? last.timestamp + every : at
  for (let i = 0; i < n; i++) {
    pushLog(world, trial, {
      timestamp: start + i * every,
      level: levels[i % levels.length]!,
      log: `[${pid(trial)}] determined.core: seeded log line ${i}\n`,
      source: "task",
      stdtype: i % 10 === 9 ? "stderr" : "stdout",
      agentId: trial.agentId,
      containerId: trial.containerId,
      rankId: i % 2
    })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Checkpoints
// ---------------------------------------------------------------------------------------------------------------

/** Writes a COMPLETED checkpoint at the trial's current batch. @internal */
export const writeCheckpoint = (world: World, exp: Experiment, trial: Trial, at: number): Checkpoint => {
  const prev = trial.runnerState
  trial.runnerState = "checkpointing"
  const uuid = exp.rng.uuid()
  const steps = trial.batches
  const resources: Record<string, number> = {}
  const metadata: JsonObject = {
    determined_version: DETERMINED_VERSION,
    format: "pickle",
    framework: "torch-2.4.0",
    steps_completed: steps
  }
  resources["metadata.json"] = JSON.stringify(metadata).length
  resources["state_dict.pth"] = 4_000_000 + (trial.seed % 4_000_000)
  resources["trial_state.pkl"] = 111
  resources["code/"] = 0
  for (const f of exp.modelDefinition) {
    resources[`code/${f.path}${f.type === 53 && !f.path.endsWith("/") ? "/" : ""}`] = f.type === 53
      ? 0
      : f.content.length
  }
  const ckpt: Checkpoint = {
    uuid,
    trialId: trial.id,
    experimentId: exp.id,
    taskId: trial.taskId,
    allocationId: `${trial.taskId}.${Math.max(1, trial.runId)}`,
    reportTime: at,
    resources,
    metadata,
    state: "STATE_COMPLETED",
    stepsCompleted: steps
  }
  world.checkpoints.set(uuid, ckpt)
  trial.checkpoints.push(uuid)
  trial.lastCheckpointBatches = steps
  logTask(
    world,
    trial,
    at,
    "INFO",
    `[${pid(trial)}] determined.core: Reported checkpoint to master ${uuid}`,
    "stdout",
    0
  )
  if (prev === "validating") trial.runnerState = "checkpointing"
  return ckpt
}

/** Applies the checkpoint GC rule of master-behaviour.md §6.3 to a terminal experiment. @internal */
export const garbageCollect = (world: World, exp: Experiment): void => {
  const storage = (exp.config.checkpoint_storage ?? {}) as JsonObject
  const saveExpBest = Number(storage.save_experiment_best ?? 0)
  const saveTrialBest = Number(storage.save_trial_best ?? 1)
  const saveTrialLatest = Number(storage.save_trial_latest ?? 1)
  const s = exp.searcher
  type Ranked = { ckpt: Checkpoint; value: number | undefined; order: number }
  const all: Array<Ranked> = []
  const byTrial = new Map<number, Array<Ranked>>()
  for (const trial of world.trialsOf(exp)) {
    const rows: Array<Ranked> = []
    for (const uuid of trial.checkpoints) {
      const ckpt = world.checkpoints.get(uuid)
      if (ckpt === undefined || ckpt.state !== "STATE_COMPLETED") continue
      const val = trial.metrics.find((r) => r.group === "validation" && r.totalBatches === ckpt.stepsCompleted)
      const v = val?.values[s.metric]
      rows.push({ ckpt, value: typeof v === "number" ? s.sign * v : undefined, order: 0 })
    }
    byTrial.set(trial.id, rows)
    all.push(...rows)
  }
  const rank = (rows: Array<Ranked>) => {
    const sorted = [...rows].sort((a, b) =>
      a.value === undefined ? (b.value === undefined ? 0 : 1) : b.value === undefined ? -1 : a.value - b.value
    )
    return new Map(sorted.map((r, i) => [r, i + 1]))
  }
  const expRank = rank(all)
  for (const [trialId, rows] of byTrial) {
    const trialRank = rank(rows)
    const byOrder = [...rows].sort((a, b) => b.ckpt.stepsCompleted - a.ckpt.stepsCompleted)
    const orderRank = new Map(byOrder.map((r, i) => [r, i + 1]))
    for (const r of rows) {
      const del = ((expRank.get(r)! > saveExpBest && trialRank.get(r)! > saveTrialBest) || r.value === undefined) &&
        orderRank.get(r)! > saveTrialLatest
      if (del && !world.isModelVersionCheckpoint(r.ckpt.uuid) && !isWarmStart(world, r.ckpt.uuid)) {
        r.ckpt.state = "STATE_DELETED"
      }
    }
    void trialId
  }
}

const isWarmStart = (world: World, uuid: string): boolean => {
  void world
  void uuid
  return false
}

// ---------------------------------------------------------------------------------------------------------------
// Trial lifecycle
// ---------------------------------------------------------------------------------------------------------------

/** Requests a new allocation for a trial (QUEUED → PULLING → STARTING → RUNNING). @internal */
export const allocate = (world: World, exp: Experiment, trial: Trial, at: number): void => {
  trial.runId += 1
  trial.phase = "allocated"
  trial.stage = 0
  trial.allocAt = at
  logMaster(
    world,
    trial,
    at,
    `Scheduling Trial ${trial.id} (Experiment ${exp.id}) (id: ${trial.taskId}.${trial.runId})`
  )
}

const endAllocation = (trial: Trial, at: number): void => {
  if (trial.phase === "allocated" && at > trial.allocAt + PULL_AT) trial.wallClockMs += at - (trial.allocAt + PULL_AT)
  trial.phase = "none"
  trial.stage = 0
}

/** @internal */
export const wallClockSeconds = (world: World, trial: Trial): number => {
  let ms = trial.wallClockMs
  if (trial.phase === "allocated" && world.now > trial.allocAt + PULL_AT) ms += world.now - (trial.allocAt + PULL_AT)
  return ms / 1000
}

const finishStopping = (world: World, exp: Experiment, trial: Trial, at: number): void => {
  switch (trial.state) {
    case "STOPPING_COMPLETED":
      if (trial.stage === 2 && trial.lastCheckpointBatches !== trial.batches) writeCheckpoint(world, exp, trial, at)
      if (trial.phase === "allocated") {
        logMaster(world, trial, at, "resources exited successfully with a zero exit code")
      }
      finishTrial(world, exp, trial, "COMPLETED", at)
      return
    case "STOPPING_CANCELED":
      if (trial.stage === 2 && trial.lastCheckpointBatches !== trial.batches) writeCheckpoint(world, exp, trial, at)
      logMaster(
        world,
        trial,
        at,
        `Trial ${trial.id} (Experiment ${exp.id}) was terminated: allocation preempted after all resources exited`
      )
      finishTrial(world, exp, trial, "CANCELED", at)
      return
    case "STOPPING_KILLED":
      logMaster(world, trial, at, "killed: user requested kill", "INFO")
      logMaster(
        world,
        trial,
        at,
        `Trial ${trial.id} (Experiment ${exp.id}) was terminated: allocation killed after all resources exited`
      )
      finishTrial(world, exp, trial, "CANCELED", at)
      return
    default:
      logMaster(world, trial, at, "killed: searcher error", "ERROR")
      finishTrial(world, exp, trial, "ERROR", at)
  }
}

/** Moves a trial to a terminal state and lets its searcher react. @internal */
export const finishTrial = (world: World, exp: Experiment, trial: Trial, state: TrialState, at: number): void => {
  if (isTerminalTrial(trial.state)) return
  endAllocation(trial, at)
  trial.state = state
  trial.endTime = at
  trial.stopAt = undefined
  if (trial.closed) return
  trial.closed = true
  trial.exit = state === "COMPLETED" ? "completed" : state === "ERROR" ? "errored" : "canceled"
  searcherTrialClosed(world, exp, trial, at)
  maybeFinishExperiment(world, exp, at)
}

/** Begins stopping a live trial (or ends it at once when it holds no allocation). @internal */
export const stopTrial = (
  world: World,
  exp: Experiment,
  trial: Trial,
  how: "STOPPING_CANCELED" | "STOPPING_KILLED" | "STOPPING_ERROR" | "STOPPING_COMPLETED",
  at: number
): void => {
  if (isTerminalTrial(trial.state)) return
  const severity = (s: TrialState) =>
    s === "STOPPING_ERROR"
      ? 4
      : s === "STOPPING_KILLED"
      ? 3
      : s === "STOPPING_CANCELED"
      ? 2
      : s === "STOPPING_COMPLETED"
      ? 1
      : 0
  if (severity(trial.state) >= severity(how)) return
  if (trial.phase !== "allocated") {
    const final: TrialState = how === "STOPPING_ERROR"
      ? "ERROR"
      : how === "STOPPING_COMPLETED"
      ? "COMPLETED"
      : "CANCELED"
    finishTrial(world, exp, trial, final, at)
    return
  }
  trial.state = how
  if (how === "STOPPING_KILLED" || how === "STOPPING_ERROR") {
    logMaster(
      world,
      trial,
      at,
      `forcibly killing allocation's remaining resources (reason: ${
        how === "STOPPING_KILLED" ? "user requested kill" : "searcher error"
      })`
    )
    trial.stopAt = at + KILL_DELAY
  } else if (how === "STOPPING_CANCELED") {
    logMaster(
      world,
      trial,
      at,
      "gracefully terminating allocation's remaining resources (reason: user requested cancellation)"
    )
    trial.stopAt = at + CANCEL_DELAY
  } else {
    trial.stopAt = at + ASHA_STOP_DELAY
  }
}

/** Injects a failure into a trial's running allocation. Returns false when it has none. @internal */
export const failTrial = (world: World, trialId: number, at: number, reason: string): boolean => {
  const trial = world.trials.get(trialId)
  if (trial === undefined || isTerminalTrial(trial.state) || trial.phase !== "allocated") return false
  const exp = world.experiments.get(trial.experimentId)!
  logMaster(world, trial, at, `crashed: ${reason}`, "ERROR")
  logMaster(
    world,
    trial,
    at,
    `Trial ${trial.id} (Experiment ${exp.id}) was terminated: allocation failed: ${reason}`,
    "ERROR"
  )
  trial.restarts += 1
  const maxRestarts = Number(exp.config.max_restarts ?? 5)
  if (trial.restarts > maxRestarts || trial.state !== "ACTIVE") {
    finishTrial(world, exp, trial, "ERROR", at)
    return true
  }
  endAllocation(trial, at)
  // resume from the latest checkpoint: reports past it are archived (master-behaviour.md §1.3)
  const resumeAt = trial.lastCheckpointBatches
  if (trial.batches > resumeAt) {
    for (let i = trial.metrics.length - 1; i >= 0; i--) {
      if (trial.metrics[i]!.totalBatches > resumeAt) trial.metrics.splice(i, 1)
    }
    trial.batches = resumeAt
    recomputeTrialMetrics(world, trial)
  }
  if (exp.state === "ACTIVE") allocate(world, exp, trial, at)
  return true
}

// ---------------------------------------------------------------------------------------------------------------
// Experiment lifecycle
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
export const pauseExperiment = (world: World, exp: Experiment, at: number): void => {
  exp.state = "PAUSED"
  for (const trial of world.trialsOf(exp)) {
    if (trial.state !== "ACTIVE") continue
    trial.state = "PAUSED"
    if (trial.phase === "allocated") {
      logMaster(
        world,
        trial,
        at,
        "gracefully terminating allocation's remaining resources (reason: user requested pause)"
      )
      if (trial.stage === 2 && trial.lastCheckpointBatches !== trial.batches) writeCheckpoint(world, exp, trial, at)
      if (trial.stage >= 1) logMaster(world, trial, at, "resources exited successfully with a zero exit code")
      logMaster(
        world,
        trial,
        at,
        `Trial ${trial.id} (Experiment ${exp.id}) was terminated: allocation preempted after all resources exited`
      )
      endAllocation(trial, at)
    }
  }
}

/** @internal */
export const activateExperiment = (world: World, exp: Experiment, at: number): void => {
  exp.state = "ACTIVE"
  world.live.add(exp.id)
  for (const trial of world.trialsOf(exp)) {
    if (trial.state !== "PAUSED" && !(trial.state === "ACTIVE" && trial.phase === "none")) continue
    trial.state = "ACTIVE"
    allocate(world, exp, trial, at)
  }
  maybeFinishExperiment(world, exp, at)
}

/** @internal */
export const stopExperiment = (
  world: World,
  exp: Experiment,
  how: "STOPPING_CANCELED" | "STOPPING_KILLED" | "STOPPING_ERROR",
  at: number
): void => {
  exp.state = how
  for (const trial of world.trialsOf(exp)) stopTrial(world, exp, trial, how, at)
  maybeFinishExperiment(world, exp, at)
}

const maybeFinishExperiment = (world: World, exp: Experiment, at: number): void => {
  if (isTerminalExperiment(exp.state) || exp.state === "DELETING" || exp.state === "DELETE_FAILED") return
  const trials = world.trialsOf(exp)
  if (trials.some((t) => !isTerminalTrial(t.state))) return
  const s = exp.searcher
  const stopping = exp.state.startsWith("STOPPING_")
  if (!stopping) {
    if (s.kind !== "adaptive_asha" && s.created < s.maxTrials) return
    if (exp.state === "PAUSED" && trials.length === 0) return
  }
  let final: "COMPLETED" | "CANCELED" | "ERROR"
  switch (exp.state) {
    case "STOPPING_KILLED":
    case "STOPPING_CANCELED":
      final = "CANCELED"
      break
    case "STOPPING_ERROR":
      final = "ERROR"
      break
    default:
      final = trials.length > 0 && trials.every((t) => t.exit === "errored")
        ? "ERROR"
        : trials.length > 0 && trials.every((t) => t.exit === "canceled")
        ? "CANCELED"
        : "COMPLETED"
  }
  exp.state = final
  exp.endTime = at
  exp.searchDone = true
  if (final === "COMPLETED") exp.progress = 1
  world.live.delete(exp.id)
  world.schedule(at + GC_DELAY, (w) => {
    const e = w.experiments.get(exp.id)
    if (e !== undefined) garbageCollect(w, e)
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Searchers
// ---------------------------------------------------------------------------------------------------------------

const sample = (hps: JsonObject, exp: Experiment): JsonObject => {
  const out: JsonObject = {}
  for (const name of Object.keys(hps).sort()) {
    const def = hps[name] as JsonObject
    switch (def.type) {
      case "const":
        out[name] = def.val!
        break
      case "int": {
        const min = def.minval as number
        const max = def.maxval as number
        out[name] = min + exp.rng.int(max - min + 1)
        break
      }
      case "double":
        out[name] = exp.rng.uniform(def.minval as number, def.maxval as number)
        break
      case "log":
        out[name] = pow(def.base as number, exp.rng.uniform(def.minval as number, def.maxval as number))
        break
      case "categorical": {
        const vals = def.vals as Array<Json>
        out[name] = vals[exp.rng.int(vals.length)]!
        break
      }
      default:
        out[name] = sample(def, exp)
    }
  }
  return out
}

const roundHalfAway = (x: number) => Math.sign(x) * Math.round(Math.abs(x))

/** `base ^ x`, exact for integer exponents (V8's Math.pow(10, -4) is 0.00009999999999999999, Go's is 1e-4). */
const pow = (base: number, x: number) => (Number.isInteger(x) && x < 0 ? 1 / Math.pow(base, -x) : Math.pow(base, x))

const axisValues = (def: JsonObject): Array<Json> => {
  switch (def.type) {
    case "const":
      return [def.val!]
    case "categorical":
      return [...(def.vals as Array<Json>)]
    case "int": {
      const min = def.minval as number
      const max = def.maxval as number
      const c = Math.min(def.count as number, max - min + 1)
      if (c === 1) return [roundHalfAway((min + max) / 2)]
      return Array.from({ length: c }, (_, i) => roundHalfAway(min + (i * (max - min)) / (c - 1)))
    }
    case "double":
    case "log": {
      const min = def.minval as number
      const max = def.maxval as number
      const c = def.count as number
      const xs = c === 1 ? [(min + max) / 2] : Array.from({ length: c }, (_, i) => min + (i * (max - min)) / (c - 1))
      return def.type === "log" ? xs.map((x) => pow(def.base as number, x)) : xs
    }
  }
  return []
}

/** All grid points in product order (first axis slowest). @internal */
export const gridPoints = (hps: JsonObject): Array<JsonObject> => {
  const axes: Array<{ path: Array<string>; values: Array<Json> }> = []
  forEachHp(hps, (name, def) => axes.push({ path: name.split("."), values: axisValues(def) }))
  let points: Array<Array<Json>> = [[]]
  for (const axis of axes) {
    const next: Array<Array<Json>> = []
    for (const p of points) for (const v of axis.values) next.push([...p, v])
    points = next
  }
  return points.map((vals) => {
    const out: JsonObject = {}
    axes.forEach((axis, i) => {
      let o = out
      for (const k of axis.path.slice(0, -1)) {
        if (!isObject(o[k])) o[k] = {}
        o = o[k] as JsonObject
      }
      o[axis.path[axis.path.length - 1]!] = vals[i]!
    })
    return out
  })
}

/** Builds a searcher from a completed config. @internal */
export const makeSearcher = (config: JsonObject, batchesPerEpoch: number, gbs: number): Searcher => {
  const sc = config.searcher as JsonObject
  const kind = sc.name as Searcher["kind"]
  const sign = sc.smaller_is_better === false ? -1 : 1
  const base = {
    kind,
    metric: String(sc.metric),
    sign,
    created: 0,
    gridPoints: [] as Array<JsonObject>,
    brackets: [] as Array<Bracket>,
    trialBracket: new Map<number, number>(),
    trialRung: new Map<number, number>(),
    maxTime: 0,
    timeMetric: "",
    divisor: 4
  }
  const conc = (n: number, max: number) => (n === 0 ? max : Math.min(n, max))
  switch (kind) {
    case "single":
      return { ...base, maxTrials: 1, concurrency: 1 }
    case "random": {
      const max = sc.max_trials as number
      return { ...base, maxTrials: max, concurrency: conc(sc.max_concurrent_trials as number, max) }
    }
    case "grid": {
      const points = gridPoints(config.hyperparameters as JsonObject)
      return {
        ...base,
        maxTrials: points.length,
        concurrency: conc(sc.max_concurrent_trials as number, points.length),
        gridPoints: points
      }
    }
    case "adaptive_asha": {
      const divisor = sc.divisor as number
      const maxTrials = sc.max_trials as number
      const timeMetric = String(sc.time_metric)
      const maxTimeUnits = sc.max_time as number
      const maxTime = timeMetric === "epochs"
        ? maxTimeUnits * batchesPerEpoch
        : timeMetric === "records"
        ? Math.ceil(maxTimeUnits / gbs)
        : maxTimeUnits
      const R = Math.max(
        1,
        Math.min(
          sc.max_rungs as number,
          Math.floor(Math.log(maxTimeUnits) / Math.log(divisor)) + 1,
          Math.floor(Math.log(maxTrials) / Math.log(divisor)) + 1
        )
      )
      let rungCounts: Array<number>
      const given = (sc.bracket_rungs as Array<Json>).filter((x): x is number => typeof x === "number")
      if (given.length > 0) rungCounts = given
      else if (sc.mode === "aggressive") rungCounts = [R]
      else if (sc.mode === "conservative") rungCounts = Array.from({ length: R }, (_, i) => i + 1)
      else {
        const lo = Math.floor((R - 1) / 2) + 1
        rungCounts = Array.from({ length: R - lo + 1 }, (_, i) => lo + i)
      }
      rungCounts.sort((a, b) => b - a)
      const weights = rungCounts.map((r) => Math.pow(divisor, r - 1) / r)
      const wsum = weights.reduce((a, b) => a + b, 0)
      const perBracket = weights.map((w) => Math.max(Math.trunc((w / wsum) * maxTrials), 1))
      const left = maxTrials - perBracket.reduce((a, b) => a + b, 0)
      if (left > 0) perBracket[0]! += left
      const nb = rungCounts.length
      const mct = sc.max_concurrent_trials as number
      let concs: Array<number>
      if (mct === 0) {
        concs = rungCounts.map(() => Math.max(perBracket[nb - 1]!, Math.trunc(divisor)))
      } else {
        const total = Math.max(mct, nb)
        concs = rungCounts.map((_, i) => Math.floor(total / nb) + (i < total % nb ? 1 : 0))
      }
      const brackets: Array<Bracket> = rungCounts.map((r, i) => ({
        thresholds: Array.from(
          { length: r },
          (_, k) => Math.max(Math.floor(maxTimeUnits / Math.pow(divisor, r - k - 1)), 1)
        ).map((units) =>
          timeMetric === "epochs"
            ? units * batchesPerEpoch
            : timeMetric === "records"
            ? Math.ceil(units / gbs)
            : units
        ),
        maxTrials: perBracket[i]!,
        concurrency: concs[i]!,
        created: 0,
        rungs: Array.from({ length: r }, () => []),
        completed: 0
      }))
      return {
        ...base,
        maxTrials: perBracket.reduce((a, b) => a + b, 0),
        concurrency: concs.reduce((a, b) => a + b, 0),
        brackets,
        maxTime,
        timeMetric,
        divisor
      }
    }
  }
}

/** Creates the searcher's initial trials. @internal */
export const startSearch = (world: World, exp: Experiment, at: number): void => {
  const s = exp.searcher
  if (s.kind === "adaptive_asha") {
    s.brackets.forEach((b, i) => {
      const n = Math.min(b.concurrency, b.maxTrials)
      for (let k = 0; k < n; k++) createSearchTrial(world, exp, at, i)
    })
  } else {
    const n = Math.min(s.concurrency, s.maxTrials)
    for (let k = 0; k < n; k++) createSearchTrial(world, exp, at, undefined)
  }
}

const createSearchTrial = (world: World, exp: Experiment, at: number, bracket: number | undefined): void => {
  const s = exp.searcher
  let hparams: JsonObject
  if (s.kind === "grid") {
    const p = s.gridPoints.pop()
    if (p === undefined) return
    hparams = p
  } else {
    hparams = sample(exp.config.hyperparameters as JsonObject, exp)
  }
  s.created += 1
  if (bracket !== undefined) s.brackets[bracket]!.created += 1
  const trial = createTrial(world, exp, hparams, at)
  if (bracket !== undefined) {
    s.trialBracket.set(trial.id, bracket)
    s.trialRung.set(trial.id, 0)
  }
}

/** Creates one trial row (ACTIVE and queued, or PAUSED when the experiment is paused). @internal */
export const createTrial = (world: World, exp: Experiment, hparams: JsonObject, at: number): Trial => {
  const id = world.nextId("trial")
  const requestId = exp.rng.uuid()
  const seed = exp.rng.int(2 ** 31)
  const taskId = `${exp.id}.${requestId}`
  const trial: Trial = {
    id,
    experimentId: exp.id,
    requestId,
    taskId,
    seed,
    hparams,
    state: exp.state === "ACTIVE" ? "ACTIVE" : "PAUSED",
    startTime: at,
    endTime: undefined,
    restarts: 0,
    runId: 0,
    phase: "none",
    stage: 0,
    allocAt: at,
    runB0: 0,
    runT0: at,
    batches: 0,
    totalBatchesProcessed: 0,
    length: exp.searcher.kind === "adaptive_asha" ? exp.searcher.maxTime : exp.length,
    stopAt: undefined,
    runnerState: "",
    wallClockMs: 0,
    progress: 0,
    summary: {},
    metrics: [],
    bulk: undefined,
    logs: [],
    latestValidation: undefined,
    bestValidation: undefined,
    checkpoints: [],
    lastCheckpointBatches: 0,
    closed: false,
    exit: undefined,
    agentId: "localmaster-agent-0",
    containerId: exp.rng.uuid()
  }
  world.trials.set(id, trial)
  exp.trialIds.push(id)
  if (trial.state === "ACTIVE") allocate(world, exp, trial, at)
  return trial
}

const searcherTrialClosed = (world: World, exp: Experiment, trial: Trial, at: number): void => {
  const s = exp.searcher
  const creating = exp.state === "ACTIVE" || exp.state === "PAUSED"
  if (s.kind === "adaptive_asha") {
    const bi = s.trialBracket.get(trial.id)
    if (bi === undefined) return
    const b = s.brackets[bi]!
    if (trial.exit === "completed") {
      b.completed += 1
    } else {
      const r = s.trialRung.get(trial.id) ?? 0
      b.rungs[r]!.push(Infinity)
      if (creating && b.created < b.maxTrials) createSearchTrial(world, exp, at, bi)
    }
    updateProgress(world, exp)
    return
  }
  updateProgress(world, exp)
  if (creating && s.created < s.maxTrials) createSearchTrial(world, exp, at, undefined)
}

/** Feeds a validation to ASHA. Returns false when the trial was stopped. @internal */
const ashaValidation = (world: World, exp: Experiment, trial: Trial, values: JsonObject, at: number): boolean => {
  const s = exp.searcher
  const bi = s.trialBracket.get(trial.id)
  if (bi === undefined) return true
  const metric = values[s.metric]
  const time = values[s.timeMetric]
  if (typeof metric !== "number" || typeof time !== "number") {
    // a searcher error: the experiment goes STOPPING_ERROR → ERROR
    stopExperiment(world, exp, "STOPPING_ERROR", at)
    return false
  }
  const b = s.brackets[bi]!
  const thresholdsInUnits = b.thresholds.map((th) => s.timeMetric === "epochs" ? th / exp.batchesPerEpoch : th)
  const v = s.sign * metric
  let r = s.trialRung.get(trial.id) ?? 0
  let stop = false
  while (r < b.rungs.length) {
    if (time < thresholdsInUnits[r]!) break
    const rung = b.rungs[r]!
    let idx = 0
    while (idx < rung.length && rung[idx]! < v) idx++
    rung.splice(idx, 0, v)
    if (r === b.rungs.length - 1) {
      stop = true
      break
    }
    const keep = Math.max(Math.floor(rung.length / s.divisor), 1)
    if (idx >= keep) {
      stop = true
      break
    }
    r += 1
    s.trialRung.set(trial.id, r)
  }
  updateProgress(world, exp)
  if (!stop) return true
  if (b.created < b.maxTrials && exp.state === "ACTIVE") createSearchTrial(world, exp, at, bi)
  if (trial.batches >= trial.length) return true
  stopTrial(world, exp, trial, "STOPPING_COMPLETED", at)
  return false
}

/** Derived wire state of a trial: ACTIVE is reported by allocation phase. @internal */
export const trialWireState = (world: World, trial: Trial): string => {
  if (trial.state !== "ACTIVE") return `STATE_${trial.state}`
  return `STATE_${allocationState(world, trial)}`
}

const allocationState = (world: World, trial: Trial): "QUEUED" | "PULLING" | "STARTING" | "RUNNING" => {
  if (trial.phase !== "allocated") return "QUEUED"
  const dt = world.now - trial.allocAt
  return dt < PULL_AT ? "QUEUED" : dt < START_AT ? "PULLING" : dt < RUN_AT ? "STARTING" : "RUNNING"
}

/** Derived wire state of an experiment. @internal */
export const experimentWireState = (world: World, exp: Experiment): string => {
  if (exp.state !== "ACTIVE") return `STATE_${exp.state}`
  let best = 0
  const order = ["QUEUED", "PULLING", "STARTING", "RUNNING"] as const
  for (const id of exp.trialIds) {
    const t = world.trials.get(id)
    if (t === undefined || t.state !== "ACTIVE") continue
    const s = order.indexOf(allocationState(world, t))
    if (s > best) best = s
    if (best === 3) break
  }
  return `STATE_${order[best]}`
}

/** Experiment timing parameters from its config. @internal */
export const timingOf = (config: JsonObject) => {
  const hps = config.hyperparameters as JsonObject
  const gbsDef = hps.global_batch_size as JsonObject | undefined
  const gbs = gbsDef?.type === "const" && typeof gbsDef.val === "number" && gbsDef.val > 0 ? gbsDef.val : 32
  const rpe = typeof config.records_per_epoch === "number" ? config.records_per_epoch : 0
  const batchesPerEpoch = rpe > 0 ? Math.max(1, Math.round(rpe / gbs)) : 100
  const sc = config.searcher as JsonObject
  return {
    gbs,
    batchesPerEpoch,
    length: lengthInBatches(sc.max_length, batchesPerEpoch, gbs),
    schedulingUnit: typeof config.scheduling_unit === "number" && config.scheduling_unit > 0
      ? config.scheduling_unit
      : 100,
    validationPeriod: periodInBatches(config.min_validation_period, batchesPerEpoch, gbs),
    checkpointPeriod: periodInBatches(config.min_checkpoint_period, batchesPerEpoch, gbs)
  }
}
