/**
 * Model definitions: the master packs CreateExperiment's `modelDefinition` files into a .tar.gz
 * (GetModelDef's `b64Tgz`) and serves a file tree. The tar is built in memory with `tar`'s header encoder.
 *
 * @internal
 */
import { gzipSync } from "node:zlib"
import { Header } from "tar"
import type { ModelFile } from "./domain/store.js"
import type { JsonObject } from "./json.js"
import { timestamp } from "./wire.js"

/** @internal */
export const buildTgz = (files: ReadonlyArray<ModelFile>): Uint8Array => {
  const blocks: Array<Buffer> = []
  for (const f of files) {
    const dir = f.type === 53
    const header = new Header({
      path: dir && !f.path.endsWith("/") ? `${f.path}/` : f.path,
      mode: f.mode & 0o7777,
      uid: f.uid,
      gid: f.gid,
      size: dir ? 0 : f.content.length,
      mtime: new Date(f.mtime * 1000),
      type: dir ? "Directory" : "File",
      uname: "",
      gname: ""
    })
    header.encode()
    blocks.push(header.block!)
    if (!dir && f.content.length > 0) {
      blocks.push(Buffer.from(f.content))
      const pad = (512 - (f.content.length % 512)) % 512
      if (pad > 0) blocks.push(Buffer.alloc(pad))
    }
  }
  blocks.push(Buffer.alloc(1024))
  return gzipSync(Buffer.concat(blocks))
}

/** `FileNode` tree of the model definition (directories first level by path). @internal */
export const fileTree = (files: ReadonlyArray<ModelFile>): Array<JsonObject> => {
  type Node = { json: JsonObject; children: Array<Node> }
  const root: Array<Node> = []
  const dirs = new Map<string, Node>()
  const sorted = [...files].sort((a, b) => a.path.localeCompare(b.path))
  const ensureDir = (path: string, mtime: number): Array<Node> => {
    if (path === "") return root
    const existing = dirs.get(path)
    if (existing !== undefined) return existing.children
    const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ""
    const node: Node = {
      json: {
        path,
        name: path.slice(path.lastIndexOf("/") + 1),
        modifiedTime: timestamp(mtime * 1000),
        contentLength: 0,
        isDir: true,
        contentType: "",
        files: []
      },
      children: []
    }
    dirs.set(path, node)
    ensureDir(parent, mtime).push(node)
    return node.children
  }
  for (const f of sorted) {
    const path = f.path.replace(/\/+$/, "")
    if (f.type === 53) {
      ensureDir(path, f.mtime)
      continue
    }
    const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ""
    ensureDir(parent, f.mtime).push({
      json: {
        path,
        name: path.slice(path.lastIndexOf("/") + 1),
        modifiedTime: timestamp(f.mtime * 1000),
        contentLength: f.content.length,
        isDir: false,
        contentType: contentTypeOf(path),
        files: []
      },
      children: []
    })
  }
  const render = (nodes: Array<Node>): Array<JsonObject> => nodes.map((n) => ({ ...n.json, files: render(n.children) }))
  return render(root)
}

const contentTypeOf = (path: string): string => {
  if (path.endsWith(".py")) return "text/x-python"
  if (path.endsWith(".yaml") || path.endsWith(".yml")) return "application/x-yaml"
  if (path.endsWith(".json")) return "application/json"
  if (path.endsWith(".md") || path.endsWith(".txt")) return "text/plain; charset=utf-8"
  return "application/octet-stream"
}
