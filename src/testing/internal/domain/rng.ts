/**
 * Deterministic randomness for LocalMaster. Every random choice (searcher samples, trial seeds, uuids, tokens,
 * metric noise) comes from here, seeded from `Options.seed`, so a given seed and a given sequence of requests
 * and clock times always produce the same world.
 *
 * The generator is `sfc32` seeded through `cyrb128`-style string hashing; it is *not* the MT19937 of the real
 * master, so LocalMaster's random searches do not reproduce a real master's samples for the same seed.
 *
 * @internal
 */

/** 32-bit string hash (FNV-1a, then avalanche). @internal */
export const hash32 = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** A uniform number in [0, 1) that depends only on its key. @internal */
export const hashUnit = (key: string): number => hash32(key) / 4294967296

/** A seeded PRNG (sfc32). @internal */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: string | number) {
    const s = String(seed)
    this.a = hash32(`a:${s}`)
    this.b = hash32(`b:${s}`)
    this.c = hash32(`c:${s}`)
    this.d = hash32(`d:${s}`)
    for (let i = 0; i < 12; i++) this.next32()
  }

  next32(): number {
    this.a >>>= 0
    this.b >>>= 0
    this.c >>>= 0
    this.d >>>= 0
    let t = (this.a + this.b) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.d = (this.d + 1) | 0
    t = (t + this.d) | 0
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.next32() / 4294967296
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + this.next() * (max - min)
  }

  hex(n: number): string {
    let s = ""
    for (let i = 0; i < n; i++) s += "0123456789abcdef"[this.int(16)]
    return s
  }

  /** A version-4 UUID string. */
  uuid(): string {
    const h = this.hex(32).split("")
    h[12] = "4"
    h[16] = "89ab"[this.int(4)]!
    const s = h.join("")
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
  }

  alnumUpper(n: number): string {
    const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    let s = ""
    for (let i = 0; i < n; i++) s += chars[this.int(chars.length)]
    return s
  }
}
