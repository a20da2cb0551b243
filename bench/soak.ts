/**
 * `npm run soak`: the whole system on the local runtime over simulated years (issue 14). A seeded
 * generator (bench/generate.ts) makes S symbols × (history + D) business days; the history goes into
 * bronze as one file (it trains the first model), then each of the D trading days is one file put
 * into the bronze bucket on the local S3 server — the EventBridge rule starts the pipeline, as for a
 * user. A simulated clock (the runtime's injected `now`) stands at each day's 21:00 UTC when its file
 * lands; between two days the schedules (drift check, A/B evaluation + digest, retraining) run at
 * their own times on that clock (LocalSchedules.runDue), and after each day every symbol's 1-day
 * forecast is asked through the local API. The bounds of bench/soak/bounds.ts are checked; the
 * summary is printed and written as JSON (bench/results/soak[-quick].json); any broken bound exits 1.
 *
 *   npm run soak                 # 20 symbols × 126 days (half a year) after 800 days of history
 *   npm run soak -- --days 504   # two years (about four times as long)
 *   npm run soak -- --quick      # 5 symbols × 42 days (two months): the CI variant
 *   options: --symbols N --days N --history N --seed N --out FILE --max-rss-mib N --verbose
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { ENV } from '#composition/env';
import { loadConfig } from '#config/load';
import { createDynamoDocumentClient } from '#shared/aws/clients';
import { countItems } from '#shared/aws/dynamo-count';
import { DynamoModelRegistry } from '#shared/aws/dynamo-registry';
import { S3ObjectStore } from '#shared/aws/s3-store';
import { collectBytes, readGoldParquet } from '#shared/data/parquet-tables';
import { formatIsoDay } from '#shared/data/values';
import { keys } from '#shared/usecases/lake';
import { goldFingerprint } from '#shared/usecases/training';
import { readOutbox } from '../infra/local/outbox.ts';
import { REPO_ROOT } from '../infra/local/paths.ts';
import { startLocalRuntime } from '../infra/local/runtime.ts';
import { BRONZE_COLUMNS, bronzeCsvChunks, symbolName } from './generate.ts';
import { codeVersion, currentLoad, machineInfo } from './lib/machine.ts';
import {
  type AbTest,
  type AlertSeen,
  abTestsDecide,
  alertsBounded,
  type BoundResult,
  forecastsFromNewestDay,
  type ItemCounts,
  itemsLinear,
  noFailedRuns,
  type PredictionCheck,
  retrainingsBounded,
  rssBounded,
  type Training,
} from './soak/bounds.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const terminal = process.stdout.write.bind(process.stdout);
const say = (line = '') => terminal(`${line}\n`);

interface SoakOptions {
  symbols: number;
  days: number;
  history: number;
  seed: number;
  out: string;
  maxRssMiB: number;
  verbose: boolean;
  quick: boolean;
}

function options(argv: string[]): SoakOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      symbols: { type: 'string' },
      days: { type: 'string' },
      history: { type: 'string' },
      seed: { type: 'string', default: '14' },
      out: { type: 'string' },
      'max-rss-mib': { type: 'string', default: '1536' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const quick = values.quick === true;
  const int = (v: string | undefined, fallback: number, name: string) => {
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
    return n;
  };
  return {
    quick,
    symbols: int(values.symbols, quick ? 5 : 20, 'symbols'),
    days: int(values.days, quick ? 42 : 126, 'days'),
    // Gold starts after 21 warm-up and 252 burn-in rows (config/data.yaml); 800 days leave 527 gold
    // rows a symbol, 8 chunks of 63: calibrated drift thresholds from the first model (drift.minChunks).
    history: int(values.history, 800, 'history'),
    seed: Number(values.seed),
    out: values.out ?? join(REPO_ROOT, 'bench', 'results', quick ? 'soak-quick.json' : 'soak.json'),
    maxRssMiB: int(values['max-rss-mib'], 1536, 'max-rss-mib'),
    verbose: values.verbose === true,
  };
}

/** The generated rows grouped by date (rows are ordered by date, then symbol). */
function generatedDays(o: SoakOptions): { date: string; rows: string[] }[] {
  const days: { date: string; rows: string[] }[] = [];
  let header = true;
  for (const chunk of bronzeCsvChunks({ symbols: o.symbols, days: o.history + o.days, seed: o.seed })) {
    for (const line of chunk.split('\n')) {
      if (line === '') continue;
      if (header) {
        header = false;
        continue;
      }
      const date = line.split(',', 2)[1]!;
      if (days.at(-1)?.date !== date) days.push({ date, rows: [] });
      days.at(-1)!.rows.push(line);
    }
  }
  return days;
}

