/**
 * CPU-time measurement shared by the benchmarks that quote costs per item (bench/micro.ts, bench/router.ts,
 * bench/localmaster.ts): process.cpuUsage is far less disturbed by the rest of a busy machine than wall time.
 */

/** User + system CPU of this process so far, in µs. */
export const cpuMicros = (): number => {
  const u = process.cpuUsage()
  return u.user + u.system
}

/** CPU µs per item of `f` (which handles `items` items), best of `repeat` runs after one warm-up. */
export const measure = async (items: number, f: () => Promise<unknown> | unknown, repeat = 5): Promise<number> => {
  await f()
  let best = Infinity
  for (let i = 0; i < repeat; i++) {
    const start = cpuMicros()
    await f()
    best = Math.min(best, (cpuMicros() - start) / items)
  }
  return best
}
