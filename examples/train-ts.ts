/**
 * Training in TypeScript, reported to Determined with the Core API: logistic regression fitted by mini-batch SGD
 * on two noisy Gaussian blobs it generates itself (seeded), reporting training loss, validation loss and accuracy,
 * progress, and a checkpoint (the weights as JSON) per epoch, to an unmanaged experiment.
 *
 * Resumable: the external ids (`--experiment`, `--trial`) make a second run find the same trial; it starts from
 * the latest checkpoint the master returns and trains on from that step (the master then shows run 2).
 *
 *   npm run example -- train-ts [--fast] [--epochs N] [--stop-after E] [--resume-demo] [--storage DIR]
 *       [--experiment ID] [--trial ID]
 *
 * `--stop-after E` interrupts the run after epoch E (the trial ends CANCELED); run it again to resume.
 * `--resume-demo` does both in one process (for the embedded LocalMaster, which lives as long as the process).
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Console, Effect, Option } from "effect"
import { Core, Trial } from "effect-determined"
import * as OS from "node:os"

export const description = "train a logistic regression in TypeScript, reported with the Core API (resumable)"

/** A small seeded PRNG (mulberry32) and a normal draw (Box-Muller). */
const prng = (seed: number) => {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())
  return { next, normal }
}

interface Example {
  readonly x: readonly [number, number]
  readonly y: 0 | 1
}

/** Two blobs centred at (-1, -1) and (1, 1), standard deviation 1: about 92 % separable. */
export const makeData = (n: number, seed: number): ReadonlyArray<Example> => {
  const r = prng(seed)
  return Array.from({ length: n }, (_, i) => {
    const y = (i % 2) as 0 | 1
    const c = y === 1 ? 1 : -1
    return { x: [c + r.normal(), c + r.normal()] as const, y }
  })
}

/** The model: weights w and bias b. */
export interface Weights {
  readonly w: readonly [number, number]
  readonly b: number
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))
const predict = (m: Weights, x: readonly [number, number]) => sigmoid(m.w[0] * x[0] + m.w[1] * x[1] + m.b)

/** Mean log loss and accuracy of the model on a data set. */
export const evaluate = (m: Weights, data: ReadonlyArray<Example>) => {
  let loss = 0
  let correct = 0
  for (const { x, y } of data) {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, predict(m, x)))
    loss -= y === 1 ? Math.log(p) : Math.log(1 - p)
    if ((p >= 0.5 ? 1 : 0) === y) correct++
  }
  return { loss: loss / data.length, accuracy: correct / data.length }
}

/** One SGD step on a mini-batch; returns the new weights and the batch's mean loss. */
const sgdStep = (m: Weights, batch: ReadonlyArray<Example>, lr: number) => {
  let g0 = 0
  let g1 = 0
  let gb = 0
  let loss = 0
  for (const { x, y } of batch) {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, predict(m, x)))
    const e = p - y
    g0 += e * x[0]
    g1 += e * x[1]
    gb += e
    loss -= y === 1 ? Math.log(p) : Math.log(1 - p)
  }
  const k = batch.length
  return {
    weights: { w: [m.w[0] - (lr * g0) / k, m.w[1] - (lr * g1) / k] as const, b: m.b - (lr * gb) / k },
    loss: loss / k
  }
}

/** Parsed command line. */
export interface TrainOptions {
  readonly epochs: number
  readonly batchesPerEpoch: number
  readonly batchSize: number
  readonly lr: number
  /** Interrupt the run after this epoch (the trial ends CANCELED). */
  readonly stopAfter: number | undefined
  readonly storage: string
  readonly experiment: string
  readonly trial: string
}

export const parseArgs = (args: ReadonlyArray<string>): TrainOptions & { readonly resumeDemo: boolean } => {
  const value = (name: string) => {
    const i = args.indexOf(name)
    return i >= 0 ? args[i + 1] : undefined
  }
  const fast = args.includes("--fast")
  const stop = value("--stop-after")
  return {
    epochs: Number(value("--epochs") ?? (fast ? 4 : 20)),
    batchesPerEpoch: fast ? 10 : 50,
    batchSize: 32,
    lr: 0.5,
    stopAfter: stop === undefined ? undefined : Number(stop),
    storage: value("--storage") ?? `${OS.tmpdir()}/effect-determined-train-ts`,
    experiment: value("--experiment") ?? "train-ts-logreg",
    trial: value("--trial") ?? "lr-0.5",
    resumeDemo: args.includes("--resume-demo")
  }
}

