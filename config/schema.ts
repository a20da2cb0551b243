/**
 * The shape of every config file in config/, validated with zod when loaded.
 * Defaults live in the YAML files, never here: a key missing from a file is an error.
 */
import { z } from 'zod';
import { monitoringConfigSchema } from './monitoring-schema.ts';

const columnName = z.string().trim().toLowerCase().min(1);
const probability = z.number().min(0).max(1);

export const dataConfigSchema = z
  .object({
    input: z.strictObject({
      marketPrefix: z.string().min(1),
      riskIndicatorPrefix: z.string().min(1),
      requiredColumns: z.array(columnName).min(1),
      optionalColumns: z.array(columnName),
      priceColumns: z.array(columnName).min(1),
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
      labels: z.array(z.string().min(1)).length(3),
    }),
    quality: z.strictObject({
      gates: z.strictObject({
        bronze: z.number().min(0).max(100),
        silver: z.number().min(0).max(100),
        gold: z.number().min(0).max(100),
      }),
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
    varianceFloorRatio: z.number().positive(),
    returnScale: z.number().positive(),
    evaluate: z.boolean(),
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
});

export type ModelConfig = z.infer<typeof modelConfigSchema>;

/** Every config file, by name (config/<name>.yaml), with its schema. */
export const configSchemas = {
  data: dataConfigSchema,
  model: modelConfigSchema,
  monitoring: monitoringConfigSchema,
} as const;

export type ConfigName = keyof typeof configSchemas;
export type FinmlConfig = { [K in ConfigName]: z.infer<(typeof configSchemas)[K]> };
