/** A gzipped tar of regular files, written header by header, for tests that feed archives to the SDK. */
import { gzipSync } from "node:zlib"
import { Header } from "tar"

export const tgz = (entries: ReadonlyArray<{ path: string; content: string }>): Buffer => {
  const blocks: Array<Buffer> = []
  for (const e of entries) {
    const body = Buffer.from(e.content)
    const header = new Header({ path: e.path, type: "File", mode: 0o644, size: body.length, mtime: new Date(0) })
    header.encode()
    blocks.push(header.block!, body, Buffer.alloc((512 - (body.length % 512)) % 512))
  }
  blocks.push(Buffer.alloc(1024))
  return gzipSync(Buffer.concat(blocks))
}

export interface Spec {
  readonly path: string
  readonly type?:
    | "File"
    | "Directory"
    | "SymbolicLink"
    | "Link"
    | "CharacterDevice"
    | "BlockDevice"
    | "FIFO"
    | "SparseFile"
  readonly linkpath?: string
  readonly content?: string | Uint8Array
  readonly mode?: number
  readonly size?: number
}

/** Hand-written tar headers (tar's own packer would sanitise the malicious paths). */
export const tarball = (entries: ReadonlyArray<Spec>, gzip = true): Uint8Array => {
  const blocks: Array<Buffer> = []
  for (const e of entries) {
    const type = e.type ?? "File"
    const body = e.content === undefined ? Buffer.alloc(0) : Buffer.from(e.content)
    const header = new Header({
      path: e.path,
      type,
      mode: e.mode ?? (type === "Directory" ? 0o755 : 0o644),
      size: e.size ?? (type === "File" ? body.length : 0),
      mtime: new Date(1_700_000_000_000),
      uid: 0,
      gid: 0,
      uname: "",
      gname: "",
      ...(e.linkpath === undefined ? {} : { linkpath: e.linkpath }),
      ...(type === "CharacterDevice" || type === "BlockDevice" ? { devmaj: 1, devmin: 3 } : {})
    })
    header.encode()
    blocks.push(header.block!)
    if (type === "File" && body.length > 0) {
      blocks.push(body)
      const pad = (512 - (body.length % 512)) % 512
      if (pad > 0) blocks.push(Buffer.alloc(pad))
    }
  }
  blocks.push(Buffer.alloc(1024))
  const tar = Buffer.concat(blocks)
  return gzip ? gzipSync(tar) : tar
}
