/**
 * The seed's "very primitive distributed hyperparameter search", as an Effect program.
 *
 * One experiment per learning rate, run `concurrency` at a time: each is created from examples/model, moved into
 * a project (workspace and project created if missing), its first trial awaited, its logs followed by a fiber
 * scoped to that trial, its snapshots watched until it ends, and the trial killed when the metric has not
 * improved for `patience` validations. A trial that errors, or an experiment that cannot be created, is reported
 * in the summary and does not stop the others. Interrupting the search (Ctrl-C) kills every experiment it
 * launched that has not ended.
 *
 * `runSearch(options)` needs only the SDK's services, so the same program runs against a real master
 * (`Determined.layerFromEnv`), LocalMaster over loopback HTTP (`LocalMaster.serve`) or in process under
 * `TestClock` (`LocalMaster.layer`).
 */
import { Duration, Effect, Exit, Fiber, Option, Ref, Schedule, Stream } from "effect"
import { EarlyStopping, Experiment, Project, Trial, Workspace } from "effect-determined"
import * as path from "node:path"

/** What the search runs. */
export interface SearchOptions {
  readonly learningRates: ReadonlyArray<number>
  /** The validation metric ranked and stopped on. Default `validation_loss`. */
  readonly metric?: string | undefined
  /** Default `true`. */
  readonly smallerIsBetter?: boolean | undefined
  /** Validations without improvement before a trial is killed. Default 5. */
  readonly patience?: number | undefined
  /** Length of each trial, in batches. Default 2000. */
  readonly maxBatches?: number | undefined
  /** Batches between validations. Default 100. */
  readonly validationPeriod?: number | undefined
  /** Experiments running at once. Default: all of them. */
  readonly concurrency?: number | undefined
  readonly workspace?: string | undefined
  readonly project?: string | undefined
  /** The model directory uploaded with each experiment. Default: examples/model. */
  readonly modelDir?: string | undefined
  /** How often a trial's snapshot is fetched. Default 1 second. */
  readonly pollEvery?: Duration.DurationInput | undefined
  /** How long to wait for an experiment's first trial. Default 10 minutes. */
  readonly firstTrialTimeout?: Duration.DurationInput | undefined
  /** Called with every change of a trial's progress. */
  readonly onProgress?: ((progress: TrialProgress) => Effect.Effect<void>) | undefined
  /** Called with every log line of every trial; logs are not followed when absent. */
  readonly onLog?: ((learningRate: number, trialId: number, line: string) => Effect.Effect<void>) | undefined
}

/** One trial's progress, as the live view shows it. */
export interface TrialProgress {
  readonly learningRate: number
  readonly experimentId?: number | undefined
  readonly trialId?: number | undefined
  /** `CREATING` / `WAITING` before the trial exists, then the trial's state. */
  readonly state: string
  readonly batches: number
  /** Best value of the metric so far. */
  readonly best?: number | undefined
  /** Validations that reported the metric so far. */
  readonly validations: number
  readonly earlyStopped: boolean
  /** Why this learning rate has no result (a typed error's tag and message). */
  readonly error?: string | undefined
}

/** One point of a validation curve. */
export interface CurvePoint {
  readonly batches: number
  readonly value: number
}

/** What the search found for one learning rate. */
export interface TrialResult extends TrialProgress {
  readonly hparams: Readonly<Record<string, unknown>>
  /** Every validation of the metric, in order. */
  readonly curve: ReadonlyArray<CurvePoint>
  /** Batches trained when the trial was killed for not improving. */
  readonly stoppedAtBatches?: number | undefined
}

/** The search's outcome: every learning rate accounted for, best first. */
export interface SearchSummary {
  readonly metric: string
  readonly smallerIsBetter: boolean
  readonly patience: number
  readonly learningRates: ReadonlyArray<number>
  /** Sorted by best validation (trials without one last). */
  readonly results: ReadonlyArray<TrialResult>
  /** The first of `results` when it reported the metric. */
  readonly best: TrialResult | undefined
}

