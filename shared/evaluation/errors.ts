/** Errors of the evaluation module. Callers map them with `instanceof`, never by message text. */

/** An input to an evaluation function is malformed (wrong shape, state out of range, non-finite value …). */
export class EvaluationInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EvaluationInputError';
  }
}

/** There are too few samples for the requested walk-forward folds (scikit-learn raises `ValueError` here). */
export class TooFewSamplesError extends Error {
  readonly nSamples: number;
  readonly nSplits: number;

  constructor(args: { nSamples: number; nSplits: number; message: string }, options?: ErrorOptions) {
    super(args.message, options);
    this.name = 'TooFewSamplesError';
    this.nSamples = args.nSamples;
    this.nSplits = args.nSplits;
  }
}
