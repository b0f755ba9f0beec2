/**
 * The sampler's own random source: xoshiro128** seeded through splitmix32, so a seed gives the
 * same stream on every platform and backend (Math.random cannot be seeded).
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed?: number) {
    this.seed(seed ?? randomSeed());
  }

  /** Restart the stream; any finite number is accepted (integers up to 2^53 keep all their bits). */
  seed(seed: number): void {
    let lo = seed >>> 0;
    let hi = Math.floor(seed / 4294967296) >>> 0;
    const next = (): number => {
      // splitmix32 over the two halves of the seed.
      lo = (lo + 0x9e3779b9) | 0;
      let z = lo ^ Math.imul(hi, 0x85ebca6b);
      hi = (hi + 0x632be5ab) | 0;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A uniform unsigned 32-bit integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 52);
}
