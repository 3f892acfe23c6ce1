/**
 * A percentile-bootstrap confidence interval for a median: how far the median of paired-block
 * ratios could move by chance, given the spread of the blocks. The resampling is seeded, so the
 * same run prints the same interval.
 */
import { seededRandom } from './random.js';

function medianOfSorted(v) {
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/**
 * [low, high] bounds of the median of `values` at `confidence` (default 0.95), from
 * `resamples` (default 2,000) resamples with replacement; null for fewer than 10 values.
 */
export function medianInterval(values, { confidence = 0.95, resamples = 2000, seed = 1 } = {}) {
  const xs = values.filter((x) => x != null && Number.isFinite(x));
  if (xs.length < 10) return null;
  const random = seededRandom(seed);
  const medians = new Float64Array(resamples);
  const sample = new Float64Array(xs.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < xs.length; i++) sample[i] = xs[Math.floor(random() * xs.length)];
    sample.sort();
    medians[r] = medianOfSorted(sample);
  }
  medians.sort();
  const tail = (1 - confidence) / 2;
  return [medians[Math.floor(tail * (resamples - 1))], medians[Math.ceil((1 - tail) * (resamples - 1))]];
}
