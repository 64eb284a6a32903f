/**
 * The error union of every public operation, pinned (test/types/pins.ts) and checked here by the type checker:
 * `npm test` type-checks this file first (`npm run typecheck` covers test/), so a pin that is not exactly the
 * operation's error type, an operation without a pin, or a pin without an operation fails the suite.
 */
import { describe, expectTypeOf, it } from "@effect/vitest"
import type * as Public from "effect-determined"
import type { DeterminedError, EarlyStopping, Experiment, Query, RetryPolicy, Trial } from "effect-determined"
import type * as Advanced from "effect-determined/advanced"
import type { Pagination } from "effect-determined/advanced"
import type * as Testing from "effect-determined/testing"
import type { LocalMaster, VirtualTime } from "effect-determined/testing"
import type * as ConfigError from "effect/ConfigError"
import type * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import type { notOperations, pins } from "./pins.js"

/** Stands for the errors of the effect or stream a combinator is given (the `E` of a pin). */
class Given extends Data.TaggedError("E")<{}> {}

/** Every error an operation of the SDK can name, by tag. */
type Named =
  | DeterminedError.HttpError
  | DeterminedError.InvalidConfiguration
  | DeterminedError.ModelDirError
  | DeterminedError.ModelDirTooLarge
  | DeterminedError.InvalidExperimentConfig
  | DeterminedError.ExperimentMayExist
  | DeterminedError.UnsafeArchiveEntry
  | DeterminedError.OutputDirError
  | DeterminedError.ExperimentEnded
  | DeterminedError.ExperimentPaused
  | DeterminedError.WaitTimeout
  | DeterminedError.CheckpointNotDownloadable
  | DeterminedError.InvalidReport
  | DeterminedError.MetricConflict
  | DeterminedError.StaleRun
  | DeterminedError.CoreClosed
  | DeterminedError.UnsupportedStorage
  | DeterminedError.CheckpointStorageError
  | DeterminedError.NotUnmanaged
  | Query.UnknownColumn
  | Query.InvalidQuery
  | LocalMaster.ServeError
  | Given

type Token<S extends string> = S extends `${infer H} | ${infer T}` ? H | Token<T> : S

/** The type a pin names. */
type Pinned<S extends string> = Token<S> extends infer T ?
    | (T extends "RequestError" ? DeterminedError.RequestError : never)
    | (T extends "ConfigError" ? ConfigError.ConfigError : never)
    | Extract<Named, { readonly _tag: T }>
  : never

/** Pin tokens that name nothing (a typo would otherwise pin `never`). */
type Unknown<S extends string> = Exclude<Token<S>, "RequestError" | "ConfigError" | "never" | Named["_tag"]>

declare const _notAnOperation: unique symbol
type NotAnOperation = typeof _notAnOperation

/** The error type of an operation: of the Effect, Stream or Layer it is, or that it returns (possibly curried). */
type ErrorOf<F> = [F] extends [Context.Tag<any, any>] ? NotAnOperation
  // pure values (in Effect 3, Either and Option are also Effects)
  : [F] extends [Either.Either<any, any>] ? NotAnOperation
  : [F] extends [Option.Option<any>] ? NotAnOperation
  : [F] extends [abstract new(...args: any) => any] ? NotAnOperation
  : [F] extends [Layer.Layer<infer _A, infer E, infer _R>] ? E
  : [F] extends [Stream.Stream<infer _A, infer E, infer _R>] ? E
  : [F] extends [Effect.Effect<infer _A, infer E, infer _R>] ? E
  : [F] extends [(...args: any) => infer R] ? ErrorOf<R>
  : NotAnOperation

type Equals<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false

// Generic combinators, instantiated with an input that fails with `Given`.
declare const _killWhenStalled: ReturnType<typeof EarlyStopping.killWhenStalled>
declare const _withPolicy: ReturnType<typeof RetryPolicy.withPolicy<Effect.Effect<number, Given>>>
interface Instantiated {
  readonly VirtualTime: {
    readonly run: typeof VirtualTime.run<number, Given, never>
    readonly drive: typeof VirtualTime.drive<number, Given>
  }
  readonly Pagination: {
    readonly stream: typeof Pagination.stream<number, Given, never>
    readonly collect: typeof Pagination.collect<number, Given, never>
  }
  readonly EarlyStopping: { readonly killWhenStalled: typeof _killWhenStalled<Given, never> }
  readonly RetryPolicy: { readonly withPolicy: typeof _withPolicy }
  // without options (with cache options: InvalidConfiguration, below)
  readonly LocalMaster: { readonly layer: typeof LocalMaster.layer<{}> }
}

