/**
 * The JSON the dashboard reads from FINML's HTTP API. These mirror the shapes written by
 * shared/usecases/*.ts, shared/model/report.ts and shared/monitoring/*.ts; they are declared here
 * (not imported) because the dashboard is a separate package that only knows the wire format.
 *
 * JSON has no Infinity: a quantity that may be infinite (a sojourn in a state never left, a
 * passage time to a state never reached) arrives as the string "Infinity" (the artifact writer's
 * convention) or as null (plain JSON.stringify). {@link JsonNumber} covers all three.
 */

export type JsonNumber = number | null | 'Infinity' | '-Infinity';

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

export interface ModelPointer {
  version: string;
  revision: number;
  previousVersion: string | null;
  updatedAt: string;
  reason: string;
  trafficShare?: number;
}

export interface AlertMeasure {
  label: string;
  value: number | string;
  unit: string;
  threshold: number | null;
  breachWhen: '>' | '≥' | '<' | '≤' | null;
}

export interface AlertAction {
  description: string;
  command: string | null;
  dashboardPath: string | null;
}

/** An Alert (shared/monitoring/alerts.ts) as recorded by raiseAlert. */
export interface AlertRecord {
  id: string;
  at: string;
  kind: string;
  subject: string;
  fingerprint: string;
  severity: Severity;
  raisedAt: string;
  since: string;
  title: string;
  whatHappened: string;
  measures: AlertMeasure[];
  systemAction: string;
  userActions: AlertAction[];
  notified?: boolean;
  delivery?: string;
}

export type Layer = 'bronze' | 'silver' | 'gold';
export const LAYERS: readonly Layer[] = ['bronze', 'silver', 'gold'];

/** A LayerQuality (shared/data/quality.ts) with its run, file and (bronze) dropped rows. */
export interface QualityRecord {
  id: string;
  at: string;
  runId: string;
  file: string;
  layer: Layer;
  rows: number;
  score: number;
  gate: number;
  passed: boolean;
  completeness: number;
  validity: number;
  uniqueness: number;
  timeliness: number;
  dropped?: Record<string, number>;
  rowsIn?: number;
  /** Silver records: how many symbols the file had (`symbols` names the first 50). */
  symbolCount?: number;
  symbols?: string[];
  /** Gold records: the run's symbol warnings (not daily rows, a price that never moves, no gold yet), the first 20 of `warningCount`. */
  warnings?: string[];
  warningCount?: number;
  /** Gold records of a run none of whose symbols has gold rows yet: nothing scored, no gate applied. */
  scored?: false;
}

export interface StatusResponse {
  production: ModelPointer | null;
  candidate: ModelPointer | null;
  models: number;
  symbols: number;
  lastQualityRecord: QualityRecord | null;
  latestAlerts: AlertRecord[];
  emptyState: string | null;
}

export interface ProbabilityInterval {
  probability: JsonNumber;
  lower: JsonNumber;
  upper: JsonNumber;
}

export interface CurrentRegime {
  symbol: string;
  date: string;
  regime: string;
  highWithin5: ProbabilityInterval;
  highWithin21: ProbabilityInterval;
  /** P(leaving today's regime within 5 / 21 days), and the chain's expected remaining days in it. */
  leaveWithin5?: number;
  leaveWithin21?: number;
  expectedRemainingDays?: JsonNumber;
  /** Days in today's regime (null for a symbol known only from the model's training day). */
  regimeAge?: number | null;
  /** Today's regime's 1-day VaR/ES per level (null for a model without regime risk). */
  risk?: { level: number; valueAtRisk: number; expectedShortfall: number }[] | null;
}

export interface RegimesResponse {
  modelVersion: string | null;
  labels?: string[];
  symbols: CurrentRegime[];
}

export interface TimelineRow {
  date: string;
  price: number;
  riskScore: number;
  state: number;
}

export interface TimelineResponse {
  symbol: string;
  labels: string[];
  rows: TimelineRow[];
}

export type ModelStage = 'production' | 'candidate' | 'archived' | 'rejected';

