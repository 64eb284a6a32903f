// Run by test/core/lazyLoad.test.ts in a child `node --import tsx`: imports the modules named on the command
// line, one after the other, and prints `{ "<module>": [packages resolved while importing it] }` for each, the
// packages seen through a resolve hook (a bare specifier's package name: `yaml`, `tar`, `@effect/platform`, …).
import { register } from "node:module"
import { MessageChannel } from "node:worker_threads"

const { port1, port2 } = new MessageChannel()
const hook = `
let port
export function initialize(data) { port = data.port }
export async function resolve(specifier, context, next) {
  if (!specifier.startsWith(".") && !specifier.startsWith("/") && !specifier.includes(":")) port.postMessage(specifier)
  return next(specifier, context)
}`
register(`data:text/javascript,${encodeURIComponent(hook)}`, { data: { port: port2 }, transferList: [port2] })

let seen = new Set()
port1.on("message", (specifier) => {
  const parts = specifier.split("/")
  seen.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0])
})
port1.unref()
const flush = () => new Promise((resolve) => setTimeout(resolve, 50))

const out = {}
for (const target of process.argv.slice(2)) {
  await import(target)
  await flush()
  out[target] = [...seen].sort()
  seen = new Set()
}
console.log(JSON.stringify(out))