/**
 * One run: starts (or resumes) the trial, trains the remaining epochs, checkpoints each one. Returns what the
 * run saw and did.
 */
export const train = (options: TrainOptions) =>
  Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const core = yield* Core.init({
      name: "train-ts: logistic regression",
      externalExperimentId: options.experiment,
      externalTrialId: options.trial,
      hparams: { lr: options.lr, batch_size: options.batchSize },
      searcher: { name: "single", metric: "validation_loss", smaller_is_better: true },
      checkpointStorage: { type: "shared_fs", host_path: options.storage }
    })
    const data = makeData(options.batchesPerEpoch * options.batchSize, 1)
    const validation = makeData(400, 2)
    const total = options.epochs * options.batchesPerEpoch
    // resume: the latest checkpoint's weights and step, if the master returned one
    let model: Weights = { w: [0, 0], b: 0 }
    let step = 0
    if (Option.isSome(core.info.latestCheckpoint)) {
      const dir = yield* core.checkpoint.restorePath(core.info.latestCheckpoint.value)
      model = JSON.parse(yield* fs.readFileString(path.join(dir, "weights.json"))) as Weights
      step = core.info.stepsCompleted
      yield* Console.log(
        `run ${core.info.trialRunId}: resuming from step ${step} (${core.info.latestCheckpoint.value})`
      )
    } else {
      yield* Console.log(`run ${core.info.trialRunId}: trial ${core.info.trialId} starts from scratch`)
    }
    yield* core.setStatus("training")
    while (step < total) {
      const epoch = Math.floor(step / options.batchesPerEpoch)
      const i = step % options.batchesPerEpoch
      const batch = data.slice(i * options.batchSize, (i + 1) * options.batchSize)
      const r = sgdStep(model, batch, options.lr)
      model = r.weights
      step++
      if (step % 5 === 0) yield* core.reportTrainingMetrics(step, { loss: r.loss, epoch: epoch + 1 })
      if (step % options.batchesPerEpoch === 0) {
        const v = evaluate(model, validation)
        yield* core.reportValidationMetrics(step, { validation_loss: v.loss, accuracy: v.accuracy })
        yield* core.reportProgress(step / total)
        const weights = model
        yield* core.checkpoint.storePath(
          { steps_completed: step, epoch: epoch + 1 },
          (dir) => fs.writeFileString(path.join(dir, "weights.json"), JSON.stringify(weights))
        )
        yield* Console.log(
          `epoch ${epoch + 1}: validation_loss ${v.loss.toFixed(4)} accuracy ${(v.accuracy * 100).toFixed(1)} %`
        )
        if (options.stopAfter === epoch + 1) {
          yield* Console.log(`stopping after epoch ${epoch + 1} (--stop-after): run again to resume`)
          return yield* Effect.interrupt
        }
      }
    }
    yield* core.flush
    return { info: core.info, model, final: evaluate(model, validation) }
  }))

/** The command: one run, or the interrupted run and its resume (`--resume-demo`). */
export const run = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const options = parseArgs(args)
    if (options.resumeDemo) {
      const stopAfter = options.stopAfter ?? Math.max(1, Math.floor(options.epochs / 2))
      // the first run is interrupted after `stopAfter` epochs: its trial ends CANCELED
      yield* Effect.exit(train({ ...options, stopAfter }))
    }
    const result = yield* train({ ...options, stopAfter: options.resumeDemo ? undefined : options.stopAfter })
    const trial = yield* Trial.reload(result.info.trialId)
    yield* Console.log(
      `trial ${trial.id} of experiment ${result.info.experimentId}: ${trial.state} after run ${result.info.trialRunId}, ` +
        `${trial.totalBatchesProcessed} steps, accuracy ${(result.final.accuracy * 100).toFixed(1)} %`
    )
    return result
  })