export interface ModelVersionRecord {
  version: string;
  createdAt: string;
  stage: ModelStage;
  artifactKey: string;
  metrics: Record<string, number | null>;
  parameters: Record<string, unknown>;
  lineage: {
    symbols: string[];
    rows: number;
    firstDate: string;
    lastDate: string;
    configHash: string;
    codeVersion: string;
  };
}

export interface ModelsResponse {
  production: string | null;
  candidate: string | null;
  versions: ModelVersionRecord[];
}

export interface LikelihoodRatioTest {
  statistic: number;
  df: number;
  pValue: number;
  significanceLevel: number;
  rejected: boolean;
  interpretation: string;
}

export interface Headline {
  n: number;
  accuracy: JsonNumber;
  macroF1: JsonNumber;
  rocAuc: JsonNumber;
  logLoss: JsonNumber;
  brier: JsonNumber;
}

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number;
  observedFrequency: number;
}

export interface IndexRange {
  start: number;
  end: number;
}

/** modelReport(...) of shared/model/report.ts. */
export interface ModelReport {
  version: string;
  createdAt: string;
  labels: string[];
  data: {
    symbols: string[];
    rows: number;
    firstDate: string;
    lastDate: string;
    gold: { file: string; sha256: string; rows: number }[];
    configHash: string;
    codeVersion: string;
  };
  chain: {
    alpha: number;
    counts: number[][];
    transitionMatrix: number[][];
    credibleIntervals: { lower: number[][]; upper: number[][]; mass: number };
    stationary: { value: number[]; lower: number[]; upper: number[] };
    eigenvalues: { re: number; im: number }[];
    spectralGap: number;
    expectedSojourn: JsonNumber[];
    observedMeanRunLength: number[];
    meanFirstPassageTimes: JsonNumber[][];
    meanRecurrenceTimes: JsonNumber[];
    entropyRate: number;
    mixingTime: JsonNumber;
    absorbing: {
      regime: string;
      expectedSteps: { value: JsonNumber[]; lower: JsonNumber[]; upper: JsonNumber[] };
      reachWithin: { horizon: number; value: number[]; lower: number[]; upper: number[] }[];
    };
    tests: { order: LikelihoodRatioTest; homogeneity: LikelihoodRatioTest };
    warnings: string[];
  };
  evaluation: {
    folds: {
      fold: number;
      train: IndexRange;
      test: IndexRange;
      model: Headline;
      persistence: Headline;
      climatology: Headline;
      hmm: Headline | null;
    }[];
    overall: {
      n: number;
      model: Headline;
      persistence: Headline;
      climatology: Headline;
      hmm: Headline | null;
    };
    calibration: { n: number; nBins: number; bins: ReliabilityBin[]; brier: number; classIndex: number };
  };
  /** The horizon backtest (DOMAIN §5 v2); null for a model trained before it (or on a too-short gold). */
  horizons?: HorizonReport | null;
  hmm: {
    returnScale: number;
    means: readonly number[];
    variances: readonly number[];
    transition: readonly (readonly number[])[];
    logLikelihood: number;
    aic: number;
    bic: number;
    degenerate: boolean;
    degeneracyReasons: string[];
  } | null;
  latest: Record<string, { date: string; state: number; regime: string; age?: number }>;
  /** The duration-aware chain (DOMAIN §4.2); absent for models trained before it. */
  semiMarkov?: SemiMarkovReport | null;
  /** Regime-conditional risk and its VaR backtest (DOMAIN §4.4, §5); absent for older models. */
  risk?: RiskReport | null;
}

export interface SemiMarkovReport {
  options: { alpha: number; minAtRisk: number; hazardPrior: number };
  bootstrap: { samples: number; seed: number; mass: number };
  maxAge: number[];
  regimes: {
    regime: string;
    runs: number;
    uncensoredRuns: number;
    longestRun: number;
    shortRuns: { observed: number | null; geometric: number };
    survival: { days: number; semiMarkov: number; chain: number }[];
    expectedRemaining: {
      age: number;
      semiMarkov: JsonNumber;
      lower: JsonNumber;
      upper: JsonNumber;
      chain: JsonNumber;
    }[];
  }[];
}

