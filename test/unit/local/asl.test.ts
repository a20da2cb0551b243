/**
 * The local ASL interpreter against the Amazon States Language specification's rules: input and
 * output processing, Retry (interval × backoff^attempt, capped, full jitter) and Catch, Choice, Map,
 * Parallel, Fail, timeouts and abort — and definitions it refuses rather than run differently.
 */
import { describe, expect, test } from 'vitest';
import {
  type AslEvent,
  AslStateMachine,
  ExecutionAbortedError,
  ExecutionFailedError,
  ExecutionTimedOutError,
  type RunOptions,
  UnsupportedDefinitionError,
} from '../../../infra/local/asl.ts';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f';

/** An error as a Lambda handler raises it: the name is the Step Functions Error. */
function named(name: string, message = 'boom'): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

function options(
  task: RunOptions['task'],
  extra: Partial<RunOptions> = {},
): RunOptions & { slept: number[] } {
  const slept: number[] = [];
  return {
    task,
    sleep: async (ms) => {
      slept.push(ms);
    },
    random: () => 0.5,
    ...extra,
    slept,
  };
}

describe('input and output processing', () => {
  test('InputPath, Parameters with paths and the context object, ResultSelector, ResultPath and OutputPath', async () => {
    const machine = new AslStateMachine({
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: ARN,
          InputPath: '$.order',
          Parameters: { 'id.$': '$.id', 'exec.$': '$$.Execution.Name', fixed: { n: 1 } },
          ResultSelector: { 'total.$': '$.sum' },
          ResultPath: '$.order.result',
          OutputPath: '$.order',
          End: true,
        },
      },
    });
    const seen: unknown[] = [];
    const output = await machine.run(
      { order: { id: 'a1' }, other: true },
      options(
        async (_s, _r, input) => {
          seen.push(input);
          return { sum: 42, noise: 'x' };
        },
        { context: { Execution: { Name: 'run-1' } } },
      ),
    );
    expect(seen).toEqual([{ id: 'a1', exec: 'run-1', fixed: { n: 1 } }]);
    expect(output).toEqual({ id: 'a1', result: { total: 42 } });
  });

  test('ResultPath null keeps the input; the default replaces it with the result', async () => {
    const machine = new AslStateMachine({
      StartAt: 'Keep',
      States: {
        Keep: { Type: 'Task', Resource: ARN, ResultPath: null, Next: 'Replace' },
        Replace: { Type: 'Task', Resource: ARN, End: true },
      },
    });
    const inputs: unknown[] = [];
    const out = await machine.run(
      { a: 1 },
      options(async (state, _r, input) => {
        inputs.push(input);
        return { from: state };
      }),
    );
    expect(inputs).toEqual([{ a: 1 }, { a: 1 }]);
    expect(out).toEqual({ from: 'Replace' });
  });

  test('a path that matches nothing fails the state with States.Runtime', async () => {
    const machine = new AslStateMachine({
      StartAt: 'P',
      States: { P: { Type: 'Pass', InputPath: '$.missing', End: true } },
    });
    await expect(
      machine.run(
        {},
        options(async () => null),
      ),
    ).rejects.toMatchObject({
      name: 'ExecutionFailedError',
      error: 'States.Runtime',
    });
  });
});

