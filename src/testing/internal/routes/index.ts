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
import { routes as trials } from "./trials.js"
import { routes as workspaces } from "./workspaces.js"

/** @internal */
export const routes: Routes = {
  ...auth,
  ...experiments,
  ...trials,
  ...checkpoints,
  ...registry,
  ...workspaces
}