/** The defaults of {@link SearchOptions}. */
export const defaults = {
  metric: "validation_loss",
  smallerIsBetter: true,
  patience: 5,
  maxBatches: 2000,
  validationPeriod: 100,
  workspace: "my_workspace",
  project: "my_hpsearch_project",
  modelDir: path.resolve(import.meta.dirname, "..", "model"),
  pollEvery: Duration.seconds(1),
  firstTrialTimeout: Duration.minutes(10)
} as const

/** The experiment config of one point of the search (a `single` searcher: one trial per experiment). */
export const experimentConfig = (
  learningRate: number,
  options: {
    readonly metric: string
    readonly smallerIsBetter: boolean
    readonly maxBatches: number
    readonly validationPeriod: number
  }
) => ({
  name: `hp-search lr=${learningRate}`,
  description: "effect-determined examples/hp-search",
  entrypoint: "python3 model_def.py",
  searcher: {
    name: "single",
    metric: options.metric,
    smaller_is_better: options.smallerIsBetter,
    max_length: { batches: options.maxBatches }
  },
  hyperparameters: { learning_rate: learningRate, global_batch_size: 32 },
  min_validation_period: { batches: options.validationPeriod },
  max_restarts: 0,
  resources: { slots_per_trial: 1 },
  labels: ["hp-search"]
})

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** The metric's summary (`{count, min, max, last}`) in a trial snapshot's `summaryMetrics`, if any. */
export const metricSummary = (trial: Trial.Trial, metric: string) => {
  const group = trial.summaryMetrics?.["validation_metrics"]
  const m = isRecord(group) ? group[metric] : undefined
  if (!isRecord(m)) return undefined
  const num = (k: string) => (typeof m[k] === "number" ? m[k] : undefined)
  return { count: num("count") ?? 0, min: num("min"), max: num("max"), last: num("last") }
}

const describe = (error: { readonly _tag: string; readonly message?: string }) =>
  error.message === undefined || error.message === "" ? error._tag : `${error._tag}: ${error.message}`

/** The project's id, created (with its workspace) if missing. */
export const ensureProject = (workspace: string, project: string) =>
  Effect.gen(function*() {
    const ws = yield* Workspace.getByName(workspace).pipe(
      Effect.catchTag("NotFound", () => Workspace.create(workspace))
    )
    const p = yield* Project.getByName(ws.id, project).pipe(
      Effect.catchTag("NotFound", () => Project.create(ws.id, project))
    )
    return p.id
  })

/** Sorts results best first; results without a value last. */
export const rank = (results: ReadonlyArray<TrialResult>, smallerIsBetter: boolean): Array<TrialResult> =>
  [...results].sort((a, b) => {
    if (a.best === undefined) return b.best === undefined ? 0 : 1
    if (b.best === undefined) return -1
    return smallerIsBetter ? a.best - b.best : b.best - a.best
  })

/**
 * Runs the search and returns its summary. Fails only when the project cannot be made ready; everything that
 * goes wrong for one learning rate ends up in that learning rate's result.
 */
