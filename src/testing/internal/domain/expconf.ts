/**
 * Experiment configs as the master handles them: the YAML/JSON text is parsed, checked, and merged with every
 * default (shared/docs/master-behaviour.md §3.5); hyperparameter shorthand is expanded. Config errors are the
 * master's 500 `invalid experiment configuration: …`.
 *
 * @internal
 */
import * as YAML from "yaml"
import type { Json, JsonObject } from "../json.js"
import { isObject } from "../json.js"
import { Rejected } from "./errors.js"

const invalid = (msg: string) => new Rejected({ message: `invalid experiment configuration: ${msg}` })

/** Recursively sorts object keys (the master returns the config with keys in alphabetical order). @internal */
export const sortKeys = (v: Json): Json => {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (!isObject(v)) return v
  const out: JsonObject = {}
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]!)
  return out
}

const clone = <A>(v: A): A => structuredClone(v)

/** Deep merge: `user` wins; objects merge recursively; arrays and scalars replace. @internal */
export const merge = (defaults: Json, user: Json | undefined): Json => {
  if (user === undefined) return clone(defaults)
  if (isObject(defaults) && isObject(user)) {
    const out: JsonObject = {}
    for (const k of Object.keys(defaults)) out[k] = merge(defaults[k]!, user[k])
    for (const k of Object.keys(user)) if (!(k in out)) out[k] = clone(user[k]!)
    return out
  }
  return user === null && isObject(defaults) ? clone(defaults) : clone(user)
}

const IMAGE_CPU = "determinedai/pytorch-ngc-dev:0736b6d"
const IMAGE_ROCM = "determinedai/environments:rocm-5.6-pytorch-1.3-tf-2.10-rocm-mpich-0736b6d"

const defaults = (name: string, seed: number): JsonObject => ({
  bind_mounts: [],
  checkpoint_policy: "best",
  checkpoint_storage: {
    host_path: "/tmp",
    propagation: "rprivate",
    save_experiment_best: 0,
    save_trial_best: 1,
    save_trial_latest: 1,
    storage_path: "determined-checkpoint",
    type: "shared_fs"
  },
  data: {},
  debug: false,
  description: null,
  entrypoint: null,
  environment: {
    add_capabilities: [],
    drop_capabilities: [],
    environment_variables: { cpu: [], cuda: [], rocm: [] },
    force_pull_image: false,
    image: { cpu: IMAGE_CPU, cuda: IMAGE_CPU, rocm: IMAGE_ROCM },
    pod_spec: null,
    ports: {},
    proxy_ports: [],
    registry_auth: null
  },
  hyperparameters: {},
  integrations: null,
  labels: [],
  log_policies: [
    { name: "CUDA OOM", pattern: ".*CUDA out of memory.*" },
    { name: "ECC Error", pattern: ".*uncorrectable ECC error encountered.*" }
  ],
  max_restarts: 5,
  min_checkpoint_period: { batches: 0 },
  min_validation_period: { batches: 0 },
  name,
  optimizations: {
    aggregation_frequency: 1,
    auto_tune_tensor_fusion: false,
    average_aggregated_gradients: true,
    average_training_metrics: true,
    grad_updates_size_file: null,
    gradient_compression: false,
    mixed_precision: "O0",
    tensor_fusion_cycle_time: 1,
    tensor_fusion_threshold: 64
  },
  pbs: {},
  perform_initial_validation: false,
  preemption_timeout: 3600,
  profiling: { begin_on_batch: 0, enabled: false, end_after_batch: null, sync_timings: true },
  project: "",
  records_per_epoch: 0,
  reproducibility: { experiment_seed: seed },
  resources: {
    devices: [],
    is_single_node: null,
    max_slots: null,
    native_parallel: false,
    priority: 42,
    resource_pool: "default",
    shm_size: null,
    slots_per_trial: 1,
    weight: 1
  },
  scheduling_unit: 100,
  searcher: {},
  slurm: {},
  workspace: ""
})

