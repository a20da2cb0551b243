/**
 * The serving model: the part of a model artifact that forecasts need (DOMAIN §4) — the fitted
 * transition matrix, the absorbing view with its posterior intervals, and each symbol's latest
 * regime — and nothing else. The full artifact (shared/model/artifact.ts) stays the source of
 * truth; registration writes this projection beside it so that the API's cold start reads a few
 * KiB instead of the artifact's tens of MiB (its reference samples are for the data pipeline).
 *
 * Plain data, validated by hand (no schema library: this module is on the API's cold-start path).
 * JSON has no Infinity: expected steps may be infinite, and are written as the string "Infinity".
 */
import type { ServingRisk, ServingSemiMarkov } from './duration-risk.ts';
import { parseModelJson, stringifyModelJson } from './model-json.ts';

export type { ServingRisk, ServingSemiMarkov };

export const SERVING_MODEL_KIND = 'finml-serving-model';
export const SERVING_MODEL_SCHEMA_VERSION = 1;

/** What `predict` and the serving use case read from a model. A ModelArtifact is one, too. */
export interface ServingModel {
  version: string;
  /** Regime names by state. */
  labels: string[];
  markov: {
    /** Fitted P (K×K, rows sum to 1). */
    transitionMatrix: number[][];
    absorbing: {
      state: number;
      /** Expected steps to the absorbing state per start state (Infinity if never reached). */
      expectedSteps: number[];
      /** reachWithin[i][h − 1] = P(reach the absorbing state within h steps | start i), h = 1..maxHorizon. */
      reachWithin: number[][];
      maxHorizon: number;
    };
    posterior: {
      mass: number;
      /** The horizons of the reachWithin intervals. */
      horizons: number[];
      reachWithin: { lower: number[][]; upper: number[][] };
      expectedSteps: { lower: number[]; upper: number[] };
    };
  };
  /** Each symbol's last gold date and regime at training time (and its age there, in newer models). */
  latest: Record<string, { date: string; state: number; regime: string; age?: number }>;
  /** The duration-aware chain (DOMAIN §4.2): what forecasts from (regime, age) need. Absent in older models. */
  semiMarkov?: ServingSemiMarkov;
  /** Regime-conditional risk (DOMAIN §4.4): 1-day per regime, h-day per start regime. Absent in older models. */
  risk?: ServingRisk;
  /**
   * At each backtested horizon, the out-of-fold winner's table (DOMAIN §5 v2): what is served at
   * that horizon instead of P^h when the winner is not the chain. Absent in older models.
   */
  horizonForecasts?: HorizonForecastTable[];
}

/** The served forecast at one backtested horizon (shared/evaluation/horizon-serving.ts). */
export interface HorizonForecastTable {
  horizon: number;
  forecaster: string;
  logLoss: number;
  markovLogLoss: number | null;
  /** regime[i][k] = P(regime at t+h = k | regime i). */
  regime: number[][];
  /** P(a High day within h | regime i). */
  reachHigh: number[];
  /** P(leaving regime i within h | regime i). */
  leave: number[];
}

/** A serving model as stored: tagged with its kind and schema version. */
export interface ServingModelRecord extends ServingModel {
  kind: typeof SERVING_MODEL_KIND;
  schemaVersion: typeof SERVING_MODEL_SCHEMA_VERSION;
}

export class ServingModelError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ServingModelError';
  }
}

/**
 * The serving projection of a model (an artifact or a serving model): copies exactly the fields
 * of {@link ServingModel}, dropping everything else (reference samples, evaluation, lineage …).
 */
