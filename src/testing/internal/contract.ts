/**
 * The master's route table (all 121 endpoints of the Determined 0.38.1 REST contract), in proto
 * declaration order: the first pattern that matches wins. Generated from shared/contract/determined-api.json
 * (`endpoints[].name/method/path/order/streaming/authRequired/pathParams`); regenerate rather than edit by hand.
 *
 * @internal
 */
/** @internal */
export interface EndpointSpec {
  readonly name: string
  readonly method: string
  readonly path: string
  readonly order: number
  readonly streaming: boolean
  readonly authRequired: boolean
  /** path variable name (proto name) -> "int" | "string" */
  readonly params: Readonly<Record<string, "int" | "string">>
}

const e = (
  name: string,
  method: string,
  path: string,
  order: number,
  streaming: boolean,
  authRequired: boolean,
  params: Readonly<Record<string, "int" | "string">> = {}
): EndpointSpec => ({ name, method, path, order, streaming, authRequired, params })

/** @internal */
export const endpoints: ReadonlyArray<EndpointSpec> = [
  e("Login", "POST", "/api/v1/auth/login", 0, false, false),
  e("CurrentUser", "GET", "/api/v1/auth/user", 1, false, true),
  e("Logout", "POST", "/api/v1/auth/logout", 2, false, true),
  e("GetUsers", "GET", "/api/v1/users", 3, false, true),
  e("GetUser", "GET", "/api/v1/users/{user_id}", 7, false, true, { user_id: "int" }),
  e("GetUserByUsername", "GET", "/api/v1/users/{username}/by-username", 8, false, true, { username: "string" }),
  e("GetMe", "GET", "/api/v1/me", 9, false, true),
  e("PostUser", "POST", "/api/v1/users", 10, false, true),
  e("PatchUser", "PATCH", "/api/v1/users/{user_id}", 13, false, true, { user_id: "int" }),
  e("GetMaster", "GET", "/api/v1/master", 16, false, false),
  e("CreateExperiment", "POST", "/api/v1/experiments", 32, false, true),
  e("PutExperiment", "PUT", "/api/v1/experiments/by-external-id/{external_experiment_id}", 33, false, true, {
    external_experiment_id: "string"
  }),
  e("ContinueExperiment", "POST", "/api/v1/experiments/continue", 34, false, true),
  e("GetExperiment", "GET", "/api/v1/experiments/{experiment_id}", 35, false, true, { experiment_id: "int" }),
  e("GetExperiments", "GET", "/api/v1/experiments", 36, false, true),
  e("GetModelDef", "GET", "/api/v1/experiments/{experiment_id}/model_def", 40, false, true, { experiment_id: "int" }),
  e("GetModelDefTree", "GET", "/api/v1/experiments/{experiment_id}/file_tree", 42, false, true, {
    experiment_id: "int"
  }),
  e("GetModelDefFile", "POST", "/api/v1/experiments/{experiment_id}/file", 43, false, true, { experiment_id: "int" }),
  e("GetExperimentLabels", "GET", "/api/v1/experiment/labels", 44, false, true),
  e(
    "GetExperimentValidationHistory",
    "GET",
    "/api/v1/experiments/{experiment_id}/validation-history",
    45,
    false,
    true,
    { experiment_id: "int" }
  ),
  e("ActivateExperiment", "POST", "/api/v1/experiments/{id}/activate", 46, false, true, { id: "int" }),
  e("PauseExperiment", "POST", "/api/v1/experiments/{id}/pause", 48, false, true, { id: "int" }),
  e("CancelExperiment", "POST", "/api/v1/experiments/{id}/cancel", 50, false, true, { id: "int" }),
  e("KillExperiment", "POST", "/api/v1/experiments/{id}/kill", 52, false, true, { id: "int" }),
  e("ArchiveExperiment", "POST", "/api/v1/experiments/{id}/archive", 54, false, true, { id: "int" }),
  e("UnarchiveExperiment", "POST", "/api/v1/experiments/{id}/unarchive", 56, false, true, { id: "int" }),
  e("PatchExperiment", "PATCH", "/api/v1/experiments/{experiment.id}", 58, false, true, { "experiment.id": "int" }),
  e("DeleteExperiment", "DELETE", "/api/v1/experiments/{experiment_id}", 60, false, true, { experiment_id: "int" }),
  e(
    "GetBestSearcherValidationMetric",
    "GET",
    "/api/v1/experiments/{experiment_id}/searcher/best_searcher_validation_metric",
    61,
    false,
    true,
    { experiment_id: "int" }
  ),
  e("GetExperimentCheckpoints", "GET", "/api/v1/experiments/{id}/checkpoints", 62, false, true, { id: "int" }),
  e("PutExperimentLabel", "PUT", "/api/v1/experiments/{experiment_id}/labels/{label}", 63, false, true, {
    experiment_id: "int",
    label: "string"
  }),
  e("DeleteExperimentLabel", "DELETE", "/api/v1/experiments/{experiment_id}/labels/{label}", 64, false, true, {
    experiment_id: "int",
    label: "string"
  }),
  e("PreviewHPSearch", "POST", "/api/v1/preview-hp-search", 65, false, true),
  e("GetExperimentTrials", "GET", "/api/v1/experiments/{experiment_id}/trials", 66, false, true, {
    experiment_id: "int"
  }),
  e("CompareTrials", "GET", "/api/v1/trials/time-series", 68, false, true),
  e("CreateTrial", "POST", "/api/v1/trials", 70, false, true),
  e("PutTrial", "PUT", "/api/v1/trials", 71, false, true),
  e("PatchTrial", "PATCH", "/api/v1/trials/{trial_id}", 72, false, true, { trial_id: "int" }),
  e("StartTrial", "POST", "/api/v1/trials/{trial_id}/start", 73, false, true, { trial_id: "int" }),
  e("RunPrepareForReporting", "POST", "/api/v1/runs/start", 74, false, true),
  e("GetTrial", "GET", "/api/v1/trials/{trial_id}", 75, false, true, { trial_id: "int" }),
  e("GetTrialWorkloads", "GET", "/api/v1/trials/{trial_id}/workloads", 77, false, true, { trial_id: "int" }),
  e("TrialLogs", "GET", "/api/v1/trials/{trial_id}/logs", 78, true, true, { trial_id: "int" }),
  e("TrialLogsFields", "GET", "/api/v1/trials/{trial_id}/logs/fields", 79, true, true, { trial_id: "int" }),
  e("TaskLogs", "GET", "/api/v1/tasks/{task_id}/logs", 84, true, true, { task_id: "string" }),
  e("TaskLogsFields", "GET", "/api/v1/tasks/{task_id}/logs/fields", 85, true, true, { task_id: "string" }),
  e("GetMetrics", "GET", "/api/v1/trials/metrics/trial_metrics", 89, true, true),
  e("GetTrainingMetrics", "GET", "/api/v1/trials/metrics/training_metrics", 90, true, true),
  e("GetValidationMetrics", "GET", "/api/v1/trials/metrics/validation_metrics", 91, true, true),
  e("KillTrial", "POST", "/api/v1/trials/{id}/kill", 92, false, true, { id: "int" }),
  e("GetTrialCheckpoints", "GET", "/api/v1/trials/{id}/checkpoints", 93, false, true, { id: "int" }),
  e("ReportTrialProgress", "POST", "/api/v1/trials/{trial_id}/progress", 106, false, true, { trial_id: "int" }),
  e("PostTrialRunnerMetadata", "POST", "/api/v1/trials/{trial_id}/runner/metadata", 107, false, true, {
    trial_id: "int"
  }),
  e("ReportTrialMetrics", "POST", "/api/v1/trials/{metrics.trial_id}/metrics", 108, false, true, {
    "metrics.trial_id": "int"
  }),
  e("ReportCheckpoint", "POST", "/api/v1/checkpoints", 111, false, true),
  e("GetTemplates", "GET", "/api/v1/templates", 116, false, true),
  e("GetTemplate", "GET", "/api/v1/templates/{template_name}", 117, false, true, { template_name: "string" }),
  e("PutTemplate", "PUT", "/api/v1/templates/{template.name}", 118, false, true, { "template.name": "string" }),
  e("PostTemplate", "POST", "/api/v1/templates/{template.name}", 119, false, true, { "template.name": "string" }),
  e("PatchTemplateConfig", "PATCH", "/api/v1/templates/{template_name}", 120, false, true, { template_name: "string" }),
  e("PatchTemplateName", "PATCH", "/api/v1/template/rename", 121, false, true),
  e("DeleteTemplate", "DELETE", "/api/v1/templates/{template_name}", 122, false, true, { template_name: "string" }),
  e("DeleteTensorboardFiles", "DELETE", "/api/v1/experiments/{experiment_id}/tensorboard-files", 144, false, true, {
    experiment_id: "int"
  }),
  e("GetActiveTasksCount", "GET", "/api/v1/tasks/count", 145, false, true),
  e("GetTask", "GET", "/api/v1/tasks/{task_id}", 146, false, true, { task_id: "string" }),
  e("GetTasks", "GET", "/api/v1/tasks", 147, false, true),
  e("GetModel", "GET", "/api/v1/models/{model_name}", 148, false, true, { model_name: "string" }),
  e("PostModel", "POST", "/api/v1/models", 149, false, true),
  e("PatchModel", "PATCH", "/api/v1/models/{model_name}", 150, false, true, { model_name: "string" }),
  e("ArchiveModel", "POST", "/api/v1/models/{model_name}/archive", 151, false, true, { model_name: "string" }),
  e("UnarchiveModel", "POST", "/api/v1/models/{model_name}/unarchive", 152, false, true, { model_name: "string" }),
  e("MoveModel", "POST", "/api/v1/models/{model_name}/move", 153, false, true, { model_name: "string" }),
  e("DeleteModel", "DELETE", "/api/v1/models/{model_name}", 154, false, true, { model_name: "string" }),
  e("GetModels", "GET", "/api/v1/models", 155, false, true),
  e("GetModelLabels", "GET", "/api/v1/model/labels", 156, false, true),
  e("GetModelVersion", "GET", "/api/v1/models/{model_name}/versions/{model_version_num}", 157, false, true, {
    model_name: "string",
    model_version_num: "int"
  }),
  e("GetModelVersions", "GET", "/api/v1/models/{model_name}/versions", 158, false, true, { model_name: "string" }),
  e("PostModelVersion", "POST", "/api/v1/models/{model_name}/versions", 159, false, true, { model_name: "string" }),
  e("PatchModelVersion", "PATCH", "/api/v1/models/{model_name}/versions/{model_version_num}", 160, false, true, {
    model_name: "string",
    model_version_num: "int"
  }),
  e("DeleteModelVersion", "DELETE", "/api/v1/models/{model_name}/versions/{model_version_num}", 161, false, true, {
    model_name: "string",
    model_version_num: "int"
  }),
  e(
    "GetTrialMetricsByModelVersion",
    "GET",
    "/api/v1/models/{model_name}/versions/{model_version_num}/metrics",
    162,
    false,
    true,
    { model_name: "string", model_version_num: "int" }
  ),
  e("GetCheckpoint", "GET", "/api/v1/checkpoints/{checkpoint_uuid}", 163, false, true, { checkpoint_uuid: "string" }),
  e("PostCheckpointMetadata", "POST", "/api/v1/checkpoints/{checkpoint.uuid}/metadata", 164, false, true, {
    "checkpoint.uuid": "string"
  }),
  e("CheckpointsRemoveFiles", "POST", "/api/v1/checkpoints/rm", 165, false, true),
  e("PatchCheckpoints", "PATCH", "/api/v1/checkpoints", 166, false, true),
  e("DeleteCheckpoints", "DELETE", "/api/v1/checkpoints", 167, false, true),
  e("GetTrialMetricsByCheckpoint", "GET", "/api/v1/checkpoints/{checkpoint_uuid}/metrics", 168, false, true, {
    checkpoint_uuid: "string"
  }),
  e("ExpMetricNames", "GET", "/api/v1/experiments/metrics-stream/metric-names", 169, true, true),
  e("MetricBatches", "GET", "/api/v1/experiments/{experiment_id}/metrics-stream/batches", 170, true, true, {
    experiment_id: "int"
  }),
  e("TrialsSnapshot", "GET", "/api/v1/experiments/{experiment_id}/metrics-stream/trials-snapshot", 171, true, true, {
    experiment_id: "int"
  }),
  e("TrialsSample", "GET", "/api/v1/experiments/{experiment_id}/metrics-stream/trials-sample", 172, true, true, {
    experiment_id: "int"
  }),
  e("GetResourcePools", "GET", "/api/v1/resource-pools", 173, false, true),
  e("GetWorkspace", "GET", "/api/v1/workspaces/{id}", 177, false, true, { id: "int" }),
  e("GetWorkspaceProjects", "GET", "/api/v1/workspaces/{id}/projects", 178, false, true, { id: "int" }),
  e("GetWorkspaces", "GET", "/api/v1/workspaces", 179, false, true),
  e("PostWorkspace", "POST", "/api/v1/workspaces", 180, false, true),
  e("PatchWorkspace", "PATCH", "/api/v1/workspaces/{id}", 181, false, true, { id: "int" }),
  e("DeleteWorkspace", "DELETE", "/api/v1/workspaces/{id}", 182, false, true, { id: "int" }),
  e("ArchiveWorkspace", "POST", "/api/v1/workspaces/{id}/archive", 183, false, true, { id: "int" }),
  e("UnarchiveWorkspace", "POST", "/api/v1/workspaces/{id}/unarchive", 184, false, true, { id: "int" }),
  e("PinWorkspace", "POST", "/api/v1/workspaces/{id}/pin", 185, false, true, { id: "int" }),
  e("UnpinWorkspace", "POST", "/api/v1/workspaces/{id}/unpin", 186, false, true, { id: "int" }),
  e("GetProject", "GET", "/api/v1/projects/{id}", 194, false, true, { id: "int" }),
  e("GetProjectByKey", "GET", "/api/v1/projects/key/{key}", 195, false, true, { key: "string" }),
  e("GetProjectColumns", "GET", "/api/v1/projects/{id}/columns", 196, false, true, { id: "int" }),
  e("GetProjectNumericMetricsRange", "GET", "/api/v1/projects/{id}/experiments/metric-ranges", 197, false, true, {
    id: "int"
  }),
  e("PostProject", "POST", "/api/v1/workspaces/{workspace_id}/projects", 198, false, true, { workspace_id: "int" }),
  e("AddProjectNote", "POST", "/api/v1/projects/{project_id}/notes", 199, false, true, { project_id: "int" }),
  e("PutProjectNotes", "PUT", "/api/v1/projects/{project_id}/notes", 200, false, true, { project_id: "int" }),
  e("PatchProject", "PATCH", "/api/v1/projects/{id}", 201, false, true, { id: "int" }),
  e("DeleteProject", "DELETE", "/api/v1/projects/{id}", 202, false, true, { id: "int" }),
  e("ArchiveProject", "POST", "/api/v1/projects/{id}/archive", 203, false, true, { id: "int" }),
  e("UnarchiveProject", "POST", "/api/v1/projects/{id}/unarchive", 204, false, true, { id: "int" }),
  e("MoveProject", "POST", "/api/v1/projects/{project_id}/move", 205, false, true, { project_id: "int" }),
  e("MoveExperiment", "POST", "/api/v1/experiments/{experiment_id}/move", 206, false, true, { experiment_id: "int" }),
  e("SearchExperiments", "POST", "/api/v1/experiments-search", 230, false, true),
  e("SearchRuns", "POST", "/api/v1/runs", 240, false, true),
  e("BindRPToWorkspace", "POST", "/api/v1/resource-pools/{resource_pool_name}/workspace-bindings", 231, false, true, {
    resource_pool_name: "string"
  }),
  e(
    "UnbindRPFromWorkspace",
    "DELETE",
    "/api/v1/resource-pools/{resource_pool_name}/workspace-bindings",
    232,
    false,
    true,
    { resource_pool_name: "string" }
  ),
  e(
    "OverwriteRPWorkspaceBindings",
    "PUT",
    "/api/v1/resource-pools/{resource_pool_name}/workspace-bindings",
    233,
    false,
    true,
    { resource_pool_name: "string" }
  ),
  e("ListRPsBoundToWorkspace", "GET", "/api/v1/workspaces/{workspace_id}/available-resource-pools", 234, false, true, {
    workspace_id: "int"
  }),
  e(
    "ListWorkspacesBoundToRP",
    "GET",
    "/api/v1/resource-pools/{resource_pool_name}/workspace-bindings",
    235,
    false,
    true,
    { resource_pool_name: "string" }
  ),
  e("GetRunMetadata", "GET", "/api/v1/runs/{run_id}/metadata", 248, false, true, { run_id: "int" }),
  e("PostRunMetadata", "POST", "/api/v1/runs/{run_id}/metadata", 249, false, true, { run_id: "int" })
]

