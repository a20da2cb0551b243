import { describe, expect, it } from 'vitest';
import { climatologyFit, persistenceFit } from '#shared/evaluation/baselines';
import { EvaluationInputError } from '#shared/evaluation/errors';
import { markovFit } from '#shared/evaluation/markov-fit';
import type { TransitionPairs } from '#shared/evaluation/types';

const pairsOf = (from: number[], to: number[]): TransitionPairs => ({
  from: Int32Array.from(from),
  to: Int32Array.from(to),
});

describe('persistenceFit', () => {
  it('gives the current state 1 − (K−1)ε and every other state ε', () => {
    const predict = persistenceFit(1e-6)(pairsOf([], []), 3);
    expect(Array.from(predict(1))).toEqual([1e-6, 1 - 2e-6, 1e-6]);
  });

  it('defaults to ε = 1e-6', () => {
    expect(Array.from(persistenceFit()(pairsOf([], []), 2)(0))).toEqual([1 - 1e-6, 1e-6]);
  });

  it('rejects an ε that would not keep the current state most likely', () => {
    expect(() => persistenceFit(0.5)(pairsOf([], []), 3)).toThrow(EvaluationInputError);
  });
});

describe('climatologyFit', () => {
  it('forecasts the unsmoothed next-state frequencies, whatever the current state', () => {
    const predict = climatologyFit()(pairsOf([0, 0, 1, 2], [1, 1, 1, 0]), 3);
    expect(Array.from(predict(0))).toEqual([0.25, 0.75, 0]);
    expect(Array.from(predict(2))).toEqual([0.25, 0.75, 0]);
  });

  it('rejects an empty training set', () => {
    expect(() => climatologyFit()(pairsOf([], []), 3)).toThrow(EvaluationInputError);
  });
});

describe('markovFit', () => {
  const train = pairsOf([0, 0, 0, 1, 1], [0, 1, 1, 2, 2]);

  it('smooths counts with α: P_ij = (C_ij + α) / (Σ_k C_ik + Kα)', () => {
    const predict = markovFit(1)(train, 3);
    expect(Array.from(predict(0))).toEqual([2 / 6, 3 / 6, 1 / 6]);
    expect(Array.from(predict(1))).toEqual([1 / 5, 1 / 5, 3 / 5]);
  });

  it('gives a never-seen state the uniform row under α = 1 smoothing', () => {
    expect(Array.from(markovFit(1)(train, 3)(2))).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('is the MLE at α = 0, with a uniform row for a state never seen as s_t', () => {
    const predict = markovFit(0)(train, 3);
    expect(Array.from(predict(0))).toEqual([1 / 3, 2 / 3, 0]);
    expect(Array.from(predict(2))).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('rejects a negative α', () => {
    expect(() => markovFit(-1)).toThrow(EvaluationInputError);
  });

  it('rejects a training state outside [0, K)', () => {
    expect(() => markovFit(1)(pairsOf([0], [3]), 3)).toThrow(EvaluationInputError);
  });
});
