/**
 * The domain's own errors. Domain modules (store lookups, config checks, lifecycle operations) throw these and
 * know nothing of gRPC codes or HTTP statuses; the wire layer (wire.ts `toWireError`) maps each kind to the code
 * and body the real master answers with. The messages are the master's own texts.
 *
 * @internal
 */
import * as Data from "effect/Data"

/** A record that does not exist (`api.NotFoundErrs`: `<kind> '<id>' not found`, unless `message` says otherwise). @internal */
export class NotFound extends Data.TaggedError("NotFound")<{ readonly message: string }> {}

/** A request the domain refuses because of its arguments (gRPC InvalidArgument on the real master). @internal */
export class InvalidArgument extends Data.TaggedError("InvalidArgument")<{ readonly message: string }> {}

/** The state of a record forbids the operation (gRPC FailedPrecondition). @internal */
export class FailedPrecondition extends Data.TaggedError("FailedPrecondition")<{ readonly message: string }> {}

/**
 * A plain Go error on the real master (no gRPC status): an invalid experiment config, a refused template, a
 * database conflict. The master's error handler answers these as 500 Internal.
 *
 * @internal
 */
export class Rejected extends Data.TaggedError("Rejected")<{ readonly message: string }> {}

/** Every error a domain operation throws. @internal */
export type DomainError = NotFound | InvalidArgument | FailedPrecondition | Rejected

/** @internal */
export const isDomainError = (e: unknown): e is DomainError =>
  e instanceof NotFound || e instanceof InvalidArgument || e instanceof FailedPrecondition || e instanceof Rejected

/** `<kind> '<id>' not found`, the master's `api.NotFoundErrs` wording. @internal */
export const notFound = (kind: string, id: string | number): NotFound =>
  new NotFound({ message: `${kind} '${id}' not found` })