const ADVERBS = ["boldly", "calmly", "eagerly", "gently", "happily", "quickly", "quietly", "smoothly", "swiftly"]
const ADJECTIVES = ["amber", "brave", "clever", "dapper", "fuzzy", "jolly", "lucky", "mellow", "nimble", "witty"]
const ANIMALS = ["badger", "crane", "dolphin", "falcon", "gecko", "heron", "koala", "lynx", "otter", "panda"]

/** `Experiment (<adverb>-<adjective>-<animal>)`. @internal */
export const petName = (pick: (n: number) => number): string =>
  `Experiment (${ADVERBS[pick(ADVERBS.length)]}-${ADJECTIVES[pick(ADJECTIVES.length)]}-${
    ANIMALS[pick(ANIMALS.length)]
  })`

const REMOVED_SEARCHERS = ["custom", "adaptive", "adaptive_simple", "sync_halving"]
const SEARCHERS = ["single", "random", "grid", "adaptive_asha"]

/** Parses the `config` string of CreateExperiment (YAML; JSON is valid YAML). @internal */
export const parseConfigText = (text: string): JsonObject => {
  let parsed: unknown
  try {
    parsed = YAML.parse(text)
  } catch (e) {
    throw invalid(`parsing config: ${(e as Error).message.split("\n")[0]}`)
  }
  if (parsed === null || parsed === undefined) return {}
  if (!isObject(parsed)) throw invalid("config must be a mapping")
  return parsed
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v)

/** Expands hyperparameter shorthand (bare values → const; maps without `type` → nested groups). @internal */
export const normalizeHyperparameters = (hps: Json | undefined, path = ""): JsonObject => {
  if (hps === undefined || hps === null) return {}
  if (!isObject(hps)) throw invalid(`${path || "hyperparameters"} must be a mapping`)
  const out: JsonObject = {}
  for (const [name, def] of Object.entries(hps)) {
    const where = path === "" ? name : `${path}.${name}`
    if (isObject(def) && typeof def.type === "string") {
      out[name] = normalizeHp(def, where)
    } else if (isObject(def)) {
      out[name] = normalizeHyperparameters(def, where)
    } else {
      out[name] = { type: "const", val: def }
    }
  }
  return out
}

const normalizeHp = (def: JsonObject, where: string): JsonObject => {
  const type = def.type as string
  switch (type) {
    case "const":
      if (!("val" in def)) throw invalid(`hyperparameters.${where}: const requires val`)
      return { type, val: def.val! }
    case "int":
    case "double":
    case "log": {
      if (!isNumber(def.minval) || !isNumber(def.maxval)) {
        throw invalid(`hyperparameters.${where}: ${type} requires numeric minval and maxval`)
      }
      if (def.minval > def.maxval) throw invalid(`hyperparameters.${where}: minval must be <= maxval`)
      if (type === "int" && (!Number.isInteger(def.minval) || !Number.isInteger(def.maxval))) {
        throw invalid(`hyperparameters.${where}: int bounds must be integers`)
      }
      if (type === "log" && !isNumber(def.base)) throw invalid(`hyperparameters.${where}: log requires base`)
      const out: JsonObject = { type, minval: def.minval, maxval: def.maxval }
      if (type === "log") out.base = def.base!
      if (def.count !== undefined && def.count !== null) {
        if (!isNumber(def.count) || !Number.isInteger(def.count) || def.count < 1) {
          throw invalid(`hyperparameters.${where}: count must be a positive integer`)
        }
        out.count = def.count
      }
      return out
    }
    case "categorical":
      if (!Array.isArray(def.vals) || def.vals.length === 0) {
        throw invalid(`hyperparameters.${where}: categorical requires a non-empty vals list`)
      }
      return { type, vals: def.vals }
    default:
      throw invalid(`hyperparameters.${where}: unknown hyperparameter type ${JSON.stringify(type)}`)
  }
}

