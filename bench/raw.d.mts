/* eslint-disable @typescript-eslint/no-explicit-any -- JSON of the bench server, read without decoding */
/** The HTTP stack of a floor: `fetch`, or `undici.request` with its own connection pool. */
export type Transport = "fetch" | "undici"

export type Query = Record<string, string | number | boolean | ReadonlyArray<number>>

export interface Raw {
  readonly transport: Transport
  readonly json: (path: string, query?: Query) => Promise<any>
  /** Streams a newline-delimited JSON body; `onLine` returns false to stop reading (the response is cancelled). */
  readonly ndjson: (path: string, query: Query, onLine: (value: any) => boolean) => Promise<void>
  readonly close: () => Promise<void>
}

/** A raw client of the bench server, logged in as `determined`: no decoding, no retry, no cache. */
export declare const rawClient: (url: string, transport?: Transport) => Promise<Raw>
