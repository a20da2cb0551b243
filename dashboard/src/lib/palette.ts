/** Colours of regimes and severities, shared by charts, badges and legends (pure). */

/** Low → green, Medium → amber, High → red for three regimes; evenly spread hues otherwise. */
export function regimeColor(state: number, states: number): string {
  if (states === 3) return ['#2e7d32', '#b26a00', '#c62828'][state] ?? '#666666';
  if (states <= 1) return '#2e7d32';
  const hue = Math.round(130 - (130 * Math.min(Math.max(state, 0), states - 1)) / (states - 1));
  return `hsl(${hue} 65% 35%)`;
}

/** Lighter, more distinct hues for the translucent bands behind the price (Low, Medium, High). */
export function regimeBandColor(state: number, states: number): string {
  if (states === 3) return ['#43a047', '#fbc02d', '#e53935'][state] ?? '#9e9e9e';
  return regimeColor(state, states);
}

/** A colour with an alpha (for the translucent regime bands behind the price). */
export function withAlpha(hex: string, alpha: number): string {
  const hsl = /^hsl\(([^/)]+)\)$/.exec(hex);
  if (hsl) return `hsl(${hsl[1]!.trim()} / ${alpha})`;
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return hex;
  const n = Number.parseInt(m[1]!, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Series colours of the forecasters compared on the metrics page. */
export const FORECASTER_COLORS = {
  model: '#1f5fbf',
  persistence: '#7b1fa2',
  climatology: '#6d6d6d',
  hmm: '#00838f',
} as const;

export const LAYER_COLORS = { bronze: '#8d5524', silver: '#607d8b', gold: '#b8860b' } as const;
