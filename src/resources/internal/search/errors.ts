/**
 * The errors of queries: a column the project does not have, and a query the master (or the SDK on its behalf)
 * rejects.
 *
 * @internal
 */
import * as Schema from "effect/Schema"

/**
 * A metric name or run-metadata key that the project's columns (GetProjectColumns) do not list: nothing was
 * sent. `suggestions` are the project's columns with the closest names.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownColumn extends Schema.TaggedError<UnknownColumn>("effect-determined/UnknownColumn")(
  "UnknownColumn",
  {
    column: Schema.String,
    location: Schema.String,
    projectId: Schema.Number,
    suggestions: Schema.Array(Schema.String),
    message: Schema.String
  }
) {}

/**
 * A query that cannot run as asked: the master would answer it with a 500 (a malformed filter, an operator that
 * does not fit the column, a value that does not cast; found by the SDK's evaluator on the rows it evaluates
 * locally), or a combination the chosen endpoint cannot answer (`reason` says which).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidQuery extends Schema.TaggedError<InvalidQuery>("effect-determined/InvalidQuery")("InvalidQuery", {
  reason: Schema.Literal("rejected", "unsupported"),
  message: Schema.String
}) {}
