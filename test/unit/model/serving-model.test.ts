/**
 * The serving model: the projection of an artifact that forecasts read, its stored JSON, and the
 * checks that refuse a malformed one naming the source and the field.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { predict } from '#shared/model/predict';
import {
  parseServingModel,
  SERVING_MODEL_KIND,
  SERVING_MODEL_SCHEMA_VERSION,
  ServingModelError,
  type ServingModelRecord,
  serializeServingModel,
  servingModelOf,
} from '#shared/model/serving-model';
import { artifactLike, LABELS } from '../../helpers/serving-model.ts';

const artifact = artifactLike();
const stored = () => servingModelOf(artifact);
const roundTrip = (model: ServingModelRecord) => parseServingModel(serializeServingModel(model), 'test');

describe('servingModelOf', () => {
  test('keeps the fields a forecast reads, tagged with kind and schema version', () => {
    const model = stored();
    expect(model.kind).toBe(SERVING_MODEL_KIND);
    expect(model.schemaVersion).toBe(SERVING_MODEL_SCHEMA_VERSION);
    expect(model.version).toBe(artifact.version);
    expect(model.labels).toEqual(LABELS);
    expect(model.latest).toEqual(artifact.latest);
    expect(model.markov.transitionMatrix).toEqual(artifact.markov.transitionMatrix);
    expect(model.markov.absorbing).toEqual({
      state: artifact.markov.absorbing.state,
      expectedSteps: artifact.markov.absorbing.expectedSteps,
      reachWithin: artifact.markov.absorbing.reachWithin,
      maxHorizon: artifact.markov.absorbing.maxHorizon,
    });
  });

  test('drops everything else: reference samples, evaluation, the rest of the chain analysis', () => {
    const model = stored() as unknown as Record<string, unknown> & { markov: Record<string, unknown> };
    expect(Object.keys(model).sort()).toEqual([
      'kind',
      'labels',
      'latest',
      'markov',
      'schemaVersion',
      'version',
    ]);
    expect(Object.keys(model.markov).sort()).toEqual(['absorbing', 'posterior', 'transitionMatrix']);
    expect(Object.keys(model.markov.posterior as object).sort()).toEqual([
      'expectedSteps',
      'horizons',
      'mass',
      'reachWithin',
    ]);
  });

  test('copies the arrays: changing the projection leaves the artifact alone', () => {
    const model = stored();
    model.markov.transitionMatrix[0]![0] = 42;
    model.latest.SPX!.state = 2;
    expect(artifact.markov.transitionMatrix[0]![0]).not.toBe(42);
    expect(artifact.latest.SPX!.state).toBe(0);
  });
});

describe('forecasts from a stored serving model', () => {
  test('equal the artifact’s, for any symbol or starting regime and horizon', () => {
    const model = roundTrip(stored());
    const maxHorizon = artifact.markov.absorbing.maxHorizon;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ symbol: fc.constantFrom('SPX', 'NDX') }),
          fc.record({ regime: fc.constantFrom(...LABELS) }),
        ),
        fc.integer({ min: 1, max: maxHorizon }),
        (start, horizon) => {
          const request = { ...start, horizon };
          expect(predict(model, request)).toEqual(predict(artifact, request));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('serializeServingModel and parseServingModel', () => {
  test('round-trip a model, infinite expected steps included', () => {
    const model = stored();
    model.markov.absorbing.expectedSteps[1] = Number.POSITIVE_INFINITY;
    model.markov.posterior.expectedSteps.upper[1] = Number.POSITIVE_INFINITY;
    const text = serializeServingModel(model);
    expect(text).toContain('"Infinity"');
    expect(parseServingModel(text, 'test')).toEqual(model);
  });

  const broken = (change: (m: ServingModelRecord) => void) => {
    const model = stored();
    change(model);
    return serializeServingModel(model);
  };

  test.each([
    ['another kind', (m: ServingModelRecord) => Object.assign(m, { kind: 'other' }), /kind/],
    [
      'an unsupported schema version',
      (m: ServingModelRecord) => Object.assign(m, { schemaVersion: 2 }),
      /schemaVersion: version 2 is not supported/,
    ],
    [
      'a row that is not a distribution',
      (m: ServingModelRecord) => {
        m.markov.transitionMatrix[1]![1] = 0.5;
      },
      /markov\.transitionMatrix\.1: row 1/,
    ],
    [
      'reach probabilities short of maxHorizon',
      (m: ServingModelRecord) => {
        m.markov.absorbing.reachWithin[2]!.pop();
      },
      /markov\.absorbing\.reachWithin: must be 3×252/,
    ],
    [
      'posterior intervals of the wrong size',
      (m: ServingModelRecord) => {
        m.markov.posterior.reachWithin.upper.pop();
      },
      /markov\.posterior\.reachWithin\.upper/,
    ],
    [
      'a latest state out of range',
      (m: ServingModelRecord) => {
        m.latest.SPX!.state = 3;
      },
      /latest\.SPX\.state: must be in 0\.\.2/,
    ],
    [
      'a malformed latest date',
      (m: ServingModelRecord) => {
        m.latest.NDX!.date = '17/04/2020';
      },
      /latest\.NDX\.date/,
    ],
  ])('refuse %s, naming the source and the field', (_what, change, message) => {
    expect(() => parseServingModel(broken(change), 'SERVING/v1')).toThrowError(ServingModelError);
    expect(() => parseServingModel(broken(change), 'SERVING/v1')).toThrowError(message);
    expect(() => parseServingModel(broken(change), 'SERVING/v1')).toThrowError(/^SERVING\/v1: /);
  });

  test('refuse text that is not JSON', () => {
    expect(() => parseServingModel('{"kind":', 'SERVING/v1')).toThrowError(/SERVING\/v1: not JSON/);
  });
});
