/** Model evaluation (DOMAIN §5): walk-forward folds, metrics, baselines and calibration. */
export * from './baselines.ts';
export * from './calibration.ts';
export * from './errors.ts';
export * from './evaluate.ts';
export * from './folds.ts';
export * from './horizon-backtest.ts';
export * from './horizon-data.ts';
export * from './horizon-forecasters.ts';
export * from './horizon-serving.ts';
export * from './markov-fit.ts';
export * from './metrics.ts';
export * from './pairs.ts';
export * from './types.ts';
