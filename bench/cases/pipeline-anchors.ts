/**
 * Anchors of the pipeline case (issue 17): the same bronze → silver → gold work as `finml pipeline`
 * done by Polars and DuckDB (writing Snappy Parquet partitioned by symbol, as FINML does) and by
 * pandas (computing only: no Parquet writer without pyarrow), each as a whole process on the same
 * generated bronze file — see bench/anchors/*.mjs|py for the steps and the one difference (their
 * scores are the CDF over the whole history: none has an expanding rank). The three produce the same
 * gold values (checked when they were written: 995,800 rows, equal risk scores, regimes and ages).
 *
 * Optional: Polars and DuckDB come from `npm ci --prefix bench/anchors`, pandas from Debian
 * (`apt-get install -y python3-pandas`, run by /usr/bin/python3). Without them the row stays empty.
 * `npm run bench -- --only pipeline/1M,pipeline-anchors` prints FINML's figure beside them and the
 * issue-17 comparison (bench/lib/comparisons.ts).
 */
import { fileURLToPath } from 'node:url';
import { formatIsoDay } from '../../shared/data/values.ts';
import { generatedBronzeFile } from '../lib/inputs.ts';
import { defineCase } from '../lib/types.ts';

export type AnchorEngine = 'polars' | 'duckdb' | 'pandas';

export type PipelineAnchorVariant = { engine: AnchorEngine; symbols: number; days: number; seed: number };

export type PipelineAnchorParams = {
  engine: AnchorEngine;
  file: string;
  rows: number;
  runDate: string;
  anchorsDir: string;
};

const variants = (['polars', 'duckdb', 'pandas'] as const).flatMap((engine) => [
  { name: `${engine} 100k`, quick: true, params: { engine, symbols: 200, days: 500, seed: 1 } },
  { name: `${engine} 1M`, quick: false, params: { engine, symbols: 200, days: 5000, seed: 1 } },
  { name: `${engine} 5M`, quick: false, params: { engine, symbols: 200, days: 25_000, seed: 1 } },
]);

export const pipelineAnchorsCase = defineCase<PipelineAnchorVariant, PipelineAnchorParams>({
  name: 'pipeline-anchors',
  title:
    'the pipeline case’s work in Polars / DuckDB (writing Parquet) and pandas (no writing), whole process',
  measureModule: new URL('./pipeline-anchors.measure.ts', import.meta.url),
  variants,
  async prepare(variant, context) {
    const input = await generatedBronzeFile(variant, context);
    return {
      engine: variant.engine,
      file: input.path,
      rows: input.rows,
      runDate: formatIsoDay(input.lastDay),
      anchorsDir: fileURLToPath(new URL('../anchors/', import.meta.url)),
    };
  },
  figures: [
    { key: 'rows', label: 'rows', unit: '', digits: 0 },
    { key: 'wallSeconds', label: 'time', unit: 's', digits: 2 },
    { key: 'cpuSeconds', label: 'CPU', unit: 's', digits: 2 },
    { key: 'anchorPeakRssMiB', label: 'peak RSS', unit: 'MiB', digits: 0 },
    { key: 'goldRows', label: 'gold rows', unit: '', digits: 0 },
  ],
  timeoutSeconds: 1200,
});
