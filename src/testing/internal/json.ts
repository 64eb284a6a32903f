/**
 * The bottom layer of LocalMaster: JSON values as the master stores and sends them. Nothing here knows of
 * records, HTTP or routes; every other module may import it.
 *
 * @internal
 */

/** @internal */
export type Json = null | boolean | number | string | Array<Json> | { [k: string]: Json }
/** @internal */
export type JsonObject = { [k: string]: Json }

/** A JSON object (not null, not an array). @internal */
export const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v)

/** A non-finite double as jsonpb writes it (the master stores NaN and ±Inf metric values this way). @internal */
export const wireNumber = (n: number): number | string =>
  Number.isFinite(n) ? n : Number.isNaN(n) ? "NaN" : n > 0 ? "Infinity" : "-Infinity"
