/**
 * `npm run bench` — runs every benchmark case (bench/cases), each measurement in a fresh child
 * process, prints a table per case with the targets of issue 8, and writes the figures with the
 * machine they ran on to bench/results/latest.json (and a timestamped copy).
 *
 *   npm run bench                      all cases, all sizes
 *   npm run bench -- --quick           the quick variants only (under a minute)
 *   npm run bench -- --only pipeline/1M --repeat 3 --profile
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CASES } from './cases/index.ts';
import { formatComparisons, pipelineComparisons } from './lib/comparisons.ts';
import { defaultCacheDir } from './lib/inputs.ts';
import { codeVersion, currentLoad, machineInfo } from './lib/machine.ts';
import {
  type BenchReport,
  checkTargets,
  formatCaseTable,
  formatHeader,
  type MeasurementResult,
  medianFigures,
  summarise,
  writeReport,
} from './lib/report.ts';
import { selectVariants } from './lib/select.ts';
import { type ChildProgram, childProgram, type Runtime, runInChild } from './lib/spawn.ts';
import type { BenchCase, Figures, JsonObject, PrepareContext, Variant } from './lib/types.ts';

const usage = `Usage: npm run bench -- [options]

Options:
  --quick            only the quick variants (finishes in under a minute)
  --only LIST        comma-separated cases or case/variant, e.g. pipeline or pipeline/1M
  --repeat N         run each measurement N times (fresh child each) and report medians (default 1)
  --profile          write a V8 CPU profile per child into bench/results/profiles/
  --tsx              run the children through tsx instead of an esbuild bundle
  --node-options S   extra Node flags for the children, e.g. "--max-semi-space-size=64"
  --check            exit with status 1 when a target is missed (errors always do)
  --results DIR      where latest.json goes (default bench/results)
  --cache DIR        where generated inputs are cached (default $FINML_BENCH_CACHE or <tmp>/finml-bench)
  --list             list the cases and variants and exit`;

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

interface Options {
  quick: boolean;
  only: string[];
  repeat: number;
  profile: boolean;
  runtime: Runtime;
  check: boolean;
  nodeOptions: string[];
  resultsDir: string;
  cacheDir: string;
}

function parseOptions(argv: string[]): Options | 'help' | 'list' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      repeat: { type: 'string', default: '1' },
      profile: { type: 'boolean', default: false },
      tsx: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      'node-options': { type: 'string', default: '' },
      results: { type: 'string', default: join(repoRoot, 'bench', 'results') },
      cache: { type: 'string', default: defaultCacheDir() },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  if (values.list) return 'list';
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new Error(`--repeat must be a positive integer, got ${values.repeat}`);
  return {
    quick: values.quick,
    only:
      values.only
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean) ?? [],
    repeat,
    profile: values.profile,
    runtime: values.tsx ? 'tsx' : 'bundle',
    check: values.check,
    nodeOptions: values['node-options'].split(/\s+/).filter(Boolean),
    resultsDir: values.results,
    cacheDir: values.cache,
  };
}

async function measureVariant(
  c: BenchCase,
  variant: Variant<JsonObject>,
  options: Options,
  context: PrepareContext,
  program: ChildProgram,
): Promise<MeasurementResult> {
  const runs: Figures[] = [];
  let error: string | undefined;
  try {
    const params = await c.prepare(variant.params, context);
    for (let run = 1; run <= options.repeat && error === undefined; run++) {
      const label = `${c.name}/${variant.name}${options.repeat > 1 ? ` run ${run}/${options.repeat}` : ''}`;
      const outcome = await runInChild(program, params, {
        timeoutSeconds: c.timeoutSeconds ?? 900,
        nodeOptions: [...(c.nodeOptions ?? []), ...options.nodeOptions],
        ...(options.profile
          ? {
              cpuProfile: {
                dir: join(options.resultsDir, 'profiles'),
                name: `${c.name}-${variant.name}-${run}`,
              },
            }
          : {}),
      });
      if (outcome.report.ok) {
        runs.push({
          ...outcome.report.figures,
          ...outcome.report.memory,
          processSeconds: outcome.processSeconds,
        });
        context.log(`${label}: done in ${outcome.processSeconds.toFixed(1)} s`);
      } else {
        error = outcome.report.error;
        context.log(`${label}: FAILED\n${error}`);
      }
    }
  } catch (e) {
    error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    context.log(`${c.name}/${variant.name}: FAILED\n${error}`);
  }
  const figures = runs.length > 0 ? medianFigures(runs) : {};
  return {
    case: c.name,
    variant: variant.name,
    params: variant.params,
    figures,
    runs,
    targets: checkTargets(figures, c.figures),
    ...(error === undefined ? {} : { error }),
  };
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseOptions(argv);
  if (parsed === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (parsed === 'list') {
    for (const c of CASES) {
      const variants = c.variants.map((v) => `${v.name}${v.quick ? ' (quick)' : ''}`).join(', ');
      process.stdout.write(`${c.name}: ${c.title}\n  ${variants}\n`);
    }
    return 0;
  }
  const options = parsed;
  const selected = CASES.map((c) => ({ c, variants: selectVariants(c, options.quick, options.only) })).filter(
    (s) => s.variants.length > 0,
  );
  if (selected.length === 0) throw new Error(`no case matches --only ${options.only.join(',')}`);

  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const code = codeVersion(repoRoot);
  const mode = options.quick ? 'quick' : 'full';
  const context: PrepareContext = {
    cacheDir: options.cacheDir,
    log: (message) => process.stderr.write(`${message}\n`),
  };
  process.stdout.write(`${formatHeader({ machine, code, mode, runtime: options.runtime })}\n\n`);

  const results: MeasurementResult[] = [];
  const tables: string[] = [];
  for (const { c, variants } of selected) {
    const program = await childProgram(c, options.runtime, options.cacheDir);
    const caseResults: MeasurementResult[] = [];
    for (const variant of variants)
      caseResults.push(await measureVariant(c, variant, options, context, program));
    results.push(...caseResults);
    tables.push(formatCaseTable(c.title, c.figures, caseResults));
  }

  const comparisons = pipelineComparisons(results);
  const compared = formatComparisons(comparisons);
  if (compared !== '') tables.push(compared);
  const report: BenchReport = {
    schema: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    mode,
    runtime: options.runtime,
    repeat: options.repeat,
    nodeOptions: options.nodeOptions,
    machine,
    loadAverageAtEnd: currentLoad(),
    code,
    results,
    summary: summarise(results),
    comparisons,
  };
  // A same-run comparison with a target counts like a figure's target.
  for (const c of comparisons.filter((x) => !x.target.startsWith('beside'))) {
    if (c.passed) report.summary.targetsPassed++;
    else report.summary.targetsMissed++;
  }
  const written = await writeReport(options.resultsDir, report);
  const s = report.summary;
  process.stdout.write(
    `\n${tables.join('\n\n')}\n\n` +
      `${s.measurements} measurements, targets: ${s.targetsPassed} met, ${s.targetsMissed} missed` +
      `${s.errors > 0 ? `, ${s.errors} failed` : ''} — load at the end ${report.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')}\n` +
      `${written.latest}\n`,
  );
  if (s.errors > 0) return 1;
  return options.check && s.targetsMissed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
    process.exitCode = 1;
  },
);
