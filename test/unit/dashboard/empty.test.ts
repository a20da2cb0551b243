import { describe, expect, test } from 'vitest';
import {
  historyEmptyState,
  homeEmptyState,
  modelsEmptyState,
  NO_MODEL_MESSAGE,
  timelineEmptyState,
} from '../../../dashboard/src/lib/empty.ts';
import type { RegimesResponse, StatusResponse } from '../../../dashboard/src/lib/types.ts';

const pointer = {
  version: 'v1',
  revision: 1,
  previousVersion: null,
  updatedAt: '2026-11-26T00:00:00Z',
  reason: 'first model',
};
const status = (over: Partial<StatusResponse> = {}): StatusResponse => ({
  production: pointer,
  candidate: null,
  models: 1,
  symbols: 1,
  lastQualityRecord: null,
  latestAlerts: [],
  emptyState: null,
  ...over,
});
const interval = { probability: 0.1, lower: 0.05, upper: 0.2 };
const regimes = (
  symbols: RegimesResponse['symbols'],
  modelVersion: string | null = 'v1',
): RegimesResponse => ({
  modelVersion,
  labels: ['Low', 'Medium', 'High'],
  symbols,
});

describe('empty states', () => {
  test('without a model, Home shows the API’s own explanation', () => {
    const message = 'No model yet — drop a market CSV into the bronze bucket …';
    expect(homeEmptyState(status({ production: null, emptyState: message }), regimes([], null))).toEqual({
      kind: 'no-model',
      message,
    });
  });

  test('without a model and without a message, Home says how to get one', () => {
    expect(homeEmptyState(status({ production: null }), regimes([], null))).toEqual({
      kind: 'no-model',
      message: NO_MODEL_MESSAGE,
    });
    expect(NO_MODEL_MESSAGE).toContain('aws s3 cp');
  });

  test('a model that knows no symbol is said so; with symbols there is no empty state', () => {
    expect(homeEmptyState(status(), regimes([]))?.kind).toBe('no-symbols');
    const row = {
      symbol: 'SPX',
      date: '2020-04-17',
      regime: 'High',
      highWithin5: interval,
      highWithin21: interval,
    };
    expect(homeEmptyState(status(), regimes([row]))).toBeNull();
  });

  test('model pages are empty only when no version is registered', () => {
    expect(modelsEmptyState({ production: null, candidate: null, versions: [] }, null)).toEqual({
      kind: 'no-model',
      message: NO_MODEL_MESSAGE,
    });
    expect(modelsEmptyState({ production: null, candidate: null, versions: [{} as never] }, null)).toBeNull();
  });

  test('an empty date range says which range, and no symbol at all says how to add data', () => {
    const timeline = { symbol: 'SPX', labels: ['Low', 'Medium', 'High'], rows: [] };
    expect(timelineEmptyState(['SPX'], timeline, { from: '1990-01-01', to: null }, null)).toEqual({
      kind: 'empty-range',
      message: 'No gold rows for SPX between 1990-01-01 and the last day. Widen the date range.',
    });
    expect(timelineEmptyState([], null, { from: null, to: null }, null)?.kind).toBe('no-data');
    expect(
      timelineEmptyState(
        ['SPX'],
        { ...timeline, rows: [{ date: '2020-01-02', price: 1, riskScore: 0.1, state: 0 }] },
        { from: null, to: null },
        null,
      ),
    ).toBeNull();
  });

  test('history lists explain what fills them, and are not empty once they have items', () => {
    expect(historyEmptyState('abtests', 0)?.message).toMatch(/candidate/);
    expect(historyEmptyState('quality', 0)?.message).toMatch(/bronze/);
    expect(historyEmptyState('alerts', 3)).toBeNull();
  });
});
