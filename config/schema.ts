/**
 * The shape of every config file in config/, validated with zod when loaded.
 * Defaults live in the YAML files, never here: a key missing from a file is an error.
 */
import * as z from 'zod';
import { parseIsoDay } from '#shared/data/values';
import { monitoringConfigSchema } from './monitoring-schema.ts';

const columnName = z.string().trim().toLowerCase().min(1);
const probability = z.number().min(0).max(1);
/** A calendar day written YYYY-MM-DD. */
const isoDay = z.string().refine((s) => parseIsoDay(s) !== undefined, 'must be a calendar day, YYYY-MM-DD');

export const dataConfigSchema = z
  .object({
    input: z.strictObject({
      marketPrefix: z.string().min(1),
      riskIndicatorPrefix: z.string().min(1),
      requiredColumns: z.array(columnName).min(1),
      optionalColumns: z.array(columnName),
      columnAliases: z.record(columnName, columnName),
      upperCaseSymbols: z.boolean(),
      earliestDate: isoDay,
      priceColumns: z.array(columnName).min(1),
      spillAboveMiB: z.number().min(0),
    }),
    cleaning: z.strictObject({
      maxForwardFill: z.number().int().min(0),
    }),
    features: z.strictObject({
      volatilityWindow: z.number().int().min(2),
      annualisationDays: z.number().positive(),
    }),
    regimes: z.strictObject({
      weights: z.partialRecord(z.enum(['realized_vol_21d', 'drawdown', 'log_return']), z.number().min(0)),
      thresholds: z.strictObject({ low: probability, high: probability }),
      labels: z
        .array(z.string().min(1))
        .length(3)
        .refine((l) => new Set(l).size === l.length, { message: 'the regime labels must differ' }),
    }),
    scoring: z.strictObject({
      mode: z.enum(['point-in-time', 'reference']),
      minHistory: z.number().int().min(1),
    }),
    quality: z.strictObject({
      gates: z.strictObject({
        bronze: z.number().min(0).max(100),
        silver: z.number().min(0).max(100),
        gold: z.number().min(0).max(100),
      }),
      gapWarningDays: z.number().int().min(1),
    }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.regimes.thresholds.low > c.regimes.thresholds.high) {
      ctx.addIssue({ code: 'custom', path: ['regimes', 'thresholds', 'low'], message: 'must be ≤ high' });
    }
    if (!Object.values(c.regimes.weights).some((w) => w > 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['regimes', 'weights'],
        message: 'needs at least one positive weight',
      });
    }
    for (const col of ['date', 'close']) {
      if (!c.input.requiredColumns.includes(col)) {
        ctx.addIssue({
          code: 'custom',
          path: ['input', 'requiredColumns'],
          message: `must include "${col}"`,
        });
      }
    }
  });

export type DataConfig = z.infer<typeof dataConfigSchema>;

const positiveInt = z.number().int().positive();

export const modelConfigSchema = z.strictObject({
  markov: z.strictObject({
    alpha: z.number().min(0),
    zeroRowPolicy: z.enum(['absorbing', 'uniform']),
    absorbingRegime: z.string().min(1),
    maxHorizon: positiveInt.max(10_000),
    credibleMass: z.number().gt(0).lt(1),
    posteriorSamples: positiveInt,
    seed: z.number().int(),
    mixingEpsilon: z.number().gt(0).lt(1),
    significanceLevel: z.number().gt(0).lt(1),
  }),
  evaluation: z.strictObject({
    folds: z.number().int().min(2),
    gap: z.number().int().min(0),
    horizons: z
      .array(positiveInt)
      .min(1)
      .refine((hs) => new Set(hs).size === hs.length, 'must not list a horizon twice'),
    persistenceEpsilon: z.number().gt(0).lt(0.5),
    calibrationBins: z.number().int().min(2),
  }),
  hmm: z.strictObject({
    enabled: z.boolean(),
    states: z.number().int().min(2),
    starts: positiveInt,
    seed: z.number().int(),
    maxIterations: positiveInt,
    tolerance: z.number().positive(),
    screenObservations: positiveInt,
    minSymbolRows: z.number().int().min(2),
    varianceFloorRatio: z.number().positive(),
    returnScale: z.number().positive(),
    evaluate: z.boolean(),
    densityEvaluation: z.boolean(),
  }),
  reference: z.strictObject({
    quantiles: z.number().int().min(2).max(1000),
  }),
  experiments: z.strictObject({
    sensitivity: z.strictObject({
      alpha: z.array(z.number().min(0)).min(1),
      thresholds: z.array(z.tuple([probability, probability])).min(1),
      volatilityWindow: z.array(z.number().int().min(2)).min(1),
      weights: z.array(z.tuple([z.number().min(0), z.number().min(0)])).min(1),
    }),
    stability: z.strictObject({
      windowDays: z.number().int().min(10),
      stepDays: positiveInt,
      minRowTransitions: z.number().int().min(0),
    }),
  }),
  semiMarkov: z.strictObject({
    alpha: z.number().min(0),
    minAtRisk: positiveInt,
    hazardPrior: z.number().positive(),
    bootstrapSamples: positiveInt,
    intervalMass: z.number().gt(0).lt(1),
    seed: z.number().int(),
  }),
  risk: z.strictObject({
    levels: z.array(z.number().gt(0).lt(1)).min(1),
    quantiles: z.array(probability).min(1),
    simulationDraws: positiveInt,
    seed: z.number().int(),
    horizons: z.array(positiveInt).min(1),
    historicalWindow: z.number().int().min(2),
  }),
});

