/**
 * Serving: where a model in service comes from (its serving model, else its artifact where the
 * context reads artifacts, else a clear 503 error), and that a version in service is not read again.
 */
import { describe, expect, test } from 'vitest';
import { serializeArtifact } from '#shared/model/artifact';
import { ServingModelError, type ServingModelRecord, servingModelOf } from '#shared/model/serving-model';
import type { LiveState, ModelPointer, PointerName, PredictionLogEntry } from '#shared/ports';
import { keys } from '#shared/usecases/lake';
import {
  forgetModelsInService,
  loadServingModel,
  modelsInService,
  NoModelError,
  type ServingContext,
  ServingModelMissingError,
  servePrediction,
  servingModelOfArtifactText,
} from '#shared/usecases/serving';
import { sampleModel } from '../../helpers/model.ts';
import { artifactLike, LABELS } from '../../helpers/serving-model.ts';

const V1 = '20260101T000000-aaaaaaaa';
const V2 = '20260102T000000-bbbbbbbb';

const pointer = (version: string): ModelPointer => ({
  version,
  revision: 1,
  previousVersion: null,
  updatedAt: '2026-01-01T00:00:00.000Z',
  reason: 'test',
});

/** Pointers, serving models and artifacts in memory, counting the reads. */
function memoryContext(options: { servingModels?: ServingModelRecord[]; artifacts?: string[] }) {
  const pointers = new Map<PointerName, ModelPointer>([['production', pointer(V1)]]);
  const serving = new Map((options.servingModels ?? []).map((m) => [m.version, m]));
  const reads = { servingModels: 0, artifacts: 0 };
  const logged: PredictionLogEntry[] = [];
  const live = new Map<string, LiveState>();
  const registry = {
    getPointer: async (name: PointerName) => pointers.get(name),
    getServingModel: async (version: string) => {
      reads.servingModels++;
      return serving.get(version);
    },
    putServingModel: async (model: ServingModelRecord) => void serving.set(model.version, model),
    getLive: async (symbol: string) => live.get(symbol),
  };
  const objects = new Map(
    (options.artifacts ?? []).map((v) => [keys.model(v), serializeArtifact(artifactLike(v) as never)]),
  );
  let now = new Date('2026-01-10T00:00:00.000Z');
  const ctx: ServingContext = {
    registry,
    predictions: {
      put: async (entry) => {
        logged.push(entry);
        return true;
      },
    },
    now: () => now,
    ...(options.artifacts
      ? {
          store: {
            getText: async (_bucket: string, key: string) => {
              reads.artifacts++;
              return objects.get(key);
            },
          },
          buckets: { artifacts: 'artifacts' },
        }
      : {}),
  };
  const advance = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };
  return { ctx, pointers, reads, logged, advance, live };
}

describe('loadServingModel', () => {
  test('reads the registry’s serving model, not the artifact', async () => {
    const stored = servingModelOf(artifactLike(V1));
    const { ctx, reads } = memoryContext({ servingModels: [stored], artifacts: [V1] });
    expect(await loadServingModel(ctx, V1)).toEqual(stored);
    expect(reads).toEqual({ servingModels: 1, artifacts: 0 });
  });

  test('projects the artifact when the version has no serving model and the context reads artifacts', async () => {
    const { ctx, reads } = memoryContext({ artifacts: [V1] });
    expect(await loadServingModel(ctx, V1)).toEqual(
      JSON.parse(JSON.stringify(servingModelOf(artifactLike(V1)))),
    );
    expect(reads.artifacts).toBe(1);
  });

  test('without a serving model or access to artifacts, says what to do (a 503 for the API)', async () => {
    const { ctx } = memoryContext({});
    await expect(loadServingModel(ctx, V1)).rejects.toThrowError(ServingModelMissingError);
    await expect(loadServingModel(ctx, V1)).rejects.toThrowError(/register a model again/);
  });

  test('a registered version whose artifact is missing is an error naming the key', async () => {
    const { ctx } = memoryContext({ artifacts: [] });
    await expect(loadServingModel(ctx, V1)).rejects.toThrowError(`models/${V1}/model.json is missing`);
  });
});

