/**
 * The shape of config/monitoring.yaml: drift and anomaly thresholds, model drift, retraining rules,
 * alerts (severity, de-duplication, routing), A/B tests and rollback. Defaults live in the YAML,
 * never here: a key missing from the file is an error.
 */
import * as z from 'zod';

const probability = z.number().min(0).max(1);
const openUnit = z.number().gt(0).lt(1);
const positiveInt = z.number().int().positive();
const severity = z.enum(['low', 'medium', 'high', 'critical']);

export const monitoringConfigSchema = z
  .strictObject({
    drift: z.strictObject({
      windowRows: z.number().int().min(2),
      features: z.array(z.enum(['log_return', 'realized_vol_21d', 'drawdown'])).min(1),
      thresholds: z.enum(['calibrated', 'fixed']),
      driftQuantile: openUnit,
      minChunks: z.number().int().min(2),
      ksThreshold: probability,
      bootstrap: z.strictObject({
        enabled: z.boolean(),
        blockLength: positiveInt,
        resamples: positiveInt,
        seed: z.number().int(),
        stopAfterExceedances: positiveInt,
      }),
      psi: z.strictObject({
        bins: z.number().int().min(2),
        floor: openUnit,
        moderate: z.number().positive(),
        significant: z.number().positive(),
      }),
      transitionAlpha: openUnit,
      regimeMixAlpha: openUnit,
    }),
    anomalies: z.strictObject({
      zThreshold: z.number().positive(),
      unusualTransitionProbability: probability,
      isolationForest: z.strictObject({
        contamination: z.number().gt(0).max(0.5),
        nEstimators: positiveInt,
        maxSamples: z.number().int().min(2),
        referenceRows: z.number().int().min(2),
        seed: z.number().int(),
      }),
    }),
    modelDrift: z.strictObject({
      rule: z.enum(['log-loss-dm', 'accuracy-drop']),
      alpha: openUnit,
      accuracyDropThreshold: probability,
      minimumOutcomes: positiveInt,
      confidenceLevel: openUnit,
      liveWindow: positiveInt,
    }),
    retraining: z.strictObject({
      scheduleIntervalDays: z.number().positive(),
      cooldownHours: z.number().min(0),
      persistChecks: positiveInt,
    }),
    alerts: z.strictObject({
      cooldownHours: z.number().min(0),
      digestAbove: z.number().int().min(0),
      digestLookbackDays: z.number().int().min(1),
      severity: z.strictObject({
        dataRejected: severity,
        qualityGateFailed: severity,
        dataDrift: z.strictObject({ ksBreach: severity, psiModerate: severity, psiSignificant: severity }),
        chainDrift: severity,
        modelDegraded: severity,
        accuracyDrop: severity,
        modelPromoted: severity,
        modelRolledBack: severity,
        productionChangedByHand: severity,
        abDecision: z.strictObject({ promote: severity, reject: severity }),
        pipelineFailed: severity,
        pipelineInterrupted: severity,
      }),
      routing: z.strictObject({
        low: z.enum(['email', 'dashboard']),
        medium: z.enum(['email', 'dashboard']),
        high: z.enum(['email', 'dashboard']),
        critical: z.enum(['email', 'dashboard']),
      }),
      delivery: z.strictObject({
        attempts: z.number().int().min(1),
        firstDelayMs: z.number().int().min(0),
      }),
    }),
    abTest: z.strictObject({
      design: z.enum(['symbol-day', 'requests']),
      minimumDays: z.number().int().min(2),
      candidateTrafficShare: openUnit,
      primaryMetric: z.enum(['logLoss', 'accuracy']),
      confidenceLevel: openUnit,
      bootstrapResamples: z.number().int().min(100),
      seed: z.number().int(),
      mcnemarExactBelow: positiveInt,
      minimumDetectableEffect: openUnit,
      alpha: openUnit,
      power: openUnit,
      minimumOutcomesPerArm: positiveInt,
      maxDurationDays: z.number().positive(),
      maxRecords: positiveInt,
    }),
    rollback: z.strictObject({
      accuracyMargin: z.number().min(0).lt(1),
      minimumOutcomes: positiveInt,
      alpha: openUnit,
    }),
  })
  .superRefine((c, ctx) => {
    if (c.drift.psi.moderate > c.drift.psi.significant) {
      ctx.addIssue({ code: 'custom', path: ['drift', 'psi', 'moderate'], message: 'must be ≤ significant' });
    }
    if (c.abTest.power <= c.abTest.alpha) {
      ctx.addIssue({
        code: 'custom',
        path: ['abTest', 'power'],
        message: 'must be above alpha (a test of level alpha has power alpha with no effect)',
      });
    }
  });

export type MonitoringConfig = z.infer<typeof monitoringConfigSchema>;
