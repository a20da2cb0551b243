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
