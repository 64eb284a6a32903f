/**
 * Trial logs: the master's, the agent's and the task's lines, as `task_logs` rows with global ids.
 *
 * @internal
 */
import type { LogRow, Trial, World } from "./store.js"

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

/** @internal */
export const logAgent = (world: World, trial: Trial, at: number, text: string): void =>
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