export const runSearch = Effect.fn("hpSearch.run")(function*(options: SearchOptions) {
  const metric = options.metric ?? defaults.metric
  const smallerIsBetter = options.smallerIsBetter ?? defaults.smallerIsBetter
  const patience = options.patience ?? defaults.patience
  const maxBatches = options.maxBatches ?? defaults.maxBatches
  const validationPeriod = options.validationPeriod ?? defaults.validationPeriod
  const pollEvery = options.pollEvery ?? defaults.pollEvery
  const onProgress = options.onProgress ?? (() => Effect.void)

  const projectId = yield* ensureProject(
    options.workspace ?? defaults.workspace,
    options.project ?? defaults.project
  )

  const runOne = Effect.fn("hpSearch.trial")(function*(learningRate: number) {
    yield* Effect.annotateCurrentSpan("hpsearch.learning_rate", learningRate)
    const progress = yield* Ref.make<TrialProgress>({
      learningRate,
      state: "CREATING",
      batches: 0,
      validations: 0,
      earlyStopped: false
    })
    const report = (patch: Partial<TrialProgress>) =>
      Ref.updateAndGet(progress, (p) => ({ ...p, ...patch })).pipe(Effect.tap(onProgress))
    yield* report({})
    return yield* Effect.gen(function*() {
      // the experiment is killed when this scope closes on a failure or an interruption (Ctrl-C)
      const exp = yield* Effect.acquireRelease(
        Experiment.create({
          config: experimentConfig(learningRate, { metric, smallerIsBetter, maxBatches, validationPeriod }),
          modelDir: options.modelDir ?? defaults.modelDir
        }),
        (exp, exit) =>
          Exit.isSuccess(exit) ? Effect.void : Experiment.kill(exp.id).pipe(
            Effect.zipRight(Effect.logWarning(`killed experiment ${exp.id} (learning_rate=${learningRate})`)),
            Effect.catchAll((e) => Effect.logError(`could not kill experiment ${exp.id}: ${describe(e)}`))
          )
      )
      yield* report({ experimentId: exp.id, state: "WAITING" })
      yield* Experiment.moveToProject(exp.id, { projectId })

      const first = yield* Experiment.awaitFirstTrial(exp.id, {
        timeout: options.firstTrialTimeout ?? defaults.firstTrialTimeout
      })
      yield* report({ trialId: first.id, state: first.state })

      // logs in the background: the follow ends shortly after the trial does (awaited below, so that the last
      // lines are not lost); interrupted if this trial's scope closes first (a failure, Ctrl-C)
      const onLog = options.onLog
      const following = onLog === undefined ? undefined : yield* Trial.logs(first.id, { follow: true }).pipe(
        Stream.runForEach((entry) => onLog(learningRate, first.id, entry.message)),
        Effect.catchAll((e) => onLog(learningRate, first.id, `(logs stopped: ${describe(e)})`)),
        Effect.forkScoped
      )

      // watch the trial's snapshots until it ends; the helper kills it when the metric stalls
      const stopped = yield* Ref.make<Option.Option<number>>(Option.none())
      const last = yield* Trial.watch(first.id, { schedule: Schedule.spaced(pollEvery) }).pipe(
        Stream.tap((trial) => {
          const m = metricSummary(trial, metric)
          return report({
            state: trial.state,
            batches: trial.totalBatchesProcessed,
            best: smallerIsBetter ? m?.min : m?.max,
            validations: m?.count ?? 0
          })
        }),
        EarlyStopping.killWhenStalled({
          metric,
          smallerIsBetter,
          patience,
          onKill: (trial) =>
            Effect.zipRight(
              Ref.set(stopped, Option.some(trial.totalBatchesProcessed)),
              report({ earlyStopped: true })
            )
        }),
        Stream.runLast
      )
      const final = Option.getOrElse(last, () => first)

      const curve = yield* Trial.metrics(first.id, { group: "validation" }).pipe(
        Stream.filterMap((r) => {
          const v = r.metrics[metric]
          return typeof v === "number" ? Option.some({ batches: r.stepsCompleted, value: v }) : Option.none()
        }),
        Stream.runCollect
      )
      // a master closes a follow when the trial ends; do not wait on one that does not
      if (following !== undefined) yield* Fiber.join(following).pipe(Effect.timeout("30 seconds"), Effect.ignore)
      const m = metricSummary(final, metric)
      const stoppedAt = yield* Ref.get(stopped)
      yield* report({
        state: final.state,
        batches: final.totalBatchesProcessed,
        best: smallerIsBetter ? m?.min : m?.max,
        validations: m?.count ?? 0
      })
      const p = yield* Ref.get(progress)
      return {
        ...p,
        hparams: final.hparams,
        curve: Array.from(curve),
        stoppedAtBatches: Option.getOrUndefined(stoppedAt)
      } satisfies TrialResult
    }).pipe(
      Effect.scoped,
      // a typed failure of one learning rate is a result, not the end of the search
      Effect.catchAll((error) =>
        Effect.map(report({ state: "FAILED", error: describe(error) }), (p): TrialResult => ({
          ...p,
          hparams: { learning_rate: learningRate },
          curve: []
        }))
      )
    )
  })

  const results = yield* Effect.forEach(options.learningRates, runOne, {
    concurrency: options.concurrency ?? "unbounded"
  })
  const ranked = rank(results, smallerIsBetter)
  const best = ranked[0]?.best === undefined ? undefined : ranked[0]
  return {
    metric,
    smallerIsBetter,
    patience,
    learningRates: options.learningRates,
    results: ranked,
    best
  } satisfies SearchSummary
})
