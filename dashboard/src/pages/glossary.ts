/** Glossary: the words the other pages use, in plain language. */
import { h, pageHeading } from '../ui/dom.ts';
import type { Page } from './context.ts';

const TERMS: [string, string][] = [
  [
    'Bronze, silver, gold',
    'The three layers of the data lake. Bronze holds files exactly as they arrived; silver holds them cleaned (bad rows dropped, duplicates removed, short gaps filled); gold holds the features, risk score and regime of every trading day.',
  ],
  [
    'Risk score',
    'A number between 0 and 1 for each day: how high the 21-day realised volatility and the drawdown are compared with the symbol’s own training history (empirical CDF), weighted 0.7 and 0.3 by default.',
  ],
  ['Regime', 'Low, Medium or High risk: the risk score cut at two thresholds (0.33 and 0.67 by default).'],
  [
    'Realised volatility (21 d)',
    'The sample standard deviation of the last 21 daily log returns, annualised with √252.',
  ],
  ['Drawdown', 'How far the price is below its highest value so far: 1 − price / running maximum.'],
  [
    'Transition matrix P',
    'Pᵢⱼ is the probability that tomorrow is in regime j when today is in regime i, estimated from counted day-to-day moves with Laplace smoothing α.',
  ],
  [
    'Credible interval',
    'The range that holds the true value with 95 % probability given the data (Bayesian posterior). Wide intervals mean few observations.',
  ],
  ['Stationary distribution π', 'The long-run share of days in each regime implied by P (πP = π).'],
  [
    'Expected stay (sojourn)',
    'How many days a stay in a regime lasts on average according to the model: 1 / (1 − Pᵢᵢ).',
  ],
  ['Mean first passage time', 'The expected number of days until a regime is first reached from another.'],
  [
    'Hitting probability',
    'P(reach High within h days): the chance the chain enters High at least once in the next h days, treating High as absorbing.',
  ],
  ['Spectral gap', '1 − |λ₂|: how fast the chain forgets its starting regime. Larger means faster.'],
  [
    'Mixing time',
    'The first day count after which the regime distribution is within ε (total variation) of π from every start.',
  ],
  [
    'Entropy rate',
    'How unpredictable tomorrow’s regime is on average, in nats per day (0 = fully predictable).',
  ],
  [
    'Markov-assumption tests',
    'Likelihood-ratio (G) tests: first order against second order (does the day before yesterday add information?) and time-homogeneity (are the transitions the same in both halves of the data?).',
  ],
  [
    'Walk-forward folds',
    'The evaluation trains on the past and scores the next block of days, five times with a growing training window — no look-ahead.',
  ],
  ['Persistence', 'A naive forecast: tomorrow’s regime is today’s.'],
  [
    'Climatology',
    'A naive forecast: each regime with its frequency in the training data, whatever today is.',
  ],
  [
    'Accuracy, macro F1, ROC AUC',
    'Share of correct regime forecasts; F1 averaged over regimes; one-vs-rest area under the ROC curve averaged over regimes.',
  ],
  [
    'Log loss, Brier score',
    'Penalties of probability forecasts (lower is better): −log of the probability given to what happened, and the squared distance between forecast and outcome.',
  ],
  [
    'Calibration',
    'Whether forecast probabilities come true as often as they say: of the days forecast at 30 % High, about 30 % should be High.',
  ],
  [
    'Live accuracy',
    'Accuracy of the forecasts the API actually served, once the next gold day shows what happened.',
  ],
  [
    'Kolmogorov–Smirnov D (KS)',
    'The largest gap between the distributions of a feature in the recent window and in the reference; drift when above the threshold (0.15 by default).',
  ],
  [
    'PSI',
    'Population stability index: how much the share of values in each reference decile moved. Below 0.1 stable, 0.1–0.25 moderate, above 0.25 significant.',
  ],
  [
    'Chain drift',
    'A G-test of the window’s regime transitions against the model’s P; a small p-value means the regimes no longer move as the model says.',
  ],
  [
    'p-value',
    'How surprising the data would be if nothing had changed; small values (below the significance level) are evidence of change.',
  ],
  [
    'Data-quality score',
    'The mean of completeness, validity, uniqueness and timeliness of a layer, as a percentage; a layer below its gate stops the run.',
  ],
  [
    'Quarantine',
    'Where a rejected file is copied with a report naming the file, line and reason; the bronze original is never changed.',
  ],
  [
    'Production, candidate',
    'Production answers forecasts; a retrained candidate gets a small share of requests in an A/B test before it may replace production.',
  ],
  [
    'A/B test',
    'Comparing the candidate with production on the same requests (paired, shadow scoring) with bootstrap intervals of the differences and McNemar’s test; it decides after the planned sample size is reached.',
  ],
  [
    'McNemar’s test',
    'A test of whether two models that scored the same requests differ in accuracy, using only the requests where exactly one was right.',
  ],
  [
    'Rollback',
    'Putting the previous production model back when the new one’s live accuracy is clearly worse.',
  ],
  [
    'Alert severity',
    'low, medium, high or critical. By default low and medium alerts are only shown here; high and critical ones are also e-mailed (once per cool-down unless the severity rises).',
  ],
];

function slug(term: string): string {
  return term
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export const glossaryPage: Page = async () =>
  h(
    'div',
    null,
    pageHeading('Glossary', 'The words used on these pages'),
    h(
      'dl',
      { class: 'glossary' },
      TERMS.map(([term, text]) =>
        h('div', { id: `term-${slug(term)}` }, h('dt', null, term), h('dd', null, text)),
      ),
    ),
  );
