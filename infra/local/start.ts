/**
 * `npm start`: FINML on this machine, no AWS account. Synthesizes the CDK stack, deploys it locally
 * (infra/local/runtime.ts), drops the bundled S&P 500 sample into bronze when bronze is empty, waits
 * for its pipeline run and prints where everything is. Ctrl-C stops it cleanly.
 *
 * Environment: FINML_PORT (3000), FINML_S3_PORT (4569), FINML_DYNAMODB_PORT (4567), FINML_HOST
 * (127.0.0.1), FINML_STATE_DIR (.finml), FINML_SCHEDULE_SCALE (1; 0 turns the timers off).
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { ensureDashboardBuilt } from './dashboard-build.ts';
import { displayPath, pidFile, REPO_ROOT, runningPid, stateDirFromEnv } from './paths.ts';

// Lambda's Node.js 22 has no such warning; on Node 20 the SDK prints one per client.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const SAMPLE = join(REPO_ROOT, 'data', 'samples', 'sp500-2000.csv');
const SAMPLE_KEY = 'market_data/SPX.csv';

// The terminal, captured before the runtime routes handler output to log files.
const terminal = process.stdout.write.bind(process.stdout);
const say = (line = '') => terminal(`${line}\n`);

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}=${raw} is not a port number`);
  return n;
}

/** Builds the dashboard when its build is missing or stale; the reason it cannot be served, if any. */
function buildDashboard(): string | undefined {
  const build = ensureDashboardBuilt();
  if (build.status === 'built') say(`Built the dashboard (${relative(REPO_ROOT, build.dir)}).`);
  if (build.status !== 'failed') return undefined;
  say(
    `✘ The dashboard could not be built (${build.reason}); the API runs, and the site says what to run (npm run build -w dashboard shows the whole error).`,
  );
  return `The build failed: ${build.reason}.`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const stateDir = stateDirFromEnv();
  const other = await runningPid(stateDir);
  if (other !== undefined) {
    say(`FINML is already running on ${displayPath(stateDir)} (pid ${other}).`);
    process.exitCode = 1;
    return;
  }
  const dashboardUnavailable = buildDashboard();
  say('Synthesizing the FINML stack and deploying it onto this machine…');
  const { startLocalRuntime, causeMessage } = await import('./runtime.ts');
  const scale = Number(process.env.FINML_SCHEDULE_SCALE ?? '1');
  const runtime = await startLocalRuntime({
    stateDir,
    host: process.env.FINML_HOST || '127.0.0.1',
    ports: {
      api: port('FINML_PORT', 3000),
      s3: port('FINML_S3_PORT', 4569),
      dynamodb: port('FINML_DYNAMODB_PORT', 4567),
    },
    scheduleScale: Number.isFinite(scale) ? scale : 1,
    ...(dashboardUnavailable === undefined ? {} : { dashboardUnavailable }),
    print: say,
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') {
      say(
        `✘ ${error.message}: another program uses that port (set FINML_PORT / FINML_S3_PORT / FINML_DYNAMODB_PORT).`,
      );
      process.exit(1);
    }
    throw error;
  });
  await writeFile(pidFile(stateDir), `${process.pid}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) {
      say('Quitting now.');
      process.exit(130);
    }
    stopping = true;
    const running = runtime.pipeline.inFlight + runtime.lambda.inFlight;
    say(
      running > 0
        ? `\nStopping: waiting for ${running} running task(s)… (Ctrl-C again to quit at once)`
        : '\nStopping…',
    );
    await runtime.stop();
    await rm(pidFile(stateDir), { force: true });
    say('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  const deployedIn = (performance.now() - started) / 1000;
  say(
    `Deployed in ${deployedIn.toFixed(1)} s: ${runtime.deployment.buckets.length} buckets, ${runtime.deployment.tables.length} tables, ${runtime.deployment.functions.length} functions, 1 state machine, ${runtime.deployment.api?.routes.length ?? 0} API methods, ${runtime.deployment.scheduleRules.length} schedules.`,
  );

  let sampleLine = '';
  // No MaxKeys: a truncated s3rver listing needs DES (see the README), and bronze is usually small.
  const listed = await runtime.s3
    .send(new ListObjectsV2Command({ Bucket: runtime.names.bronze }))
    .catch(() => ({ KeyCount: undefined }));
  if (listed.KeyCount === 0) {
    say(
      `Bronze is empty: dropping the sample ${relative(REPO_ROOT, SAMPLE)} as s3://${runtime.names.bronze}/${SAMPLE_KEY}`,
    );
    const t = performance.now();
    await runtime.s3.send(
      new PutObjectCommand({
        Bucket: runtime.names.bronze,
        Key: SAMPLE_KEY,
        Body: await readFile(SAMPLE),
        ContentType: 'text/csv',
      }),
    );
    const run = runtime.pipeline.executions.find((x) => (x.input as { key?: string }).key === SAMPLE_KEY);
    if (run) {
      await runtime.pipeline.wait(run);
      const s = ((performance.now() - t) / 1000).toFixed(1);
      sampleLine =
        run.status === 'SUCCEEDED'
          ? `The sample's pipeline run took ${s} s.`
          : `The sample's pipeline run ${run.status.toLowerCase()} after ${s} s: ${run.error} ${causeMessage(run.cause)}`;
    }
  }

  if (stopping) return;
  const key = runtime.apiKey;
  const aws = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
  const state = displayPath(stateDir);
  const schedules = runtime.schedules.list();
  say();
  say(
    `FINML is running on this machine (ready in ${((performance.now() - started) / 1000).toFixed(1)} s). ${sampleLine}`,
  );
  say();
  say(`  Dashboard  ${runtime.urls.app}/`);
  say(`  API        ${runtime.urls.api}   (header x-api-key: ${key})`);
  say(`  S3         ${runtime.urls.s3}   bronze bucket: ${runtime.names.bronze}`);
  say(`  DynamoDB   ${runtime.urls.dynamodb}`);
  say(`  Alerts     ${state}/outbox/   logs: ${state}/logs/<function>.log   runs: ${state}/executions.jsonl`);
  say();
  // A symbol the production model forecasts (SPX after the sample): none until one is trained.
  const served = await fetch(`${runtime.urls.api}/regimes`, { headers: { 'x-api-key': key } })
    .then(async (r) => (r.ok ? ((await r.json()) as { symbols?: { symbol: string }[] }) : null))
    .catch(() => null);
  const known = served?.symbols?.map((x) => x.symbol) ?? [];
  const example = known.includes('SPX') ? 'SPX' : (known[0] ?? null);
  say(
    example === null
      ? 'Ask for a forecast (once a file has trained the first model; no symbol has one yet):'
      : 'Ask for a forecast:',
  );
  say(`  curl -s -X POST ${runtime.urls.api}/predict -H 'x-api-key: ${key}' \\`);
  say(
    `    -H 'content-type: application/json' -d '{"symbol":${JSON.stringify(example ?? 'MY_SYMBOL')},"horizon":5}'`,
  );
  say();
  say('Drop a market CSV into bronze (it starts the pipeline):');
  say(`  AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 \\`);
  // (AWS CLI 2.23+ would otherwise send checksums the local S3 server stores inside the object.)
  say(`  AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required \\`);
  say(`    ${aws} --endpoint-url ${runtime.urls.s3} s3 cp my.csv s3://${runtime.names.bronze}/market_data/`);
  say();
  const timersOff = Number(process.env.FINML_SCHEDULE_SCALE ?? '1') === 0;
  say(
    `Schedules (${schedules.map((s) => `${s.name.replace(`${runtime.stack.stackName}-`, '')} ${s.expression}`).join(', ')})` +
      (timersOff
        ? ' — off (FINML_SCHEDULE_SCALE=0): they run only when asked; run one now:'
        : '; run one now:'),
  );
  say(
    `  curl -s -X POST -H 'x-api-key: ${key}' ${runtime.urls.app}/local/schedules/MonitoringDriftCheck/run`,
  );
  say();
  say(
    'Once your data has arrived, train a candidate now (past the 24 h cool-down; 409 while an A/B test runs):',
  );
  say(
    `  curl -s -X POST ${runtime.urls.api}/admin/retrain -H 'x-api-key: ${key}' \\\n` +
      `    -H 'content-type: application/json' -d '{"reason":"why you retrain"}'`,
  );
  say();
  say('Ctrl-C stops FINML (state stays in ' + state + '/; `npm run reset` deletes it).');
}

main().catch((error: Error) => {
  say(`✘ ${error.name}: ${error.message}`);
  if (error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