export function servingModelOf(model: ServingModel): ServingModelRecord {
  const { transitionMatrix, absorbing, posterior } = model.markov;
  return {
    kind: SERVING_MODEL_KIND,
    schemaVersion: SERVING_MODEL_SCHEMA_VERSION,
    version: model.version,
    labels: [...model.labels],
    markov: {
      transitionMatrix: transitionMatrix.map((row) => [...row]),
      absorbing: {
        state: absorbing.state,
        expectedSteps: [...absorbing.expectedSteps],
        reachWithin: absorbing.reachWithin.map((row) => [...row]),
        maxHorizon: absorbing.maxHorizon,
      },
      posterior: {
        mass: posterior.mass,
        horizons: [...posterior.horizons],
        reachWithin: {
          lower: posterior.reachWithin.lower.map((row) => [...row]),
          upper: posterior.reachWithin.upper.map((row) => [...row]),
        },
        expectedSteps: {
          lower: [...posterior.expectedSteps.lower],
          upper: [...posterior.expectedSteps.upper],
        },
      },
    },
    latest: Object.fromEntries(
      Object.entries(model.latest).map(([symbol, l]) => [
        symbol,
        { date: l.date, state: l.state, regime: l.regime, ...(l.age === undefined ? {} : { age: l.age }) },
      ]),
    ),
    ...(model.semiMarkov
      ? {
          semiMarkov: {
            jump: model.semiMarkov.jump.map((row) => [...row]),
            maxAge: [...model.semiMarkov.maxAge],
            hazard: model.semiMarkov.hazard.map((row) => [...row]),
            tailHazard: [...model.semiMarkov.tailHazard],
          },
        }
      : {}),
    ...(model.risk ? { risk: servingRiskOf(model.risk) } : {}),
    ...(model.horizonForecasts
      ? {
          horizonForecasts: model.horizonForecasts.map((t) => ({
            horizon: t.horizon,
            forecaster: t.forecaster,
            logLoss: t.logLoss,
            markovLogLoss: t.markovLogLoss,
            regime: t.regime.map((row) => [...row]),
            reachHigh: [...t.reachHigh],
            leave: [...t.leave],
          })),
        }
      : {}),
  };
}

function servingRiskOf(risk: ServingRisk): ServingRisk {
  return {
    levels: [...risk.levels],
    oneDay: structuredClone(risk.oneDay),
    maxHorizon: risk.maxHorizon,
    horizons: [...risk.horizons],
    draws: risk.draws,
    seed: risk.seed,
    paths: risk.paths,
    valueAtRisk: structuredClone(risk.valueAtRisk),
    expectedShortfall: structuredClone(risk.expectedShortfall),
  };
}

/** The serving model as JSON text, with ±Infinity written as strings (as the artifact does). */
export function serializeServingModel(model: ServingModelRecord): string {
  return stringifyModelJson(model);
}

/**
 * Parses and validates a stored serving model; `source` (e.g. the registry item) is named in every
 * error, e.g. `SERVING/v1: markov.absorbing.reachWithin.2: must have 252 entries`.
 */
export function parseServingModel(text: string, source: string): ServingModelRecord {
  let raw: unknown;
  try {
    raw = parseModelJson(text);
  } catch (cause) {
    throw new ServingModelError(`${source}: not JSON (${(cause as Error).message})`, { cause });
  }
  return checkServingModel(raw, source);
}

