/**
 * Every benchmark case, in the order they run. To add one (training, /predict latency, HTTP
 * throughput, Lambda cold start…):
 *
 * 1. write `bench/cases/<name>.ts` with `defineCase({ name, title, measureModule, variants,
 *    prepare, figures })` — `prepare` runs in the parent and builds cached inputs (see
 *    lib/inputs.ts: `generatedBronzeFile` gives the same 1M-row file the pipeline case uses);
 * 2. write `bench/cases/<name>.measure.ts` exporting `measure: Measure<Params>`, which runs in a
 *    fresh child and returns its figures (the runtime adds peak and idle RSS);
 * 3. add the case to the list below, and its figures to bench/results/README.md.
 */
import type { BenchCase } from '../lib/types.ts';
import { pipelineCase } from './pipeline.ts';

export const CASES: readonly BenchCase[] = [pipelineCase];