/** Enum value name -> number, for the enums LocalMaster reads from requests. @internal */
export const enums: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  "determined.api.v1.OrderBy": { ORDER_BY_UNSPECIFIED: 0, ORDER_BY_ASC: 1, ORDER_BY_DESC: 2 },
  "determined.api.v1.TableType": { TABLE_TYPE_UNSPECIFIED: 0, TABLE_TYPE_EXPERIMENT: 1, TABLE_TYPE_RUN: 2 },
  "determined.api.v1.GetExperimentsRequest.SortBy": {
    SORT_BY_UNSPECIFIED: 0,
    SORT_BY_ID: 1,
    SORT_BY_DESCRIPTION: 2,
    SORT_BY_START_TIME: 4,
    SORT_BY_END_TIME: 5,
    SORT_BY_STATE: 6,
    SORT_BY_NUM_TRIALS: 8,
    SORT_BY_PROGRESS: 9,
    SORT_BY_USER: 10,
    SORT_BY_NAME: 11,
    SORT_BY_FORKED_FROM: 12,
    SORT_BY_RESOURCE_POOL: 13,
    SORT_BY_PROJECT_ID: 14,
    SORT_BY_CHECKPOINT_SIZE: 15,
    SORT_BY_CHECKPOINT_COUNT: 16,
    SORT_BY_SEARCHER_METRIC_VAL: 17
  },
  "determined.api.v1.GetExperimentTrialsRequest.SortBy": {
    SORT_BY_UNSPECIFIED: 0,
    SORT_BY_ID: 1,
    SORT_BY_START_TIME: 4,
    SORT_BY_END_TIME: 5,
    SORT_BY_STATE: 6,
    SORT_BY_BEST_VALIDATION_METRIC: 7,
    SORT_BY_LATEST_VALIDATION_METRIC: 8,
    SORT_BY_BATCHES_PROCESSED: 9,
    SORT_BY_DURATION: 10,
    SORT_BY_RESTARTS: 11,
    SORT_BY_CHECKPOINT_SIZE: 12,
    SORT_BY_LOG_RETENTION_DAYS: 13
  },
  "determined.checkpoint.v1.SortBy": {
    SORT_BY_UNSPECIFIED: 0,
    SORT_BY_UUID: 1,
    SORT_BY_TRIAL_ID: 2,
    SORT_BY_BATCH_NUMBER: 3,
    SORT_BY_END_TIME: 4,
    SORT_BY_STATE: 5,
    SORT_BY_SEARCHER_METRIC: 6
  },
  "determined.checkpoint.v1.State": {
    STATE_UNSPECIFIED: 0,
    STATE_ACTIVE: 1,
    STATE_COMPLETED: 2,
    STATE_ERROR: 3,
    STATE_DELETED: 4,
    STATE_PARTIALLY_DELETED: 5
  },
  "determined.experiment.v1.State": {
    STATE_UNSPECIFIED: 0,
    STATE_ACTIVE: 1,
    STATE_PAUSED: 2,
    STATE_STOPPING_COMPLETED: 3,
    STATE_STOPPING_CANCELED: 4,
    STATE_STOPPING_ERROR: 5,
    STATE_COMPLETED: 6,
    STATE_CANCELED: 7,
    STATE_ERROR: 8,
    STATE_DELETED: 9,
    STATE_DELETING: 10,
    STATE_DELETE_FAILED: 11,
    STATE_STOPPING_KILLED: 12,
    STATE_QUEUED: 13,
    STATE_PULLING: 14,
    STATE_STARTING: 15,
    STATE_RUNNING: 16
  },
  "determined.trial.v1.State": {
    STATE_UNSPECIFIED: 0,
    STATE_ACTIVE: 1,
    STATE_PAUSED: 2,
    STATE_STOPPING_CANCELED: 3,
    STATE_STOPPING_KILLED: 4,
    STATE_STOPPING_COMPLETED: 5,
    STATE_STOPPING_ERROR: 6,
    STATE_CANCELED: 7,
    STATE_COMPLETED: 8,
    STATE_ERROR: 9,
    STATE_QUEUED: 10,
    STATE_PULLING: 11,
    STATE_STARTING: 12,
    STATE_RUNNING: 13
  },
  "determined.log.v1.LogLevel": {
    LOG_LEVEL_UNSPECIFIED: 0,
    LOG_LEVEL_TRACE: 1,
    LOG_LEVEL_DEBUG: 2,
    LOG_LEVEL_INFO: 3,
    LOG_LEVEL_WARNING: 4,
    LOG_LEVEL_ERROR: 5,
    LOG_LEVEL_CRITICAL: 6
  },
  "determined.api.v1.GetUsersRequest.SortBy": {
    SORT_BY_UNSPECIFIED: 0,
    SORT_BY_DISPLAY_NAME: 1,
    SORT_BY_USER_NAME: 2,
    SORT_BY_ADMIN: 3,
    SORT_BY_ACTIVE: 4,
    SORT_BY_MODIFIED_TIME: 5,
    SORT_BY_NAME: 6,
    SORT_BY_LAST_AUTH_TIME: 7,
    SORT_BY_REMOTE: 8
  },
  "determined.api.v1.GetModelsRequest.SortBy": {
    SORT_BY_UNSPECIFIED: 0,
    SORT_BY_NAME: 1,
    SORT_BY_DESCRIPTION: 2,
    SORT_BY_CREATION_TIME: 4,
    SORT_BY_LAST_UPDATED_TIME: 5,
    SORT_BY_NUM_VERSIONS: 6,
    SORT_BY_WORKSPACE: 7
  },
  "determined.api.v1.GetModelVersionsRequest.SortBy": {
    SORT_BY_UNSPECIFIED: 0,
    SORT_BY_VERSION: 3,
    SORT_BY_CREATION_TIME: 4
  },
  "determined.api.v1.GetWorkspacesRequest.SortBy": { SORT_BY_UNSPECIFIED: 0, SORT_BY_ID: 1, SORT_BY_NAME: 2 },
  "determined.api.v1.GetWorkspaceProjectsRequest.SortBy": {
    SORT_BY_UNSPECIFIED: 0,
    SORT_BY_CREATION_TIME: 1,
    SORT_BY_LAST_EXPERIMENT_START_TIME: 2,
    SORT_BY_NAME: 3,
    SORT_BY_DESCRIPTION: 4,
    SORT_BY_ID: 5
  },
  "determined.trial.v1.TrialSourceInfoType": {
    TRIAL_SOURCE_INFO_TYPE_UNSPECIFIED: 0,
    TRIAL_SOURCE_INFO_TYPE_INFERENCE: 1,
    TRIAL_SOURCE_INFO_TYPE_FINE_TUNING: 2
  }
}
