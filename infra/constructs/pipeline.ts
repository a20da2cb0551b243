/**
 * Pipeline: the Standard state machine that turns a new bronze object into silver, gold and — when
 * needed — a new model, started by an EventBridge rule on bronze "Object Created" events (`.csv`
 * under the input prefixes). Claim once → validate bronze → clean to silver → gold per symbol (a
 * Distributed Map) → gold gate → realised outcomes → drift check → train + register when needed.
 * Tasks pass keys, never data. Transient errors are retried with backoff and jitter; a data error
 * is not retried: the object is quarantined with its report, an alert is raised, and the run fails.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { EventField, Match, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import {
  Choice,
  Condition,
  DefinitionBody,
  DistributedMap,
  Fail,
  JitterType,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  type TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { PlatformConfig } from '#config/schema';
import { type FinmlFunction, logicalId } from './finml-function.ts';

export interface PipelineTasks {
  readonly claim: FinmlFunction;
  readonly validate: FinmlFunction;
  readonly clean: FinmlFunction;
  readonly gold: FinmlFunction;
  readonly finish: FinmlFunction;
  readonly outcomes: FinmlFunction;
  readonly drift: FinmlFunction;
  readonly train: FinmlFunction;
  readonly register: FinmlFunction;
  readonly quarantine: FinmlFunction;
}

export interface PipelineProps {
  readonly config: PlatformConfig;
  readonly bronze: IBucket;
  readonly tasks: PipelineTasks;
  readonly logRetention: RetentionDays;
  /** Dead-letter queue of the EventBridge targets. */
  readonly deadLetters: IQueue;
  /** Called with every failed, timed-out or aborted execution's status-change event (one alert, claim marked failed). */
  readonly onFailure: FinmlFunction;
}

/** The execution statuses that raise the failure alert. */
export const FAILED_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/** Error name of a rejected input (shared/data/errors.ts DataRejectedError). */
export const DATA_ERROR = 'DataRejectedError';
/** Error name of a retryable AWS failure (shared/aws/errors.ts TransientAwsError). */
export const TRANSIENT_ERROR = 'TransientAwsError';
/** Error name of a symbol that stayed busy (shared/usecases/leases.ts LeaseBusyError): retried too. */
export const LEASE_BUSY_ERROR = 'LeaseBusyError';

