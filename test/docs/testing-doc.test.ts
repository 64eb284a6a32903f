/**
 * docs/TESTING.md cannot rot: every code block in it is extracted, type-checked against the package (as one
 * `tsc` run, with the project's compiler options) and, for the TypeScript blocks, imported here, so the tests it
 * shows (`it.effect(...)`, `it.live(...)`) run as tests of this file. A block whose first line is a comment
 * naming a file (`// src/search.ts`) is written under that name, so the blocks of one recipe import each other
 * as they do in a project. `json` blocks are fault plans, checked against `LocalMaster.FaultPlan`; `sh` blocks may
 * only install packages this project itself depends on.
 */
import { assert, describe, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

const root = path.resolve(import.meta.dirname, "..", "..")
const docPath = path.join(root, "docs", "TESTING.md")
const outDir = path.join(root, ".tmp", "testing-doc")

interface Block {
  readonly lang: string
  readonly code: string
  readonly line: number
  readonly file: string
}

const extract = (markdown: string): ReadonlyArray<Block> => {
  const blocks: Array<Block> = []
  const lines = markdown.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!)
    if (open === null) continue
    const start = i + 1
    let end = start
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++
    const code = lines.slice(start, end).join("\n")
    const named = /^\/\/ ([\w./-]+\.ts)\s*$/.exec(lines[start] ?? "")
    const n = blocks.length + 1
    const file = open[1] === "ts" && named !== null ? named[1]! : `block-${String(n).padStart(2, "0")}-line-${start}.ts`
    blocks.push({ lang: open[1]!, code, line: start, file })
    i = end
  }
  return blocks
}

const blocks = extract(fs.readFileSync(docPath, "utf8"))
fs.rmSync(outDir, { recursive: true, force: true })
const files: Array<string> = []
for (const block of blocks) {
  const source = block.lang === "ts"
    ? block.code
    : block.lang === "json"
    ? `import type { LocalMaster } from "effect-determined/testing"\n\nexport const plan: LocalMaster.FaultPlan = ${block.code}\n`
    : undefined
  if (source === undefined) continue
  const file = path.join(outDir, block.file)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, source)
  files.push(file)
}
// the project's compiler options, for these files only
fs.writeFileSync(
  path.join(outDir, "tsconfig.json"),
  JSON.stringify({
    extends: path.join(root, "tsconfig.json"),
    compilerOptions: { noEmit: true, baseUrl: root },
    include: files,
    exclude: []
  })
)

describe("docs/TESTING.md", () => {
  it("has code blocks of known kinds only, each a module", () => {
    assert.isAbove(blocks.length, 10)
    for (const block of blocks) {
      assert.include(["ts", "json", "sh"], block.lang, `line ${block.line}: a code block needs a language`)
      if (block.lang === "ts") {
        assert.match(block.code, /^(import|export) /m, `line ${block.line}: a block must be a module`)
      }
      if (block.lang === "json") JSON.parse(block.code)
    }
  })

  it("installs only packages this project depends on", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"))
    const known = new Set([
      pkg.name,
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.devDependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {})
    ])
    for (const block of blocks.filter((b) => b.lang === "sh")) {
      for (const line of block.code.split("\n").filter((l) => l.trim() !== "")) {
        const install = /^npm install (?:--save-dev )?(.+)$/.exec(line)
        assert.isNotNull(install, `line ${block.line}: only npm install lines: ${line}`)
        for (const name of install![1]!.split(/\s+/)) assert.isTrue(known.has(name), `unknown package ${name}`)
      }
    }
  })

  it("type-checks every TypeScript and JSON block against the package", async () => {
    // tsc in a child process: a long type-check here would block this worker's event loop
    const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc")
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      execFile(
        process.execPath,
        [tsc, "--pretty", "false", "-p", path.join(outDir, "tsconfig.json")],
        {
          cwd: root,
          maxBuffer: 16 * 1024 * 1024
        },
        (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : (error.code as number), output: stdout + stderr })
      )
    })
    assert.strictEqual(result.output.trim(), "")
    assert.strictEqual(result.code, 0)
  }, 180_000)
})

// the blocks' own tests run as tests of this file
for (const file of files) await import(pathToFileURL(file).href)
