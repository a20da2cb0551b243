/**
 * Property tests explore random inputs locally; in CI (CI=true) they replay a fixed seed so a run is
 * reproducible. Set FC_SEED to replay a failure seen elsewhere.
 */
import fc from 'fast-check';

const seed = process.env.FC_SEED ?? (process.env.CI ? '20261126' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