const lengthOk = (v: Json | undefined): boolean => {
  if (v === undefined || v === null) return true
  if (isNumber(v)) return Number.isInteger(v) && v >= 0
  if (!isObject(v)) return false
  const keys = Object.keys(v)
  return keys.length === 1 && ["batches", "records", "epochs"].includes(keys[0]!) && isNumber(v[keys[0]!])
}

const eachHp = (hps: JsonObject, f: (name: string, def: JsonObject) => void, path = ""): void => {
  for (const name of Object.keys(hps).sort()) {
    const def = hps[name] as JsonObject
    const where = path === "" ? name : `${path}.${name}`
    if (typeof def.type === "string") f(where, def)
    else eachHp(def, f, where)
  }
}

/**
 * `resources.slots` in the user's own config (not in a template's: this runs before the template is merged), as
 * parseCreateExperiment refuses it: a plain error, so 500.
 *
 * @internal
 */
export const refuseUserSlots = (user: JsonObject): JsonObject => {
  if (isObject(user.resources) && user.resources.slots !== undefined && user.resources.slots !== null) {
    throw new Rejected({ message: `<config>.resources: additionalProperties "slots" not allowed` })
  }
  return user
}

/**
 * Validates the user's config (the template already merged under it) and returns it merged with every default,
 * keys sorted. A template's `resources.slots` stays, as the master keeps it.
 *
 * @internal
 */
export const completeConfig = (
  user: JsonObject,
  options: { readonly defaultName: string; readonly seed: number; readonly unmanaged?: boolean }
): JsonObject => {
  // the master's order (parseCreateExperiment): the entrypoint of the merged config, then completeness
  if (!options.unmanaged && (user.entrypoint === undefined || user.entrypoint === null)) {
    throw new Rejected({ message: "managed experiments require entrypoint" })
  }
  const ws = typeof user.workspace === "string" ? user.workspace : ""
  const pj = typeof user.project === "string" ? user.project : ""
  if ((ws === "") !== (pj === "")) throw invalid("workspace and project must be specified together")
  const searcher = user.searcher
  // `schemas.IsComplete`: searcher is one of the experiment schema's eventuallyRequired properties
  if (!isObject(searcher)) throw invalid("config is invalid or incomplete: <config>: searcher is a required property")
  const sname = searcher.name
  if (typeof sname !== "string") throw invalid("searcher.name: searcher.name is required")
  if (REMOVED_SEARCHERS.includes(sname)) {
    throw invalid(`the '${sname}' searcher has been removed and is not valid for new experiments`)
  }
  if (!SEARCHERS.includes(sname)) throw invalid(`searcher.name: unknown searcher ${JSON.stringify(sname)}`)
  if (typeof searcher.metric !== "string" || searcher.metric === "") {
    throw invalid("searcher.metric: searcher.metric is required")
  }
  if (!lengthOk(searcher.max_length)) throw invalid("searcher.max_length: invalid length")
  const hps = normalizeHyperparameters(user.hyperparameters)

  const s: JsonObject = {
    metric: searcher.metric,
    name: sname,
    smaller_is_better: searcher.smaller_is_better ?? true,
    source_checkpoint_uuid: searcher.source_checkpoint_uuid ?? null,
    source_trial_id: searcher.source_trial_id ?? null
  }
  if (searcher.max_length !== undefined && searcher.max_length !== null) s.max_length = searcher.max_length
  if (searcher.stop_once !== undefined) s.stop_once = searcher.stop_once
  const positiveInt = (k: string, required: boolean, dflt?: number) => {
    const v = searcher[k]
    if (v === undefined || v === null) {
      if (required) throw invalid(`searcher.${k}: ${k} is required for the ${sname} searcher`)
      if (dflt !== undefined) s[k] = dflt
      return
    }
    if (!isNumber(v) || !Number.isInteger(v) || v < 0) throw invalid(`searcher.${k}: must be a non-negative integer`)
    s[k] = v
  }
  switch (sname) {
    case "random":
      positiveInt("max_trials", true)
      positiveInt("max_concurrent_trials", false, 16)
      if ((s.max_trials as number) < 1) throw invalid("searcher.max_trials: must be at least 1")
      break
    case "grid":
      positiveInt("max_concurrent_trials", false, 16)
      eachHp(hps, (name, def) => {
        if ((def.type === "int" || def.type === "double" || def.type === "log") && def.count === undefined) {
          throw invalid(`grid search is in use but count was not provided for hyperparameter ${name}`)
        }
      })
      break
    case "adaptive_asha":
      if (searcher.max_time === undefined || searcher.time_metric === undefined) {
        throw invalid("the adaptive_asha searcher requires max_time and time_metric to be set")
      }
      positiveInt("max_trials", true)
      positiveInt("max_time", true)
      if (typeof searcher.time_metric !== "string") throw invalid("searcher.time_metric: must be a string")
      s.time_metric = searcher.time_metric
      s.bracket_rungs = Array.isArray(searcher.bracket_rungs) ? searcher.bracket_rungs : []
      positiveInt("divisor", false, 4)
      if ((s.divisor as number) < 2) throw invalid("searcher.divisor: must be at least 2")
      s.mode = typeof searcher.mode === "string" ? searcher.mode : "standard"
      if (!["aggressive", "standard", "conservative"].includes(s.mode)) throw invalid("searcher.mode: invalid mode")
      positiveInt("max_rungs", false, 5)
      positiveInt("max_concurrent_trials", false, 16)
      break
  }

  const base = defaults(options.defaultName, options.seed)
  const env = isObject(user.environment) ? { ...user.environment } : undefined
  if (env !== undefined && typeof env.image === "string") {
    env.image = { cpu: env.image, cuda: env.image, rocm: env.image }
  }
  const userCopy: JsonObject = { ...user }
  delete userCopy.searcher
  delete userCopy.hyperparameters
  if (env !== undefined) userCopy.environment = env
  if (userCopy.description === undefined) userCopy.description = null
  const merged = merge(base, userCopy) as JsonObject
  merged.searcher = s
  merged.hyperparameters = hps
  if (!Array.isArray(merged.labels)) merged.labels = []
  merged.labels = [...new Set((merged.labels as Array<Json>).map(String))]
  if (typeof merged.name !== "string" || merged.name.trim() === "") merged.name = options.defaultName
  return sortKeys(merged) as JsonObject
}

