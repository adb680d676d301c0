// Order statistics for the bench: medians and the 10th/90th percentiles of samples, and paired
// ratios (per round, wasm and its comparison measured back to back, so machine noise mostly cancels).

export interface Summary {
  n: number;
  median: number;
  p10: number;
  p90: number;
  min: number;
  max: number;
}

/** The q-quantile (0..1) of sorted values, interpolated linearly between neighbours. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, median: quantile(s, 0.5), p10: quantile(s, 0.1), p90: quantile(s, 0.9), min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN };
}

export const median = (xs: readonly number[]): number => quantile([...xs].sort((a, b) => a - b), 0.5);

/**
 * Paired ratio a/b: the median over rounds of median(a's samples in round i) / median(b's samples in
 * round i), with the 10th and 90th percentiles of those per-round ratios.
 */
export function pairedRatio(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): Summary | null {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i].length && b[i].length) ratios.push(median(a[i]) / median(b[i]));
  }
  return ratios.length ? summarize(ratios) : null;
}

/** A scenario's figure by its position in the round (0 = measured first), and how far it moves. */
export interface PositionCheck {
  /** Median of the batch medians measured at each position (null: never measured there). */
  byPosition: (number | null)[];
  /** (highest - lowest position figure) / the median of all batches. */
  spread: number;
}

/** Positions whose figures differ by more than this share of the median are flagged (never failed). */
export const POSITION_TOLERANCE = 0.15;

export function positionCheck(batches: readonly { pos: number; median: number }[], positions: number): PositionCheck {
  const byPosition: (number | null)[] = Array.from({ length: positions }, (_, p) => {
    const at = batches.filter(b => b.pos === p).map(b => b.median);
    return at.length ? median(at) : null;
  });
  const seen = byPosition.filter((x): x is number => x !== null);
  const spread = seen.length > 1 ? (Math.max(...seen) - Math.min(...seen)) / median(batches.map(b => b.median)) : 0;
  return { byPosition, spread };
}

/** The order of round `r`: the list rotated by r, so over `length` rounds each item is at each position once. */
export function rotated<T>(items: readonly T[], r: number): T[] {
  const k = r % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
