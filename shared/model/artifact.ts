/**
 * The model artifact (`model.json`): what training produces, the registry stores and the API serves.
 * Versioned: `schemaVersion` changes when the shape changes, and loading an artifact of another
 * version, or a malformed one, fails with ModelArtifactError naming the source and the field.
 *
 * JSON has no Infinity, but some analytics are infinite by definition (the sojourn of a state never
 * left, the passage time to a state never reached): they are written as the string "Infinity".
 */
import * as z from 'zod';
import type { Feature, ReferenceSample } from '#shared/data/gold';
import type { ServingHorizon, StoredHorizonTable, WalkForwardReport } from '#shared/evaluation/index';
import type { DriftCalibration } from '#shared/monitoring/drift-calibration';
import { ARTIFACT_KIND, ARTIFACT_SCHEMA_VERSION, schemaVersionProblem } from './artifact-version.ts';
import type { StoredRegimeRisk, StoredSemiMarkov } from './duration-risk.ts';
import type { GaussianHmmParams } from './hmm.ts';
import type { DensityComparison } from './hmm-density.ts';
import type { HmmEvaluation } from './hmm-evaluation.ts';
import type { HmmStability } from './hmm-stability.ts';
import type { ChainAnalysis } from './markov.ts';
import { parseModelJson, stringifyModelJson } from './model-json.ts';
import { featureReference, type ModelReferences, referenceSampleOf } from './reference.ts';

export { ARTIFACT_KIND, ARTIFACT_SCHEMA_VERSION };

export class ModelArtifactError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ModelArtifactError';
  }
}

export interface ModelArtifact {
  kind: typeof ARTIFACT_KIND;
  schemaVersion: typeof ARTIFACT_SCHEMA_VERSION;
  /** `<UTC timestamp>-<8 hex of the counts, lineage and α>`, e.g. `20261126T122000-1a2b3c4d`. */
  version: string;
  createdAt: string;
  /** Regime names by state (config regimes.labels). */
  labels: string[];
  /** The fitted chain and every analytic (see ChainAnalysis in markov.ts). */
  markov: ChainAnalysis;
  /**
   * `markov`: the one-day walk-forward evaluation (first version); `horizons`: the horizon backtest
   * (DOMAIN §5 v2) — absent in models trained before it, null when the gold was too short for it.
   */
  evaluation: {
    markov: WalkForwardReport;
    /** The first version's HMM score on the regime labels (config hmm.evaluate); null when off. */
    hmm: HmmEvaluation | null;
    horizons?: StoredHorizonTable | null;
    /** DOMAIN §4.5 v2: the HMM on the predictive density of the next day's return (config hmm.densityEvaluation). */
    hmmDensity?: DensityComparison | null;
  };
  /** What is served at each backtested horizon: its out-of-fold winner, refitted on all rows. */
  horizonForecasts?: ServingHorizon[];
  hmm: {
    /** Returns were multiplied by this before fitting (means/variances are on that scale). */
    returnScale: number;
    params: GaussianHmmParams;
    logLikelihood: number;
    parameterCount: number;
    observationCount: number;
    aic: number;
    bic: number;
    varianceFloor: number;
    stateOccupancy: number[];
    degenerate: boolean;
    degeneracyReasons: string[];
    converged: boolean;
    /** The states matched to the previous production model's (absent or null for the first model). */
    stability?: HmmStability | null;
  } | null;
  /** The duration-aware chain (DOMAIN §4.2) fitted on all rows, with its per-regime summary; absent in older models. */
  semiMarkov?: StoredSemiMarkov;
  /** Regime-conditional risk (DOMAIN §4.4) and its VaR backtest (§5); absent in older models. */
  risk?: StoredRegimeRisk;
  /** How new data is labelled on the training scale. */
  scoring: {
    thresholds: { low: number; high: number };
    weights: Partial<Record<string, number>>;
    volatilityWindow: number;
    annualisationDays: number;
    /**
     * Per symbol and feature: a fixed-size summary of the training values (n, mean, sd, M + 1
     * order statistics, PSI bins) — see shared/model/reference.ts.
     */
    references: ModelReferences;
    /** Per symbol: its calibrated drift thresholds (shared/monitoring/drift-calibration.ts); absent in older models. */
    calibration?: Record<string, DriftCalibration>;
  };
  /** What training left out and why (e.g. a symbol too short for the HMM). */
  notes?: string[];
  /** Each symbol's last gold date and regime at training time. */
  latest: Record<string, { date: string; state: number; regime: string; age?: number }>;
  lineage: {
    gold: { file: string; sha256: string; rows: number }[];
    symbols: string[];
    rows: number;
    firstDate: string;
    lastDate: string;
    configHash: string;
    codeVersion: string;
  };
}

