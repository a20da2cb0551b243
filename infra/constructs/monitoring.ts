/**
 * Monitoring: the EventBridge schedules (drift check hourly, A/B evaluation daily, retraining
 * weekly — expressions from config) with a dead-letter queue on their targets, and the alarms on
 * the API's p99 latency and error rate and on failed pipeline runs, publishing to the alert topic.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { PlatformConfig } from '#config/schema';
import { keys } from '#shared/usecases/lake';
import type { FinmlFunction } from './finml-function.ts';

export interface MonitoringProps {
  readonly config: PlatformConfig;
  readonly topic: ITopic;
  readonly drift: FinmlFunction;
  readonly abEvaluation: FinmlFunction;
  readonly retraining: FinmlFunction;
  /** Trains on an operator's request: the Object Created events of `artifacts` under the request prefix. */
  readonly retrainingRequested: FinmlFunction;
  readonly artifacts: IBucket;
  readonly api: RestApi;
  readonly stateMachine: StateMachine;
}

export class Monitoring extends Construct {
  readonly deadLetters: Queue;
  readonly rules: Rule[];
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config, topic } = props;
    this.deadLetters = new Queue(this, 'ScheduleDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the schedule targets.',
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason: 'A dead-letter queue has no further redrive target; failed events wait here for inspection.',
    });
    const schedule = (name: string, expression: string, fn: FinmlFunction) =>
      new Rule(this, name, {
        description: `FINML ${name} (${expression})`,
        schedule: Schedule.expression(expression),
        targets: [
          new LambdaFunction(fn, {
            deadLetterQueue: this.deadLetters,
            retryAttempts: config.schedules.retryAttempts,
          }),
        ],
      });
    this.rules = [
      schedule('DriftCheck', config.schedules.drift, props.drift),
      schedule('AbEvaluation', config.schedules.abEvaluation, props.abEvaluation),
      schedule('Retraining', config.schedules.retraining, props.retraining),
      new Rule(this, 'OnRetrainingRequest', {
        description: 'FINML retraining requested by an operator (POST /admin/retrain writes the request)',
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created'],
          detail: {
            bucket: { name: [props.artifacts.bucketName] },
            object: { key: [{ prefix: keys.retrainingRequestPrefix }] },
          },
        },
        // One attempt: a request holds its lease for one training (the function's timeout), and a
        // failed one is recorded and alerted, so the operator asks again; a retry would train
        // again without the lease. Events and invocations that fail land in the dead-letter queue.
        targets: [
          new LambdaFunction(props.retrainingRequested, {
            deadLetterQueue: this.deadLetters,
            retryAttempts: 0,
          }),
        ],
      }),
    ];
    props.retrainingRequested.configureAsyncInvoke({
      retryAttempts: 0,
      onFailure: new SqsDestination(this.deadLetters),
    });

    const period = Duration.minutes(5);
    const action = new SnsAction(topic);
    const latency = new Alarm(this, 'ApiP99Latency', {
      alarmDescription: `p99 API latency above ${config.alarms.apiP99LatencyMs} ms`,
      metric: props.api.metricLatency({ statistic: 'p99', period }),
      threshold: config.alarms.apiP99LatencyMs,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const errorRate = new Alarm(this, 'ApiErrorRate', {
      alarmDescription: `API 5xx rate above ${config.alarms.apiErrorRatePercent} %`,
      metric: new MathExpression({
        expression: '100 * errors / MAX([requests, 1])',
        usingMetrics: {
          errors: props.api.metricServerError({ period, statistic: 'Sum' }),
          requests: props.api.metricCount({ period, statistic: 'Sum' }),
        },
        period,
      }),
      threshold: config.alarms.apiErrorRatePercent,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const pipelineFailures = new Alarm(this, 'PipelineFailures', {
      alarmDescription:
        'Pipeline runs failed (no alarm action: each failed run raises its own one alert through the pipeline’s status-change rule)',
      metric: props.stateMachine.metricFailed({ period, statistic: 'Sum' }),
      threshold: config.alarms.pipelineFailures,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [latency, errorRate, pipelineFailures];
    for (const alarm of [latency, errorRate]) alarm.addAlarmAction(action);
  }
}
