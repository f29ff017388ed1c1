// Exact percentiles over every sample (no buckets). Pure.

/**
 * Nearest-rank percentile: the smallest sample such that at least p% of samples are ≤ it.
 * Always an observed value, so it can be checked by hand against the log.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[Math.min(n, rank) - 1];
}

/** A growable list of numbers that sorts once, for large logs without per-sample objects. Float32 keeps
 * millisecond timings exact to far below a microsecond and halves the memory of a million samples. */
export class Samples {
  private buf = new Float32Array(64);
  private n = 0;

  push(v: number): void {
    if (this.n === this.buf.length) {
      const next = new Float32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = v;
  }

  get size(): number {
    return this.n;
  }

  quantiles(): { p50?: number; p95?: number; p99?: number } {
    return quantilesInPlace(this.buf.subarray(0, this.n));
  }
}

/** p50/p95/p99 (nearest rank) of the samples in `view`, which is reordered. */
export function quantilesInPlace(view: Float32Array): { p50?: number; p95?: number; p99?: number } {
  const n = view.length;
  if (n === 0) return {};
  // Float32 storage: round back to the 0.001 ms the log is written with.
  const r = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 1000) / 1000);
  // Three selections instead of a full sort: each leaves everything left of rank k ≤ it, so the next
  // (higher) rank only needs the part to its right. Same nearest-rank values as sorting.
  const rank = (p: number) => Math.min(n, Math.max(1, Math.ceil((p / 100) * n))) - 1;
  const k50 = rank(50);
  const k95 = rank(95);
  const k99 = rank(99);
  select(view, k50, 0);
  select(view, k95, k50);
  select(view, k99, k95);
  return { p50: r(view[k50]), p95: r(view[k95]), p99: r(view[k99]) };
}

/** Hoare quickselect: afterwards a[k] holds the value of rank k, smaller values left of it, larger right. */
export function select(a: Float32Array, k: number, from = 0, to = a.length - 1): void {
  let lo = from;
  let hi = to;
  while (hi > lo) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/**
 * Counts in log-linear buckets, so a reader's memory does not grow with the log (a year of lines has as
 * many buckets as an hour). Values are kept in units of 0.1 ms, the resolution the log is written with:
 * below 204.8 ms every unit is its own bucket (exact); above, a bucket spans 1/1024 of its value or less
 * (HDR-style, 11 significant bits), so a reported percentile is within 0.05 % of the exact one. Buckets
 * come in blocks of 1024 counts, made when first used. Nearest-rank, as percentile() above.
 */
export class LogHistogram {
  private static readonly LINEAR = 2048;
  private static readonly HALF = 1024;
  /** 2048 linear units, then one block of 1024 per power of two up to 2^31 units (~60 hours). */
  private readonly blocks: (Uint32Array | undefined)[] = new Array(2 + 21);
  private n = 0;

  get size(): number {
    return this.n;
  }

  /** The bucket a value (ms) falls in. */
  static indexOf(ms: number): number {
    const u = Math.min(Math.max(Math.round(ms * 10), 0), 0x7fffffff);
    if (u < LogHistogram.LINEAR) return u;
    const msb = 31 - Math.clz32(u);
    const shift = msb - 10;
    return LogHistogram.LINEAR + (msb - 11) * LogHistogram.HALF + ((u >>> shift) - LogHistogram.HALF);
  }

  /** The value (ms) a bucket stands for: exact below 204.8 ms, else the unit at or just below its middle
   * (so a bucket two units wide reports its first, a value the log can hold). */
  static valueOf(index: number): number {
    if (index < LogHistogram.LINEAR) return index / 10;
    const k = index - LogHistogram.LINEAR;
    const shift = Math.floor(k / LogHistogram.HALF) + 1;
    const low = (LogHistogram.HALF + (k % LogHistogram.HALF)) * 2 ** shift;
    return (low + Math.floor((2 ** shift - 1) / 2)) / 10;
  }

  push(ms: number): void {
    const i = LogHistogram.indexOf(ms);
    const b = i >>> 10;
    const block = (this.blocks[b] ??= new Uint32Array(LogHistogram.HALF));
    block[i & 1023]!++;
    this.n++;
  }

  /** Adds another histogram's counts (a copy made by structuredClone will do: only its fields are read). */
  absorb(other: LogHistogram): void {
    other.blocks.forEach((block, b) => {
      if (!block) return;
      const mine = (this.blocks[b] ??= new Uint32Array(LogHistogram.HALF));
      for (let j = 0; j < block.length; j++) mine[j]! += block[j]!;
    });
    this.n += other.n;
  }

  /** Nearest-rank percentile (p in 0–100); undefined when empty. */
  percentile(p: number): number | undefined {
    if (this.n === 0) return undefined;
    const rank = Math.min(this.n, Math.max(1, Math.ceil((p / 100) * this.n)));
    let seen = 0;
    for (let b = 0; b < this.blocks.length; b++) {
      const block = this.blocks[b];
      if (!block) continue;
      for (let j = 0; j < block.length; j++) {
        seen += block[j]!;
        if (seen >= rank) return LogHistogram.valueOf((b << 10) + j);
      }
    }
    return undefined;
  }

  quantiles(): { p50?: number; p95?: number; p99?: number } {
    if (this.n === 0) return {};
    return { p50: this.percentile(50), p95: this.percentile(95), p99: this.percentile(99) };
  }
}