describe('Retry and Catch', () => {
  const retrying = (maxAttempts: number) =>
    new AslStateMachine({
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: ARN,
          Retry: [
            {
              ErrorEquals: ['TransientAwsError'],
              IntervalSeconds: 2,
              MaxAttempts: maxAttempts,
              BackoffRate: 3,
              MaxDelaySeconds: 10,
              JitterStrategy: 'FULL',
            },
          ],
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
          ResultPath: '$.result',
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    });

  test('retries a matching error with interval × backoff^attempt, capped at MaxDelaySeconds, times the jitter', async () => {
    let calls = 0;
    const opts = options(async () => {
      calls++;
      if (calls <= 3) throw named('TransientAwsError');
      return 'ok';
    });
    const events: AslEvent[] = [];
    const out = await retrying(4).run({}, { ...opts, onEvent: (e) => events.push(e) });
    expect(out).toEqual({ result: 'ok' });
    // 2 s, 6 s, min(18, 10) s — each × 0.5 (full jitter draws uniformly below the delay).
    expect(opts.slept).toEqual([1000, 3000, 5000]);
    expect(events.filter((e) => e.type === 'retried')).toHaveLength(3);
  });

  test('when the attempts run out, the Catch puts {Error, Cause} at its ResultPath and goes to Next', async () => {
    const opts = options(async () => {
      throw named('TransientAwsError', '{"errorMessage":"slow down"}');
    });
    const out = await retrying(2).run({ a: 1 }, opts);
    expect(opts.slept).toHaveLength(2);
    expect(out).toEqual({
      a: 1,
      error: { Error: 'TransientAwsError', Cause: '{"errorMessage":"slow down"}' },
    });
  });

  test('an error no retrier matches is not retried', async () => {
    const opts = options(async () => {
      throw named('DataRejectedError');
    });
    const out = (await retrying(4).run({}, opts)) as { error: { Error: string } };
    expect(opts.slept).toEqual([]);
    expect(out.error.Error).toBe('DataRejectedError');
  });

  test('States.TaskFailed covers task errors but not States.Timeout; a task past TimeoutSeconds fails with it', async () => {
    const machine = new AslStateMachine({
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: ARN,
          TimeoutSeconds: 1,
          Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Succeed' },
      },
    });
    const never = () => new Promise<never>(() => undefined);
    await expect(machine.run({}, options(never))).rejects.toMatchObject({ error: 'States.Timeout' });
    const caught = await machine.run(
      {},
      options(async () => {
        throw named('SomeHandlerError');
      }),
    );
    expect(caught).toEqual({ Error: 'SomeHandlerError', Cause: 'boom' });
  });
});

describe('Choice', () => {
  const machine = new AslStateMachine({
    StartAt: 'C',
    States: {
      C: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.flag', BooleanEquals: true, Next: 'Yes' },
          {
            And: [
              { Variable: '$.n', NumericGreaterThanEquals: 10 },
              { Not: { Variable: '$.name', StringEquals: 'skip' } },
            ],
            Next: 'Big',
          },
          {
            Or: [
              { Variable: '$.missing', IsPresent: true },
              { Variable: '$.n', NumericLessThanPath: '$.limit' },
            ],
            Next: 'Under',
          },
        ],
        Default: 'Other',
      },
      Yes: { Type: 'Pass', Result: 'yes', End: true },
      Big: { Type: 'Pass', Result: 'big', End: true },
      Under: { Type: 'Pass', Result: 'under', End: true },
      Other: { Type: 'Pass', Result: 'other', End: true },
    },
  });
  test.each([
    [{ flag: true }, 'yes'],
    [{ flag: false, n: 12, name: 'go' }, 'big'],
    [{ flag: false, n: 12, name: 'skip', limit: 20 }, 'under'],
    [{ flag: false, n: 30, name: 'skip', limit: 20 }, 'other'],
  ])('%j → %s', async (input, expected) => {
    expect(
      await machine.run(
        input,
        options(async () => null),
      ),
    ).toBe(expected);
  });

  test('no matching rule and no Default fails with States.NoChoiceMatched', async () => {
    const strict = new AslStateMachine({
      StartAt: 'C',
      States: {
        C: { Type: 'Choice', Choices: [{ Variable: '$.x', StringEquals: 'a', Next: 'A' }] },
        A: { Type: 'Succeed' },
      },
    });
    await expect(
      strict.run(
        { x: 'b' },
        options(async () => null),
      ),
    ).rejects.toMatchObject({
      error: 'States.NoChoiceMatched',
    });
  });
});