describe('modelsInService', () => {
  test('without a production pointer there is no model', async () => {
    const { ctx, pointers } = memoryContext({});
    pointers.clear();
    await expect(modelsInService(ctx, 5)).rejects.toThrowError(NoModelError);
  });

  test('re-reads the pointers after cacheSeconds but not a version already in service', async () => {
    const { ctx, pointers, reads, advance } = memoryContext({
      servingModels: [servingModelOf(artifactLike(V1)), servingModelOf(artifactLike(V2))],
    });
    await modelsInService(ctx, 5);
    advance(6);
    pointers.set('candidate', { ...pointer(V2), trafficShare: 0.1 });
    const served = await modelsInService(ctx, 5);
    expect(served.candidate?.model.version).toBe(V2);
    expect(reads.servingModels).toBe(2);
    advance(6);
    await modelsInService(ctx, 5);
    expect(reads.servingModels).toBe(2);
  });

  /** The context's pointer reads counted, and held at a gate while `hold` is on. */
  function gatedPointers(ctx: ServingContext) {
    const state = { reads: 0, hold: false, gate: Promise.resolve(), open: () => {} };
    const getPointer = ctx.registry.getPointer;
    ctx.registry.getPointer = async (name) => {
      state.reads++;
      if (state.hold) await state.gate;
      return getPointer(name);
    };
    const close = () => {
      state.hold = true;
      state.gate = new Promise<void>((resolve) => {
        state.open = resolve;
      });
    };
    return { state, close };
  }

  test('within refreshAheadSeconds of expiry the re-read runs in the background: no caller waits for it', async () => {
    const { ctx, pointers, advance } = memoryContext({
      servingModels: [servingModelOf(artifactLike(V1)), servingModelOf(artifactLike(V2))],
    });
    const { state, close } = gatedPointers(ctx);
    await modelsInService(ctx, 5, 1);
    expect(state.reads).toBe(2); // production and candidate

    advance(3.9); // not yet within a second of expiry
    await modelsInService(ctx, 5, 1);
    expect(state.reads).toBe(2);

    close();
    advance(0.2); // 4.1 s old: the background re-read starts, the kept models answer at once
    pointers.set('production', pointer(V2));
    expect((await modelsInService(ctx, 5, 1)).production.model.version).toBe(V1);
    expect((await modelsInService(ctx, 5, 1)).production.model.version).toBe(V1);
    expect(state.reads).toBe(4); // one re-read, not one per call

    state.open();
    await new Promise((resolve) => setTimeout(resolve, 0));
    advance(0.8); // 4.9 s after the first read, 0.8 s after the re-read began
    expect((await modelsInService(ctx, 5, 1)).production.model.version).toBe(V2);
    expect(state.reads).toBe(4);
  });

  test('past expiry with a background re-read still under way, callers wait for that one', async () => {
    const { ctx, pointers, advance } = memoryContext({
      servingModels: [servingModelOf(artifactLike(V1)), servingModelOf(artifactLike(V2))],
    });
    const { state, close } = gatedPointers(ctx);
    await modelsInService(ctx, 5, 1);
    close();
    advance(4.5);
    pointers.set('production', pointer(V2));
    await modelsInService(ctx, 5, 1); // starts the background re-read
    advance(1); // expired
    let answered = false;
    const waiting = modelsInService(ctx, 5, 1).then((served) => {
      answered = true;
      return served;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(answered).toBe(false);
    expect(state.reads).toBe(4); // no second re-read
    state.open();
    expect((await waiting).production.model.version).toBe(V2);
  });

  test('the models in service belong to their context: another context loads its own; forgetting reloads', async () => {
    const models = [servingModelOf(artifactLike(V1))];
    const a = memoryContext({ servingModels: models });
    const b = memoryContext({ servingModels: models });
    await modelsInService(a.ctx, 5);
    await modelsInService(b.ctx, 5);
    expect([a.reads.servingModels, b.reads.servingModels]).toEqual([1, 1]);
    await modelsInService(a.ctx, 5);
    expect(a.reads.servingModels).toBe(1); // cached
    forgetModelsInService(a.ctx);
    await modelsInService(a.ctx, 5);
    expect(a.reads.servingModels).toBe(2);
  });
});

describe('servePrediction', () => {
  test('answers from the serving model and logs the one-day forecast', async () => {
    const { ctx, logged } = memoryContext({ servingModels: [servingModelOf(artifactLike(V1))] });
    const served = await servePrediction(ctx, { symbol: 'SPX', horizon: 3 }, 'r1', {
      cacheSeconds: 5,
      ttlDays: 1,
    });
    expect(served).toMatchObject({ modelVersion: V1, arm: 'production', requestId: 'r1', horizon: 3 });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ symbol: 'SPX', modelVersion: V1, horizon: 3, fromState: 0 });
    expect(logged[0]!.nextDay).toEqual(artifactLike(V1).markov.transitionMatrix[0]);
  });
});

