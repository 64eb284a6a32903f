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