describe('Map and Parallel', () => {
  test('a Map of 30 concurrent iterations adds no more abort listeners than Node allows without a warning', async () => {
    // Each running iteration listens on its scope's signal and removes the listener when it ends;
    // Node warns (MaxListenersExceededWarning) past 10 listeners on one signal — what a user saw.
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    const machine = new AslStateMachine({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 30,
          ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: ARN, End: true } } },
          End: true,
        },
      },
    });
    try {
      const items = Array.from({ length: 30 }, (_, i) => i);
      const out = await machine.run(
        { items },
        options(async (_s, _r, input) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return input;
        }),
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(out).toEqual(items);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  test('a Map keeps the items in order, runs at most MaxConcurrency at once, and selects each item', async () => {
    const machine = new AslStateMachine({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemsPath: '$.symbols',
          ItemSelector: {
            'symbol.$': '$$.Map.Item.Value',
            'index.$': '$$.Map.Item.Index',
            'runId.$': '$.runId',
          },
          MaxConcurrency: 2,
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Work',
            States: { Work: { Type: 'Task', Resource: ARN, End: true } },
          },
          ResultPath: '$.results',
          End: true,
        },
      },
    });
    let running = 0;
    let peak = 0;
    const symbols = ['A', 'B', 'C', 'D', 'E'];
    const out = await machine.run(
      { symbols, runId: 'r' },
      options(async (_s, _r, input) => {
        running++;
        peak = Math.max(peak, running);
        const { symbol, index } = input as { symbol: string; index: number };
        await new Promise((resolve) => setTimeout(resolve, (5 - index) * 3));
        running--;
        return `${symbol}${index}`;
      }),
    );
    expect(out).toEqual({ symbols, runId: 'r', results: ['A0', 'B1', 'C2', 'D3', 'E4'] });
    expect(peak).toBe(2);
  });

  test('an item that fails fails the Map, and the Map state can catch it', async () => {
    const machine = new AslStateMachine({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: ARN, End: true } } },
          Catch: [{ ErrorEquals: ['BadItem'], ResultPath: '$', Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    });
    const out = await machine.run(
      [1, 2, 3],
      options(async (_s, _r, item) => {
        if (item === 2) throw named('BadItem', 'two');
        return item;
      }),
    );
    expect(out).toEqual({ Error: 'BadItem', Cause: 'two' });
  });

  test('Parallel gives each branch the input and returns their outputs in branch order', async () => {
    const machine = new AslStateMachine({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Pass', InputPath: '$.a', End: true } } },
            { StartAt: 'B', States: { B: { Type: 'Pass', Result: 'fixed', End: true } } },
          ],
          End: true,
        },
      },
    });
    expect(
      await machine.run(
        { a: 7 },
        options(async () => null),
      ),
    ).toEqual([7, 'fixed']);
  });
});

describe('ending an execution', () => {
  test('a Fail state ends it with its Error and the Cause taken from CausePath', async () => {
    const machine = new AslStateMachine({
      StartAt: 'F',
      States: { F: { Type: 'Fail', Error: 'DataRejectedError', CausePath: '$.error.Cause' } },
    });
    const failure = await machine
      .run(
        { error: { Cause: 'line 3: bad date' } },
        options(async () => null),
      )
      .catch((e) => e);
    expect(failure).toBeInstanceOf(ExecutionFailedError);
    expect(failure).toMatchObject({ error: 'DataRejectedError', causeText: 'line 3: bad date' });
  });

  test('abort stops a running execution, even in a retry wait', async () => {
    const machine = new AslStateMachine({
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: ARN,
          Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 60 }],
          End: true,
        },
      },
    });
    const controller = new AbortController();
    const run = machine.run(
      {},
      {
        task: async () => {
          setTimeout(() => controller.abort(), 10);
          throw named('Flaky');
        },
        signal: controller.signal,
      },
    );
    await expect(run).rejects.toBeInstanceOf(ExecutionAbortedError);
  });

  test('an execution longer than the machine TimeoutSeconds times out', async () => {
    const machine = new AslStateMachine({
      StartAt: 'W',
      TimeoutSeconds: 1,
      States: { W: { Type: 'Wait', Seconds: 60, End: true } },
    });
    await expect(machine.run({}, { task: async () => null })).rejects.toBeInstanceOf(ExecutionTimedOutError);
  });
});

describe('definitions it will not run', () => {
  test.each([
    [
      'an intrinsic function',
      {
        StartAt: 'P',
        States: { P: { Type: 'Pass', Parameters: { 'x.$': "States.Format('{}', $.a)" }, End: true } },
      },
      /P\.Parameters: "x\.\$": intrinsic functions/,
    ],
    [
      'JSONata',
      { QueryLanguage: 'JSONata', StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
      /JSONata/,
    ],
    [
      'a Map ItemReader',
      {
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            ItemReader: { Resource: 'arn:aws:states:::s3:getObject', Parameters: { Bucket: 'b', Key: 'k' } },
            ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
            End: true,
          },
        },
      },
      /M: ItemReader is not supported locally/,
    ],
    [
      'a missing Next target',
      { StartAt: 'P', States: { P: { Type: 'Pass', Next: 'Nowhere' } } },
      /invalid state machine definition/,
    ],
  ])('%s', (_what, definition, message) => {
    expect(() => new AslStateMachine(definition)).toThrow(UnsupportedDefinitionError);
    expect(() => new AslStateMachine(definition)).toThrow(message);
  });
});