/** Checks the shape of a serving model (sizes agree with the number of labels and horizons). */
export function checkServingModel(raw: unknown, source: string): ServingModelRecord {
  const fail = (path: string, message: string): never => {
    throw new ServingModelError(`${source}: ${path}: ${message}`);
  };
  const r = record(raw) ?? fail('(root)', 'expected an object');
  if (r.kind !== SERVING_MODEL_KIND) fail('kind', `expected "${SERVING_MODEL_KIND}"`);
  if (r.schemaVersion !== SERVING_MODEL_SCHEMA_VERSION) {
    fail(
      'schemaVersion',
      `version ${JSON.stringify(r.schemaVersion)} is not supported (this FINML reads ${SERVING_MODEL_SCHEMA_VERSION})`,
    );
  }
  if (typeof r.version !== 'string' || r.version === '') fail('version', 'expected a non-empty string');
  const labels = r.labels;
  if (
    !Array.isArray(labels) ||
    labels.length < 2 ||
    !labels.every((l) => typeof l === 'string' && l !== '')
  ) {
    fail('labels', 'expected at least two non-empty strings');
  }
  const k = (labels as string[]).length;
  const markov = record(r.markov) ?? fail('markov', 'expected an object');
  const p = matrix(markov.transitionMatrix, k, k) ?? fail('markov.transitionMatrix', `must be ${k}×${k}`);
  p.forEach((row, i) => {
    const sum = row.reduce((a, b) => a + b, 0);
    if (row.some((v) => !(v >= 0 && v <= 1)) || Math.abs(sum - 1) > 1e-9) {
      fail(`markov.transitionMatrix.${i}`, `row ${i} is not a probability distribution`);
    }
  });
  const absorbing = record(markov.absorbing) ?? fail('markov.absorbing', 'expected an object');
  const state = absorbing.state;
  if (!isIndex(state, k)) fail('markov.absorbing.state', `must be in 0..${k - 1}`);
  const maxHorizon = absorbing.maxHorizon;
  if (!Number.isInteger(maxHorizon) || (maxHorizon as number) < 1) {
    fail('markov.absorbing.maxHorizon', 'must be a positive integer');
  }
  if (!vector(absorbing.expectedSteps, k)) fail('markov.absorbing.expectedSteps', `must have ${k} numbers`);
  if (!matrix(absorbing.reachWithin, k, maxHorizon as number)) {
    fail('markov.absorbing.reachWithin', `must be ${k}×${maxHorizon}`);
  }
  const posterior = record(markov.posterior) ?? fail('markov.posterior', 'expected an object');
  if (typeof posterior.mass !== 'number') fail('markov.posterior.mass', 'expected a number');
  const horizons = posterior.horizons;
  if (!Array.isArray(horizons) || !horizons.every((h) => Number.isInteger(h) && h >= 1)) {
    fail('markov.posterior.horizons', 'expected positive integers');
  }
  const reach = record(posterior.reachWithin) ?? fail('markov.posterior.reachWithin', 'expected an object');
  const steps =
    record(posterior.expectedSteps) ?? fail('markov.posterior.expectedSteps', 'expected an object');
  for (const bound of ['lower', 'upper'] as const) {
    if (!matrix(reach[bound], k, (horizons as number[]).length)) {
      fail(`markov.posterior.reachWithin.${bound}`, `must be ${k}×${(horizons as number[]).length}`);
    }
    if (!vector(steps[bound], k)) fail(`markov.posterior.expectedSteps.${bound}`, `must have ${k} numbers`);
  }
  const latest = record(r.latest) ?? fail('latest', 'expected an object');
  for (const [symbol, value] of Object.entries(latest)) {
    const l = record(value) ?? fail(`latest.${symbol}`, 'expected an object');
    if (typeof l.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(l.date)) {
      fail(`latest.${symbol}.date`, 'must be YYYY-MM-DD');
    }
    if (!isIndex(l.state, k)) fail(`latest.${symbol}.state`, `must be in 0..${k - 1}`);
    if (typeof l.regime !== 'string') fail(`latest.${symbol}.regime`, 'expected a string');
  }
  if (r.semiMarkov !== undefined) {
    const m = record(r.semiMarkov) ?? fail('semiMarkov', 'expected an object');
    const jump = matrix(m.jump, k, k) ?? fail('semiMarkov.jump', `must be ${k}×${k}`);
    if (jump.some((row) => row.some((v) => !(v >= 0 && v <= 1))))
      fail('semiMarkov.jump', 'must hold probabilities');
    if (!vector(m.maxAge, k) || !(m.maxAge as number[]).every((d) => Number.isInteger(d) && d >= 0))
      fail('semiMarkov.maxAge', `must have ${k} non-negative integers`);
    if (!vector(m.tailHazard, k)) fail('semiMarkov.tailHazard', `must have ${k} numbers`);
    if (!Array.isArray(m.hazard) || m.hazard.length !== k) fail('semiMarkov.hazard', `must have ${k} rows`);
    (m.hazard as unknown[]).forEach((row, i) => {
      const d = (m.maxAge as number[])[i]!;
      if (!vector(row, d + 2) || !(row as number[]).every((h) => h >= 0 && h <= 1))
        fail(`semiMarkov.hazard.${i}`, `must have ${d + 2} probabilities (ages 0..D+1)`);
    });
  }
  if (r.risk !== undefined) {
    const risk = record(r.risk) ?? fail('risk', 'expected an object');
    const levels = risk.levels;
    if (!Array.isArray(levels) || !levels.every((q) => typeof q === 'number' && q > 0 && q < 1))
      fail('risk.levels', 'expected levels in (0, 1)');
    const L = (levels as number[]).length;
    const hs = risk.horizons;
    if (
      !Array.isArray(hs) ||
      hs[0] !== 1 ||
      hs[hs.length - 1] !== risk.maxHorizon ||
      !hs.every((h, i) => Number.isInteger(h) && (i === 0 || h > hs[i - 1]))
    )
      fail('risk.horizons', 'must increase from 1 to risk.maxHorizon');
    const H = (hs as number[]).length;
    if (!Array.isArray(risk.oneDay) || risk.oneDay.length !== k)
      fail('risk.oneDay', `must have ${k} entries`);
    for (const field of ['valueAtRisk', 'expectedShortfall'] as const) {
      const v = risk[field];
      if (!Array.isArray(v) || v.length !== k) fail(`risk.${field}`, `must have ${k} entries`);
      (v as unknown[]).forEach((curve, i) => {
        if (curve !== null && !matrix(curve, L, H as number))
          fail(`risk.${field}.${i}`, `must be null or ${L}×${H}`);
      });
    }
  }
  if (r.horizonForecasts !== undefined) {
    if (!Array.isArray(r.horizonForecasts)) fail('horizonForecasts', 'expected an array');
    (r.horizonForecasts as unknown[]).forEach((value, n) => {
      const t = record(value) ?? fail(`horizonForecasts.${n}`, 'expected an object');
      if (!Number.isInteger(t.horizon) || (t.horizon as number) < 1)
        fail(`horizonForecasts.${n}.horizon`, 'must be a positive integer');
      if (typeof t.forecaster !== 'string') fail(`horizonForecasts.${n}.forecaster`, 'expected a string');
      const rows = matrix(t.regime, k, k) ?? fail(`horizonForecasts.${n}.regime`, `must be ${k}×${k}`);
      rows.forEach((row, i) => {
        const sum = row.reduce((a, b) => a + b, 0);
        if (row.some((v) => !(v >= 0 && v <= 1)) || Math.abs(sum - 1) > 1e-9)
          fail(`horizonForecasts.${n}.regime.${i}`, `row ${i} is not a probability distribution`);
      });
      for (const field of ['reachHigh', 'leave'] as const) {
        const v = t[field];
        if (!vector(v, k) || !(v as number[]).every((p) => p >= 0 && p <= 1))
          fail(`horizonForecasts.${n}.${field}`, `must have ${k} probabilities`);
      }
    });
  }
  return raw as ServingModelRecord;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function isIndex(v: unknown, k: number): boolean {
  return Number.isInteger(v) && (v as number) >= 0 && (v as number) < k;
}

/** A number that may be ±Infinity, never NaN. */
function isNumber(v: unknown): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}

function vector(v: unknown, n: number): v is number[] {
  return Array.isArray(v) && v.length === n && v.every(isNumber);
}

function matrix(v: unknown, rows: number, cols: number): number[][] | undefined {
  return Array.isArray(v) && v.length === rows && v.every((row) => vector(row, cols))
    ? (v as number[][])
    : undefined;
}