/** Training length in batches for non-ASHA searchers (default 1000). @internal */
export const lengthInBatches = (
  length: Json | undefined,
  batchesPerEpoch: number,
  globalBatchSize: number
): number => {
  if (length === undefined || length === null) return DEFAULT_LENGTH
  if (isNumber(length)) return Math.max(1, Math.round(length))
  if (isObject(length)) {
    if (isNumber(length.batches)) return Math.max(1, Math.round(length.batches))
    if (isNumber(length.records)) return Math.max(1, Math.ceil(length.records / globalBatchSize))
    if (isNumber(length.epochs)) return Math.max(1, Math.round(length.epochs * batchesPerEpoch))
  }
  return DEFAULT_LENGTH
}

/** @internal */
export const DEFAULT_LENGTH = 1000

/** Period in batches of `min_validation_period` / `min_checkpoint_period` (0 = off). @internal */
export const periodInBatches = (v: Json | undefined, batchesPerEpoch: number, globalBatchSize: number): number => {
  if (v === undefined || v === null) return 0
  if (isNumber(v)) return Math.max(0, Math.round(v))
  if (isObject(v)) {
    if (isNumber(v.batches)) return Math.max(0, Math.round(v.batches))
    if (isNumber(v.records)) return Math.max(0, Math.ceil(v.records / globalBatchSize))
    if (isNumber(v.epochs)) return Math.max(0, Math.round(v.epochs * batchesPerEpoch))
  }
  return 0
}

/** Visits hyperparameter definitions in sorted name order (nested groups flattened as `a.b`). @internal */
export const forEachHp = eachHp