export interface VarTest {
  n: number;
  violations: number;
  rate: number;
  expectedRate: number;
  kupiec: { statistic: number; pValue: number };
  independence: { statistic: number; pValue: number };
  conditionalCoverage: { statistic: number; pValue: number };
}

export interface RiskReport {
  units: 'log return';
  levels: number[];
  regimes: {
    regime: string;
    distribution: {
      n: number;
      mean: number;
      sd: number | null;
      skewness: number | null;
      risk: { level: number; valueAtRisk: number; expectedShortfall: number }[];
    } | null;
  }[];
  horizons: {
    draws: number;
    seed: number;
    paths: string;
    table: {
      horizon: number;
      byRegime: { regime: string; valueAtRisk: number[] | null; expectedShortfall: number[] | null }[];
    }[];
  };
  backtest: {
    nSplits: number;
    gap: number;
    historicalWindow: number;
    days: number;
    symbols: number;
    levels: { level: number; regime: VarTest; historical: VarTest }[];
  } | null;
}

export interface ModelDetailsResponse {
  record: ModelVersionRecord;
  report: ModelReport;
}

export interface DriftFeatureRecord {
  feature: string;
  ksD: number;
  ksP: number;
  ksBootstrapP: number | null;
  psi: number;
  band: 'none' | 'moderate' | 'significant';
  /** What the statistics were judged against (absent in records written before drift v2). */
  /** `psiAtCeiling`: the calibrated PSI threshold is the most PSI can reach (KS decides alone). */
  thresholds?: { source: 'calibrated' | 'fallback' | 'fixed'; ks: number; psi: number; psiAtCeiling?: true };
  drift: boolean;
}

/** The drift record written by checkDrift (shared/usecases/monitoring.ts). */
export interface DriftRecord {
  id: string;
  at: string;
  modelVersion: string;
  verdict: 'ok' | 'warn' | 'retrain';
  reasons: string[];
  reportKey: string;
  liveAccuracy: number | null;
  /** Symbol-days with a known outcome (log entries before this version: one per horizon asked). */
  liveOutcomes: number;
  /** Model drift (absent in older records): the rule, its verdict, the live log loss and the DM p-value. */
  modelDriftRule?: 'log-loss-dm' | 'accuracy-drop';
  modelDriftVerdict?: 'ok' | 'accuracy-drop' | 'log-loss-rise' | 'not-enough-outcomes';
  liveLogLoss?: number | null;
  modelDriftP?: number | null;
  /** Symbols with gold the check skipped (absent in older records), and the first with their reason. */
  skippedCount?: number;
  skipped?: { symbol: string; reason: string }[];
  /** Drift v2 (absent in older records): a threshold breached on this check, and the run of them. */
  breached?: boolean;
  driftStreak?: number;
  /** retraining.persistChecks when the check ran. */
  persistChecks?: number;
  retrain?: boolean;
  /** Drift reasons that have not yet persisted over retraining.persistChecks checks. */
  pending?: string[];
  /** What stopped a retraining the rules asked for (unchanged gold, a running candidate). */
  blockedBy?: string[];
  cooldownEndsAt?: string | null;
  /**
   * Since the per-symbol statistics moved out of the record (its size no longer grows with the
   * symbols): how many symbols the check covered and drifted, the first drifting ones' names, and
   * where its per-symbol statistics are. The API attaches `symbols` to the newest record only, and
   * `GET /drift?symbol=S` gives one symbol's statistics at each check.
   */
  symbolsKey?: string;
  symbolCount?: number;
  driftingSymbolCount?: number;
  driftingSymbols?: string[];
  /** The newest check, from GET /drift: every symbol it covered (its `symbols` holds up to 100). */
  symbolNames?: string[];
  symbols?: {
    symbol: string;
    window: { from: string; to: string; rows: number };
    features: DriftFeatureRecord[];
    regimeMixP: number;
    regimeMixTv?: number;
    regimeMixThreshold?: number | null;
    regimeMixDrift?: boolean;
    chainP: number;
    chainStatistic: number;
    chainThreshold?: number | null;
    chainDrift?: boolean;
    calibrationChunks?: number;
    anomalies: number;
  }[];
}

