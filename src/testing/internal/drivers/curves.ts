/**
 * The metric curves of LocalMaster's simulated training: deterministic functions of the trial's hyperparameters,
 * its batch count, and seeded noise. docs/LOCAL-MASTER.md repeats this description.
 *
 * With `lr` the learning rate (the first numeric hyperparameter named `learning_rate`, `lr` or `learningRate`,
 * else 0.003), `b` the batches trained and `d = log10(lr / 0.003)` (decades away from the optimum 0.003):
 *
 * ```
 * r        = 0.004 * min(10^d, 2)                       speed of learning: a too-small lr learns slowly
 * floor    = 0.05 + 0.25 * max(d, 0)^2 + shift          a too-large lr settles higher
 * clean(b) = floor + (2.3 - floor) * exp(-r * b)
 * rise(b)  = d > 1 ? 0.0005 * (d - 0.5) * max(0, b - 250) : 0     lr > 0.03 gets worse after ~250 batches
 *                                                                   (lr > ~0.1 visibly diverges)
 * loss             = (clean(b) + rise(b))             * (1 + 0.03  * noise)   training
 * validation_loss  = (1.04 * clean(b) + 1.5 * rise(b)) * (1 + 0.005 * noise)   validation
 * accuracy         = min(1, 0.1 + 0.9 * exp(-1.2 * validation_loss))
 * ```
 *
 * `shift` in [0, 0.03) is a hash of the other hyperparameters (so every point of a grid differs), and `noise`
 * in [-1, 1) is a hash of (seed, trial seed, b, metric). A good lr (0.001..0.01) converges near 0.05-0.12;
 * lr 0.0003 is still above 1.4 after 1000 batches; lr 0.05 reaches its best validation_loss around 400 batches
 * and then rises, so early stopping finds a real plateau.
 *
 * @internal
 */
import { hashUnit } from "../domain/rng.js"

/** @internal */
export interface Curve {
  readonly training: (b: number) => number
  readonly validation: (b: number) => { readonly validation_loss: number; readonly accuracy: number }
}

const lrKeys = ["learning_rate", "lr", "learningRate"]

/** Finds the learning rate among (possibly nested) sampled hyperparameters. @internal */
export const learningRateOf = (hparams: Record<string, unknown>): number => {
  for (const k of lrKeys) {
    const v = hparams[k]
    if (typeof v === "number" && v > 0) return v
  }
  for (const v of Object.values(hparams)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const inner = learningRateOf(v as Record<string, unknown>)
      if (inner !== OPTIMUM) return inner
    }
  }
  return OPTIMUM
}

const OPTIMUM = 0.003

const round = (x: number) => Math.round(x * 1e6) / 1e6

/** @internal */
export const makeCurve = (hparams: Record<string, unknown>, seed: string): Curve => {
  const lr = learningRateOf(hparams)
  const others = Object.keys(hparams).filter((k) => !lrKeys.includes(k)).sort().map((k) =>
    `${k}=${JSON.stringify(hparams[k])}`
  ).join(",")
  const shift = others === "" ? 0 : 0.03 * hashUnit(`shift:${others}`)
  const d = Math.log10(lr / OPTIMUM)
  const r = 0.004 * Math.min(Math.pow(10, d), 2)
  const floor = 0.05 + 0.25 * Math.max(d, 0) ** 2 + shift
  const clean = (b: number) => floor + (2.3 - floor) * Math.exp(-r * b)
  const rise = (b: number) => (d > 1 ? 0.0005 * (d - 0.5) * Math.max(0, b - 250) : 0)
  const noise = (b: number, what: string) => 2 * hashUnit(`${seed}:${b}:${what}`) - 1
  return {
    training: (b) => round((clean(b) + rise(b)) * (1 + 0.03 * noise(b, "loss"))),
    validation: (b) => {
      const v = round((1.04 * clean(b) + 1.5 * rise(b)) * (1 + 0.005 * noise(b, "validation_loss")))
      return { validation_loss: v, accuracy: round(Math.min(1, 0.1 + 0.9 * Math.exp(-1.2 * v))) }
    }
  }
}