export type ModelConfig = z.infer<typeof modelConfigSchema>;

const schedule = z
  .string()
  .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/, 'must be rate(…) or cron(…)');

export const platformConfigSchema = z.strictObject({
  lake: z.strictObject({
    inputPrefixes: z.array(z.string().regex(/^[^/].*\/$/, 'must end with /')).min(1),
    quarantineExpirationDays: positiveInt,
    stagingExpirationDays: positiveInt,
    noncurrentVersionExpirationDays: positiveInt,
    abortIncompleteUploadDays: positiveInt,
    accessLogRetentionDays: positiveInt,
  }),
  functions: z.strictObject({
    memoryMb: z.number().int().min(128).max(10240),
    trainMemoryMb: z.number().int().min(128).max(10240),
    trainMaxGoldRows: positiveInt,
    timeoutSeconds: z.strictObject({
      task: positiveInt.max(900),
      publish: positiveInt.max(900),
      train: positiveInt.max(900),
      api: positiveInt.max(29),
      /** The admin routes' function: POST /admin/reproduce trains (API Gateway stops waiting at 29 s). */
      admin: positiveInt.max(29),
      scheduled: positiveInt.max(900),
    }),
    logRetentionDays: positiveInt,
    localMaxConcurrency: positiveInt.max(1000),
    localLogMaxMiB: positiveInt,
    localTtlSweepMinutes: positiveInt,
    localOutboxMaxMessages: positiveInt,
  }),
  pipeline: z.strictObject({
    retry: z.strictObject({
      intervalSeconds: positiveInt,
      maxAttempts: z.number().int().min(0),
      backoffRate: z.number().min(1),
      maxDelaySeconds: positiveInt,
    }),
    taskTimeoutMarginSeconds: positiveInt,
    mapMaxConcurrency: positiveInt,
    maxSymbolListBytes: positiveInt.max(240_000),
    symbolConcurrency: positiveInt,
    inProcessGoldConcurrency: positiveInt,
    timeoutMinutes: positiveInt,
    symbolLease: z.strictObject({ ttlSeconds: positiveInt, waitSeconds: positiveInt }),
  }),
  schedules: z.strictObject({
    drift: schedule,
    abEvaluation: schedule,
    retraining: schedule,
    retryAttempts: z.number().int().min(0).max(185),
  }),
  api: z
    .strictObject({
      throttle: z.strictObject({ rateLimit: z.number().positive(), burstLimit: positiveInt }),
      quotaPerDay: positiveInt,
      maxBodyBytes: positiveInt,
      maxBatch: positiveInt,
      modelCacheSeconds: z.number().min(0),
      liveStateCacheSeconds: z.number().min(0),
      refreshAheadSeconds: z.number().min(0),
      predictionTtlDays: positiveInt,
    })
    .superRefine((api, ctx) => {
      for (const key of ['modelCacheSeconds', 'liveStateCacheSeconds'] as const) {
        if (api[key] > 0 && api.refreshAheadSeconds >= api[key]) {
          ctx.addIssue({
            code: 'custom',
            path: ['refreshAheadSeconds'],
            message: `must be below ${key} (${api[key]}): a copy is re-read that long before it expires`,
          });
        }
      }
    }),
  athena: z.strictObject({
    // Athena refuses a per-query cutoff below 10 MB (WorkGroupConfiguration.BytesScannedCutoffPerQuery).
    bytesScannedCutoffPerQueryMB: z.number().int().min(10),
    resultExpirationDays: positiveInt,
  }),
  alarms: z.strictObject({
    apiP99LatencyMs: z.number().positive(),
    apiErrorRatePercent: z.number().positive(),
    pipelineFailures: positiveInt,
  }),
});

export type PlatformConfig = z.infer<typeof platformConfigSchema>;

/** Every config file, by name (config/<name>.yaml), with its schema. */
export const configSchemas = {
  data: dataConfigSchema,
  model: modelConfigSchema,
  monitoring: monitoringConfigSchema,
  platform: platformConfigSchema,
} as const;

export type ConfigName = keyof typeof configSchemas;
export type FinmlConfig = { [K in ConfigName]: z.infer<(typeof configSchemas)[K]> };
