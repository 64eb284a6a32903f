/**
 * Bulk data for benchmarks and tests: thousands of finished experiments, a million metric reports, hundreds of
 * thousands of log lines, without simulating them step by step.
 *
 * @internal
 */
import type { JsonObject } from "../json.js"
import { writeCheckpoint } from "./checkpoints.js"
import { completeConfig, parseConfigText } from "./expconf.js"
import { seedLogs } from "./logs.js"
import { reportMetrics } from "./reporting.js"
import { Rng } from "./rng.js"
import { makeSearcher, timingOf } from "./searchers.js"
import type { Experiment, World } from "./store.js"
import { createTrial } from "./trials.js"

const SEED_CONFIG = `
name: seeded
entrypoint: python3 train.py
searcher: {name: single, metric: validation_loss, max_length: {batches: 100}}
hyperparameters: {learning_rate: 0.003, global_batch_size: 32}
`

/** @internal */
export interface SeedExperimentsOptions {
  readonly projectId?: number | undefined
  readonly userId?: number | undefined
  /** give each experiment one COMPLETED trial with a validation and a checkpoint (default true) */
  readonly withTrials?: boolean | undefined
  readonly labels?: ReadonlyArray<string> | undefined
  /** millis between two experiments' start times, laid out backwards from now (never before time 0) */
  readonly every?: number | undefined
}

/** How long a seeded experiment ran (its 100 batches at 100 batches a second), in clock millis. */
const SEEDED_RUN_MILLIS = 1000

/**
 * Creates `n` COMPLETED experiments at once, started `every` milliseconds apart so that the last starts now (the
 * spread shrinks to fit when that would be before time 0), each running for a second or until now. Returns their
 * ids.
 *
 * @internal
 */
export const seedExperiments = (world: World, n: number, options: SeedExperimentsOptions = {}): Array<number> => {
  const at = world.now
  const projectId = options.projectId ?? 1
  world.project(projectId)
  const base = completeConfig(parseConfigText(SEED_CONFIG), { defaultName: "seeded", seed: Math.floor(at / 1000) })
  const timing = timingOf(base)
  const span = Math.min(Math.max(n - 1, 0) * (options.every ?? 0), at)
  const ids: Array<number> = []
  for (let i = 0; i < n; i++) {
    const startAt = n > 1 ? Math.round(at - span + (i * span) / (n - 1)) : at
    const endAt = Math.min(startAt + SEEDED_RUN_MILLIS, at)
    const id = world.nextId("experiment")
    const config: JsonObject = { ...base, name: `seeded-${id}`, labels: [...(options.labels ?? [])] }
    const exp: Experiment = {
      id,
      projectId,
      userId: options.userId ?? 1,
      config,
      originalConfig: SEED_CONFIG,
      modelDefinition: [],
      modelDefinitionSize: 0,
      notes: "",
      archived: false,
      state: "ACTIVE",
      startTime: startAt,
      endTime: undefined,
      progress: 1,
      jobId: world.rng.uuid(),
      parentId: null,
      trialIds: [],
      searcher: makeSearcher(config, timing.batchesPerEpoch, timing.gbs),
      rng: new Rng(`${world.seed}:experiment:${id}`),
      searchDone: true,
      length: timing.length,
      batchesPerEpoch: timing.batchesPerEpoch,
      schedulingUnit: timing.schedulingUnit,
      validationPeriod: timing.validationPeriod,
      checkpointPeriod: timing.checkpointPeriod,
      bestSigned: undefined,
      seeded: true
    }
    world.experiments.set(id, exp)
    if (options.withTrials !== false) {
      exp.state = "PAUSED"
      const trial = createTrial(world, exp, { learning_rate: 0.003, global_batch_size: 32 }, startAt)
      exp.searcher.created = 1
      trial.batches = 100
      const loss = 0.5 + (i % 100) / 1000
      reportMetrics(world, trial, "training", { loss, batches: 100, epochs: 1 }, 100, endAt)
      reportMetrics(
        world,
        trial,
        "validation",
        { validation_loss: loss, accuracy: 0.8, batches: 100, epochs: 1 },
        100,
        endAt
      )
      writeCheckpoint(world, exp, trial, endAt)
      trial.state = "COMPLETED"
      trial.endTime = endAt
      trial.closed = true
      trial.exit = "completed"
      trial.progress = 1
    }
    exp.state = "COMPLETED"
    exp.endTime = endAt
    ids.push(id)
  }
  return ids
}

/**
 * Gives a trial a bulk series of `n` metric reports of one group, computed on demand when streamed, their end times
 * `every` milliseconds apart from the current time on. @internal
 */
export const seedMetrics = (world: World, trialId: number, n: number, group: string, every: number): void => {
  const trial = world.trial(trialId)
  const firstId = world.reserveIds("metric", n)
  trial.bulk = {
    group,
    count: n,
    firstId,
    firstBatches: trial.totalBatchesProcessed + 1,
    endTime: world.now,
    every
  }
  if (n > 0 && trial.totalBatchesProcessed < trial.bulk.firstBatches + n - 1) {
    trial.totalBatchesProcessed = trial.bulk.firstBatches + n - 1
  }
}

/** Appends `n` task log lines to a trial, `every` milliseconds apart. @internal */
export const seedTrialLogs = (world: World, trialId: number, n: number, every: number): void => {
  seedLogs(world, world.trial(trialId), n, world.now, every)
}