export class Pipeline extends Construct {
  readonly stateMachine: StateMachine;
  readonly rule: Rule;
  readonly failureRule: Rule;

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);
    const { config, tasks } = props;
    const retry = config.pipeline.retry;
    const margin = config.pipeline.taskTimeoutMarginSeconds;

    const task = (
      name: string,
      fn: FinmlFunction,
      resultPath: string | null,
      options: { payload?: TaskInput; outputPath?: string } = {},
    ) => {
      const t = new LambdaInvoke(this, name, {
        lambdaFunction: fn,
        payloadResponseOnly: true,
        ...options,
        resultPath: resultPath ?? JsonPath.DISCARD,
        // A task never times out before its function does.
        taskTimeout: Timeout.duration(Duration.seconds((fn.timeout?.toSeconds() ?? 60) + margin)),
        retryOnServiceExceptions: false,
      });
      t.addRetry({
        errors: [
          TRANSIENT_ERROR,
          LEASE_BUSY_ERROR,
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.TooManyRequestsException',
          'States.Timeout',
        ],
        interval: Duration.seconds(retry.intervalSeconds),
        maxAttempts: retry.maxAttempts,
        backoffRate: retry.backoffRate,
        maxDelay: Duration.seconds(retry.maxDelaySeconds),
        jitterStrategy: JitterType.FULL,
      });
      return t;
    };

    const quarantine = task('Quarantine', tasks.quarantine, '$.quarantined').next(
      new Fail(this, 'DataRejected', { error: DATA_ERROR, causePath: '$.error.Cause' }),
    );
    const onDataError = <T extends LambdaInvoke>(t: T): T => {
      t.addCatch(quarantine, { errors: [DATA_ERROR], resultPath: '$.error' });
      return t;
    };

    const claim = task('Claim', tasks.claim, '$.claim');
    const validate = onDataError(task('ValidateBronze', tasks.validate, '$.bronze'));
    const clean = onDataError(task('CleanToSilver', tasks.clean, '$.silver'));
    const goldMap = new DistributedMap(this, 'BuildGold', {
      itemsPath: '$.silver.symbols',
      itemSelector: { symbol: JsonPath.stringAt('$$.Map.Item.Value'), runId: JsonPath.stringAt('$.runId') },
      maxConcurrency: config.pipeline.mapMaxConcurrency,
      resultPath: JsonPath.DISCARD,
    });
    // Each iteration outputs {}: the Map gathers its iterations' outputs into one array, which
    // Step Functions holds to 256 KiB like any state's data, so it must not grow with the symbols.
    goldMap.itemProcessor(task('GoldForSymbol', tasks.gold, null, { outputPath: JsonPath.DISCARD }));
    const finish = onDataError(task('ValidateGold', tasks.finish, '$.goldSummary'));
    const outcomes = task('RecordOutcomes', tasks.outcomes, '$.outcomes');
    const drift = task('DriftCheck', tasks.drift, '$.drift');
    const train = task('Train', tasks.train, '$.trained');
    const register = task('Register', tasks.register, '$.registered');
    const done = new Succeed(this, 'Done');

    const definition = claim.next(
      new Choice(this, 'FirstTime?')
        .when(Condition.booleanEquals('$.claim.claimed', false), new Succeed(this, 'AlreadyProcessed'))
        .otherwise(
          validate
            .next(clean)
            .next(goldMap)
            .next(finish)
            .next(outcomes)
            .next(drift)
            .next(
              new Choice(this, 'Retrain?')
                .when(Condition.booleanEquals('$.drift.retrain', true), train.next(register).next(done))
                .otherwise(done),
            ),
        ),
    );

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(definition),
      timeout: Duration.minutes(config.pipeline.timeoutMinutes),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'Logs', { retention: props.logRetention }),
        level: LogLevel.ALL,
        includeExecutionData: true,
      },
    });

    const ack = (id: string, reason: string) => Validations.of(this.stateMachine).acknowledge({ id, reason });
    for (const fn of Object.values(tasks)) {
      ack(
        `AwsSolutions-IAM5[Resource::<${logicalId(fn)}.Arn>:*]`,
        'Invokes its own task function (any published version of it).',
      );
    }
    ack('AwsSolutions-IAM5[Resource::*]', 'X-Ray tracing actions support no resource-level permissions.');
    const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${logicalId(this.stateMachine)}"}]}]}`;
    ack(
      `AwsSolutions-IAM5[Resource::${executions}/*:*]`,
      'The Distributed Map manages the child executions of this state machine only.',
    );
    ack(
      `AwsSolutions-IAM5[Resource::${executions}:*]`,
      'The Distributed Map reads the executions of this state machine only.',
    );

    this.rule = new Rule(this, 'OnBronzeObject', {
      description: 'Start the FINML pipeline for each new .csv under the bronze input prefixes',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.bronze.bucketName] },
          object: { key: config.lake.inputPrefixes.flatMap((p) => Match.wildcard(`${p}*.csv`)) },
        },
      },
      targets: [
        new SfnStateMachine(this.stateMachine, {
          deadLetterQueue: props.deadLetters,
          retryAttempts: 4,
          input: RuleTargetInput.fromObject({
            bucket: EventField.fromPath('$.detail.bucket.name'),
            key: EventField.fromPath('$.detail.object.key'),
            versionId: EventField.fromPath('$.detail.object.version-id'),
            etag: EventField.fromPath('$.detail.object.etag'),
            runId: EventField.fromPath('$.id'),
          }),
        }),
      ],
    });

    this.failureRule = new Rule(this, 'OnExecutionFailed', {
      description:
        'Every failed, timed-out or aborted FINML pipeline execution: one alert, and its claim marked failed',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [this.stateMachine.stateMachineArn],
          status: [...FAILED_STATUSES],
        },
      },
      targets: [
        new LambdaFunction(props.onFailure, {
          deadLetterQueue: props.deadLetters,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
  }
}