describe('cancellation and the errors Step Functions never retries (review findings)', () => {
  test('a failed Map item stops the Map: no further item starts and the running ones are cancelled', async () => {
    const machine = new AslStateMachine({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 2,
          ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: ARN, End: true } } },
          Catch: [{ ErrorEquals: ['BadItem'], ResultPath: '$.error', Next: 'Caught' }],
          ResultPath: '$.results',
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    });
    const started: number[] = [];
    let finishedAfterFailure = 0;
    let failed = false;
    const out = await machine
      .run(
        { items: [0, 1, 2, 3] },
        options(async (_s, _r, item) => {
          started.push(item as number);
          if (item === 0) {
            failed = true;
            throw named('BadItem', 'zero');
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
          if (failed) finishedAfterFailure++;
          return item;
        }),
      )
      .catch((e) => e);
    // Items 0 and 1 started together; 0 failed; 2 and 3 never started. The Map was caught.
    expect(started).toEqual([0, 1]);
    expect(out).toMatchObject({ error: { Error: 'BadItem', Cause: 'zero' } });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(finishedAfterFailure).toBe(1); // item 1's own Lambda ran on, as in AWS; its result was dropped
  });

  test('an abort during a running task ends the execution ABORTED at once, even on the last state', async () => {
    const machine = new AslStateMachine({
      StartAt: 'T',
      States: { T: { Type: 'Task', Resource: ARN, End: true } },
    });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 30);
    await expect(
      machine.run(
        {},
        {
          task: () => new Promise((resolve) => setTimeout(() => resolve('late'), 1500)),
          signal: controller.signal,
        },
      ),
    ).rejects.toBeInstanceOf(ExecutionAbortedError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('States.Runtime (a path that matches nothing) is neither retried nor caught, even by States.ALL', async () => {
    const machine = new AslStateMachine({
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: ARN,
          OutputPath: '$.missing',
          Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 3 }],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Succeed' },
      },
    });
    let calls = 0;
    await expect(
      machine.run(
        {},
        options(async () => {
          calls++;
          return { present: true };
        }),
      ),
    ).rejects.toMatchObject({ error: 'States.Runtime' });
    expect(calls).toBe(1);
  });

  describe('the 256 KiB payload quota (States.DataLimitExceeded)', () => {
    const taskMachine = (extra: Record<string, unknown> = {}) =>
      new AslStateMachine({
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: ARN,
            Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 3 }],
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
            ...extra,
            End: true,
          },
          Caught: { Type: 'Succeed' },
        },
      });
    /** A JSON string value of exactly `bytes` UTF-8 bytes once quoted inside {"s": …}. */
    const payload = (bytes: number, unit = 'a') => ({
      s: unit.repeat((bytes - 8) / Buffer.byteLength(unit)),
    });

    test('a task result of 256 KiB passes; one byte more fails the execution, neither retried nor caught', async () => {
      expect(Buffer.byteLength(JSON.stringify(payload(262_144)))).toBe(262_144);
      await expect(
        taskMachine({ ResultPath: null }).run(
          {},
          options(async () => payload(262_144)),
        ),
      ).resolves.toEqual({});
      let calls = 0;
      await expect(
        taskMachine().run(
          {},
          options(async () => {
            calls++;
            return payload(262_146); // {"s":"…"} with two more characters
          }),
        ),
      ).rejects.toMatchObject({ error: 'States.DataLimitExceeded' });
      expect(calls).toBe(1);
    });

    test('bytes are counted as UTF-8: 87,400 three-byte characters are over the quota', async () => {
      const wide = { s: '€'.repeat(87_400) }; // 87,408 characters of JSON, 262,208 bytes
      await expect(
        taskMachine().run(
          {},
          options(async () => wide),
        ),
      ).rejects.toMatchObject({
        error: 'States.DataLimitExceeded',
        causeText: expect.stringContaining('262208 bytes'),
      });
    });

    test('a state output over the quota fails even when the task result alone is within it', async () => {
      const half = payload(140_000);
      const machine = new AslStateMachine({
        StartAt: 'T',
        States: { T: { Type: 'Task', Resource: ARN, ResultPath: '$.result', End: true } },
      });
      await expect(
        machine.run(
          half,
          options(async () => half),
        ),
      ).rejects.toMatchObject({
        error: 'States.DataLimitExceeded',
        causeText: expect.stringContaining('the output of state T'),
      });
    });

    test("a Map's gathered iteration results are held to the quota, however small each one is", async () => {
      const map = (outputPath: string | null | undefined) =>
        new AslStateMachine({
          StartAt: 'M',
          States: {
            M: {
              Type: 'Map',
              ItemsPath: '$.items',
              ResultPath: null,
              ItemProcessor: {
                StartAt: 'T',
                States: {
                  T: {
                    Type: 'Task',
                    Resource: ARN,
                    ...(outputPath === undefined ? {} : { OutputPath: outputPath }),
                    End: true,
                  },
                },
              },
              End: true,
            },
          },
        });
      // 6,000 items of {"symbol":"S0000n"}: each output is tiny, the array of them is not.
      const items = Array.from({ length: 6000 }, (_, i) => `S${String(i).padStart(5, '0')}`);
      const echo = options(async (_name, _resource, input) => ({ symbol: input, padding: 'x'.repeat(30) }));
      await expect(map(undefined).run({ items }, echo)).rejects.toMatchObject({
        error: 'States.DataLimitExceeded',
        causeText: expect.stringContaining('6000 iteration results of the Map'),
      });
      // With OutputPath null each iteration's output is {}: the array stays far below the quota.
      await expect(map(null).run({ items }, echo)).resolves.toEqual({ items });
    });
  });

  test('a ResultPath through a value that is not an object is States.ResultPathMatchFailure', async () => {
    const machine = new AslStateMachine({
      StartAt: 'P',
      States: { P: { Type: 'Pass', Result: 1, ResultPath: '$.a.b', End: true } },
    });
    await expect(
      machine.run(
        { a: 'text' },
        options(async () => null),
      ),
    ).rejects.toMatchObject({
      error: 'States.ResultPathMatchFailure',
    });
    await expect(
      machine.run(
        [1, 2],
        options(async () => null),
      ),
    ).rejects.toMatchObject({
      error: 'States.ResultPathMatchFailure',
    });
    expect(
      await machine.run(
        { a: { c: 2 } },
        options(async () => null),
      ),
    ).toEqual({ a: { c: 2, b: 1 } });
  });

  test('a Wait whose SecondsPath is not a number fails instead of not waiting', async () => {
    const machine = new AslStateMachine({
      StartAt: 'W',
      States: { W: { Type: 'Wait', SecondsPath: '$.s', End: true } },
    });
    await expect(
      machine.run(
        { s: 'ten' },
        options(async () => null),
      ),
    ).rejects.toMatchObject({
      error: 'States.Runtime',
    });
  });

  test('StringMatches: * is a wildcard, \\* a literal star', async () => {
    const machine = new AslStateMachine({
      StartAt: 'C',
      States: {
        C: {
          Type: 'Choice',
          Choices: [{ Variable: '$.key', StringMatches: 'market_data/*\\*.csv', Next: 'Yes' }],
          Default: 'No',
        },
        Yes: { Type: 'Pass', Result: 'yes', End: true },
        No: { Type: 'Pass', Result: 'no', End: true },
      },
    });
    expect(
      await machine.run(
        { key: 'market_data/a*.csv' },
        options(async () => null),
      ),
    ).toBe('yes');
    expect(
      await machine.run(
        { key: 'market_data/ab.csv' },
        options(async () => null),
      ),
    ).toBe('no');
  });

  test.each([
    [
      'a waitForTaskToken task',
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: ARN },
            End: true,
          },
        },
      },
      /integration pattern is not supported/,
    ],
    [
      'a Catch with Assign',
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: ARN,
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'E', Assign: { x: 1 } }],
            End: true,
          },
          E: { Type: 'Succeed' },
        },
      },
      /T\.Catch: Assign is not supported/,
    ],
  ])('refuses %s', (_what, definition, message) => {
    expect(() => new AslStateMachine(definition)).toThrow(message);
  });
});
