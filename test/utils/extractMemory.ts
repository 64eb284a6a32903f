/**
 * A child process for test/reliability/hostile.test.ts (and docs/RELIABILITY.md): extracts a tar.gz of `entries`
 * empty files (in 100 directories) with `Archive.extract`, and prints, as one JSON line, how far the heap (with
 * Buffers) grew over its size before extraction, measured after a full GC every `sample` ms during extraction, and
 * how far the RSS grew. Run with `node --expose-gc --import tsx test/utils/extractMemory.ts <entries> <dir> [sample]`.
 */
import { NodeContext } from "@effect/platform-node"
import { Chunk, Effect, Stream } from "effect"
import * as FS from "node:fs"
import * as NodePath from "node:path"
import { gzipSync } from "node:zlib"
import { Header } from "tar"
import * as Archive from "../../src/resources/internal/archive.js"

const entries = Number(process.argv[2])
const dir = process.argv[3]!
const sample = Number(process.argv[4] ?? 250)
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error("run with node --expose-gc")

const archive = (() => {
  const tar = Buffer.alloc(entries * 512 + 1024)
  for (let i = 0; i < entries; i++) {
    new Header({ path: `d${i % 100}/f${i}`, type: "File", mode: 0o644, size: 0, mtime: new Date(1_700_000_000_000) })
      .encode(tar, i * 512)
  }
  return gzipSync(tar)
})()
const chunks: Array<Uint8Array> = []
for (let i = 0; i < archive.length; i += 65536) chunks.push(archive.subarray(i, i + 65536))

const used = () => {
  gc()
  const m = process.memoryUsage()
  return { heap: m.heapUsed + m.external, rss: m.rss }
}
const before = used()
let peak = before
const timer = setInterval(() => {
  const now = used()
  peak = { heap: Math.max(peak.heap, now.heap), rss: Math.max(peak.rss, now.rss) }
}, sample)
const started = Date.now()
const out = NodePath.join(dir, "out")
await Effect.runPromise(
  Archive.extract(Stream.fromChunk(Chunk.unsafeFromArray(chunks)), out).pipe(Effect.provide(NodeContext.layer))
)
const seconds = (Date.now() - started) / 1000
clearInterval(timer)
const after = used()
const extracted = FS.readdirSync(out).reduce((n, d) => n + FS.readdirSync(NodePath.join(out, d)).length, 0)
const MiB = 1024 * 1024
console.log(JSON.stringify({
  entries,
  extracted,
  seconds,
  archiveBytes: archive.length,
  heapGrowthMiB: Math.round((peak.heap - before.heap) / MiB),
  rssGrowthMiB: Math.round((Math.max(peak.rss, after.rss) - before.rss) / MiB),
  // sampled during extraction (the process's own maximum includes building the archive)
  peakRssMiB: Math.round(Math.max(peak.rss, after.rss) / MiB),
  baseRssMiB: Math.round(before.rss / MiB)
}))