/** A number that may be ±Infinity (never NaN). */
const num = z.custom<number>((v) => typeof v === 'number' && !Number.isNaN(v), {
  message: 'expected a number',
});
const matrix = z.array(z.array(num));
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** Checks a square row-stochastic matrix of size k. */
const stochastic = (k: number) =>
  matrix.superRefine((m, ctx) => {
    if (m.length !== k || m.some((row) => row.length !== k)) {
      ctx.addIssue({ code: 'custom', message: `must be ${k}×${k}` });
      return;
    }
    m.forEach((row, i) => {
      const sum = row.reduce((a, b) => a + b, 0);
      if (row.some((v) => !(v >= 0 && v <= 1)) || Math.abs(sum - 1) > 1e-9) {
        ctx.addIssue({ code: 'custom', path: [i], message: `row ${i} is not a probability distribution` });
      }
    });
  });

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const featureReferenceSchema = z
  .strictObject({
    n: z.number().int().min(1),
    mean: finite,
    sd: finite,
    quantiles: z.array(finite).min(1),
    psi: z
      .strictObject({
        bins: z.number().int().min(1),
        n: z.number().int().min(1),
        innerEdges: z.array(finite),
        counts: z.array(z.number().int().min(0)),
      })
      .nullable(),
  })
  .superRefine((r, ctx) => {
    if (r.quantiles.length > r.n + 1) {
      ctx.addIssue({ code: 'custom', path: ['quantiles'], message: `more than n + 1 = ${r.n + 1} values` });
    }
    for (let i = 1; i < r.quantiles.length; i++) {
      if (!(r.quantiles[i]! >= r.quantiles[i - 1]!)) {
        ctx.addIssue({ code: 'custom', path: ['quantiles', i], message: 'quantiles must be ascending' });
        break;
      }
    }
    if (r.psi !== null && r.psi.counts.length !== r.psi.innerEdges.length + 1) {
      ctx.addIssue({ code: 'custom', path: ['psi', 'counts'], message: 'must have one count per bin' });
    }
  });

const artifactSchema = z
  .looseObject({
    kind: z.literal(ARTIFACT_KIND),
    schemaVersion: z.literal(ARTIFACT_SCHEMA_VERSION),
    notes: z.array(z.string()).optional(),
    version: z.string().min(1),
    createdAt: z.iso.datetime(),
    labels: z.array(z.string().min(1)).min(2),
    markov: z.looseObject({
      states: z.number().int().min(2),
      alpha: z.number().min(0),
      counts: matrix,
      transitionMatrix: matrix,
      credibleIntervals: z.looseObject({ lower: matrix, upper: matrix, mass: num }),
      stationary: z.array(num),
      spectralGap: num,
      expectedSojourn: z.array(num),
      observedMeanRunLength: z.array(num),
      meanFirstPassageTimes: matrix,
      meanRecurrenceTimes: z.array(num),
      absorbing: z.looseObject({
        state: z.number().int(),
        expectedSteps: z.array(num),
        reachWithin: matrix,
        maxHorizon: z.number().int().positive(),
      }),
      entropyRate: num,
      mixingTime: num,
      posterior: z.looseObject({
        horizons: z.array(z.number().int()),
        stationary: z.looseObject({ lower: z.array(num), upper: z.array(num) }),
        reachWithin: z.looseObject({ lower: matrix, upper: matrix }),
        expectedSteps: z.looseObject({ lower: z.array(num), upper: z.array(num) }),
      }),
      tests: z.looseObject({
        order: z.looseObject({ pValue: num }),
        homogeneity: z.looseObject({ pValue: num }),
      }),
      warnings: z.array(z.string()),
    }),
    evaluation: z.looseObject({
      markov: z.looseObject({
        nPairs: z.number().int(),
        folds: z.array(z.looseObject({})),
        overall: z.looseObject({}),
      }),
      hmm: z.looseObject({ folds: z.array(z.looseObject({})), overall: z.looseObject({}) }).nullable(),
      horizons: z
        .looseObject({ results: z.array(z.looseObject({ horizon: z.number().int().positive() })) })
        .nullable()
        .optional(),
    }),
    horizonForecasts: z
      .array(
        z.strictObject({
          horizon: z.number().int().positive(),
          forecaster: z.string().min(1),
          logLoss: num,
          markovLogLoss: num.nullable(),
          regime: matrix,
          reachHigh: z.array(num),
          leave: z.array(num),
        }),
      )
      .optional(),
    hmm: z
      .looseObject({
        returnScale: z.number().positive(),
        params: z.looseObject({
          kind: z.literal('gaussian-hmm'),
          states: z.number().int(),
          transition: matrix,
          means: z.array(num),
          variances: z.array(num),
        }),
        logLikelihood: num,
        degenerate: z.boolean(),
      })
      .nullable(),
    scoring: z.looseObject({
      thresholds: z.strictObject({ low: num, high: num }),
      weights: z.record(z.string(), num),
      volatilityWindow: z.number().int(),
      annualisationDays: num,
      references: z.record(z.string(), z.record(z.string(), featureReferenceSchema)),
    }),
    latest: z.record(
      z.string(),
      z.strictObject({
        date: isoDate,
        state: z.number().int(),
        regime: z.string(),
        age: z.number().int().positive().optional(),
      }),
    ),
    semiMarkov: z
      .looseObject({
        jump: matrix,
        maxAge: z.array(z.number().int().min(0)),
        hazard: z.array(z.array(num)),
        tailHazard: z.array(num),
        regimes: z.array(z.looseObject({ regime: z.string() })),
      })
      .optional(),
    risk: z
      .looseObject({
        levels: z.array(num),
        oneDay: z.array(
          z.looseObject({ valueAtRisk: z.array(num), expectedShortfall: z.array(num) }).nullable(),
        ),
        maxHorizon: z.number().int().positive(),
        horizons: z.array(z.number().int().positive()),
        valueAtRisk: z.array(z.array(z.array(num)).nullable()),
        expectedShortfall: z.array(z.array(z.array(num)).nullable()),
        regimes: z.array(z.looseObject({}).nullable()),
        backtest: z.looseObject({}).nullable(),
      })
      .optional(),
    lineage: z.looseObject({
      gold: z.array(z.looseObject({ file: z.string(), sha256: z.string(), rows: z.number().int() })),
      symbols: z.array(z.string()),
      rows: z.number().int(),
      firstDate: isoDate,
      lastDate: isoDate,
      configHash: z.string(),
      codeVersion: z.string(),
    }),
  })
  .superRefine((a, ctx) => {
    const k = a.labels.length;
    if (a.markov.states !== k)
      ctx.addIssue({ code: 'custom', path: ['markov', 'states'], message: `must equal the ${k} labels` });
    const p = stochastic(k).safeParse(a.markov.transitionMatrix);
    if (!p.success) {
      for (const issue of p.error.issues) {
        ctx.addIssue({
          code: 'custom',
          path: ['markov', 'transitionMatrix', ...issue.path],
          message: issue.message,
        });
      }
    }
    for (const [symbol, latest] of Object.entries(a.latest)) {
      if (latest.state < 0 || latest.state >= k) {
        ctx.addIssue({
          code: 'custom',
          path: ['latest', symbol, 'state'],
          message: `must be in 0..${k - 1}`,
        });
      }
    }
  });

