/**
 * `GET /checkpoints/{checkpoint_uuid}`: the master's echo route (outside `/api/v1`) that streams a checkpoint's
 * files as an archive, used by the SDK's `Checkpoint.download` (upstream's MASTER download mode). The
 * `Accept` header picks the format as on the master: `application/x-tar` (also for none, `*` + `/*` and
 * `application/*`) or `application/gzip`; `application/zip` and anything else answer 415. Errors use echo's
 * `{"message": …}` body. Content is synthetic and deterministic: the checkpoint's `resources` (directories
 * for paths ending in `/`, files of the recorded sizes), `metadata.json` holding the metadata, and `code/…`
 * holding the experiment's model definition when its files are known.
 *
 * @internal
 */
import { gzipSync } from "node:zlib"
import { Header } from "tar"
import type { World } from "../domain/store.js"
import type { Served } from "../router.js"
import { optionalCaller } from "../router.js"

/** An error answer of an echo (non-gRPC) route: `{"message": ...}`. @internal */
export const echoError = (status: number, message: string): Served => ({
  _tag: "Body",
  status,
  body: JSON.stringify({ message }),
  contentType: "application/json",
  headers: {}
})

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Deterministic filler bytes for a synthetic file. */
const filler = (seed: string, size: number): Buffer => {
  let h = 2166136261
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619)
  const pattern = Buffer.alloc(4096)
  for (let i = 0; i < pattern.length; i++) {
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995)
    pattern[i] = h & 0xff
  }
  const out = Buffer.alloc(size)
  for (let offset = 0; offset < size; offset += pattern.length) pattern.copy(out, offset, 0, size - offset)
  return out
}

const tarOf = (entries: ReadonlyArray<{ path: string; content?: Buffer }>, mtime: Date): Buffer => {
  const blocks: Array<Buffer> = []
  for (const e of entries) {
    const dir = e.content === undefined
    const header = new Header({
      path: e.path,
      mode: dir ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      size: dir ? 0 : e.content!.length,
      mtime,
      type: dir ? "Directory" : "File",
      uname: "",
      gname: ""
    })
    header.encode()
    blocks.push(header.block!)
    if (!dir && e.content!.length > 0) {
      blocks.push(e.content!)
      const pad = (512 - (e.content!.length % 512)) % 512
      if (pad > 0) blocks.push(Buffer.alloc(pad))
    }
  }
  blocks.push(Buffer.alloc(1024))
  return Buffer.concat(blocks)
}

/**
 * Answers `GET /checkpoints/{uuid}`, or `undefined` when the path is not that route.
 *
 * @internal
 */
export const checkpointDownload = (world: World, path: string, request: Request): Served | undefined => {
  const m = /^\/checkpoints\/([^/]+)$/.exec(path)
  if (m === null || request.method !== "GET") return undefined
  if (optionalCaller(world, request) === undefined) return echoError(401, "invalid credentials")
  let accept = request.headers.get("accept") ?? ""
  if (accept === "" || accept === "*/*" || accept === "application/*") accept = "application/x-tar"
  if (accept !== "application/x-tar" && accept !== "application/gzip") {
    return echoError(415, `unsupported media type to download a checkpoint: '${accept}'`)
  }
  let uuid = m[1]!
  try {
    uuid = decodeURIComponent(uuid)
  } catch {
    // keep it raw
  }
  if (!uuidPattern.test(uuid)) {
    return echoError(400, `unable to parse checkpoint UUID ${uuid}: invalid UUID format`)
  }
  const checkpoint = world.checkpoints.get(uuid.toLowerCase())
  if (checkpoint === undefined) return echoError(404, `checkpoint not found: ${uuid}`)
  const experiment = world.experiments.get(checkpoint.experimentId)
  const code = new Map<string, Buffer>()
  for (const f of experiment?.modelDefinition ?? []) {
    if (f.type !== 53) code.set(`code/${f.path}`, Buffer.from(f.content))
  }
  const entries: Array<{ path: string; content?: Buffer }> = []
  for (const [name, size] of Object.entries(checkpoint.resources).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (name.endsWith("/")) entries.push({ path: name })
    else if (name === "metadata.json") {
      entries.push({ path: name, content: Buffer.from(JSON.stringify(checkpoint.metadata)) })
    } else entries.push({ path: name, content: code.get(name) ?? filler(`${uuid}/${name}`, size) })
  }
  const tar = tarOf(entries, new Date(checkpoint.reportTime))
  return {
    _tag: "Body",
    status: 200,
    contentType: accept,
    headers: {},
    body: accept === "application/gzip" ? gzipSync(tar) : tar
  }
}
