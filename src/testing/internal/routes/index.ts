/**
 * Every implemented route, keyed by the contract's endpoint name. Endpoints without a handler here answer 501.
 *
 * @internal
 */
import type { Routes } from "../router.js"
import { routes as auth } from "./auth.js"
import { routes as checkpoints } from "./checkpoints.js"
import { routes as experiments } from "./experiments.js"
import { routes as registry } from "./registry.js"
import { routes as registryMetrics } from "./registryMetrics.js"
import { routes as resourcePools } from "./resourcePools.js"
import { routes as search } from "./search.js"
import { routes as templates } from "./templates.js"
import { routes as trials } from "./trials.js"
import { routes as unmanaged } from "./unmanaged.js"
import { routes as users } from "./users.js"
import { routes as workspaces } from "./workspaces.js"

const managed: Routes = {
  ...auth,
  ...experiments,
  ...trials,
  ...checkpoints,
  ...registry,
  ...workspaces,
  // issue 10: users create/patch, templates, resource-pool bindings, model-version metrics, tensorboard files
  ...users,
  ...templates,
  ...resourcePools,
  ...registryMetrics,
  // issue 19: the filter language (SearchExperiments, SearchRuns, project columns, metric ranges)
  ...search
}

/** @internal */
export const routes: Routes = {
  ...managed,
  // issue 18: the Core API (unmanaged experiments), refining some managed handlers
  ...unmanaged(managed)
}
