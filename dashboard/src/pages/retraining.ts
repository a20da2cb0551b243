/**
 * Retraining & A/B: A/B tests with their statistics, sample-size progress and decision; what was in
 * production when (promotions and rollbacks); retraining jobs and their triggers; registry events.
 */
import { historyEmptyState } from '../lib/empty.ts';
import {
  formatCount,
  formatDateTime,
  formatInterval,
  formatNumber,
  formatPercent,
  formatPValue,
  formatSigned,
} from '../lib/format.ts';
import {
  abProgress,
  currentCooldownEnd,
  driftStreakText,
  foldRequestedJobs,
  heldBack,
  latestAbTests,
  newestFirst,
  productionPeriods,
  type UnevaluatedTest,
  unevaluatedTests,
} from '../lib/shape.ts';
import type {
  AbTestRecord,
  Difference,
  DriftRecord,
  JobRecord,
  ModelsResponse,
  RegistryEvent,
} from '../lib/types.ts';
import { badge, facts, h, notice, pageHeading, section, table } from '../ui/dom.ts';
import { versionLink } from '../ui/widgets.ts';
import type { Page } from './context.ts';

const OUTCOME_VARIANT = { promote: 'ok', reject: 'bad', 'keep-collecting': 'info', ended: 'warn' } as const;

function difference(d: Difference | null, digits: number, r: AbTestRecord): string {
  if (d === null) {
    const both = r.production.outcomes > 0 && r.candidate.outcomes > 0;
    // The symbol-day design's differences are of daily means: one day of outcomes gives no interval.
    return both && r.design === 'symbol-day'
      ? 'not yet (needs two days of outcomes)'
      : 'not yet (needs outcomes in both arms)';
  }
  return `${formatSigned(d.estimate, digits)} ${formatInterval(d.lower, d.upper, (x) => formatSigned(toFinite(x), digits))} (${formatPercent(d.confidenceLevel, 0)} bootstrap)`;
}

