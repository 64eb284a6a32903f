/**
 * A dependency loaded at its first use rather than when the package is imported. `yaml`, `tar` and `ignore`
 * serve only `Experiment.create`, `Experiment.downloadCode` and checkpoint downloads, yet imported eagerly they
 * cost every program about 5 MiB of RSS and 4 MiB of V8 heap (`import "effect"` then `import "effect-determined"`,
 * plain node on the built package, medians of 6 runs: 105.5 → 100.2 MiB; docs/BENCHMARKS.md, third pass). The
 * module is imported once; later uses get the same module.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

/** The module `load` imports, imported at the first run and remembered. @internal */
export const lazyModule = <A>(load: () => Promise<A>): Effect.Effect<A> => {
  let loaded: Promise<A> | undefined
  return Effect.promise(() => (loaded ??= load()))
}