const HEADER = BRONZE_COLUMNS.join(',');
const at = (date: string, time: string) => Date.parse(`${date}T${time}Z`);

async function main(argv: string[]): Promise<number> {
  const o = options(argv);
  const config = loadConfig().config;
  const started = performance.now();
  const machine = machineInfo();
  say(
    `FINML soak: ${o.symbols} symbols × ${o.days} trading days (after ${o.history} days of history), seed ${o.seed}; load ${machine.loadAverage.map((l) => l.toFixed(2)).join(' ')} on ${machine.cores} cores`,
  );
  const all = generatedDays(o);
  const history = all.slice(0, o.history);
  const replay = all.slice(o.history);
  const symbols = Array.from({ length: o.symbols }, (_, i) => symbolName(i, o.symbols));

  const stateDir = await mkdtemp(join(tmpdir(), 'finml-soak-'));
  let clock = at(history.at(-1)!.date, '21:00:00');
  const runtime = await startLocalRuntime({
    stateDir,
    ports: { api: 0, s3: 0, dynamodb: 0 },
    scheduleScale: 0,
    now: () => new Date(clock),
    print: o.verbose ? say : () => undefined,
  });
  const rss: number[] = [];
  const sample = () => rss.push(process.memoryUsage().rss);
  try {
    const store = new S3ObjectStore(runtime.s3);
    const registryTable = process.env[ENV.registryTable]!;
    const predictionsTable = process.env[ENV.predictionsTable]!;
    const registry = new DynamoModelRegistry(
      createDynamoDocumentClient({ client: runtime.dynamodb }),
      registryTable,
    );
    const gold = process.env[ENV.goldBucket]!;
    const artifacts = process.env[ENV.artifactsBucket]!;
    const runs: { key: string; status: string; error?: string; train: boolean; seconds: number }[] = [];

    /** Puts one file into bronze (as a user would) and waits for the pipeline run its event started. */
    const drop = async (key: string, rows: string[]) => {
      const before = new Set(runtime.pipeline.executions);
      const t = performance.now();
      await store.put(runtime.names.bronze, key, `${HEADER}\n${rows.join('\n')}\n`, 'text/csv');
      let started = runtime.pipeline.executions.filter((x) => !before.has(x));
      for (let i = 0; i < 100 && started.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        started = runtime.pipeline.executions.filter((x) => !before.has(x));
      }
      if (started.length === 0) {
        runs.push({ key, status: 'NOT_STARTED', train: false, seconds: 0 });
        return;
      }
      for (const x of started) {
        const done = await runtime.pipeline.wait(x);
        runs.push({
          key,
          status: done.status,
          ...(done.error ? { error: `${done.error} ${done.cause ?? ''}`.slice(0, 300) } : {}),
          train: done.states.some((s) => s.name === 'Train' && s.status === 'succeeded'),
          seconds: (performance.now() - t) / 1000,
        });
      }
    };

    // The last date of the symbol's gold partition (Parquet), read as a user's reader would.
    const newestGold = async (symbol: string) => {
      const body = await store.get(gold, keys.gold(symbol));
      if (body === undefined) return null;
      const key = keys.gold(symbol);
      const [table] = await readGoldParquet(await collectBytes(body), key);
      return table === undefined || table.length === 0 ? null : formatIsoDay(table.day[table.length - 1]!);
    };

    const predictions: PredictionCheck[] = [];
    const predict = async (symbol: string, day: string) => {
      const response = await fetch(`${runtime.urls.api}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': runtime.apiKey },
        body: JSON.stringify({ symbol, horizon: 1 }),
      });
      const body = (await response.json()) as { from?: { date?: string | null } };
      predictions.push({
        symbol,
        day,
        from: response.ok ? (body.from?.date ?? null) : null,
        newestGold: await newestGold(symbol),
      });
    };

    say(`  history: ${history.length} days × ${o.symbols} symbols into bronze as one file…`);
    await drop(
      'market_data/history.csv',
      history.flatMap((d) => d.rows),
    );
    sample();
    const start = clock;
    const checkpoints = new Set([0.25, 0.5, 1].map((f) => Math.max(1, Math.round(f * replay.length))));
    const items: ItemCounts[] = [];
    const scheduleRuns: { rule: string; at: string; ok: boolean; error?: string }[] = [];
    let lastLine = performance.now();

    for (let i = 0; i < replay.length; i++) {
      const day = replay[i]!;
      const landing = at(day.date, '21:00:00');
      for (const run of await runtime.schedules.runDue(clock, landing, (ms) => {
        clock = ms;
      })) {
        for (const r of run.results)
          scheduleRuns.push({
            rule: run.rule.replace(`${runtime.stack.stackName}-`, ''),
            at: run.startedAt,
            ok: r.ok,
            ...(r.error ? { error: r.error } : {}),
          });
      }
      clock = landing;
      await drop(`market_data/daily/${day.date}.csv`, day.rows);
      clock = at(day.date, '21:30:00');
      for (const s of symbols) await predict(s, day.date);
      sample();
      if (checkpoints.has(i + 1)) {
        const registryItems = await countItems(runtime.dynamodb, registryTable, (pk) => pk.split('#')[0]!);
        const predictionItems = await countItems(runtime.dynamodb, predictionsTable);
        items.push({
          at: Number(((i + 1) / replay.length).toFixed(2)),
          symbolDays: (i + 1) * o.symbols,
          registry: registryItems.total,
          predictions: predictionItems.total,
          ...{ registryByFamily: registryItems.byFamily },
        });
      }
      if (performance.now() - lastLine > 15_000 || i === replay.length - 1) {
        lastLine = performance.now();
        const m = process.memoryUsage();
        const mib = `${(m.rss / 2 ** 20).toFixed(0)} (heap ${(m.heapUsed / 2 ** 20).toFixed(0)}, buffers ${(m.arrayBuffers / 2 ** 20).toFixed(0)})`;
        say(
          `  day ${i + 1}/${replay.length} (${day.date}): ${runs.length} runs, ${scheduleRuns.length} scheduled runs, RSS ${mib} MiB, ${((performance.now() - started) / 1000).toFixed(0)} s`,
        );
      }
    }
    const end = clock;
    const weeks = Math.ceil((end - start) / (7 * 86_400_000));

    // What the registry and the outbox say happened.
    const versions = await registry.listVersions();
    const events = await registry.listEvents();
    const trainings: Training[] = [];
    for (const v of versions) {
      const text = await store.getText(artifacts, keys.model(v.version));
      const lineage =
        text === undefined
          ? undefined
          : (JSON.parse(text) as { lineage: { gold: { file: string; sha256: string }[] } }).lineage;
      const registered = events.find((e) => e.kind === 'registered' && e.version === v.version);
      trainings.push({
        version: v.version,
        at: v.createdAt,
        fingerprint: lineage === undefined ? v.version : goldFingerprint(lineage.gold),
        trigger: registered?.reason ?? '',
      });
    }
    const abTests: AbTest[] = events
      .filter((e) => e.kind === 'candidate-started')
      .map((e) => {
        const decided = events.find(
          (d) =>
            d.version === e.version &&
            ((d.kind === 'promoted' && d.previousVersion !== null) || d.kind === 'candidate-rejected'),
        );
        const superseded = events.some(
          (s) => s.kind === 'candidate-started' && s.previousVersion === e.version,
        );
        return {
          candidate: e.version!,
          startedAt: e.at,
          outcome: decided
            ? decided.kind === 'promoted'
              ? ('promote' as const)
              : ('reject' as const)
            : superseded
              ? ('superseded' as const)
              : ('running' as const),
          decidedAt: decided?.at ?? null,
        };
      });
    const alertRecords: (AlertSeen & { kind: string })[] = (await registry.listRecords('alert')).map((r) => ({
      kind: String(r.kind),
      fingerprint: String(r.fingerprint),
      severity: String(r.severity),
      at: r.at,
    }));
    const emails: AlertSeen[] = (await readOutbox(runtime.outboxDir)).map((m) => ({
      fingerprint: m.fingerprint,
      severity: m.severity,
      at: m.time,
    }));
    const monitoring = config.monitoring;
    const bounds: BoundResult[] = [
      forecastsFromNewestDay(predictions),
      retrainingsBounded(trainings, {
        start,
        weeks,
        cooldownHours: monitoring.retraining.cooldownHours,
        scheduleIntervalDays: monitoring.retraining.scheduleIntervalDays,
      }),
      abTestsDecide(abTests, {
        maxDurationDays: monitoring.abTest.maxDurationDays,
        evaluationPeriodDays: 1,
        end,
      }),
      alertsBounded(alertRecords, emails, {
        start,
        weeks,
        cooldownHours: monitoring.alerts.cooldownHours,
        digestAbove: monitoring.alerts.digestAbove,
      }),
      itemsLinear(items),
      noFailedRuns(runs),
      {
        name: 'failed scheduled runs',
        ok: scheduleRuns.every((r) => r.ok),
        figure: `${scheduleRuns.filter((r) => r.ok).length} of ${scheduleRuns.length} scheduled invocations succeeded`,
        violations: scheduleRuns
          .filter((r) => !r.ok)
          .slice(0, 5)
          .map((r) => `${r.rule} at ${r.at}: ${r.error}`),
      },
      rssBounded(rss, o.maxRssMiB),
    ];
    const wallSeconds = (performance.now() - started) / 1000;
    const perRule = Object.fromEntries(
      [...new Set(scheduleRuns.map((r) => r.rule))].map((rule) => [
        rule,
        scheduleRuns.filter((r) => r.rule === rule).length,
      ]),
    );
    const dailyRuns = runs.slice(1);
    const runSeconds = dailyRuns.map((r) => r.seconds).sort((a, b) => a - b);
    const pct = (q: number) =>
      runSeconds[Math.min(runSeconds.length - 1, Math.floor(q * runSeconds.length))] ?? 0;

    say();
    say(`| bound | ok | figure |`);
    say(`|---|---|---|`);
    for (const b of bounds) say(`| ${b.name} | ${b.ok ? '✓' : '✗'} | ${b.figure} |`);
    say();
    say(
      `${replay.length} days × ${o.symbols} symbols in ${wallSeconds.toFixed(0)} s wall (${(process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6).toFixed(0)} CPU-s); daily pipeline run p50 ${pct(0.5).toFixed(2)} s, p95 ${pct(0.95).toFixed(2)} s; scheduled runs ${Object.entries(
        perRule,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; ${versions.length} model versions; load now ${currentLoad()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    for (const b of bounds) for (const v of b.violations) say(`  ✗ ${b.name}: ${v}`);

    const result = {
      kind: 'soak',
      options: o,
      machine,
      loadAtEnd: currentLoad(),
      code: codeVersion(REPO_ROOT),
      simulated: { from: new Date(start).toISOString(), to: new Date(end).toISOString(), weeks },
      wallSeconds,
      cpuSeconds: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
      peakRssBytes: Math.max(...rss),
      dailyRunSeconds: { p50: pct(0.5), p95: pct(0.95), max: runSeconds.at(-1) ?? 0 },
      scheduledRuns: perRule,
      bounds,
      trainings,
      abTests,
      items,
      alerts: {
        recorded: alertRecords.length,
        emailed: emails.length,
        byKind: Object.fromEntries(
          [...new Set(alertRecords.map((a) => a.kind))].map((k) => [
            k,
            alertRecords.filter((a) => a.kind === k).length,
          ]),
        ),
      },
      ok: bounds.every((b) => b.ok),
    };
    await mkdir(dirname(o.out), { recursive: true });
    await writeFile(o.out, `${JSON.stringify(result, null, 2)}\n`);
    say(
      `Result: ${relative(process.cwd(), o.out)} — ${result.ok ? 'every bound holds' : 'a bound is broken'}`,
    );
    return result.ok ? 0 : 1;
  } finally {
    await runtime.stop(5_000);
    await rm(stateDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exit(code);
  },
  (error: unknown) => {
    say(`✘ ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
