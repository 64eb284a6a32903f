// Writes this project's package-lock.json from the root project's lock, so that `npm ci --offline` installs it
// from the npm cache the root's `npm ci` filled: the same versions of effect, vitest, typescript, ... and the
// packed effect-determined.tgz (its integrity computed here). No registry is asked for anything.
//
// A lock is needed because an offline install without one must resolve version ranges from registry metadata,
// which a fresh machine's cache may not hold; and it is generated, not committed, so it cannot drift from the
// root's when the root's dependencies change.
import { createHash } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { execFileSync } from "node:child_process"

const here = new URL(".", import.meta.url)
const rootLock = JSON.parse(readFileSync(new URL("../../package-lock.json", here), "utf8"))
const pkg = JSON.parse(readFileSync(new URL("package.json", here), "utf8"))
const tarballPath = new URL("effect-determined.tgz", here)
const tarball = readFileSync(tarballPath)
const integrity = `sha512-${createHash("sha512").update(tarball).digest("base64")}`
// the packed package.json: its dependencies and peers are what npm resolves, exactly as for a user
const packed = JSON.parse(
  execFileSync("tar", ["-xzOf", tarballPath.pathname, "package/package.json"], { encoding: "utf8" })
)

const rootPackages = rootLock.packages
const registry = (process.env.npm_config_registry ?? "https://registry.npmjs.org/").replace(/\/+$/, "")
/** Node's lookup: from `node_modules/a/node_modules/b`, the nearest `node_modules/<name>` upwards. */
const resolve = (from, name) => {
  let dir = from
  for (;;) {
    const candidate = dir === "" ? `node_modules/${name}` : `${dir}/node_modules/${name}`
    if (rootPackages[candidate] !== undefined) return candidate
    if (dir === "") return undefined
    const i = dir.lastIndexOf("/node_modules/")
    dir = i < 0 ? "" : dir.slice(0, i)
  }
}

const packages = {
  "": {
    name: pkg.name,
    dependencies: pkg.dependencies,
    devDependencies: pkg.devDependencies
  },
  "node_modules/effect-determined": {
    version: packed.version,
    resolved: "file:effect-determined.tgz",
    integrity,
    license: packed.license,
    dependencies: packed.dependencies,
    peerDependencies: packed.peerDependencies,
    engines: packed.engines,
    bin: packed.bin
  }
}
const missing = []
const visit = (from, deps, optional = {}) => {
  for (const name of [...Object.keys(deps ?? {}), ...Object.keys(optional)]) {
    const at = resolve(from, name)
    if (at === undefined) {
      if (!(name in optional)) missing.push(`${name} (from ${from || "the project"})`)
      continue
    }
    if (packages[at] !== undefined) continue
    const entry = { ...rootPackages[at] }
    // flags of the root's tree (dev, optional, peer) are recomputed by npm; keep the facts
    delete entry.dev
    delete entry.devOptional
    delete entry.peer
    // the tarball's address, so that npm finds it in the cache by integrity without asking for registry metadata
    if (entry.resolved === undefined && entry.link !== true && entry.version !== undefined) {
      const name = entry.name ?? at.slice(at.lastIndexOf("node_modules/") + "node_modules/".length)
      entry.resolved = `${registry}/${name}/-/${name.split("/").pop()}-${entry.version}.tgz`
    }
    packages[at] = entry
    visit(at, { ...entry.dependencies, ...requiredPeers(entry) }, { ...entry.optionalDependencies, ...optionalPeers(entry) })
  }
}
const isOptionalPeer = (entry, name) => entry.peerDependenciesMeta?.[name]?.optional === true
const requiredPeers = (entry) =>
  Object.fromEntries(Object.entries(entry.peerDependencies ?? {}).filter(([name]) => !isOptionalPeer(entry, name)))
/** Optional peers: in the lock when the root installed them, left out otherwise. */
const optionalPeers = (entry) =>
  Object.fromEntries(Object.entries(entry.peerDependencies ?? {}).filter(([name]) => isOptionalPeer(entry, name)))
const direct = { ...pkg.dependencies, ...pkg.devDependencies }
delete direct["effect-determined"]
visit("", direct)
visit("node_modules/effect-determined", { ...packed.dependencies, ...packed.peerDependencies })
// platform-specific optional packages the root's lock lists but this machine did not install are fine to list:
// npm skips those whose os/cpu do not match. A required package missing from the root's lock is not.
if (missing.length > 0) {
  console.error(`offline-lock: not in the root's package-lock.json: ${missing.join(", ")}`)
  process.exit(1)
}
const sorted = Object.fromEntries(Object.keys(packages).sort().map((k) => [k, packages[k]]))
writeFileSync(
  new URL("package-lock.json", here),
  `${JSON.stringify({ name: pkg.name, lockfileVersion: 3, requires: true, packages: sorted }, null, 2)}\n`
)
console.log(`offline-lock: ${Object.keys(sorted).length - 1} packages, effect-determined ${packed.version} (${integrity.slice(0, 20)}...)`)
