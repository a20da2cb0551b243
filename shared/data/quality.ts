/** Data quality per layer (DOMAIN §7): four components in [0, 1], their mean as a percentage, a gate. */

export type Layer = 'bronze' | 'silver' | 'gold';

export interface QualityComponents {
  /** Share of required cells that are present (not null / not imputed). */
  completeness: number;
  /** Share of rows that pass the type, range and consistency rules. */
  validity: number;
  /** 1 − the share of rows that repeat an earlier (symbol, date). */
  uniqueness: number;
  /** Mean of the share of rows not dated in the future and the share of consecutive rows in order. */
  timeliness: number;
}

export interface LayerQuality extends QualityComponents {
  layer: Layer;
  rows: number;
  /** Mean of the four components, in percent. */
  score: number;
  /** The gate in percent (config quality.gates). */
  gate: number;
  passed: boolean;
}

export function layerQuality(layer: Layer, gate: number, rows: number, c: QualityComponents): LayerQuality {
  const score = ((c.completeness + c.validity + c.uniqueness + c.timeliness) / 4) * 100;
  return { layer, rows, ...c, score, gate, passed: score >= gate };
}

/** Counts, over sorted series, the rows dated after the run day, repeating the previous day, or earlier than it. */
export function dayOrderCounts(
  series: readonly { length: number; day: Int32Array }[],
  runDay: number,
): { future: number; repeats: number; outOfOrder: number } {
  let future = 0;
  let repeats = 0;
  let outOfOrder = 0;
  for (const s of series) {
    for (let i = 0; i < s.length; i++) {
      const d = s.day[i]!;
      if (d > runDay) future++;
      if (i > 0 && d === s.day[i - 1]) repeats++;
      if (i > 0 && d < s.day[i - 1]!) outOfOrder++;
    }
  }
  return { future, repeats, outOfOrder };
}

/**
 * Row counts behind a silver or gold score, summed over series one at a time (the streaming
 * pipeline never holds every series): each component is 1 − its share of rows.
 */
export interface QualityCounts {
  rows: number;
  /** Rows counted against completeness. */
  incomplete: number;
  /** Rows counted against validity. */
  invalid: number;
  /** Rows dated after the run day. */
  future: number;
  /** Rows repeating the previous row's day. */
  repeats: number;
  /** Rows dated before the previous row. */
  outOfOrder: number;
}

export const NO_ROWS: QualityCounts = {
  rows: 0,
  incomplete: 0,
  invalid: 0,
  future: 0,
  repeats: 0,
  outOfOrder: 0,
};

export function addCounts(a: QualityCounts, b: QualityCounts): QualityCounts {
  return {
    rows: a.rows + b.rows,
    incomplete: a.incomplete + b.incomplete,
    invalid: a.invalid + b.invalid,
    future: a.future + b.future,
    repeats: a.repeats + b.repeats,
    outOfOrder: a.outOfOrder + b.outOfOrder,
  };
}

/** The layer score of the counts: each component is 1 − its share of rows (0 with no rows). */
export function countsQuality(layer: Layer, gate: number, c: QualityCounts): LayerQuality {
  const share = (k: number) => (c.rows === 0 ? 0 : 1 - k / c.rows);
  return layerQuality(layer, gate, c.rows, {
    completeness: share(c.incomplete),
    validity: share(c.invalid),
    uniqueness: share(c.repeats),
    timeliness: (share(c.future) + share(c.outOfOrder)) / 2,
  });
}
