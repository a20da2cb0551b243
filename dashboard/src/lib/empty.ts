/**
 * Honest empty states: when the API has nothing to show, the page says so and says what makes data
 * appear — it never fills the gap with sample values. Pure decisions over the API's answers.
 */
import type { HistoryKind } from './api.ts';
import type { ModelsResponse, RegimesResponse, StatusResponse, TimelineResponse } from './types.ts';

export interface EmptyState {
  kind: 'no-model' | 'no-symbols' | 'no-data' | 'empty-range' | 'no-records';
  message: string;
}

/** Said when the API has no model and gave no message of its own. */
export const NO_MODEL_MESSAGE =
  'No model yet — drop a market CSV into the bronze bucket (e.g. aws s3 cp prices.csv s3://<bronze>/market_data/) and the pipeline trains one.';

/** Home: no model (the API's own explanation first), or a model that knows no symbol. */
export function homeEmptyState(status: StatusResponse, regimes: RegimesResponse): EmptyState | null {
  if (status.emptyState) return { kind: 'no-model', message: status.emptyState };
  if (regimes.modelVersion === null || status.production === null)
    return { kind: 'no-model', message: NO_MODEL_MESSAGE };
  if (regimes.symbols.length === 0) {
    return {
      kind: 'no-symbols',
      message: `Model ${regimes.modelVersion} is in production but knows no symbol yet.`,
    };
  }
  return null;
}

/** Pages that need a model version (Markov chain, metrics): none registered yet. */
export function modelsEmptyState(models: ModelsResponse, status: StatusResponse | null): EmptyState | null {
  if (models.versions.length > 0) return null;
  return { kind: 'no-model', message: status?.emptyState ?? NO_MODEL_MESSAGE };
}

/** The timeline: no symbol at all, or no row in the chosen date range. */
export function timelineEmptyState(
  symbols: readonly string[],
  timeline: TimelineResponse | null,
  range: { from: string | null; to: string | null },
  status: StatusResponse | null,
): EmptyState | null {
  if (symbols.length === 0) {
    return { kind: 'no-data', message: status?.emptyState ?? NO_MODEL_MESSAGE };
  }
  if (timeline === null || timeline.rows.length > 0) return null;
  if (range.from !== null || range.to !== null) {
    const between = `${range.from ?? 'the first day'} and ${range.to ?? 'the last day'}`;
    return {
      kind: 'empty-range',
      message: `No gold rows for ${timeline.symbol} between ${between}. Widen the date range.`,
    };
  }
  return { kind: 'no-data', message: `No gold rows for ${timeline.symbol} yet.` };
}

const HISTORY_EMPTY: Record<HistoryKind, string> = {
  alerts:
    'No alert has been raised. Alerts appear here when data is rejected, quality falls below a gate, drift is found, accuracy drops, or a model is promoted or rolled back.',
  drift:
    'No drift check has been recorded yet. A drift check compares the newest gold rows of each symbol with the production model (once there is one).',
  quality:
    'No data-quality record yet. Each pipeline run records the quality of its bronze, silver and gold layers — drop a market CSV into the bronze bucket to start one.',
  abtests:
    'No A/B test has been evaluated. A test starts when a retrained model becomes the candidate next to production.',
  jobs: 'No retraining job has run yet.',
  events: 'No model has been registered yet, so no promotion or rollback either.',
};

/** The empty-state message of a history list. */
export function historyEmptyState(kind: HistoryKind, count: number): EmptyState | null {
  return count > 0 ? null : { kind: 'no-records', message: HISTORY_EMPTY[kind] };
}
