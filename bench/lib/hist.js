/**
 * Fixed-bucket latency histogram in milliseconds: 0.01 ms buckets below 1 s, 10 ms buckets
 * from 1 s to ~1000 s. Constant memory whatever the sample count; mergeable across processes.
 */
const FINE = 100_000; // 0..1000 ms at 0.01 ms
const COARSE = 100_000; // 1000 ms.. at 10 ms
const SIZE = FINE + COARSE;

export class Histogram {
  constructor() {
    this.counts = new Uint32Array(SIZE);
    this.reset();
  }

  reset() {
    this.counts.fill(0);
    this.n = 0;
    this.negative = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.sum = 0;
  }

  record(ms) {
    if (ms !== ms) return; // NaN: malformed stamp
    this.n++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
    let i;
    if (ms < 0) {
      this.negative++; // clock skew between processes; counted in bucket 0
      i = 0;
    } else if (ms < 1000) {
      i = (ms * 100) | 0;
    } else {
      i = FINE + Math.min(COARSE - 1, ((ms - 1000) / 10) | 0);
    }
    this.counts[i]++;
  }

  /** Sparse, structured-clone friendly form. */
  export() {
    const idx = [];
    const cnt = [];
    for (let i = 0; i < SIZE; i++) {
      if (this.counts[i] !== 0) {
        idx.push(i);
        cnt.push(this.counts[i]);
      }
    }
    return { idx, cnt, n: this.n, negative: this.negative, min: this.min, max: this.max, sum: this.sum };
  }

  merge(e) {
    for (let k = 0; k < e.idx.length; k++) this.counts[e.idx[k]] += e.cnt[k];
    this.n += e.n;
    this.negative += e.negative;
    this.sum += e.sum;
    if (e.min < this.min) this.min = e.min;
    if (e.max > this.max) this.max = e.max;
  }

  /** Upper edge of the bucket holding quantile q (0..1), clamped to the observed max. */
  quantile(q) {
    if (this.n === 0) return null;
    const target = Math.max(1, Math.ceil(q * this.n));
    let acc = 0;
    for (let i = 0; i < SIZE; i++) {
      acc += this.counts[i];
      if (acc >= target) {
        const upper = i < FINE ? (i + 1) / 100 : 1000 + (i - FINE + 1) * 10;
        return Math.min(upper, this.max);
      }
    }
    return this.max;
  }

  summary() {
    if (this.n === 0) return { n: 0 };
    return {
      n: this.n,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      p999: this.quantile(0.999),
      min: this.min,
      max: this.max,
      mean: this.sum / this.n,
      negative: this.negative,
    };
  }
}