function toFinite(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

/** A test that ended before its first evaluation: what ended it, and that nothing was compared. */
function unevaluatedCard(t: UnevaluatedTest, highlighted: boolean): HTMLElement {
  return h(
    'article',
    { class: `ab-card${highlighted ? ' highlighted' : ''}`, 'aria-labelledby': `ab-${t.candidateVersion}` },
    h(
      'h3',
      { id: `ab-${t.candidateVersion}` },
      'Candidate ',
      versionLink(t.candidateVersion),
      ' ',
      badge('ended before its first evaluation', 'warn'),
    ),
    h(
      'p',
      null,
      `${t.how === 'promoted' ? 'Promoted' : 'Rejected'} on ${formatDateTime(t.endedAt)} (${t.reason}); its test had started on ${formatDateTime(t.startedAt)}. The daily A/B evaluation never ran on it, so the two models were not compared.`,
    ),
  );
}

function abCard(r: AbTestRecord, highlighted: boolean): HTMLElement {
  const progress = abProgress(r);
  return h(
    'article',
    { class: `ab-card${highlighted ? ' highlighted' : ''}`, 'aria-labelledby': `ab-${r.candidateVersion}` },
    h(
      'h3',
      { id: `ab-${r.candidateVersion}` },
      'Candidate ',
      versionLink(r.candidateVersion),
      ' vs production ',
      versionLink(r.productionVersion),
      ' ',
      badge(r.outcome, OUTCOME_VARIANT[r.outcome] ?? 'info'),
    ),
    h(
      'ul',
      null,
      r.reasons.map((reason) => h('li', null, reason)),
    ),
    table({
      caption: 'Arms',
      rowHeader: true,
      columns: [
        'Arm',
        { label: 'Outcomes', numeric: true },
        { label: 'Accuracy', numeric: true },
        { label: 'Log loss', numeric: true },
      ],
      rows: [
        [
          'Production (A)',
          formatCount(r.production.outcomes),
          formatPercent(r.production.accuracy),
          formatNumber(r.production.logLoss, 4),
        ],
        [
          'Candidate (B)',
          formatCount(r.candidate.outcomes),
          formatPercent(r.candidate.accuracy),
          formatNumber(r.candidate.logLoss, 4),
        ],
      ],
    }),
    facts([
      ['Design', DESIGN[r.design] ?? r.design],
      ['Primary metric', r.primaryMetric === 'logLoss' ? 'log loss (lower is better)' : 'accuracy'],
      [
        r.design === 'symbol-day' ? 'Daily log-loss difference B − A' : 'Log-loss difference B − A',
        difference(r.logLossDifference, 4, r),
      ],
      [
        r.design === 'symbol-day' ? 'Daily accuracy difference B − A' : 'Accuracy difference B − A',
        difference(r.accuracyDifference, 3, r),
      ],
      r.design === 'symbol-day'
        ? [
            'Diebold–Mariano (HLN)',
            r.dieboldMariano == null || r.dieboldMariano.days < 2
              ? 'not yet (needs two days of outcomes)'
              : r.dieboldMariano.statistic === null
                ? 'no test: the daily differences are constant'
                : `statistic ${formatNumber(r.dieboldMariano.statistic, 2)} over ${formatCount(r.dieboldMariano.days)} days · p (candidate better) ${formatPValue(r.dieboldMariano.pValueBetter)} · p (candidate worse) ${formatPValue(r.dieboldMariano.pValueWorse)} · level ${r.dieboldMariano.alpha}`,
          ]
        : [
            'McNemar',
            r.mcnemar === null
              ? 'not applicable (unpaired)'
              : `${r.mcnemar.method}, statistic ${formatNumber(r.mcnemar.statistic, 2)}, p ${formatPValue(r.mcnemar.pValue)} · only production right ${formatCount(r.mcnemar.productionOnlyCorrect)}, only candidate right ${formatCount(r.mcnemar.candidateOnlyCorrect)}`,
          ],
      ['Running for', `${formatNumber(r.elapsedDays, 1)} of at most ${r.maxDurationDays} days`],
      ['Evaluated', formatDateTime(r.evaluatedAt)],
    ]),
    r.design === 'symbol-day'
      ? dayProgress(r)
      : h(
          'div',
          { class: 'progress-list' },
          h(
            'p',
            null,
            h('strong', null, 'Sample size'),
            r.sampleSize.plan
              ? ` — enough to detect an accuracy of ${formatPercent(r.sampleSize.plan.targetAccuracy)} against production’s ${formatPercent(r.sampleSize.plan.baselineAccuracy)}`
              : '',
          ),
          progress.map((p) =>
            h(
              'div',
              { class: 'progress-row' },
              h(
                'label',
                { class: 'progress-label', for: `ab-progress-${r.candidateVersion}-${p.arm}` },
                `${p.arm}: ${formatCount(p.observed)} of ${p.required === null ? 'unknown' : formatCount(p.required)} outcomes`,
              ),
              h('progress', {
                id: `ab-progress-${r.candidateVersion}-${p.arm}`,
                max: p.required ?? 1,
                value: p.required === null ? 0 : Math.min(p.observed, p.required),
              }),
            ),
          ),
          r.sampleSize.daysRemaining === null
            ? null
            : h(
                'p',
                { class: 'muted' },
                r.sampleSize.sufficient
                  ? 'The planned sample is reached.'
                  : `About ${formatNumber(r.sampleSize.daysRemaining, 1)} more days at ${formatNumber(r.sampleSize.dailyOutcomes, 1)} outcomes a day.`,
              ),
        ),
  );
}

const DESIGN: Record<string, string> = {
  'symbol-day': 'symbol-day (both models scored on every logged origin; each symbol-day counts once)',
  paired: 'paired (both models scored every request)',
  unpaired: 'unpaired',
};

/** The symbol-day design's progress: days with outcomes against the days the test needs. */
function dayProgress(r: AbTestRecord): HTMLElement {
  const days = r.dieboldMariano?.days ?? 0;
  const minimum = r.dieboldMariano?.minimumDays ?? 0;
  return h(
    'div',
    { class: 'progress-list' },
    h(
      'p',
      null,
      h('strong', null, 'Days of outcomes'),
      ` — the test decides from ${formatCount(minimum)} days`,
    ),
    h(
      'div',
      { class: 'progress-row' },
      h(
        'label',
        { class: 'progress-label', for: `ab-days-${r.candidateVersion}` },
        `${formatCount(days)} of ${formatCount(minimum)} days · ${formatCount(r.production.outcomes)} symbol-days`,
      ),
      h('progress', {
        id: `ab-days-${r.candidateVersion}`,
        max: Math.max(1, minimum),
        value: Math.min(days, minimum),
      }),
    ),
  );
}

function liveWhen(events: RegistryEvent[]): HTMLElement {
  const periods = productionPeriods(events);
  return section(
    'production-history',
    'What was live when',
    periods.length === 0
      ? h('p', { class: 'muted' }, 'No model has been in production yet.')
      : table({
          caption: 'Production periods, newest first',
          columns: ['Model', 'From', 'To', 'How', 'Why'],
          rows: periods.map((p) => [
            versionLink(p.version),
            formatDateTime(p.from),
            p.to === null ? badge('in production', 'stage-production') : formatDateTime(p.to),
            p.how === 'rolled-back' ? badge('rollback', 'warn') : 'promoted',
            p.reason,
          ]),
        }),
  );
}

/** "registered as candidate", and where the version is now when that changed (rejected, promoted …). */
function registeredAs(j: JobRecord, stages: ReadonlyMap<string, string>): string {
  if (!j.stage) return '';
  const now = j.version === undefined ? undefined : stages.get(j.version);
  return now === undefined || now === j.stage
    ? ` (registered as ${j.stage})`
    : ` (registered as ${j.stage}; now ${now})`;
}

function jobs(items: JobRecord[], models: ModelsResponse): HTMLElement {
  const stages = new Map(models.versions.map((v) => [v.version, v.stage]));
  const empty = historyEmptyState('jobs', items.length);
  return section(
    'jobs',
    'Retraining jobs',
    empty
      ? h('p', { class: 'muted' }, empty.message)
      : table({
          caption: 'Retraining decisions, newest first',
          columns: ['When', 'Trigger', 'Result', 'Model', 'Why'],
          rows: newestFirst(foldRequestedJobs(items)).map((j) => [
            formatDateTime(j.at),
            j.trigger,
            jobBadge(j),
            j.version ? h('span', null, versionLink(j.version), registeredAs(j, stages)) : '—',
            jobWhy(j),
          ]),
        }),
  );
}

function jobBadge(j: JobRecord): HTMLElement {
  if (j.status === 'skipped') return badge(j.heldByCooldown ? 'held by cool-down' : 'skipped', 'info');
  if (j.status === 'requested') return badge('requested', 'info');
  if (j.status === 'failed') return badge('failed', 'warn');
  return badge(j.status, 'ok');
}

/** What fired, what held a skipped job back, or a failed one's error. */
function jobWhy(j: JobRecord): HTMLElement | string {
  if (j.status === 'requested')
    return 'asked for by an operator (POST /admin/retrain); the job that answers it replaces this row when its training ends';
  if (j.status === 'failed') return j.error ?? 'the training failed (see the alert)';
  const items = (j.reasons ?? []).map((r) => h('li', null, h('code', null, r.rule), ` ${r.detail}`));
  if (j.status === 'skipped') {
    for (const b of j.blockedBy ?? []) items.push(h('li', null, h('strong', null, 'held back: '), b));
  }
  return items.length === 0 ? 'no rule fired' : h('ul', { class: 'compact' }, items);
}

function events(items: RegistryEvent[]): HTMLElement {
  const empty = historyEmptyState('events', items.length);
  return section(
    'events',
    'Registry events',
    empty
      ? h('p', { class: 'muted' }, empty.message)
      : table({
          caption: 'Model registry events, newest first',
          columns: ['When', 'Event', 'Model', 'Previous', 'Reason'],
          rows: newestFirst(items).map((e) => [
            formatDateTime(e.at),
            e.kind,
            e.version ? versionLink(e.version) : '—',
            e.previousVersion ? versionLink(e.previousVersion) : '—',
            e.reason,
          ]),
        }),
  );
}

/**
 * Where the retraining loop stands (DOMAIN §6 v2), from the newest drift check and job: the run of
 * breached checks against persistChecks, what holds a retraining back, and the cool-down's end.
 */
function loopState(
  drift: DriftRecord | undefined,
  job: JobRecord | undefined,
  candidate: string | null,
): HTMLElement {
  if (drift === undefined || drift.driftStreak === undefined) {
    return section(
      'loop',
      'Retraining loop',
      h(
        'p',
        { class: 'muted' },
        'No drift check of this version yet: the hourly check records its run of breaches here (on npm start, POST /local/schedules/MonitoringDriftCheck/run with the API key runs it now — see the README).',
      ),
    );
  }
  const cooldownEnd = currentCooldownEnd(drift, job);
  const held = heldBack(drift, job, candidate, new Date());
  return section(
    'loop',
    'Retraining loop',
    facts([
      ['Drift', driftStreakText(drift)],
      [
        'Newest check',
        h('span', null, formatDateTime(drift.at), ' · model ', versionLink(drift.modelVersion)),
      ],
      [
        'Held back by',
        held.length === 0
          ? 'nothing'
          : h(
              'ul',
              { class: 'compact' },
              held.map((b) => h('li', null, b)),
            ),
      ],
      [
        'Cool-down',
        cooldownEnd === null
          ? 'none running'
          : `until ${formatDateTime(cooldownEnd)} (POST /admin/retrain with a reason trains now, past it)`,
      ],
    ]),
    (drift.pending ?? []).length === 0
      ? null
      : h(
          'ul',
          { class: 'compact', id: 'loop-pending' },
          (drift.pending ?? []).map((p) => h('li', null, p)),
        ),
  );
}

function current(models: ModelsResponse, ctxStatus: { candidateShare: number | undefined }): HTMLElement {
  return section(
    'current',
    'In service now',
    facts([
      ['Production', models.production ? versionLink(models.production) : 'none'],
      [
        'Candidate',
        models.candidate
          ? h(
              'span',
              null,
              versionLink(models.candidate),
              ctxStatus.candidateShare === undefined
                ? ''
                : ` · ${formatPercent(ctxStatus.candidateShare, 0)} of requests`,
            )
          : 'none (no A/B test running)',
      ],
      ['Registered versions', formatCount(models.versions.length)],
    ]),
  );
}

/** A/B evaluation records the page reads (one per candidate per day). */
const AB_RECORDS_READ = 100;

export const retrainingPage: Page = async (ctx) => {
  const [abtests, jobList, eventList, models, driftList] = await Promise.all([
    ctx.api.abtests(AB_RECORDS_READ),
    ctx.api.jobs(100),
    ctx.api.events(200),
    ctx.api.models(),
    ctx.api.drift(1),
  ]);
  const tests = latestAbTests(abtests.items);
  const unevaluated = unevaluatedTests(
    eventList.items,
    abtests.items,
    models.candidate ?? null,
    abtests.items.length >= AB_RECORDS_READ,
  );
  const abEmpty = historyEmptyState('abtests', tests.length + unevaluated.length);
  const wanted = ctx.route.params.candidate;
  return h(
    'div',
    null,
    pageHeading(
      'Retraining & A/B tests',
      'When models were retrained, how candidates were tested, and what was live when',
    ),
    current(models, { candidateShare: ctx.status?.candidate?.trafficShare }),
    loopState(newestFirst(driftList.items)[0], newestFirst(jobList.items)[0], models.candidate ?? null),
    section(
      'ab-tests',
      'A/B tests',
      abEmpty
        ? models.candidate
          ? notice(
              'empty',
              `Candidate ${models.candidate} is waiting for its first evaluation`,
              'The daily A/B evaluation records its first result here, once forecasts served by both models have outcomes.',
            )
          : notice('empty', 'No A/B test yet', abEmpty.message)
        : h(
            'div',
            { class: 'ab-list' },
            [
              ...tests.map((t) => ({ at: t.at, card: abCard(t, t.candidateVersion === wanted) })),
              ...unevaluated.map((t) => ({
                at: t.endedAt,
                card: unevaluatedCard(t, t.candidateVersion === wanted),
              })),
            ]
              .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
              .map((c) => c.card),
          ),
    ),
    liveWhen(eventList.items),
    jobs(jobList.items, models),
    events(eventList.items),
  );
};
