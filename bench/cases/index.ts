/**
 * Every benchmark case, in the order they run: pipeline (bronze → gold), training (Markov fit,
 * walk-forward evaluation, trainModel, artifact), train and drift (the commands as a whole), hmm (Gaussian HMM fit), predict (/predict
 * latency in process), coldstart (Lambda bundles and their import) and http (throughput of the
 * local runtime under autocannon). To add one:
 *
 * 1. write `bench/cases/<name>.ts` with `defineCase({ name, title, measureModule, variants,
 *    prepare, figures })` — `prepare` runs in the parent and builds cached inputs (see
 *    lib/inputs.ts: `generatedBronzeFile` gives the same 1M-row file the pipeline case uses);
 * 2. write `bench/cases/<name>.measure.ts` exporting `measure: Measure<Params>`, which runs in a
 *    fresh child and returns its figures (the runtime adds peak and idle RSS);
 * 3. add the case to the list below, and its figures to bench/results/README.md.
 */
import type { BenchCase } from '../lib/types.ts';
import { coldstartCase } from './coldstart.ts';
import { driftCase } from './drift.ts';
import { hmmCase } from './hmm.ts';
import { hmmAnchorCase } from './hmm-anchor.ts';
import { httpCase } from './http.ts';
import { pipelineCase } from './pipeline.ts';
import { pipelineAnchorsCase } from './pipeline-anchors.ts';
import { predictCase } from './predict.ts';
import { trainCase } from './train.ts';
import { trainingCase } from './training.ts';

export const CASES: readonly BenchCase[] = [
  pipelineCase,
  pipelineAnchorsCase,
  trainingCase,
  trainCase,
  driftCase,
  hmmCase,
  hmmAnchorCase,
  predictCase,
  coldstartCase,
  httpCase,
];
