/**
 * The pinned error union of every public operation: for each module of the public entry points
 * (`effect-determined`, `effect-determined/testing`, `effect-determined/advanced`), each export that is an
 * `Effect`, a `Stream`, a `Layer` or a function returning one, and the exact union it can fail with.
 *
 * - `test/types/errors.test.ts` checks at the type level that each pin IS the operation's error type (not a
 *   supertype, not a subtype) and that no operation is missing; `npm run typecheck` fails otherwise.
 * - `test/types/completeness.test.ts` checks at run time that every exported function, effect and layer is
 *   either pinned here or listed in {@link notOperations}.
 * - `test/docs/errors-doc.test.ts` checks that docs/ERRORS.md lists the same unions.
 *
 * A pin is the error tags joined by ` | `: `RequestError` stands for the seven errors any request can meet
 * (`DeterminedError.RequestError`), `ConfigError` for Effect's `ConfigError`, `E` for the errors of the effect or
 * stream the operation is given, `never` for none. Changing an operation's error type changes its pin here:
 * a visible, reviewed diff.
 */

export const pins = {
  Determined: {
    layer: "InvalidConfiguration",
    layerConfig: "InvalidConfiguration | ConfigError",
    layerFromEnv: "InvalidConfiguration | ConfigError",
    layerWithoutHttpClient: "InvalidConfiguration",
    layerHttpClient: "InvalidConfiguration",
    layerHttpClientWith: "InvalidConfiguration",
    logout: "RequestError"
  },
  DeterminedConfig: {
    fromEnv: "ConfigError",
    layer: "InvalidConfiguration",
    layerConfig: "InvalidConfiguration | ConfigError",
    layerFromEnv: "InvalidConfiguration | ConfigError",
    make: "InvalidConfiguration"
  },
  ResourceCache: {
    make: "InvalidConfiguration",
    layer: "InvalidConfiguration",
    fromEnv: "InvalidConfiguration | ConfigError",
    layerFromEnv: "InvalidConfiguration | ConfigError",
    layerMemory: "never",
    layerDisabled: "never",
    makeMemory: "never"
  },
  RetryPolicy: {
    layer: "never",
    layerDisabled: "never",
    withPolicy: "E"
  },
  Workspace: {
    get: "RequestError | NotFound",
    reload: "RequestError | NotFound",
    list: "RequestError | InvalidRequest",
    stream: "RequestError | InvalidRequest",
    getByName: "RequestError | NotFound | InvalidRequest",
    create: "RequestError | InvalidRequest | Conflict",
    patch: "RequestError | NotFound | InvalidRequest | Conflict",
    setName: "RequestError | NotFound | InvalidRequest | Conflict",
    archive: "RequestError | NotFound | InvalidRequest",
    unarchive: "RequestError | NotFound | InvalidRequest",
    pin: "RequestError | NotFound | InvalidRequest",
    unpin: "RequestError | NotFound | InvalidRequest",
    del: "RequestError | NotFound | InvalidRequest",
    "delete": "RequestError | NotFound | InvalidRequest",
    deleteByName: "RequestError | NotFound | InvalidRequest",
    listProjects: "RequestError | NotFound | InvalidRequest",
    streamProjects: "RequestError | NotFound | InvalidRequest",
    getProject: "RequestError | NotFound | InvalidRequest",
    createProject: "RequestError | NotFound | InvalidRequest | Conflict",
    deleteProject: "RequestError | NotFound | InvalidRequest",
    listPools: "RequestError | NotFound"
  },
  Experiment: {
    get: "RequestError | NotFound",
    reload: "RequestError | NotFound",
    getConfig: "RequestError | NotFound",
    pachydermConfig: "RequestError | NotFound",
    list: "RequestError | NotFound | InvalidRequest",
    stream: "RequestError | NotFound | InvalidRequest",
    setName: "RequestError | NotFound | InvalidRequest",
    setDescription: "RequestError | NotFound | InvalidRequest",
    setNotes: "RequestError | NotFound | InvalidRequest",
    setLabels: "RequestError | NotFound | InvalidRequest",
    addLabel: "RequestError | NotFound | InvalidRequest",
    removeLabel: "RequestError | NotFound | InvalidRequest",
    activate: "RequestError | NotFound | InvalidRequest",
    pause: "RequestError | NotFound | InvalidRequest",
    cancel: "RequestError | NotFound | InvalidRequest",
    kill: "RequestError | NotFound | InvalidRequest",
    archive: "RequestError | NotFound | InvalidRequest",
    unarchive: "RequestError | NotFound | InvalidRequest",
    "delete": "RequestError | NotFound | InvalidRequest",
    deleteTensorboardFiles: "RequestError | NotFound | InvalidRequest",
    moveToProject: "RequestError | NotFound | InvalidRequest",
    listTrials: "RequestError | NotFound | InvalidRequest",
    streamTrials: "RequestError | NotFound | InvalidRequest",
    listCheckpoints: "RequestError | NotFound | InvalidRequest",
    streamCheckpoints: "RequestError | NotFound | InvalidRequest",
    topCheckpoint: "RequestError | NotFound | InvalidRequest",
    validationHistory: "RequestError | NotFound",
    bestSearcherValidationMetric: "RequestError | NotFound",
    awaitFirstTrial: "RequestError | NotFound | ExperimentEnded | WaitTimeout",
    wait: "RequestError | NotFound | ExperimentPaused | WaitTimeout",
    watchTrials: "RequestError | NotFound | InvalidRequest",
    create:
      "RequestError | NotFound | InvalidRequest | ModelDirError | ModelDirTooLarge | InvalidExperimentConfig | ExperimentMayExist",
    downloadCode: "RequestError | NotFound | UnsafeArchiveEntry | OutputDirError",
    search: "RequestError | NotFound | InvalidRequest | UnknownColumn | InvalidQuery",
    searchList: "RequestError | NotFound | InvalidRequest | UnknownColumn | InvalidQuery"
  },
  Trial: {
    get: "RequestError | NotFound",
    reload: "RequestError | NotFound",
    kill: "RequestError | NotFound | InvalidRequest",
    experiment: "RequestError | NotFound",
    listCheckpoints: "RequestError | NotFound | InvalidRequest",
    streamCheckpoints: "RequestError | NotFound | InvalidRequest",
    topCheckpoint: "RequestError | NotFound | InvalidRequest",
    metrics: "RequestError | NotFound | InvalidRequest",
    logFields: "RequestError | NotFound",
    logs: "RequestError | NotFound | InvalidRequest",
    watch: "RequestError | NotFound"
  },
  Checkpoint: {
    get: "RequestError | NotFound",
    reload: "RequestError | NotFound",
    addMetadata: "RequestError | NotFound | InvalidRequest",
    removeMetadata: "RequestError | NotFound | InvalidRequest",
    "delete": "RequestError | NotFound | InvalidRequest",
    removeFiles: "RequestError | NotFound | InvalidRequest",
    pachydermCommit: "RequestError | NotFound",
    metrics: "RequestError | NotFound",
    download: "RequestError | NotFound | UnsafeArchiveEntry | OutputDirError | CheckpointNotDownloadable"
  },
  Model: {
    get: "RequestError | NotFound",
    reload: "RequestError | NotFound",
    list: "RequestError | InvalidRequest",
    stream: "RequestError | InvalidRequest",
    create: "RequestError | InvalidRequest | Conflict",
    patch: "RequestError | NotFound | InvalidRequest | Conflict",
    setName: "RequestError | NotFound | InvalidRequest | Conflict",
    setDescription: "RequestError | NotFound | InvalidRequest | Conflict",
    setNotes: "RequestError | NotFound | InvalidRequest | Conflict",
    setLabels: "RequestError | NotFound | InvalidRequest | Conflict",
    moveToWorkspace: "RequestError | NotFound | InvalidRequest | Conflict",
    addMetadata: "RequestError | NotFound | InvalidRequest | Conflict",
    removeMetadata: "RequestError | NotFound | InvalidRequest | Conflict",
    archive: "RequestError | NotFound | InvalidRequest",
    unarchive: "RequestError | NotFound | InvalidRequest",
    del: "RequestError | NotFound | InvalidRequest",
    "delete": "RequestError | NotFound | InvalidRequest",
    labels: "RequestError",
    listVersions: "RequestError | NotFound",
    streamVersions: "RequestError | NotFound",
    getVersion: "RequestError | NotFound",
    latestVersion: "RequestError | NotFound",
    registerVersion: "RequestError | NotFound | InvalidRequest"
  },
  ModelVersion: {
    get: "RequestError | NotFound",
    reload: "RequestError | NotFound",
    list: "RequestError | NotFound",
    stream: "RequestError | NotFound",
    latest: "RequestError | NotFound",
    register: "RequestError | NotFound | InvalidRequest",
    patch: "RequestError | NotFound | InvalidRequest",
    setName: "RequestError | NotFound | InvalidRequest",
    setNotes: "RequestError | NotFound | InvalidRequest",
    setComment: "RequestError | NotFound | InvalidRequest",
    setLabels: "RequestError | NotFound | InvalidRequest",
    addMetadata: "RequestError | NotFound | InvalidRequest",
    removeMetadata: "RequestError | NotFound | InvalidRequest",
    del: "RequestError | NotFound | InvalidRequest",
    "delete": "RequestError | NotFound | InvalidRequest",
    metrics: "RequestError | NotFound"
  },
  EarlyStopping: {
    killWhenStalled: "E | Unauthenticated | Forbidden | DecodeError"
  },
  Metrics: {
    stream: "RequestError | NotFound | InvalidRequest"
  },
  Project: {
    get: "RequestError | NotFound",
    reload: "RequestError | NotFound",
    getByKey: "RequestError | NotFound",
    getByName: "RequestError | NotFound | InvalidRequest",
    list: "RequestError | NotFound | InvalidRequest",
    stream: "RequestError | NotFound | InvalidRequest",
    create: "RequestError | NotFound | InvalidRequest | Conflict",
    patch: "RequestError | NotFound | InvalidRequest | Conflict",
    setName: "RequestError | NotFound | InvalidRequest | Conflict",
    setDescription: "RequestError | NotFound | InvalidRequest | Conflict",
    setKey: "RequestError | NotFound | InvalidRequest | Conflict",
    archive: "RequestError | NotFound | InvalidRequest",
    unarchive: "RequestError | NotFound | InvalidRequest",
    del: "RequestError | NotFound | InvalidRequest",
    "delete": "RequestError | NotFound | InvalidRequest",
    move: "RequestError | NotFound | InvalidRequest",
    setNotes: "RequestError | NotFound | InvalidRequest",
    addNote: "RequestError | NotFound | InvalidRequest",
    removeNote: "RequestError | NotFound | InvalidRequest",
    listExperiments: "RequestError | NotFound | InvalidRequest",
    streamExperiments: "RequestError | NotFound | InvalidRequest"
  },
  User: {
    get: "RequestError | NotFound",
    reload: "RequestError | NotFound",
    getByName: "RequestError | NotFound",
    whoami: "RequestError",
    sessionUsername: "never",
    list: "RequestError | InvalidRequest",
    stream: "RequestError | InvalidRequest",
    create: "RequestError | InvalidRequest",
    patch: "RequestError | NotFound | InvalidRequest",
    rename: "RequestError | NotFound | InvalidRequest",
    activate: "RequestError | NotFound | InvalidRequest",
    deactivate: "RequestError | NotFound | InvalidRequest",
    setDisplayName: "RequestError | NotFound | InvalidRequest",
    setAdmin: "RequestError | NotFound | InvalidRequest",
    setPassword: "RequestError | NotFound | InvalidRequest",
    linkWithAgent: "RequestError | NotFound | InvalidRequest"
  },
  ResourcePool: {
    list: "RequestError",
    stream: "RequestError",
    listWorkspaceIds: "RequestError | NotFound",
    listWorkspaces: "RequestError | NotFound",
    bind: "RequestError | NotFound | InvalidRequest",
    unbind: "RequestError | NotFound | InvalidRequest",
    overwriteBindings: "RequestError | NotFound | InvalidRequest"
  },
  Master: {
    info: "RequestError",
    listOauthClients: "RequestError | NotFound",
    addOauthClient: "RequestError | NotFound | InvalidRequest",
    removeOauthClient: "RequestError | NotFound | InvalidRequest"
  },
  Core: {
    layer:
      "RequestError | NotFound | InvalidRequest | InvalidExperimentConfig | InvalidReport | UnsupportedStorage | NotUnmanaged",
    layerStorageDrivers: "never",
    layerLogger: "never",
    init:
      "RequestError | NotFound | InvalidRequest | InvalidExperimentConfig | InvalidReport | UnsupportedStorage | NotUnmanaged",
    reportTrainingMetrics:
      "RequestError | NotFound | InvalidRequest | InvalidReport | MetricConflict | StaleRun | CoreClosed",
    reportValidationMetrics:
      "RequestError | NotFound | InvalidRequest | InvalidReport | MetricConflict | StaleRun | CoreClosed",
    reportMetrics: "RequestError | NotFound | InvalidRequest | InvalidReport | MetricConflict | StaleRun | CoreClosed",
    reportProgress: "RequestError | NotFound | InvalidRequest | InvalidReport | CoreClosed",
    setStatus: "RequestError | NotFound | InvalidRequest | CoreClosed",
    flush: "RequestError | NotFound | InvalidRequest | MetricConflict | StaleRun | CoreClosed",
    getMetadata: "RequestError | NotFound | InvalidRequest",
    setMetadata: "RequestError | NotFound | InvalidRequest | CoreClosed",
    checkpoints: "never"
  },
  Template: {
    get: "RequestError | NotFound",
    reload: "RequestError | NotFound",
    list: "RequestError | InvalidRequest",
    stream: "RequestError | InvalidRequest",
    create: "RequestError | InvalidRequest",
    put: "RequestError | InvalidRequest",
    setConfig: "RequestError | NotFound | InvalidRequest",
    rename: "RequestError | NotFound | InvalidRequest",
    "delete": "RequestError | NotFound | InvalidRequest"
  },
  Run: {
    search: "RequestError | NotFound | InvalidRequest | UnknownColumn | InvalidQuery",
    list: "RequestError | NotFound | InvalidRequest | UnknownColumn | InvalidQuery",
    columns: "RequestError | NotFound",
    metricRanges: "RequestError | NotFound"
  },
  LocalMaster: {
    layer: "never",
    layerEmulator: "never",
    make: "never",
    serve: "ServeError"
  },
  VirtualTime: {
    settle: "never",
    drive: "E",
    run: "E",
    adjust: "never"
  },
  DeterminedHttp: {
    layer: "never",
    make: "never"
  },
  Pagination: {
    stream: "E",
    collect: "E"
  },
  Session: {
    layer: "never",
    make: "never"
  }
} as const

/**
 * Exports that are not operations: pure functions and constructors (no `Effect`, `Stream` or `Layer` in their
 * type; `test/types/errors.test.ts` checks that too).
 */
export const notOperations = {
  DeterminedConfig: ["canonicalizeMasterUrl"],
  DeterminedError: ["isHttpError", "isTransient"],
  DeterminedHttp: ["path"],
  EarlyStopping: ["isStalled", "observationOf", "observe", "shouldStop"],
  LocalMaster: ["httpClient"],
  Metrics: ["numeric"],
  Query: [
    "and",
    "asc",
    "desc",
    "explain",
    "field",
    "format",
    "formatExplanation",
    "hasLabels",
    "hp",
    "includeArchived",
    "limit",
    "make",
    "metadata",
    "metric",
    "or",
    "run",
    "sampledHp",
    "sortBy",
    "toFilterJson",
    "training",
    "validation",
    "where"
  ],
  ResourceCache: ["key", "validate"],
  RetryPolicy: ["backoff", "isRetryable"],
  Script: ["checkpoint", "config", "exit", "log", "make", "report", "sleep", "trainingLike"],
  Trial: ["fingerprint", "summaryMetric"],
  User: ["passwordProblems"]
} as const