describe('forecasts start from the live state', () => {
  const liveState = (symbol: string, date: string, state: number): LiveState => ({
    symbol,
    date,
    state,
    regime: LABELS[state]!,
    regimeAge: 3,
    riskScore: 0.9,
    features: { log_return: 0, realized_vol_21d: 0.3, drawdown: 0.1 },
    runId: 'run-9',
    at: '2026-01-09T00:00:00.000Z',
  });
  const options = { cacheSeconds: 5, ttlDays: 1 };

  test('a symbol with newer gold than the model is forecast from its newest day, and logged so', async () => {
    const { ctx, logged, live } = memoryContext({ servingModels: [servingModelOf(artifactLike(V1))] });
    live.set('SPX', liveState('SPX', '2020-06-30', 2)); // the model knows SPX Low on 2020-04-17
    const served = await servePrediction(ctx, { symbol: 'SPX', horizon: 1 }, 'r1', options);
    expect(served.from).toEqual({
      regime: 'High',
      state: 2,
      source: 'live gold',
      symbol: 'SPX',
      date: '2020-06-30',
      age: 3,
    });
    expect(Object.values(served.probabilities)).toEqual(artifactLike(V1).markov.transitionMatrix[2]);
    expect(logged[0]).toMatchObject({ fromDate: '2020-06-30', fromState: 2 });
  });

  test('the regime age is part of the answer: the same symbol-day at another age is not served from the first answer', async () => {
    const { model } = await sampleModel({ hmm: false });
    const { ctx, live } = memoryContext({ servingModels: [servingModelOf({ ...model, version: V1 })] });
    live.set('SPX', { ...liveState('SPX', '2020-06-30', 2), regimeAge: 1 });
    const young = await servePrediction(ctx, { symbol: 'SPX', horizon: 21 }, 'r1', options);
    live.set('SPX', { ...liveState('SPX', '2020-06-30', 2), regimeAge: 12 });
    const older = await servePrediction(ctx, { symbol: 'SPX', horizon: 21 }, 'r2', options);
    expect(young.leave.by).toBe('semi-markov');
    expect([young.from.age, older.from.age]).toEqual([1, 12]);
    expect(older.leave.expectedRemainingDays).not.toBe(young.leave.expectedRemainingDays);
    const asked = await servePrediction(
      ctx,
      { symbol: 'SPX', regime: 'High', age: 5, horizon: 21 },
      'r3',
      options,
    );
    expect(asked.from.age).toBe(5);
  });

  test('a symbol the model never saw but with gold is forecast at once; without gold it is unknown', async () => {
    const { ctx, live } = memoryContext({ servingModels: [servingModelOf(artifactLike(V1))] });
    live.set('NEW', liveState('NEW', '2020-06-30', 1));
    const served = await servePrediction(ctx, { symbol: 'NEW', horizon: 5 }, 'r2', options);
    expect(served.from).toMatchObject({ source: 'live gold', state: 1, date: '2020-06-30' });
    await expect(servePrediction(ctx, { symbol: 'NOGOLD', horizon: 5 }, 'r3', options)).rejects.toThrowError(
      /unknown symbol "NOGOLD": it has no gold row \(a symbol gets its first once it has features.volatilityWindow \+ scoring.minHistory days of history/,
    );
  });

  test('a symbol-day asked again is logged once per model and horizon; its arm is the same each time', async () => {
    const { ctx, logged, live, pointers } = memoryContext({
      servingModels: [servingModelOf(artifactLike(V1)), servingModelOf(artifactLike(V2))],
    });
    pointers.set('candidate', { ...pointer(V2), trafficShare: 0.5 });
    live.set('SPX', liveState('SPX', '2020-06-30', 1));
    const arms = new Set<string>();
    for (let r = 0; r < 50; r++) {
      arms.add((await servePrediction(ctx, { symbol: 'SPX', horizon: 5 }, `req-${r}`, options)).arm);
    }
    expect(arms.size).toBe(1);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ requestId: 'req-0', fromDate: '2020-06-30', horizon: 5 });
    expect(logged[0]!.shadow).toBeDefined();
    await servePrediction(ctx, { symbol: 'SPX', horizon: 21 }, 'req-h21', options);
    expect(logged).toHaveLength(2);
    // The next gold day is a new origin: logged again.
    live.set('SPX', liveState('SPX', '2020-07-01', 1));
    await servePrediction(ctx, { symbol: 'SPX', horizon: 5 }, 'req-next', options);
    expect(logged.map((e) => e.fromDate)).toEqual(['2020-06-30', '2020-06-30', '2020-07-01']);
  });

  test('requests of one origin arriving together send one log write; only the first waits for it', async () => {
    const { ctx, logged, live } = memoryContext({ servingModels: [servingModelOf(artifactLike(V1))] });
    live.set('SPX', liveState('SPX', '2020-06-30', 1));
    let release = () => {};
    const written = new Promise<void>((resolve) => {
      release = resolve;
    });
    let puts = 0;
    const put = ctx.predictions.put;
    ctx.predictions.put = async (entry) => {
      puts++;
      await written;
      return put(entry);
    };

    const answered: string[] = [];
    const answers = Array.from({ length: 20 }, (_, r) =>
      servePrediction(ctx, { symbol: 'SPX', horizon: 5 }, `req-${r}`, options).then((a) => {
        answered.push(a.requestId);
        return a;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(puts).toBe(1);
    // The repeats are answered while the first request's write is still under way.
    expect(answered.sort()).toEqual(Array.from({ length: 19 }, (_, r) => `req-${r + 1}`).sort());
    release();

    expect((await Promise.all(answers)).map((a) => a.requestId)).toEqual(
      Array.from({ length: 20 }, (_, r) => `req-${r}`),
    );
    expect(puts).toBe(1);
    expect(logged).toHaveLength(1);
    await servePrediction(ctx, { symbol: 'SPX', horizon: 5 }, 'req-later', options);
    expect(puts).toBe(1);
  });

  test('a failed log write fails its request only, and the next request of the origin writes it', async () => {
    const { ctx, logged, live } = memoryContext({ servingModels: [servingModelOf(artifactLike(V1))] });
    live.set('SPX', liveState('SPX', '2020-06-30', 1));
    let fail: (error: Error) => void = () => {};
    const put = ctx.predictions.put;
    ctx.predictions.put = () =>
      new Promise((_, reject) => {
        fail = reject;
      });

    const first = servePrediction(ctx, { symbol: 'SPX', horizon: 5 }, 'req-0', options);
    const repeat = await servePrediction(ctx, { symbol: 'SPX', horizon: 5 }, 'req-1', options);
    expect(repeat.requestId).toBe('req-1');
    fail(new Error('throttled'));
    await expect(first).rejects.toThrow('throttled');

    ctx.predictions.put = put;
    await servePrediction(ctx, { symbol: 'SPX', horizon: 5 }, 'req-2', options);
    expect(logged.map((e) => e.requestId)).toEqual(['req-2']);
  });

  test('across symbol-days a candidate share of 0.5 answers about half of them', async () => {
    const { ctx, live, pointers } = memoryContext({
      servingModels: [servingModelOf(artifactLike(V1)), servingModelOf(artifactLike(V2))],
    });
    pointers.set('candidate', { ...pointer(V2), trafficShare: 0.5 });
    let candidate = 0;
    for (let d = 0; d < 200; d++) {
      const symbol = `S${d}`;
      live.set(symbol, liveState(symbol, '2020-06-30', 0));
      const served = await servePrediction(ctx, { symbol, horizon: 1 }, `r${d}`, options);
      if (served.arm === 'candidate') candidate++;
    }
    expect(candidate).toBeGreaterThan(70);
    expect(candidate).toBeLessThan(130);
  });

  test('without a live state (older deployments) the model’s training day is the start', async () => {
    const { ctx } = memoryContext({ servingModels: [servingModelOf(artifactLike(V1))] });
    const served = await servePrediction(ctx, { symbol: 'SPX', horizon: 1 }, 'r4', options);
    expect(served.from).toMatchObject({ source: 'latest gold', date: '2020-04-17', state: 0 });
  });
});

describe('servingModelOfArtifactText', () => {
  test.each([
    ['text that is not JSON', '{"kind":', /models\/x: not JSON/],
    ['another kind of document', '{"kind":"other"}', /models\/x: not a FINML model artifact/],
    [
      'an artifact without its chain',
      '{"kind":"finml-regime-model","latest":{}}',
      /models\/x: not a servable model/,
    ],
  ])('refuses %s, naming the key', (_what, text, message) => {
    expect(() => servingModelOfArtifactText(text, 'models/x')).toThrowError(ServingModelError);
    expect(() => servingModelOfArtifactText(text, 'models/x')).toThrowError(message);
  });
});