type Modules = typeof Public & typeof Advanced & typeof Testing
type Module<M extends keyof Modules> =
  & Omit<Modules[M], M extends keyof Instantiated ? keyof Instantiated[M] : never>
  & (M extends keyof Instantiated ? Instantiated[M] : {})

/** Is this export an operation (`never` is the error type of an operation that cannot fail)? */
type IsOperation<F> = [ErrorOf<F>] extends [never] ? true : [ErrorOf<F>] extends [NotAnOperation] ? false : true

/** Per module, the exports whose type is an operation, with their error types. */
type Actual = {
  readonly [M in keyof Modules]: {
    readonly [K in keyof Module<M> as IsOperation<Module<M>[K]> extends true ? K : never]: ErrorOf<
      Module<M>[K]
    >
  }
}

type Pins = typeof pins
type Keys<T> = T extends unknown ? keyof T : never

/** `Module.op` of every pin that is not exactly the operation's error type. */
type Mismatched = {
  [M in keyof Pins]: {
    [K in keyof Pins[M]]: M extends keyof Actual ? K extends keyof Actual[M] ? Equals<
          Actual[M][K],
          Pinned<Pins[M][K] & string>
        > extends true ? never
        : `${M}.${K & string}`
      : `${M}.${K & string} (not an operation)`
      : `${M} (not a module)`
  }[keyof Pins[M]]
}[keyof Pins]

/** `Module.op` of every operation without a pin. */
type Unpinned = {
  [M in keyof Actual]: Exclude<keyof Actual[M], M extends keyof Pins ? Keys<Pins[M]> : never> extends infer K ?
    K extends string ? `${M}.${K}` : never
    : never
}[keyof Actual]

/** Pin tokens that name no error. */
type Misspelled = { [M in keyof Pins]: { [K in keyof Pins[M]]: Unknown<Pins[M][K] & string> }[keyof Pins[M]] }[
  keyof Pins
]

/** Listed as not an operation, but its type says it is one. */
type NotPure = {
  [M in keyof typeof notOperations]: M extends keyof Modules ? {
      [I in keyof (typeof notOperations)[M]]: (typeof notOperations)[M][I] extends infer K extends keyof Module<M> ?
        IsOperation<Module<M>[K]> extends true ? `${M}.${K & string}` : never
        : never
    }[number]
    : never
}[keyof typeof notOperations]

describe("error unions of the public operations", () => {
  it("every pin is exactly its operation's error type", () => {
    expectTypeOf<Mismatched>().toEqualTypeOf<never>()
    expectTypeOf<Misspelled>().toEqualTypeOf<never>()
  })

  it("every operation of the public modules is pinned", () => {
    expectTypeOf<Unpinned>().toEqualTypeOf<never>()
    expectTypeOf<NotPure>().toEqualTypeOf<never>()
  })

  it("a wrong pin is caught", () => {
    // Experiment.get cannot fail with Conflict, and does fail with NotFound: both pins are wrong
    type Get = Actual["Experiment"]["get"]
    expectTypeOf<Equals<Get, Pinned<"RequestError | NotFound | Conflict">>>().toEqualTypeOf<false>()
    expectTypeOf<Equals<Get, Pinned<"RequestError">>>().toEqualTypeOf<false>()
    expectTypeOf<Equals<Get, Pinned<"RequestError | NotFound">>>().toEqualTypeOf<true>()
    expectTypeOf<Unknown<"RequestError | NotFund">>().toEqualTypeOf<"NotFund">()
  })

  it("LocalMaster.layer fails only when it is given cache options", () => {
    expectTypeOf<Layer.Layer.Error<ReturnType<typeof LocalMaster.layer<{ readonly cache: { capacity: 10 } }>>>>()
      .toEqualTypeOf<DeterminedError.InvalidConfiguration>()
  })

  it("reads as the named aliases say", () => {
    expectTypeOf<Effect.Effect.Error<ReturnType<typeof Experiment.get>>>().toEqualTypeOf<
      DeterminedError.RequestError | DeterminedError.NotFound
    >()
    expectTypeOf<Effect.Effect.Error<ReturnType<typeof Experiment.get>>>().toEqualTypeOf<Experiment.GetError>()
    expectTypeOf<Effect.Effect.Error<ReturnType<typeof Trial.kill>>>().toEqualTypeOf<Trial.KillError>()
    expectTypeOf<Stream.Stream.Error<ReturnType<typeof Experiment.stream>>>().toEqualTypeOf<Experiment.ListError>()
  })
})
