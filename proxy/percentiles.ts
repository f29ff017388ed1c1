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

/** A growable list of numbers that sorts once, for large logs without per-sample objects. */
export class Samples {
  private buf = new Float64Array(64);
  private n = 0;
  private sorted = true;

  push(v: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = v;
    this.sorted = false;
  }

  get size(): number {
    return this.n;
  }

  quantiles(): { p50?: number; p95?: number; p99?: number } {
    if (this.n === 0) return {};
    const view = this.buf.subarray(0, this.n);
    if (!this.sorted) {
      view.sort();
      this.sorted = true;
    }
    return { p50: percentile(view, 50), p95: percentile(view, 95), p99: percentile(view, 99) };
  }
}