/**
 * The model's references as the data pipeline takes them (`buildGold` modelReferences): per symbol
 * the summaries' order statistics, so new rows are labelled on the scale the model was trained on
 * (each empirical-CDF score within 1/(2M) of the one against the full training sample).
 */
export function modelReferences(artifact: ModelArtifact): Map<string, ReferenceSample> {
  return new Map(
    Object.entries(artifact.scoring.references).map(([symbol, features]) => [
      symbol,
      referenceSampleOf(features),
    ]),
  );
}

/** A version-1 artifact's sorted samples as exact summaries (M = n: every value kept). */
function upgradeVersion1(raw: Record<string, unknown>): void {
  const scoring = raw.scoring as { references?: unknown } | undefined;
  const refs = scoring?.references;
  if (typeof refs !== 'object' || refs === null) return;
  const upgraded: ModelReferences = {};
  for (const [symbol, features] of Object.entries(refs as Record<string, unknown>)) {
    if (typeof features !== 'object' || features === null) return;
    const out: ModelReferences[string] = {};
    for (const [feature, values] of Object.entries(features as Record<string, unknown>)) {
      if (!Array.isArray(values) || values.length === 0 || !values.every((v) => Number.isFinite(v))) return;
      out[feature as Feature] = featureReference(values as number[], {
        quantiles: values.length,
        psiBins: null,
      });
    }
    upgraded[symbol] = out;
  }
  scoring!.references = upgraded;
  raw.schemaVersion = ARTIFACT_SCHEMA_VERSION;
}

/** The artifact as JSON text, with ±Infinity written as strings. */
export function serializeArtifact(artifact: ModelArtifact): string {
  return `${stringifyModelJson(artifact)}\n`;
}

/**
 * Parses and validates an artifact. `source` (a path or key) is named in every error, e.g.
 * `out/model/model.json: markov.transitionMatrix.1: row 1 is not a probability distribution`.
 */
export function parseArtifact(text: string, source: string): ModelArtifact {
  let raw: unknown;
  try {
    raw = parseModelJson(text);
  } catch (cause) {
    throw new ModelArtifactError(`${source}: not JSON (${(cause as Error).message})`, { cause });
  }
  if (typeof raw === 'object' && raw !== null) {
    const r = raw as Record<string, unknown>;
    if (r.kind !== ARTIFACT_KIND) {
      throw new ModelArtifactError(
        `${source}: not a FINML model artifact (kind is ${JSON.stringify(r.kind)})`,
      );
    }
    const versionProblem = schemaVersionProblem(source, r.schemaVersion);
    if (versionProblem !== undefined) throw new ModelArtifactError(versionProblem);
    if (r.schemaVersion === 1) upgradeVersion1(r);
  }
  const result = artifactSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 5)
      .map((i) => `${source}: ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ModelArtifactError(issues.join('\n'), { cause: result.error });
  }
  return result.data as unknown as ModelArtifact;
}