export interface RetrainingReason {
  rule: string;
  detail: string;
  value: number | null;
  threshold: number | null;
}

/** The job record written by retrainIfNeeded. */
export interface JobRecord {
  id: string;
  at: string;
  trigger: string;
  status: string;
  version?: string;
  stage?: string;
  reasons?: RetrainingReason[];
  heldByCooldown?: boolean;
  /** Drift v2 (absent in older records): what stopped a retraining, and when the cool-down ends. */
  blockedBy?: string[];
  cooldownEndsAt?: string | null;
  /** An operator's request (POST /admin/retrain) this job answers: its object key. */
  request?: string;
  /** A failed requested retraining: the error. */
  error?: string;
}

export interface Difference {
  estimate: number;
  lower: number;
  upper: number;
  confidenceLevel: number;
}

export interface ArmSummary {
  outcomes: number;
  accuracy: number | null;
  logLoss: number | null;
}

/** AbTestResult (shared/monitoring/ab.ts) as recorded by evaluateCandidate. */
export interface AbTestRecord {
  id: string;
  at: string;
  productionVersion: string;
  candidateVersion: string;
  design: 'paired' | 'unpaired' | 'symbol-day';
  /** `ended`: the candidate was promoted by hand before the test decided. */
  outcome: 'promote' | 'reject' | 'keep-collecting' | 'ended';
  reasons: string[];
  primaryMetric: 'logLoss' | 'accuracy';
  production: ArmSummary;
  candidate: ArmSummary;
  logLossDifference: Difference | null;
  accuracyDifference: Difference | null;
  mcnemar: {
    method: 'exact' | 'chi-square';
    statistic: number;
    pValue: number;
    productionOnlyCorrect: number;
    candidateOnlyCorrect: number;
  } | null;
  sampleSize: {
    plan: { effectSize: number; baselineAccuracy: number; targetAccuracy: number; ratio: number } | null;
    required: { production: number; candidate: number } | null;
    observed: { production: number; candidate: number };
    remaining: { production: number; candidate: number } | null;
    sufficient: boolean;
    dailyOutcomes: number | null;
    daysRemaining: number | null;
  };
  elapsedDays: number;
  maxDurationDays: number;
  evaluatedAt: string;
  /** design symbol-day (v2): the Diebold–Mariano test on the daily log-loss differences. */
  dieboldMariano?: {
    days: number;
    symbolDays: number;
    meanDifference: number | null;
    statistic: number | null;
    pValueBetter: number | null;
    pValueWorse: number | null;
    alpha: number;
    minimumDays: number;
    unpaired: number;
  };
}

export interface RegistryEvent {
  at: string;
  kind: 'registered' | 'promoted' | 'rolled-back' | 'candidate-started' | 'candidate-rejected' | 'retraining';
  version: string | null;
  previousVersion: string | null;
  reason: string;
  details?: Record<string, unknown>;
}

export interface ItemsResponse<T> {
  items: T[];
}

/** GET /config: the validated configuration in force and the versions of the running code. */
export type ConfigResponse = Record<string, unknown>;

export interface PredictRequest {
  symbol: string;
  regime?: string;
  horizon: number;
}

/** Out-of-fold scores of the forecast probability of a yes/no event (P(High within h), P(leave within h)). */
export interface HorizonEventScores {
  n: number;
  observedRate: number;
  meanForecast: number;
  logLoss: number;
  brier: number;
  brierSkill: number | null;
  reliability: { n: number; nBins: number; bins: ReliabilityBin[]; brier: number };
}

export interface HorizonForecasterScores {
  name: string;
  baseline: boolean;
  regime: { n: number; logLoss: number; brier: number; accuracy: number; brierSkill: number | null };
  reachHigh: HorizonEventScores | null;
  leave: HorizonEventScores;
}

export interface HorizonReport {
  numStates: number;
  highState: number;
  nSplits: number;
  gap: number;
  results: {
    horizon: number;
    origins: number;
    nonHighOrigins: number;
    forecasters: HorizonForecasterScores[];
    winner: { name: string; logLoss: number };
  }[];
  skipped: { horizon: number; reason: string }[];
  served: { horizon: number; forecaster: string }[];
}
